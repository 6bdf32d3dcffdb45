"""YouTube adapter: channel Atom feed and @handle resolution."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from platform_pages import fixture_page
from scraper.errors import ConsentWall, FetchError, LayoutChanged, NotFound, PantauError
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import Page

CHANNEL_ID = "UCq3Zk8mRtWm0pPenajamPPU"
FEED_URL = f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL_ID}"
yt = get_adapter("youtube")


def page(name: str, *, status: int = 200, url: str = FEED_URL, final_url: str | None = None) -> Page:
    return fixture_page("youtube", name, url=url, final_url=final_url, status=status)


ACCOUNT = Account("youtube", f"https://www.youtube.com/channel/{CHANNEL_ID}")


def test_feed_entries_skip_ads_and_keep_description_lines():
    posts = yt.parse(page("feed.xml"), ACCOUNT)
    assert [p.post_id for p in posts] == ["aB3dE5gH7jK", "Zz9Yy8Xx7Ww"]
    first = posts[0]
    assert first.url == "https://www.youtube.com/watch?v=aB3dE5gH7jK"
    assert first.published == datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
    assert first.text == ("Vlog: Sosialisasi program desa di Waru\n\nKunjungan ke Kecamatan Waru.\n"
                          "Jangan lupa datang ke TPS tanggal 27 November & pilih yang terbaik!")
    assert first.media == ("https://i3.ytimg.com/vi/aB3dE5gH7jK/hqdefault.jpg",)
    assert first.extra["views"] == "345" and first.extra["channel_id"] == CHANNEL_ID
    assert "aB3dE5gH7jK" in first.raw and "Zz9Yy8Xx7Ww" not in first.raw
    assert posts[1].text == "Panen padi di Sotek"


def test_empty_channel_feed():
    assert yt.parse(page("feed_empty.xml"), ACCOUNT) == []


@pytest.mark.parametrize(("fixture", "kw", "error"), [
    pytest.param("consent.html", {"final_url": "https://consent.youtube.com/m?continue=x"}, ConsentWall,
                 id="consent-redirect"),
    pytest.param("not_found.html", {"status": 404}, NotFound, id="http-404-unknown-channel"),
    pytest.param("channel_page_no_id.html", {}, LayoutChanged, id="html-instead-of-feed"),
    pytest.param("not_found.html", {"status": 500}, FetchError, id="feed-outage-500-is-a-fetch-error"),
])
def test_feed_verdicts(fixture, kw, error):
    with pytest.raises(error):
        yt.parse(page(fixture, **kw), ACCOUNT)


@pytest.mark.parametrize(("url", "options", "memo", "expected"), [
    pytest.param(f"https://www.youtube.com/channel/{CHANNEL_ID}", {}, {}, FEED_URL, id="channel-url"),
    pytest.param(FEED_URL, {}, {}, FEED_URL, id="feed-url"),
    pytest.param("https://www.youtube.com/@budisantosoppu", {}, {"channel_id": CHANNEL_ID}, FEED_URL,
                 id="handle-with-memo"),
    pytest.param("https://www.youtube.com/@budisantosoppu", {"channel_id": CHANNEL_ID}, {}, FEED_URL,
                 id="handle-with-option"),
    pytest.param("http://127.0.0.1:8123/@budi", {}, {"channel_id": CHANNEL_ID},
                 f"http://127.0.0.1:8123/feeds/videos.xml?channel_id={CHANNEL_ID}", id="loopback-host-kept"),
])
def test_fetch_url(url, options, memo, expected):
    account = Account("youtube", url, options=options)
    assert yt.needs_resolution(account, memo) is None
    assert yt.fetch_url(account, memo) == expected


def test_handle_needs_resolution_once():
    account = Account("youtube", "https://www.youtube.com/@budisantosoppu")
    assert yt.needs_resolution(account, {}) == "https://www.youtube.com/@budisantosoppu"
    with pytest.raises(PantauError):
        yt.fetch_url(account)
    memo = yt.parse_resolution(page("channel_page.html", url=account.url))
    assert memo == {"channel_id": CHANNEL_ID}
    assert yt.needs_resolution(account, memo) is None


@pytest.mark.parametrize(("fixture", "kw", "expected"), [
    pytest.param("channel_page.html", {}, {"channel_id": CHANNEL_ID}, id="canonical-before-other-channel-ids"),
    pytest.param("channel_page_json_only.html", {}, {"channel_id": CHANNEL_ID}, id="channelId-in-json"),
    pytest.param("channel_page_no_id.html", {}, LayoutChanged, id="no-id-layout-changed"),
    pytest.param("consent.html", {}, ConsentWall, id="consent-page"),
    pytest.param("not_found.html", {"status": 404}, NotFound, id="removed-handle-404"),
])
def test_parse_resolution(fixture, kw, expected):
    resolution_page = page(fixture, url="https://www.youtube.com/@budisantosoppu", **kw)
    if isinstance(expected, dict):
        assert yt.parse_resolution(resolution_page) == expected
    else:
        with pytest.raises(expected):
            yt.parse_resolution(resolution_page)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.youtube.com/@budisantosoppu", True),
    (f"https://www.youtube.com/channel/{CHANNEL_ID}", True),
    ("https://www.youtube.com/c/BudiSantoso", True),
    ("https://www.youtube.com/watch?v=aB3dE5gH7jK", False),
])
def test_check_account(url, ok):
    assert (yt.check_account(url, {}) == []) is ok


def test_inferred_from_host():
    assert infer_platform("https://www.youtube.com/@budisantosoppu") == "youtube"
    assert infer_platform("https://m.youtube.com/@budisantosoppu") == "youtube"
