"""Instagram adapter: web_profile_info JSON (raw and as Chromium shows it), the
rendered profile page's timeline JSON, and every failure marker."""
from __future__ import annotations


import pytest

from platform_pages import fixture_page, utc
from scraper.errors import Blocked, Checkpoint, ConsentWall, HealthProblem, LayoutChanged, LoginWall, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import FetchMode, Page

PROFILE = "https://www.instagram.com/andi.pratama.asn/"
API = "https://www.instagram.com/api/v1/users/web_profile_info/?username=andi.pratama.asn"
ACCOUNT = Account(platform="instagram", url=PROFILE, person_name="Andi Pratama")
CDN = "https://scontent-sin6-1.cdninstagram.com/v/t51.29350-15/"


def page(name: str, final_url: str = API, status: int = 200) -> Page:
    return fixture_page("instagram", name, url=API, final_url=final_url, status=status,
                        fetched_at=utc(2024, 11, 21), with_title=True)


@pytest.mark.parametrize("name", ["web_profile_info.json", "web_profile_info_pre.html"], ids=["raw-json", "chromium-pre"])
def test_web_profile_info(name):
    posts = get_adapter("instagram").parse(page(name), ACCOUNT)
    assert [p.post_id for p in posts] == ["DCcAmpUs1Xa", "DCUxReel9Kk", "DCKp0stIm4g"]
    sidecar, reel, bare = posts
    assert sidecar.url == "https://www.instagram.com/p/DCcAmpUs1Xa/"
    assert sidecar.published == utc(2024, 11, 20, 4, 30)
    assert sidecar.text == ("Kegiatan kampanye akbar pasangan nomor urut 1 di Lapangan Nipah-Nipah. Ayo menangkan! ☝️\n\n"
                            "#MudyatWaris #PPUMaju")
    assert sidecar.media == (CDN + "466100001_n.jpg", CDN + "466100002_n.jpg")
    assert sidecar.extra["pinned"] is True and sidecar.extra["media_id"] == "3502111222333444555"
    assert '"shortcode": "DCcAmpUs1Xa"' in sidecar.raw
    assert reel.url == "https://www.instagram.com/reel/DCUxReel9Kk/"
    assert reel.published == utc(2024, 11, 16, 6, 0)
    assert reel.text == "Apel pagi ASN Kecamatan Penajam 🇮🇩"
    assert reel.media[-1].endswith(".mp4")
    assert bare.text == "" and bare.published == utc(2024, 11, 12, 7, 0)


def test_rendered_profile_page_timeline():
    posts = get_adapter("instagram").parse(page("profile_page.html", final_url=PROFILE), ACCOUNT)
    assert [(p.post_id, p.url) for p in posts] == [
        ("DCcAmpUs1Xa", "https://www.instagram.com/p/DCcAmpUs1Xa/"),
        ("DCUxReel9Kk", "https://www.instagram.com/reel/DCUxReel9Kk/"),
    ]
    assert posts[0].published == utc(2024, 11, 20, 4, 30)
    assert posts[0].text.endswith("Ayo menangkan! ☝️")
    assert posts[0].media == (CDN + "466100001_n.jpg", CDN + "466100002_n.jpg")


def test_empty_public_account():
    acc = Account(platform="instagram", url="https://www.instagram.com/rina.asn.ppu/")
    assert get_adapter("instagram").parse(page("empty_profile.json"), acc) == []


@pytest.mark.parametrize("name, final_url, status, error", [
    ("login_page.html", "https://www.instagram.com/accounts/login/?next=%2Fapi%2Fv1%2Fusers%2Fweb_profile_info%2F", 200, LoginWall),
    ("login_page.html", PROFILE, 200, LoginWall),  # login form without a redirect
    ("require_login.json", API, 401, LoginWall),
    ("please_wait.json", API, 401, Blocked),
    ("checkpoint_required.json", API, 400, Checkpoint),
    ("challenge.html", "https://www.instagram.com/challenge/AXH8k2/?next=/andi.pratama.asn/", 200, Checkpoint),
    ("consent.html", "https://www.instagram.com/consent/?flow=user_cookie_choice", 200, ConsentWall),
    ("consent.html", PROFILE, 200, ConsentWall),
    ("user_null.json", API, 200, NotFound),
    ("user_null.json", API, 404, NotFound),
    ("not_available.html", "https://www.instagram.com/akun.hilang/", 200, NotFound),
    ("private_profile.json", API, 200, NotFound),
    ("layout_no_edges.json", API, 200, LayoutChanged),
    ("unknown_json.json", API, 200, LayoutChanged),
], ids=["login-redirect", "login-form", "require-login", "please-wait", "checkpoint-json", "challenge-url",
        "consent-url", "consent-dialog", "user-null", "http-404", "page-not-available", "private",
        "count-without-edges", "unknown-json"])
def test_failure_markers(name, final_url, status, error):
    with pytest.raises(HealthProblem) as exc:
        get_adapter("instagram").parse(page(name, final_url, status), ACCOUNT)
    assert type(exc.value) is error and exc.value.reason


def test_adapter_contract():
    ad = get_adapter("instagram")
    assert ad.mode is FetchMode.BROWSER and ad.needs_session
    assert infer_platform(PROFILE) == "instagram"
    assert ad.check_account(PROFILE, {}) == []
    assert ad.check_account("https://www.instagram.com/p/DCcAmpUs1Xa/", {})
    assert ad.fetch_url(ACCOUNT) == API
    loop = Account(platform="instagram", url="http://127.0.0.1:8099/andi.pratama.asn")
    assert ad.fetch_url(loop) == "http://127.0.0.1:8099/api/v1/users/web_profile_info/?username=andi.pratama.asn"
    assert ad.parse(page("web_profile_info.json"), loop)[0].url == "http://127.0.0.1:8099/p/DCcAmpUs1Xa/"
    assert ad.request_headers(ACCOUNT) == {"X-IG-App-ID": "936619743392459"}
    post = ad.parse(page("web_profile_info.json"), ACCOUNT)[0]
    assert ad.post_selector(post) == 'a[href*="/p/DCcAmpUs1Xa/"], a[href*="/reel/DCcAmpUs1Xa/"]'
