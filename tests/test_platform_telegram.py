"""Telegram adapter against fixtures in the real t.me/s/ structure."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from platform_pages import fixture_page
from scraper.errors import Blocked, LayoutChanged, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter, infer_platform
from scraper.platforms.base import Page

ACCOUNT = Account("telegram", "https://t.me/infosepaku")


def page(name: str, *, status: int = 200, url: str = "https://t.me/s/infosepaku") -> Page:
    return fixture_page("telegram", name, url=url, status=status)


def parse(name: str, **kw):
    return get_adapter("telegram").parse(page(name, **kw), ACCOUNT)


def test_channel_page_posts_in_page_order_without_service_messages():
    posts = parse("channel.html")
    assert [p.post_id for p in posts] == ["102", "103", "104", "105"]
    first = posts[0]
    assert first.url == "https://t.me/infosepaku/102"
    assert first.published == datetime(2026, 10, 3, 23, 15, tzinfo=timezone.utc)
    assert first.text == ("Kerja bakti Sabtu pagi\n\nWarga Desa Bukit Raya diajak membersihkan saluran air "
                          "pukul 07.00 WITA.\nBawa parang & karung sendiri.")
    assert first.extra["signed_by"] == "Rahmat Hidayat"
    assert first.extra["views"] == "1.2K"
    assert first.extra["older_page"] == "https://t.me/s/infosepaku?before=101"
    assert 'data-post="infosepaku/102"' in first.raw and "infosepaku/103" not in first.raw


def test_reply_text_is_not_taken_as_the_post_text():
    reply = parse("channel.html")[1]
    assert reply.text == "Jangan lupa pilih nomor urut 2 pada 27 November, demi Sepaku maju!"
    assert reply.extra["reply_to"] == "https://t.me/infosepaku/102"
    assert "Bukit Raya" in reply.extra["reply_text"]


def test_photo_forward_and_hashtags():
    post = parse("channel.html")[2]
    assert post.media == ("https://cdn4.telegram-cdn.org/file/foto-jembatan-sepaku.jpg",)
    assert post.extra["forwarded_from"] == "Kabar PPU"
    assert post.text == "Peresmian jembatan Sungai Sepaku oleh Bupati PPU. #PPU #Sepaku"


def test_poll_question_and_options_become_the_text():
    assert parse("channel.html")[3].text == "Jadwal posyandu yang paling cocok?\n- Senin pagi\n- Kamis sore"


def test_empty_channel_is_an_empty_list():
    assert parse("empty.html") == []


@pytest.mark.parametrize(("fixture", "status", "error"), [
    pytest.param("no_preview.html", 200, NotFound, id="no-preview-redirect-page"),
    pytest.param("history_without_posts.html", 200, LayoutChanged, id="history-without-message-elements"),
    pytest.param("missing_date.html", 200, LayoutChanged, id="message-without-date-link"),
    pytest.param("cloudflare.html", 403, Blocked, id="cloudflare-just-a-moment-403"),
    pytest.param("channel.html", 404, NotFound, id="http-404"),
])
def test_health_verdicts(fixture, status, error):
    with pytest.raises(error) as info:
        parse(fixture, status=status)
    assert info.value.reason and info.type.state != "broken"


def test_fetch_url_keeps_the_host_of_the_account():
    adapter = get_adapter("telegram")
    assert adapter.fetch_url(Account("telegram", "https://t.me/infosepaku")) == "https://t.me/s/infosepaku"
    assert adapter.fetch_url(Account("telegram", "https://t.me/s/infosepaku")) == "https://t.me/s/infosepaku"
    assert adapter.fetch_url(Account("telegram", "http://127.0.0.1:8123/somechannel")) == \
        "http://127.0.0.1:8123/s/somechannel"


@pytest.mark.parametrize(("url", "ok"), [
    ("https://t.me/infosepaku", True),
    ("https://t.me/s/infosepaku", True),
    ("https://t.me/+AbCdEfGh123", False),
    ("https://t.me/joinchat/AbCdEf", False),
    ("https://t.me/", False),
])
def test_check_account(url, ok):
    assert (get_adapter("telegram").check_account(url, {}) == []) is ok


def test_post_selector_and_inference():
    post = parse("channel.html")[0]
    assert get_adapter("telegram").post_selector(post) == 'div.tgme_widget_message[data-post="infosepaku/102"]'
    assert infer_platform("https://t.me/infosepaku") == "telegram"


def test_raw_fragment_is_made_when_read_and_equals_the_serialised_message():
    """Post.raw of a Telegram post is serialised on first read only (issue #17), and is
    exactly the message element's HTML, as before."""
    from bs4 import BeautifulSoup

    from scraper.models import Deferred, Post

    calls = []

    def make() -> str:
        calls.append(1)
        return "<div>x</div>"

    post = Post(platform="telegram", account_url="https://t.me/a", post_id="1", url="https://t.me/a/1",
                published=None, text="x", raw=Deferred(make))
    assert calls == []
    assert post.raw == "<div>x</div>" and post.raw == "<div>x</div>" and calls == [1]
    assert post == Post(platform="telegram", account_url="https://t.me/a", post_id="1",
                        url="https://t.me/a/1", published=None, text="x", raw="<div>x</div>")
    msg = BeautifulSoup('<div class="m" data-post="a/1">A &amp; <b>B</b><br/></div>', "lxml").div
    assert Deferred(msg.decode)() == str(msg)
