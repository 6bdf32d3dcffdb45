"""Generic web page adapter driven by CSS selectors in the account options."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from alerts.timeutil import utc_now
from scraper.errors import Blocked, LayoutChanged, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import FetchMode, Page

FIXTURES = Path(__file__).parent / "fixtures" / "platforms" / "web"
URL = "https://disdik.example.go.id/berita"
SELECTORS = {"post": "article.post", "id": "@data-id", "text": ".body", "link": "a.permalink@href",
             "time": "time@datetime", "empty": ".tidak-ada-berita"}
web = get_adapter("web")


def parse(name: str, options: dict, *, status: int = 200):
    page = Page(url=URL, final_url=URL, status=status, body=(FIXTURES / name).read_text(encoding="utf-8"),
                fetched_at=utc_now())
    return web.parse(page, Account("web", URL, options=options))


def test_selectors_give_id_link_time_text_media():
    posts = parse("news.html", {"selectors": SELECTORS})
    assert [p.post_id for p in posts] == ["berita-311", "berita-310"]
    first, second = posts
    assert first.url == "https://disdik.example.go.id/berita/311-lomba-cerdas-cermat"
    # no offset on the page: read as WITA (UTC+8)
    assert first.published == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert first.text == "Lomba diikuti 24 sekolah dasar.\n\nPemenang dapat piala & beasiswa."
    assert first.media == ("https://disdik.example.go.id/uploads/lcc.jpg",)
    assert second.published == datetime(2026, 11, 18, 1, 0, tzinfo=timezone.utc)
    assert second.text == "ASN wajib netral dalam Pilkada.\nLaporkan pelanggaran ke Bawaslu."
    assert second.raw.startswith('<article class="post" data-id="berita-310"')


def test_post_selector_finds_exactly_the_post():
    posts = parse("news.html", {"selectors": SELECTORS})
    soup = BeautifulSoup((FIXTURES / "news.html").read_text(encoding="utf-8"), "lxml")
    for post in posts:
        [element] = soup.select(web.post_selector(post))
        assert element.get("data-id") == post.post_id


def test_defaults_id_from_permalink_then_text_hash_and_time_format():
    options = {"selectors": {"post": "div.item", "text": "p.isi", "link": "a.more@href", "time": "span.tgl"},
               "time_format": "%d/%m/%Y %H:%M"}
    linked, unlinked = parse("news_without_ids.html", options)
    assert linked.post_id == linked.url == "https://disdik.example.go.id/kegiatan/kunjungan-sotek"
    assert linked.published == datetime(2026, 11, 5, 6, 0, tzinfo=timezone.utc)
    assert unlinked.post_id == "sha256:" + hashlib.sha256(b"Pengumuman tanpa tautan.").hexdigest()[:20]
    assert unlinked.url == URL
    soup = BeautifulSoup((FIXTURES / "news_without_ids.html").read_text(encoding="utf-8"), "lxml")
    assert len(soup.select(web.post_selector(linked))) == 1
    assert web.post_selector(unlinked) is None


def test_whole_post_text_when_no_text_selector():
    [post] = parse("redesigned.html", {"selectors": {"post": "div.card-news", "id": "@data-key"}})
    assert post.post_id == "berita-312" and post.text == "Tampilan baru situs dinas\nSitus dirombak."


def test_empty_marker_means_no_posts():
    assert parse("empty.html", {"selectors": SELECTORS}) == []


@pytest.mark.parametrize(("fixture", "options", "status", "error"), [
    pytest.param("empty.html", {"selectors": {"post": "article.post"}}, 200, LayoutChanged,
                 id="no-posts-without-empty-marker"),
    pytest.param("redesigned.html", {"selectors": SELECTORS}, 200, LayoutChanged, id="redesigned-page"),
    pytest.param("body_selector_gone.html", {"selectors": SELECTORS}, 200, LayoutChanged, id="text-selector-gone"),
    pytest.param("news.html", {"selectors": SELECTORS}, 404, NotFound, id="http-404"),
    pytest.param("news.html", {}, 200, LayoutChanged, id="no-selectors"),
])
def test_health_verdicts(fixture, options, status, error):
    with pytest.raises(error):
        parse(fixture, options, status=status)


def test_cloudflare_page_is_blocked():
    body = "<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body></html>"
    page = Page(url=URL, final_url=URL, status=403, body=body, fetched_at=utc_now())
    with pytest.raises(Blocked):
        web.parse(page, Account("web", URL, options={"selectors": SELECTORS}))


@pytest.mark.parametrize(("options", "problem"), [
    pytest.param({"selectors": SELECTORS}, None, id="valid"),
    pytest.param({}, "selectors.post", id="missing-selectors"),
    pytest.param({"selectors": {"id": "@data-id"}}, "selectors.post", id="missing-post"),
    pytest.param({"selectors": {"post": "article..post"}}, "tidak sah", id="bad-css"),
    pytest.param({"selectors": {"post": "a", "judul": "h2"}}, "judul", id="unknown-selector-key"),
    pytest.param({"selectors": {"post": "a"}, "timezone": "Mars/Olympus"}, "zona waktu", id="bad-timezone"),
    pytest.param({"selectors": {"post": "a"}, "browser": "ya"}, "browser", id="browser-not-bool"),
])
def test_check_account(options, problem):
    problems = web.check_account(URL, options)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_fetch_mode_and_wait():
    http = Account("web", URL, options={"selectors": SELECTORS, "browser": False})
    browser = Account("web", URL, options={"selectors": SELECTORS, "wait": "main.feed"})
    default = Account("web", URL, options={"selectors": SELECTORS})
    assert web.fetch_mode(http) is FetchMode.HTTP and web.wait_selector(http) is None
    assert web.fetch_mode(browser) is FetchMode.BROWSER and web.wait_selector(browser) == "main.feed"
    # rendered in Chromium by default, waiting for the post selector
    assert web.fetch_mode(default) is FetchMode.BROWSER and web.wait_selector(default) == SELECTORS["post"]
    assert web.fetch_url(http) == URL
