"""Adapter base: hook defaults and the shared pure helpers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alerts.timeutil import utc_now
from scraper.errors import Blocked, NotFound
from scraper.models import Account
from scraper.platforms import ADAPTERS, get_adapter
from scraper.platforms.base import Adapter, FetchMode, Page, check_status, html_to_text, parse_time


class NoOverride(Adapter):
    name = "no-override-test"

    def parse(self, page, account):
        return []


def test_every_adapter_takes_the_resolution_memo():
    """The pipeline passes the memo to every adapter's fetch_url (no signature shim)."""
    for name in ADAPTERS:
        adapter = get_adapter(name)
        url = {"x": "https://x.com/a", "tiktok": "https://www.tiktok.com/@a", "instagram": "https://www.instagram.com/a/",
               "facebook": "https://www.facebook.com/a", "telegram": "https://t.me/a",
               "youtube": "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
               "mastodon": "https://mastodon.social/@a", "bluesky": "https://bsky.app/profile/a.bsky.social"
               }.get(name, "https://example.id/a")
        assert isinstance(adapter.fetch_url(Account(name, url), {}), str), name


def test_hook_defaults():
    adapter, account = NoOverride(), Account("no-override-test", "https://example.id/a")
    assert adapter.fetch_url(account, {}) == "https://example.id/a"
    assert adapter.fetch_mode(account) is FetchMode.HTTP
    assert adapter.needs_resolution(account, {}) is None
    assert adapter.parse_resolution(Page("u", "u", 200, "", utc_now())) == {}


def test_every_open_web_adapter_is_registered():
    for name in ("telegram", "rss", "web", "youtube", "mastodon", "bluesky"):
        assert name in ADAPTERS and get_adapter(name).name == name


@pytest.mark.parametrize(("status", "title", "body", "error"), [
    pytest.param(404, "", "", NotFound, id="404"),
    pytest.param(410, "", "", NotFound, id="410"),
    pytest.param(403, "Just a moment...", "<html></html>", Blocked, id="cloudflare-title-403"),
    pytest.param(503, "", "<title>Just a moment...</title><script>window._cf_chl_opt={}</script>", Blocked,
                 id="cloudflare-body-503"),
    pytest.param(200, "", "<p>Just a moment... we are loading</p>", None, id="phrase-alone-is-not-a-challenge"),
])
def test_check_status(status, title, body, error):
    page = Page("https://x.example/", "https://x.example/", status, body, utc_now(), title=title)
    if error is None:
        check_status(page)
    else:
        with pytest.raises(error):
            check_status(page)


@pytest.mark.parametrize(("html", "text"), [
    ("<p>Satu <b>dua</b></p><p>tiga</p>", "Satu dua\n\ntiga"),
    ("baris satu<br>baris   dua", "baris satu\nbaris dua"),
    ("teks polos\nbaris dua &amp; tiga", "teks polos\nbaris dua & tiga"),
    ("<div>a</div><script>x()</script><div>b</div>", "a\nb"),
    ("", ""),
])
def test_html_to_text(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-24T10:15:00+08:00", datetime(2026, 11, 24, 2, 15, tzinfo=timezone.utc)),
    ("2026-11-24T02:15:00Z", datetime(2026, 11, 24, 2, 15, tzinfo=timezone.utc)),
    ("Tue, 24 Nov 2026 02:15:00 GMT", datetime(2026, 11, 24, 2, 15, tzinfo=timezone.utc)),
    ("bukan tanggal", None),
    (None, None),
])
def test_parse_time(value, expected):
    assert parse_time(value) == expected
