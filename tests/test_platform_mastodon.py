"""Mastodon adapter: profile RSS and REST API JSON."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from platform_pages import fixture_page
from scraper.errors import LayoutChanged, LoginWall, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import Page

ACCOUNT = Account("mastodon", "https://sosial.example.id/@andi")
API_ACCOUNT = Account("mastodon", "https://sosial.example.id/@andi", options={"api": True})
masto = get_adapter("mastodon")


def page(name: str, *, status: int = 200, url: str = "https://sosial.example.id/@andi.rss") -> Page:
    return fixture_page("mastodon", name, url=url, status=status)


RAPAT_TEXT = "Rapat persiapan Pilkada di kantor camat Penajam.\n\nNetralitas ASN harga mati! #pilkada"
RAPAT_MEDIA = ("https://sosial.example.id/system/media_attachments/files/113/456/original/rapat.jpg",)


@pytest.mark.parametrize("fixture", [pytest.param("user.rss", id="rss"), pytest.param("statuses.json", id="api")])
def test_rss_and_api_agree_on_the_same_status(fixture):
    post = masto.parse(page(fixture), ACCOUNT)[0]
    assert post.post_id == "113456789012345678"
    assert post.url == "https://sosial.example.id/@andi/113456789012345678"
    assert post.published == datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
    assert post.text == RAPAT_TEXT
    assert post.media == RAPAT_MEDIA
    assert "pilkada" in post.extra["tags"]


def test_api_keeps_boosts_marked_as_shares_and_reads_spoiler_and_poll():
    posts = masto.parse(page("statuses.json"), ACCOUNT)
    assert [p.post_id for p in posts] == ["113456789012345678", "113450000000000002", "113440000000000003"]
    boost = posts.pop(1)
    assert boost.text == "Coblos nomor 3!"  # the boosted status's content is what the account spread
    assert boost.extra["share"] is True and boost.extra["share_kind"] == "boost"
    assert boost.extra["original_author"] == "calon@lain.example.id"
    assert boost.extra["original_url"] == "https://lain.example.id/@calon/113449999999999999"
    assert boost.extra["boosted_by"] == "andi"
    assert boost.published == datetime(2026, 11, 9, 10, 0, tzinfo=timezone.utc)
    assert not any(p.extra.get("share") for p in posts)
    poll = posts[1]
    assert poll.text == "Politik\n\nSiapa pilihan warga Sepaku?\n\n- Paslon 1\n- Paslon 2"
    assert poll.extra["in_reply_to_id"] == "113430000000000000"
    assert poll.extra["card_url"] == "https://berita.example.id/pilkada-ppu"
    assert posts[0].extra["edited_at"] == "2026-11-10T02:05:00.000Z"
    assert '"id": "113456789012345678"' in posts[0].raw


def test_rss_second_item_and_single_status():
    assert masto.parse(page("user.rss"), ACCOUNT)[1].text == "Selamat pagi PPU"
    single = masto.parse(page("status_single.json"), ACCOUNT)
    assert [(p.post_id, p.text) for p in single] == [("113400000000000001", "Selamat pagi PPU")]


def test_empty_account_api():
    assert masto.parse(page("statuses_empty.json"), API_ACCOUNT) == []


@pytest.mark.parametrize(("fixture", "status", "error"), [
    pytest.param("error_not_found.json", 404, NotFound, id="api-record-not-found"),
    pytest.param("error_auth.json", 401, LoginWall, id="api-limited-instance-needs-login"),
    pytest.param("not_found.html", 404, NotFound, id="html-404"),
    pytest.param("profile_html.html", 200, LayoutChanged, id="html-profile-instead-of-feed"),
])
def test_health_verdicts(fixture, status, error):
    with pytest.raises(error):
        masto.parse(page(fixture, status=status), ACCOUNT)


@pytest.mark.parametrize(("account", "memo", "resolution", "expected"), [
    pytest.param(ACCOUNT, {}, None, "https://sosial.example.id/@andi.rss", id="rss-default"),
    pytest.param(Account("mastodon", "http://127.0.0.1:8123/@andi"), {}, None, "http://127.0.0.1:8123/@andi.rss",
                 id="loopback-host-kept"),
    pytest.param(API_ACCOUNT, {}, "https://sosial.example.id/api/v1/accounts/lookup?acct=andi",
                 "https://sosial.example.id/@andi.rss", id="api-unresolved-falls-back-to-rss"),
    pytest.param(API_ACCOUNT, {"account_id": "109876543210"}, None,
                 "https://sosial.example.id/api/v1/accounts/109876543210/statuses",
                 id="api-resolved"),
    pytest.param(Account("mastodon", "https://sosial.example.id/api/v1/accounts/5/statuses"), {}, None,
                 "https://sosial.example.id/api/v1/accounts/5/statuses", id="api-url-given"),
])
def test_fetch_url_and_resolution(account, memo, resolution, expected):
    assert masto.needs_resolution(account, memo) == resolution
    assert masto.fetch_url(account, memo) == expected


def test_parse_resolution_reads_lookup():
    assert masto.parse_resolution(page("lookup.json")) == {"account_id": "109876543210"}
    with pytest.raises(NotFound):
        masto.parse_resolution(page("error_not_found.json", status=404))


def test_check_account_and_no_inference():
    assert masto.check_account("https://sosial.example.id/@andi", {}) == []
    assert masto.check_account("https://sosial.example.id/users/andi", {})
    assert infer_platform("https://sosial.example.id/@andi") is None  # any instance: platform named explicitly
