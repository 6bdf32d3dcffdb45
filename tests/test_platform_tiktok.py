"""TikTok adapter: rendered profile (grid + rehydration JSON), item_list JSON, failure markers."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from platform_pages import fixture_page, utc
from scraper.errors import Blocked, HealthProblem, LayoutChanged, LoginWall, NotFound, RateLimited
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import FetchMode, Page
from scraper.platforms.tiktok import time_from_id

PROFILE = "https://www.tiktok.com/@budi.santoso.ppu"
ACCOUNT = Account(platform="tiktok", url=PROFILE, person_name="Budi Santoso")
IDS = ["7438471899244084301", "7435619181722979070", "7421073416091096696"]


def page(name: str, final_url: str = PROFILE, status: int = 200) -> Page:
    return fixture_page("tiktok", name, url=PROFILE, final_url=final_url, status=status,
                        fetched_at=utc(2024, 11, 21), with_title=True)


def test_profile_grid():
    posts = get_adapter("tiktok").parse(page("profile_posts.html"), ACCOUNT)
    assert [p.post_id for p in posts] == IDS
    first, photo, third = posts
    assert first.url == f"https://www.tiktok.com/@budi.santoso.ppu/video/{IDS[0]}"
    assert first.published == utc(2024, 11, 18, 4, 30)  # from the id's top 32 bits
    assert first.text == "Senam pagi bersama ASN Kecamatan Babulu 💪 #asnppu #sehat"
    assert first.media == ("https://p16-sign-sg.tiktokcdn.com/obj/tos-alisg-p-0037/cover01.jpeg",)
    assert first.extra["pinned"] is True and third.extra["pinned"] is False
    assert photo.url == f"https://www.tiktok.com/@budi.santoso.ppu/photo/{IDS[1]}"
    assert photo.text == "Dukung terus pasangan nomor 3! Salam tiga jari 🤟\n#pilkadappu2024"
    assert photo.published == utc(2024, 11, 10, 12, 0)
    assert third.published == utc(2024, 10, 2, 7, 15)
    assert 'data-e2e="user-post-item"' in third.raw and IDS[2] in third.raw


def test_item_list_json():
    p = replace(fixture_page("tiktok", "item_list.json", url=PROFILE,
                             final_url="https://www.tiktok.com/api/post/item_list/?secUid=x",
                             fetched_at=utc(2024, 11, 21)), content_type="application/json")
    posts = get_adapter("tiktok").parse(p, ACCOUNT)
    assert [p.post_id for p in posts] == IDS[:2]
    assert posts[0].published == utc(2024, 11, 18, 4, 30)
    assert posts[0].url == f"https://www.tiktok.com/@budi.santoso.ppu/video/{IDS[0]}"
    assert posts[0].media == ("https://p16-sign-sg.tiktokcdn.com/obj/tos-alisg-p-0037/cover01.jpeg",)
    assert posts[1].url == f"https://www.tiktok.com/@budi.santoso.ppu/photo/{IDS[1]}"
    assert posts[1].media[1:] == ("https://p16-sign-sg.tiktokcdn.com/obj/tos-alisg-i-0068/photo02a.jpeg",
                                  "https://p16-sign-sg.tiktokcdn.com/obj/tos-alisg-i-0068/photo02b.jpeg")
    assert posts[1].text.startswith("Dukung terus pasangan nomor 3!")
    assert '"createTime": 1731240000' in posts[1].raw


def test_loopback_host_kept():
    acc = Account(platform="tiktok", url="http://127.0.0.1:9000/@budi.santoso.ppu")
    ad = get_adapter("tiktok")
    assert ad.fetch_url(acc) == "http://127.0.0.1:9000/@budi.santoso.ppu"
    posts = ad.parse(page("profile_posts.html", final_url=acc.url), acc)
    # hrefs on the page are absolute: the link is the page's own
    assert posts[0].url.endswith(f"/@budi.santoso.ppu/video/{IDS[0]}")


def test_empty_account():
    acc = Account(platform="tiktok", url="https://www.tiktok.com/@siti.aminah.asn")
    assert get_adapter("tiktok").parse(page("profile_empty.html", acc.url), acc) == []


@pytest.mark.parametrize("name, final_url, status, error", [
    ("login_page.html", "https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F%40budi.santoso.ppu", 200, LoginWall),
    ("login_page.html", PROFILE, 200, LoginWall),  # title only
    ("login_modal.html", PROFILE, 200, LoginWall),
    ("captcha.html", PROFILE, 200, Blocked),
    ("not_found.html", "https://www.tiktok.com/@akun.hilang", 200, NotFound),
    ("private.html", "https://www.tiktok.com/@camat.sepaku", 200, NotFound),
    ("layout_changed.html", PROFILE, 200, LayoutChanged),
    ("profile_posts.html", PROFILE, 404, NotFound),
], ids=["login-redirect", "login-title", "login-modal", "captcha", "not-found-10221", "private",
        "layout-changed", "http-404"])
def test_failure_markers(name, final_url, status, error):
    with pytest.raises(HealthProblem) as exc:
        get_adapter("tiktok").parse(page(name, final_url, status), ACCOUNT)
    assert type(exc.value) is error and exc.value.reason


def test_http_429_is_rate_limited_as_over_http():
    """One verdict for a 429 whether HTTP or the browser saw it (was Blocked in the browser)."""
    with pytest.raises(RateLimited):
        get_adapter("tiktok").parse(page("profile_posts.html", PROFILE, 429), ACCOUNT)


def test_unknown_page_is_layout_change():
    p = Page(url=PROFILE, final_url=PROFILE, status=200, body="<html><body><div id='app'></div></body></html>",
             fetched_at=datetime(2024, 11, 21, tzinfo=timezone.utc))
    with pytest.raises(LayoutChanged):
        get_adapter("tiktok").parse(p, ACCOUNT)


def test_adapter_contract():
    ad = get_adapter("tiktok")
    assert ad.mode is FetchMode.BROWSER and ad.needs_session
    assert infer_platform("https://www.tiktok.com/@budi.santoso.ppu") == "tiktok"
    assert ad.check_account(PROFILE, {}) == []
    assert ad.check_account("https://www.tiktok.com/budi", {})
    assert time_from_id(IDS[0]) == utc(2024, 11, 18, 4, 30)
    assert time_from_id("123") is None
    post = ad.parse(page("profile_posts.html"), ACCOUNT)[0]
    assert ad.post_selector(post) == f'div[data-e2e="user-post-item"]:has(a[href*="/{IDS[0]}"])'
    assert "user-post-item" in ad.wait_selector(ACCOUNT)
