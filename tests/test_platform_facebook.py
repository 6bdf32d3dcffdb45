"""Facebook adapter: Relay JSON stories, rendered feed units, every failure marker."""
from __future__ import annotations


import pytest

from platform_pages import fixture_page, utc
from scraper.errors import Blocked, Checkpoint, ConsentWall, HealthProblem, LayoutChanged, LoginWall, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import FetchMode, Page

PROFILE = "https://www.facebook.com/hendra.gunawan.ppu"
ACCOUNT = Account(platform="facebook", url=PROFILE, person_name="Hendra Gunawan")
CDN = "https://scontent.fbpn4-1.fna.fbcdn.net/v/t39.30808-6/"


def page(name: str, final_url: str = PROFILE, status: int = 200) -> Page:
    return fixture_page("facebook", name, url=PROFILE, final_url=final_url, status=status,
                        fetched_at=utc(2024, 11, 21), with_title=True)


def test_relay_json_stories():
    posts = get_adapter("facebook").parse(page("profile_posts.html"), ACCOUNT)
    # three stories (one repeated across scripts); the shared candidate post is not the ASN's own
    assert [p.post_id for p in posts] == ["1234567890123456", "1234567890120001", "1234567890110002"]
    share, photos, plain = posts
    assert share.url == "https://www.facebook.com/hendra.gunawan.ppu/posts/pfbid02aBcDeFgHiJkLmNoPqRsTuVw1"
    assert share.published == utc(2024, 11, 20, 4, 0)
    assert share.text == "Mantap, mari kita dukung! 👍"
    assert "Ayo menangkan pasangan nomor 1" in share.raw  # the shared original stays in the evidence
    assert photos.text == ("Gotong royong membersihkan drainase di Kelurahan Waru.\n"
                           "Terima kasih warga RT 05 dan RT 06 🙏")
    assert photos.media == (CDN + "467001_n.jpg", CDN + "467002_n.jpg")
    assert photos.published == utc(2024, 11, 19, 4, 0)
    assert plain.text == "Selamat Hari Pahlawan 10 November 2024 🇮🇩"
    assert plain.published == utc(2024, 11, 13, 4, 30)
    assert all("Setuju pak camat" not in p.text for p in posts)  # comments are not post text
    ad = get_adapter("facebook")
    assert ad.post_selector(share) == 'div[role="article"]:has(a[href*="pfbid02aBcDeFgHiJkLmNoPqRsTuVw1"])'


def test_rendered_feed_units():
    acc = Account(platform="facebook", url="https://www.facebook.com/kelurahan.nenang")
    posts = get_adapter("facebook").parse(page("dom_only.html", acc.url), acc)
    assert [p.post_id for p in posts] == ["pfbid0NenangA1b2C3", "pfbid0NenangZ9y8X7"]
    first, second = posts
    assert first.url == "https://www.facebook.com/permalink.php?story_fbid=pfbid0NenangA1b2C3&id=100064112233445"
    assert first.published == utc(2024, 11, 18, 8, 0)
    assert first.text == "Posyandu balita bulan November\nJadwal: Kamis, 21 November 2024\nTempat: Balai Kelurahan"
    assert first.media == (CDN + "posyandu_n.jpg",)
    assert "Siap hadir" not in first.text
    assert second.url == "https://www.facebook.com/kelurahan.nenang/posts/pfbid0NenangZ9y8X7"
    assert second.text == "Kerja bakti Jumat bersih." and second.published == utc(2024, 11, 15, 8, 0)


def test_empty_profile():
    acc = Account(platform="facebook", url="https://www.facebook.com/dewi.lestari.asn")
    assert get_adapter("facebook").parse(page("profile_empty.html", acc.url), acc) == []


@pytest.mark.parametrize("name, final_url, status, error", [
    ("login_page.html", "https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fhendra.gunawan.ppu", 200, LoginWall),
    ("login_page.html", PROFILE, 200, LoginWall),  # title "Log in to Facebook" without a redirect
    ("login_overlay.html", PROFILE, 200, LoginWall),  # posts visible, but the session is gone
    ("checkpoint.html", "https://www.facebook.com/checkpoint/1501092823525282/?next=https%3A%2F%2Fwww.facebook.com%2F", 200, Checkpoint),
    ("checkpoint.html", PROFILE, 200, Checkpoint),
    ("consent.html", "https://www.facebook.com/privacy/consent/user_cookie_choice/?source=pft_user_cookie_choice", 200, ConsentWall),
    ("consent.html", "https://www.facebook.com/cookie/consent/?next=%2Fhendra.gunawan.ppu", 200, ConsentWall),
    ("temporarily_blocked.html", PROFILE, 200, Blocked),
    ("content_unavailable.html", PROFILE, 200, NotFound),
    ("not_public.html", PROFILE, 200, NotFound),
    ("profile_posts.html", PROFILE, 404, NotFound),
    ("layout_changed.html", PROFILE, 200, LayoutChanged),
], ids=["login-redirect", "login-title", "login-overlay", "checkpoint-url", "checkpoint-text", "privacy-consent",
        "cookie-consent", "temporarily-blocked", "content-unavailable", "no-og-title", "http-404", "layout-changed"])
def test_failure_markers(name, final_url, status, error):
    with pytest.raises(HealthProblem) as exc:
        get_adapter("facebook").parse(page(name, final_url, status), ACCOUNT)
    assert type(exc.value) is error and exc.value.reason


def test_adapter_contract():
    ad = get_adapter("facebook")
    assert ad.mode is FetchMode.BROWSER and ad.needs_session
    assert infer_platform("https://fb.com/hendra.gunawan.ppu") == "facebook"
    assert infer_platform("https://m.facebook.com/profile.php?id=100089112233445") == "facebook"
    assert ad.check_account(PROFILE, {}) == []
    assert ad.check_account("https://www.facebook.com/profile.php?id=100089112233445", {}) == []
    assert ad.check_account("https://www.facebook.com/", {})
    assert ad.check_account("https://www.facebook.com/profile.php", {})
    assert ad.fetch_url(ACCOUNT) == PROFILE
    assert 'div[role="article"]' in ad.wait_selector(ACCOUNT)
