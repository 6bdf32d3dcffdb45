"""Profile watch: the model, the diff, the per-account history store and the parsers."""
from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from scraper.models import Account
from scraper.platforms.base import Page
from scraper.platforms.profiles import parse_profile, profile_url
from scraper.profile import HISTORY_LIMIT, Profile, ProfileStore, carry_images, diff_profiles

T0 = datetime(2024, 10, 1, 2, 0, tzinfo=timezone.utc)
REAL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
TG = Account("telegram", "https://t.me/budi_ppu")


def page(body: str, url: str = "https://t.me/s/budi_ppu") -> Page:
    return Page(url=url, final_url=url, status=200, body=body, fetched_at=T0)


# -- diff ---------------------------------------------------------------------------------

def test_first_sight_reports_every_field_that_is_set():
    new = Profile(display_name="Budi", bio="Relawan 02", avatar_url="https://cdn/a.jpg")
    changes = diff_profiles(None, new)
    assert {(c.field, c.new) for c in changes} == {("display_name", "Budi"), ("bio", "Relawan 02"),
                                                   ("avatar", "https://cdn/a.jpg")}
    assert all(c.first and c.old == "" for c in changes)


def test_a_changed_bio_and_link_are_changes_an_unchanged_profile_none():
    old = Profile(display_name="Budi", bio="Guru SD", link="https://a.example")
    assert diff_profiles(old, old) == []
    new = Profile(display_name="Budi", bio="Relawan 02 Andi-Donna", link="https://b.example")
    changes = {c.field: c for c in diff_profiles(old, new)}
    assert set(changes) == {"bio", "link"}
    assert changes["bio"].old == "Guru SD" and changes["bio"].new == "Relawan 02 Andi-Donna"
    assert changes["bio"].label == "bio" and not changes["bio"].first
    # the same new value gives the same key: one alert per value
    assert changes["bio"].key() == diff_profiles(old, new)[0].key()


def test_images_compare_by_hash_when_known_else_by_url():
    a = Profile(avatar_url="https://cdn/1.jpg", avatar_sha256="1" * 64)
    rotated = Profile(avatar_url="https://cdn/1.jpg?token=2", avatar_sha256="1" * 64)
    assert diff_profiles(a, rotated) == []  # a CDN that rotates URLs
    swapped = Profile(avatar_url="https://cdn/1.jpg", avatar_sha256="2" * 64)
    assert [c.field for c in diff_profiles(a, swapped)] == ["avatar"]
    assert [c.field for c in diff_profiles(Profile(header_url="x"), Profile(header_url="y"))] == ["header"]


def test_signed_cdn_urls_that_rotate_their_query_are_the_same_picture():
    old = Profile(avatar_url="https://scontent.cdninstagram.com/v/p.jpg?oh=1&oe=2")
    new = Profile(avatar_url="https://scontent.cdninstagram.com/v/p.jpg?oh=3&oe=4")
    assert diff_profiles(old, new) == []
    hashed = carry_images(Profile(avatar_url=old.avatar_url, avatar_sha256="1" * 64), new)
    assert hashed.avatar_sha256 == "1" * 64  # not fetched again
    other = Profile(avatar_url="https://scontent.cdninstagram.com/v/q.jpg?oh=3&oe=4")
    assert [c.field for c in diff_profiles(old, other)] == ["avatar"]


def test_carry_images_keeps_the_hash_of_an_unchanged_url():
    old = Profile(avatar_url="u1", avatar_sha256="1" * 64, header_url="h1", header_sha256="2" * 64)
    new = carry_images(old, Profile(avatar_url="u1", header_url="h2"))
    assert new.avatar_sha256 == "1" * 64 and new.header_sha256 == ""
    assert carry_images(None, new) is new


def test_profile_fields_are_capped_and_typed():
    assert len(Profile(bio="x" * 10_000).bio) == 2000
    with pytest.raises(TypeError):
        Profile(bio=None)  # type: ignore[arg-type]
    assert Profile.from_json({"bio": "b", "unknown": 1}) == Profile(bio="b")
    assert Profile.from_json("junk") is None


