"""Bluesky adapter: getAuthorFeed JSON and profile RSS."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from platform_pages import fixture_page
from scraper.errors import LayoutChanged, LoginWall, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import Page

DID = "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"
ACCOUNT = Account("bluesky", "https://bsky.app/profile/dewi-ppu.bsky.social")
sky = get_adapter("bluesky")


def page(name: str, *, status: int = 200) -> Page:
    url = "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=dewi-ppu.bsky.social"
    return fixture_page("bluesky", name, url=url, status=status)


def test_author_feed_keeps_reposts_marked_as_shares():
    posts = sky.parse(page("author_feed.json"), ACCOUNT)
    assert [p.post_id for p in posts] == ["3lbqz7k2abc2x", "3lbqy0000000a", "3lbqx5555555b"]
    repost = posts[1]
    assert repost.extra["share"] is True and repost.extra["share_kind"] == "repost"
    assert repost.extra["reposted_by"] == "dewi-ppu.bsky.social"
    assert repost.extra["original_author"] != "dewi-ppu.bsky.social"
    assert repost.extra["original_url"] == repost.url
    assert not posts[0].extra.get("share") and not posts[2].extra.get("share")
    posts = [posts[0], posts[2]]
    first = posts[0]
    assert first.url == "https://bsky.app/profile/dewi-ppu.bsky.social/post/3lbqz7k2abc2x"
    assert first.published == datetime(2026, 11, 12, 4, 20, tzinfo=timezone.utc)
    assert first.text == "Sosialisasi posyandu di Petung hari ini.\nTerima kasih kader kesehatan!"
    assert first.media == (f"https://cdn.bsky.app/img/feed_fullsize/plain/{DID}/bafkrei1@jpeg",)
    assert first.extra["uri"] == f"at://{DID}/app.bsky.feed.post/3lbqz7k2abc2x"
    assert "Coblos" not in " ".join(p.raw for p in posts)


def test_reply_with_link_card_and_offset_time():
    reply = sky.parse(page("author_feed.json"), ACCOUNT)[2]
    assert reply.published == datetime(2026, 11, 10, 0, 0, tzinfo=timezone.utc)
    assert reply.extra["reply"] is True and reply.extra["external_url"] == "https://berita.example.id/ppu"


def test_profile_rss_gives_the_same_post():
    [post] = sky.parse(page("profile.rss"), Account("bluesky", f"https://bsky.app/profile/{DID}/rss"))
    assert post.post_id == "3lbqz7k2abc2x"
    assert post.url == f"https://bsky.app/profile/{DID}/post/3lbqz7k2abc2x"
    assert post.published == datetime(2026, 11, 12, 4, 20, tzinfo=timezone.utc)
    assert post.text == "Sosialisasi posyandu di Petung hari ini.\nTerima kasih kader kesehatan!"


def test_empty_feed():
    assert sky.parse(page("author_feed_empty.json"), ACCOUNT) == []


@pytest.mark.parametrize(("fixture", "status", "error"), [
    pytest.param("error_profile_not_found.json", 400, NotFound, id="profile-not-found"),
    pytest.param("error_no_unauthenticated.json", 403, LoginWall, id="no-unauthenticated-label-403"),
    pytest.param("app_shell.html", 200, LayoutChanged, id="web-app-shell-instead-of-api"),
])
def test_health_verdicts(fixture, status, error):
    with pytest.raises(error):
        sky.parse(page(fixture, status=status), ACCOUNT)


@pytest.mark.parametrize(("account", "expected"), [
    pytest.param(ACCOUNT, "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed"
                          "?actor=dewi-ppu.bsky.social&limit=30", id="bsky-app-to-public-api"),
    pytest.param(Account("bluesky", f"https://bsky.app/profile/{DID}"),
                 f"https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor={DID}&limit=30", id="did"),
    pytest.param(Account("bluesky", "http://127.0.0.1:8123/profile/dewi"),
                 "http://127.0.0.1:8123/xrpc/app.bsky.feed.getAuthorFeed?actor=dewi&limit=30", id="loopback-host-kept"),
    pytest.param(Account("bluesky", "https://bsky.app/profile/dewi", options={"api": "https://api.example.id"}),
                 "https://api.example.id/xrpc/app.bsky.feed.getAuthorFeed?actor=dewi&limit=30", id="api-option"),
    pytest.param(Account("bluesky", f"https://bsky.app/profile/{DID}/rss"), f"https://bsky.app/profile/{DID}/rss",
                 id="rss-url-as-is"),
])
def test_fetch_url(account, expected):
    assert sky.fetch_url(account) == expected


def test_loopback_permalinks_use_the_account_host():
    account = Account("bluesky", "http://127.0.0.1:8123/profile/dewi-ppu.bsky.social")
    post = sky.parse(page("author_feed.json"), account)[0]
    assert post.url == "http://127.0.0.1:8123/profile/dewi-ppu.bsky.social/post/3lbqz7k2abc2x"


def test_check_and_inference():
    assert sky.check_account("https://bsky.app/profile/dewi-ppu.bsky.social", {}) == []
    assert sky.check_account("https://bsky.app/dewi", {})
    assert infer_platform("https://bsky.app/profile/dewi-ppu.bsky.social") == "bluesky"
