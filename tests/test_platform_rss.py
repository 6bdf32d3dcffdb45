"""Generic RSS 2.0 / RSS 1.0 / Atom adapter."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from alerts.timeutil import utc_now
from scraper.errors import Blocked, LayoutChanged, NotFound
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import Page

FIXTURES = Path(__file__).parent / "fixtures" / "platforms" / "rss"
FEED_URL = "https://sitiaminah.example.id/feed.xml"


def parse(name: str, *, status: int = 200, url: str = FEED_URL):
    page = Page(url=url, final_url=url, status=status, body=(FIXTURES / name).read_text(encoding="utf-8"),
                fetched_at=utc_now())
    return get_adapter("rss").parse(page, Account("rss", url))


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# (fixture, [(id, url, published, text)])
FEEDS = [
    pytest.param("rss2.xml", [
        ("sitiaminah-2026-11-25", "https://sitiaminah.example.id/2026/11/hari-guru", utc(2026, 11, 25, 1, 30),
         "Hari Guru di SDN 012 Penajam\n\nTerima kasih murid-murid & orang tua.\n\nSalam pendidikan!"),
        ("https://sitiaminah.example.id/2026/11/dukungan", "https://sitiaminah.example.id/2026/11/dukungan",
         utc(2026, 11, 23, 4, 0),
         # the title is left out when the body starts with it
         "Ayo dukung pasangan nomor 1 pada Pilkada 27 November.\nCoblos nomor 1!"),
        (None, FEED_URL, utc(2026, 11, 20, 0, 0), "Item tanpa judul, tanpa tautan, tanpa guid"),
    ], id="rss2-guid-link-content-encoded-dc-date"),
    pytest.param("atom.xml", [
        ("tag:dkp.example.go.id,2026:post-88", "https://dkp.example.go.id/berita/88", utc(2026, 11, 2, 3, 0),
         "Bantuan bibit & pakan ikan\n\nPenyaluran bantuan untuk kelompok nelayan di Babulu."),
        ("tag:dkp.example.go.id,2026:post-87", "https://dkp.example.go.id/berita/87", utc(2026, 10, 30, 1, 0),
         "Rapat koordinasi\n\nRapat di kantor bupati."),
    ], id="atom-html-and-xhtml-content"),
    pytest.param("rdf.xml", [
        ("https://kelurahan.example.id/p/7", "https://kelurahan.example.id/p/7", utc(2026, 9, 1),
         "Jadwal pelayanan KTP\n\nPelayanan KTP setiap Selasa."),
    ], id="rss1-rdf"),
    pytest.param("latin1.xml", [
        ("https://lama.example.id/1", "https://lama.example.id/1", utc(2026, 9, 1), "Café desa\n\nTeks"),
    ], id="declared-latin1-already-decoded"),
    pytest.param("empty.xml", [], id="empty-feed"),
]


@pytest.mark.parametrize(("fixture", "expected"), FEEDS)
def test_feeds(fixture, expected):
    posts = parse(fixture)
    assert len(posts) == len(expected)
    for post, (post_id, url, published, text) in zip(posts, expected):
        if post_id is None:
            assert post.post_id.startswith("sha256:")
        else:
            assert post.post_id == post_id
        assert (post.url, post.published, post.text) == (url, published, text)
        assert post.raw.lstrip().startswith(("<item", "<entry", "<ns0:entry", "<ns0:item"))


def test_media_and_raw_fragment():
    posts = parse("rss2.xml")
    assert posts[0].media == ("https://sitiaminah.example.id/img/hari-guru.jpg",)
    assert posts[1].media == ("https://sitiaminah.example.id/img/kampanye.jpg",)
    assert "Hari Guru" in posts[0].raw and "dukungan" not in posts[0].raw


def test_hash_id_is_stable():
    assert parse("rss2.xml")[2].post_id == parse("rss2.xml")[2].post_id


@pytest.mark.parametrize(("fixture", "status", "error"), [
    pytest.param("not_a_feed.html", 200, LayoutChanged, id="html-login-page-instead-of-feed"),
    pytest.param("cloudflare.html", 403, Blocked, id="cloudflare-403"),
    pytest.param("rss2.xml", 404, NotFound, id="http-404"),
])
def test_health_verdicts(fixture, status, error):
    with pytest.raises(error):
        parse(fixture, status=status)


def test_accept_header_and_check():
    adapter = get_adapter("rss")
    assert "application/rss+xml" in adapter.request_headers(Account("rss", FEED_URL))["Accept"]
    assert adapter.check_account("ftp://x/feed", {}) and not adapter.check_account(FEED_URL, {})


def test_html_entities_in_feed_text_decode_fully_issue_11_item_3():
    """`Selamat pagi&nbsp;warga ...` was stored as "Selamat pagi"; `&amp;` and the rest were lost."""
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Kanal</title><item><guid>1</guid>'
            "<description>Selamat pagi&nbsp;warga, ayo coblos nomor 2 ... Sehat &amp; sejahtera&hellip; "
            "caf&eacute;</description></item></channel></rss>")
    page = Page("https://e.id/feed", "https://e.id/feed", 200, body, utc_now())
    [post] = get_adapter("rss").parse(page, Account("rss", "https://e.id/feed"))
    assert post.text == "Selamat pagi warga, ayo coblos nomor 2 ... Sehat & sejahtera… café"


def test_dtd_entities_stay_unexpanded_and_the_text_after_them_is_kept():
    body = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
            '<!ENTITY nbsp SYSTEM "file:///etc/hostname"><!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<rss version="2.0"><channel><item><guid>1</guid><description>a&xxe;b&nbsp;c&lol2;d</description>'
            "</item></channel></rss>")
    page = Page("https://e.id/feed", "https://e.id/feed", 200, body, utc_now())
    [post] = get_adapter("rss").parse(page, Account("rss", "https://e.id/feed"))
    assert post.text == "ab cd"
    assert "root:" not in post.text and "lol" not in post.text
