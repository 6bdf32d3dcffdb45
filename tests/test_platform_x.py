"""X adapter: rendered profile timelines and every failure marker, from fixtures."""
from __future__ import annotations


import pytest

from platform_pages import fixture_page, utc
from scraper.errors import Blocked, Checkpoint, HealthProblem, LayoutChanged, LoginWall, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import FetchMode, Page

PROFILE = "https://x.com/rahmat_ppu"
ACCOUNT = Account(platform="x", url=PROFILE, person_name="Rahmat Hidayat")


def page(name: str, final_url: str = PROFILE, status: int = 200) -> Page:
    return fixture_page("x", name, url=PROFILE, final_url=final_url, status=status,
                        fetched_at=utc(2024, 11, 21), with_title=True)


def test_profile_posts():
    posts = get_adapter("x").parse(page("profile_posts.html"), ACCOUNT)
    assert [p.post_id for p in posts] == ["1857412345678901234", "1859001122334455667", "1858123456789012345"]
    pinned, repost, quoting = posts
    assert pinned.url == "https://x.com/rahmat_ppu/status/1857412345678901234"
    assert pinned.published == utc(2024, 11, 15, 1, 20)
    assert pinned.text == ("Rapat koordinasi persiapan Hari Guru Nasional di Kecamatan Penajam.\n"
                           "Terima kasih bapak/ibu guru 🙏 #HariGuru")
    assert pinned.media == ("https://pbs.twimg.com/media/GcRapatGuru01.jpg?format=jpg&name=small",)
    assert pinned.extra == {"author": "rahmat_ppu", "repost": False, "pinned": True}
    assert pinned.platform == "x" and pinned.account_url == PROFILE
    assert pinned.raw.startswith("<article") and "1857412345678901234" in pinned.raw
    # a repost of a candidate's post is kept (sharing is what supervisors look for)
    assert repost.url == "https://x.com/paslon02_ppu/status/1859001122334455667"
    assert repost.text == "Ayo coblos nomor 2 tanggal 27 November! ✌️"
    assert repost.extra["repost"] is True and repost.extra["author"] == "paslon02_ppu"
    assert repost.published == utc(2024, 11, 20, 10, 5, 30)
    # the quoted post's text is not taken as the post's own
    assert quoting.text == "Setuju sekali dengan ini."
    assert quoting.published == utc(2024, 11, 17, 23, 45)


def test_permalinks_follow_the_page_host():
    p = page("profile_posts.html", final_url="http://127.0.0.1:8123/rahmat_ppu")
    acc = Account(platform="x", url="http://127.0.0.1:8123/rahmat_ppu")
    posts = get_adapter("x").parse(p, acc)
    assert posts[0].url == "http://127.0.0.1:8123/rahmat_ppu/status/1857412345678901234"


def test_empty_profile_is_not_an_error():
    acc = Account(platform="x", url="https://x.com/sriwahyuni_asn")
    assert get_adapter("x").parse(page("profile_empty.html", "https://x.com/sriwahyuni_asn"), acc) == []


@pytest.mark.parametrize("name, final_url, status, error, state", [
    ("login_redirect.html", "https://x.com/i/flow/login?redirect_after_login=%2Frahmat_ppu", 200, LoginWall, "login_wall"),
    ("login_redirect.html", PROFILE, 200, LoginWall, "login_wall"),  # title + form, no redirect
    ("logged_out_profile.html", PROFILE, 200, LoginWall, "login_wall"),  # expired session, posts still shown
    ("account_locked.html", "https://x.com/account/access", 200, Checkpoint, "checkpoint"),
    ("not_exist.html", "https://x.com/camat_fiktif_ppu", 200, NotFound, "not_found"),
    ("suspended.html", PROFILE, 200, NotFound, "not_found"),
    ("protected.html", PROFILE, 200, NotFound, "not_found"),
    ("something_went_wrong.html", PROFILE, 200, Blocked, "blocked"),
    ("cloudflare_challenge.html", PROFILE, 403, Blocked, "blocked"),
    ("profile_posts.html", PROFILE, 404, NotFound, "not_found"),
    ("layout_unknown.html", PROFILE, 200, LayoutChanged, "layout_changed"),
], ids=["login-redirect", "login-page", "logged-out-bar", "locked-checkpoint", "not-exist", "suspended",
        "protected", "something-went-wrong", "cloudflare-403", "http-404", "layout-unknown"])
def test_failure_markers(name, final_url, status, error, state):
    with pytest.raises(HealthProblem) as exc:
        get_adapter("x").parse(page(name, final_url, status), ACCOUNT)
    assert type(exc.value) is error
    assert exc.value.state == state and exc.value.reason


def test_adapter_contract():
    ad = get_adapter("x")
    assert ad.mode is FetchMode.BROWSER and ad.needs_session
    assert infer_platform("https://twitter.com/rahmat_ppu") == "x"
    assert infer_platform("https://x.com/rahmat_ppu") == "x"
    assert ad.check_account("https://x.com/rahmat_ppu", {}) == []
    assert ad.check_account("https://x.com/home", {})
    assert ad.check_account("https://x.com/", {})
    assert ad.fetch_url(Account(platform="x", url="https://x.com/rahmat_ppu?lang=id")) == "https://x.com/rahmat_ppu"
    assert 'article[data-testid="tweet"]' in ad.wait_selector(ACCOUNT)
    post = ad.parse(page("profile_posts.html"), ACCOUNT)[0]
    assert ad.post_selector(post) == 'article[data-testid="tweet"]:has(a[href$="/status/1857412345678901234"])'