# -- store ------------------------------------------------------------------------------------

def test_store_keeps_current_and_history_per_account(tmp_path):
    store = ProfileStore(tmp_path)
    first = Profile(display_name="Budi", bio="Guru SD")
    assert [c.field for c in store.record(TG, first, T0)] == ["display_name", "bio"]
    assert store.record(TG, first, T0 + timedelta(hours=1)) == []  # nothing changed: no event
    second = Profile(display_name="Budi", bio="Relawan 02")
    changes = store.record(TG, second, T0 + timedelta(hours=2))
    assert [(c.field, c.old, c.new) for c in changes] == [("bio", "Guru SD", "Relawan 02")]
    assert store.current(TG) == second
    history = store.history(TG.key)
    assert [h["at"] for h in history] == ["2024-10-01T02:00:00+00:00", "2024-10-01T04:00:00+00:00"]
    assert history[-1]["profile"]["bio"] == "Relawan 02"
    path = store.path(TG.key)
    assert path.parent.name == "profiles" and path.name == f"{TG.key}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["account_url"] == TG.url
    assert store.account_keys() == [TG.key]


def test_history_is_capped_and_a_damaged_file_starts_again(tmp_path):
    store = ProfileStore(tmp_path)
    for i in range(HISTORY_LIMIT + 5):
        store.record(TG, Profile(bio=f"bio {i}"), T0 + timedelta(minutes=i))
    history = store.history(TG.key)
    assert len(history) == HISTORY_LIMIT and history[-1]["profile"]["bio"] == f"bio {HISTORY_LIMIT + 4}"
    store.path(TG.key).write_text("{torn")
    assert store.current(TG) is None
    assert [c.first for c in store.record(TG, Profile(bio="x"), T0)] == [True]
    with pytest.raises(ValueError):
        store.path("../x")


# -- parsers ---------------------------------------------------------------------------------

TELEGRAM = """<html><body><div class="tgme_channel_info">
 <div class="tgme_channel_info_header">
  <i class="tgme_page_photo_image bgcolor1" data-content="B"><img src="https://cdn4.example/file/abc.jpg"></i>
  <div class="tgme_channel_info_header_title_wrap"><div class="tgme_channel_info_header_title"><span dir="auto">Budi &lt;PPU&gt;</span></div></div>
 </div>
 <div class="tgme_channel_info_description">Relawan 02<br/>Info: <a href="https://andidonna.example/">andidonna.example</a></div>
</div><section class="tgme_channel_history"></section></body></html>"""


def test_telegram_channel_header():
    profile = parse_profile(page(TELEGRAM), TG)
    assert profile == Profile(display_name="Budi <PPU>", bio="Relawan 02\nInfo: andidonna.example",
                              avatar_url="https://cdn4.example/file/abc.jpg", link="https://andidonna.example/")
    assert profile_url(TG) is None  # on the posts page
    assert parse_profile(page("<html><body>no header</body></html>"), TG) is None


@pytest.mark.skipif(not (REAL / "telegram" / "full.html").is_file(), reason="shared real fixtures absent")
def test_telegram_real_page_header():
    body = (REAL / "telegram" / "full.html").read_text(encoding="utf-8")
    profile = parse_profile(page(body, "https://t.me/s/topwar_official"), Account("telegram", "https://t.me/topwar_official"))
    assert profile is not None and profile.display_name and profile.bio.startswith("Официальный канал")
    assert profile.avatar_url.startswith("https://") and profile.link == "http://topwar.ru/"


