"""The profile step of a run (scraper/profile_watch.py) over a real loopback site.

Real HTTP fetcher and politeness gate, real profile store files; the OCR
reader is built with Tesseract reported missing, so these tests run anywhere
(the OCR path is covered by tests/test_e2e_images.py).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from e2e_images_site import Actor, ImagesSite
from scraper.config import OcrSettings
from scraper.fetch.http import HttpFetcher
from scraper.fetch.politeness import HostGate
from scraper.models import Account
from scraper.ocr import ImageFetcher, OcrReader
from scraper.platforms.base import Page
from scraper.profile import ProfileStore
from scraper.profile_watch import read_profile

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


@dataclass
class Services:  # the two collaborators read_profile uses, built for real
    http: Any
    ocr: Any
    profiles: Any


@pytest.fixture
def site():
    s = ImagesSite().start()
    s.actors["siti.test"] = Actor("siti.test", "Siti", bio="Staf puskesmas", avatar="")
    yield s
    s.stop()


def run(services, account, now, page=None):
    async def go():
        try:
            return await read_profile(services, account, page, now)
        finally:
            await services.http.aclose()
    return asyncio.run(go())


def services(tmp_path) -> Services:
    gate = HostGate(min_delay=0, jitter=0)
    ocr = OcrReader(OcrSettings(), tmp_path / "ocr", ImageFetcher(user_agent="t", gate=gate),
                    status=(False, "Tesseract tidak ditemukan"))
    return Services(HttpFetcher(user_agent="t", gate=gate, retries=0), ocr, ProfileStore(tmp_path))


def test_bluesky_profile_first_sight_then_a_bio_change(tmp_path, site):
    account = Account("bluesky", f"{site.base}/profile/siti.test")
    svc = services(tmp_path)
    first = run(svc, account, T0)
    assert [i.change.field for i in first.items] == ["display_name", "bio"]
    assert all(i.change.first for i in first.items)
    assert svc.profiles.current(account) is None  # nothing stored before commit
    first.commit(T0)
    assert svc.profiles.current(account).bio == "Staf puskesmas"
    assert site.hits["/xrpc/app.bsky.actor.getProfile"] == 1

    site.actors["siti.test"].bio = "Relawan 02"
    site.actors["siti.test"].avatar = "new.png"  # OCR off: compared by URL, nothing to read
    svc = services(tmp_path)
    second = run(svc, account, T0 + timedelta(hours=1))
    assert [(i.change.field, i.text) for i in second.items] == [("bio", "Relawan 02")]
    assert second.items[0].post.post_id.startswith("profil-bio-")
    assert [c.field for c in second.commit(T0 + timedelta(hours=1))] == ["bio", "avatar"]


def test_a_profile_that_cannot_be_read_never_fails_the_run(tmp_path, site):
    gone = Account("bluesky", f"{site.base}/profile/nobody.test")  # getProfile answers 404
    result = run(services(tmp_path), gone, T0)
    assert result.items == [] and result.profile is None
    assert result.commit(T0) == []
    closed = Account("bluesky", "http://127.0.0.1:1/profile/siti.test")  # connection refused
    assert run(services(tmp_path), closed, T0).items == []


def test_platforms_without_a_profile_parser_are_skipped(tmp_path, site):
    page = Page(url="x", final_url="x", status=200, body="<html/>", fetched_at=T0)
    result = run(services(tmp_path), Account("web", f"{site.base}/web/x"), T0, page)
    assert result.items == [] and result.profile is None