def test_bluesky_profile_from_get_profile():
    account = Account("bluesky", "https://bsky.app/profile/budi.bsky.social")
    assert profile_url(account) == \
        "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=budi.bsky.social"
    local = Account("bluesky", "http://127.0.0.1:8080/profile/did:plc:abc")
    assert profile_url(local) == "http://127.0.0.1:8080/xrpc/app.bsky.actor.getProfile?actor=did:plc:abc"
    body = json.dumps({"did": "did:plc:abc", "handle": "budi.bsky.social", "displayName": "Budi",
                       "description": "ASN. Relawan 02 https://andidonna.example/ ok",
                       "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:abc/bafk@jpeg",
                       "banner": "https://cdn.bsky.app/img/banner/plain/did:plc:abc/bafb@jpeg"})
    profile = parse_profile(page(body, profile_url(account)), account)
    assert profile.display_name == "Budi" and profile.bio.startswith("ASN. Relawan 02")
    assert profile.avatar_url.endswith("bafk@jpeg") and profile.header_url.endswith("bafb@jpeg")
    assert profile.link == "https://andidonna.example/"
    assert parse_profile(page('{"error": "ActorNotFound"}'), account) is None
    assert parse_profile(page("<html>"), account) is None


def test_rss_channel_and_atom_feed():
    rss = Account("rss", "https://blog.example/feed.xml")
    body = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
      <title>Blog Budi</title><link>https://blog.example/</link>
      <description>&lt;p&gt;Catatan &lt;b&gt;Relawan&lt;/b&gt; 02&lt;/p&gt;</description>
      <image><url>/logo.png</url></image><item><title>x</title></item></channel></rss>"""
    profile = parse_profile(page(body, rss.url), rss)
    assert profile == Profile(display_name="Blog Budi", bio="Catatan Relawan 02",
                              avatar_url="https://blog.example/logo.png", link="https://blog.example/")
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>Budi</title><subtitle>Guru</subtitle>
      <link rel="self" href="/atom"/><link href="https://blog.example/"/><icon>/i.png</icon></feed>"""
    profile = parse_profile(page(atom, rss.url), rss)
    assert profile == Profile(display_name="Budi", bio="Guru", avatar_url="https://blog.example/i.png",
                              link="https://blog.example/")
    assert parse_profile(page("not xml", rss.url), rss) is None
    assert parse_profile(page("<html/>", "https://x.example/"), Account("facebook", "https://x.example/")) is None


def test_hostile_xml_entities_are_not_resolved():
    rss = Account("rss", "https://blog.example/feed.xml")
    body = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
      <rss><channel><title>&x;</title><description>d</description></channel></rss>"""
    profile = parse_profile(page(body, rss.url), rss)
    assert profile is not None and "root:" not in profile.display_name


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "platforms"


def test_instagram_mastodon_and_youtube_profiles_from_their_fixtures():
    ig = Account("instagram", "https://www.instagram.com/andi.pratama.asn/")
    for name in ("web_profile_info.json", "web_profile_info_pre.html"):  # raw JSON, and Chromium's <pre>
        body = (FIXTURES / "instagram" / name).read_text(encoding="utf-8")
        profile = parse_profile(page(body, "https://www.instagram.com/api/v1/users/web_profile_info/"), ig)
        assert (profile.display_name, profile.bio) == ("Andi Pratama", "ASN Pemkab Penajam Paser Utara")
        assert profile.avatar_url.endswith("/profile.jpg")
    masto = Account("mastodon", "https://sosial.example.id/@andi")
    rss = parse_profile(page((FIXTURES / "mastodon" / "user.rss").read_text(encoding="utf-8"), masto.url), masto)
    assert rss.display_name == "Andi Pratama" and rss.bio == ""  # "Public posts from ..." is not a bio
    assert rss.avatar_url.endswith("avatars/andi.png")
    api = json.dumps([{"id": "1", "account": {"display_name": "Andi", "note": "<p>Relawan <b>02</b></p>",
                                              "avatar": "https://s.example/a.png", "header": "https://s.example/h.png",
                                              "fields": [{"name": "web", "value": '<a href="https://andi.example/">andi.example</a>'}]}}])
    assert parse_profile(page(api, masto.url), masto) == Profile(
        display_name="Andi", bio="Relawan 02", avatar_url="https://s.example/a.png",
        header_url="https://s.example/h.png", link="https://andi.example/")
    yt = Account("youtube", "https://www.youtube.com/@budi")
    feed = parse_profile(page((FIXTURES / "youtube" / "feed.xml").read_text(encoding="utf-8"), yt.url), yt)
    assert feed.display_name == "Budi Santoso PPU"
