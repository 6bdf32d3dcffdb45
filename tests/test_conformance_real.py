"""Conformance: `pantau parse` logic on real captures in ../shared/fixtures/real/.

The captures are test data from other public projects (see SOURCES.md
there); they are read in place, never copied into this repository, and every
test here is skipped when the folder is absent. The expected values were
read from the captures by hand (ids, permalinks, times, texts).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from alerts.timeutil import utc_now
from scraper.errors import HealthProblem, NotFound
from scraper.models import Account
from scraper.parsing import parse_file
from scraper.platforms import get_adapter
from scraper.platforms.base import Page

REAL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real captures not present at {REAL}")


def real(*parts: str) -> Path:
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"capture missing: {path}")
    return path


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def assert_clean_text(text: str) -> None:
    """No source-formatting residue: no runs of spaces, no indented or padded lines."""
    assert "  " not in text
    assert all(line == line.strip() for line in text.splitlines())


# -- Telegram t.me/s/ page ---------------------------------------------------------

FULL_PAGE = [  # (id, time) in page order, read from full.html
    ("70989", "2023-02-28T07:47:53+00:00"), ("70990", "2023-02-28T08:09:50+00:00"),
    ("70992", "2023-02-28T08:51:58+00:00"), ("70995", "2023-02-28T08:54:50+00:00"),
    ("70996", "2023-02-28T09:06:02+00:00"), ("70997", "2023-02-28T10:00:03+00:00"),
    ("70998", "2023-02-28T10:29:08+00:00"), ("70999", "2023-02-28T10:43:08+00:00"),
    ("71000", "2023-02-28T10:52:36+00:00"), ("71006", "2023-02-28T12:48:58+00:00"),
    ("71007", "2023-02-28T13:02:00+00:00"), ("71008", "2023-02-28T13:14:03+00:00"),
]


def test_telegram_full_page_every_post():
    result = parse_file("telegram", real("telegram", "full.html"), url="https://t.me/topwar_official")
    assert result.health is None and result.exit_code == 0
    data = result.to_json()["posts"]
    assert [(p["id"], p["published"]) for p in data] == FULL_PAGE
    assert [p["url"] for p in data] == [f"https://t.me/topwar_official/{i}" for i, _ in FULL_PAGE]
    for post in result.posts:
        assert post.text, post.post_id
        assert_clean_text(post.text)
        assert f'data-post="topwar_official/{post.post_id}"' in post.raw
    texts = {p.post_id: p.text for p in result.posts}
    assert texts["70990"] == "Власти Петербурга подтвердили, что аэропорт Пулково временно не принимает самолеты."
    assert texts["70995"] == ('План "Ковер" отменен, небо над Санкт-Петербургом открывают, '
                              "сообщает источник РЕН ТВ.")
    assert texts["70989"] == (
        "В Санкт-Петербурге в небо над городом подняли истребители из-за неизвестного объекта в воздухе, "
        "аэропорт Пулково не принимает самолеты, сообщает Baza.\n"
        "Судя по сервису Flightradar, гражданские самолеты не приближаются к Санкт-Петербургу.")
    # <br/> inside the text become line breaks; four paragraphs
    lines = texts["71007"].splitlines()
    assert len(lines) == 4 and lines[0].startswith("Путин – о приоритетах ФСБ в 2023 году:")
    assert lines[0].endswith("значимой информацией.") and lines[3].endswith("на это реагировать.")
    # album post: the text sits in a nested text div, taken once
    assert texts["71000"].startswith("Последствия ночного удара") and texts["71000"].count("Последствия") == 1
    # a forward: the post is read, its origin kept aside
    forward = next(p for p in result.posts if p.post_id == "70996")
    assert forward.extra["forwarded_from"] == "Военкор Ярем"
    assert (forward.extra["share"], forward.extra["share_kind"], forward.extra["original_author"]) == (
        True, "forward", "Военкор Ярем")
    # the five forwards of the page (and only they) are kept and marked as shares
    assert [(p.post_id, p.extra["original_url"]) for p in result.posts if p.extra.get("share")] == [
        ("70996", "https://t.me/yaremshooter/1066"), ("70998", "https://t.me/Belarus_VPO/34301"),
        ("71006", "https://t.me/vysokygovorit/10899"), ("71007", "https://t.me/dimsmirnov175/44655"),
        ("71008", "https://t.me/ImpNavigator/4580")]
    assert forward.extra["link_preview_url"] == "http://t.me/infantmilitario/93419"
    assert result.posts[0].extra["older_page"] == "https://t.me/s/topwar_official?before=70989"


def test_telegram_full_page_media_are_absolute_urls():
    posts = {p.post_id: p for p in parse_file("telegram", real("telegram", "full.html")).posts}
    assert len(posts["71000"].media) == 6
    assert posts["70989"].media[0].startswith("https://cdn4.telegram-cdn.org/file/J1iJAZDcKYQpr7YXRxAEhL4")
    assert any(u.startswith("https://cdn4.telegram-cdn.org/file/ee2e53dc9f.mp4") for u in posts["70992"].media)
    assert all(u.startswith("https://") for p in posts.values() for u in p.media)


# (file, id, permalink, time, text): one post of each kind, read from the captures
SINGLE_MESSAGES = [
    ("message_text.html", "70991", "https://t.me/topwar_official/70991", "2023-02-28T08:48:01+00:00",
     "Неопознанный летающий объект замечен в 160 – 200 км от Петербурга\n\nПо данным «Фонтанки»"),
    ("message_link_preview.html", "22360", "https://t.me/oper_goblin/22360", "2023-02-27T07:33:14+00:00",
     "https://vnnews.ru/georgiy-zotov-okkupaciya-volosatym-kr/"),
    ("message_link_preview_text_only.html", "22368", "https://t.me/oper_goblin/22368",
     "2023-02-27T15:08:05+00:00", "http://publication.pravo.gov.ru/Document/View/0001202302270011"),
    ("message_link_preview_video.html", "11226", "https://t.me/fighter_bomber/11226", "2023-03-01T07:37:02+00:00",
     "Жениться вам, барин, пора! 😁\n\nhttps://t.me/shalnyak/5410"),
    ("message_media_file.html", "16936", "https://t.me/oper_goblin/16936", "2022-08-03T19:31:10+00:00",
     "Центр изучения новых коммуникаций подготовил исследование: «Оппозиционные проекты, запущенные или "
     "получившие дополнительное финансирование на фоне СВО»"),
    ("message_media_forwarded_from.html", "22358", "https://t.me/oper_goblin/22358", "2023-02-27T07:20:50+00:00",
     "Британская разведка выяснила, почему Ким Чен Ын начал выводить дочку в свет"),
    ("message_media_photo_and_video.html", "46908", "https://t.me/anna_news/46908", "2023-02-28T06:48:36+00:00",
     "Ночью над Белгородом сбили 3 беспилотника\n\nОни упали на улицы города.\n\n"),
    ("message_media_round_video.html", "3495", "https://t.me/bolshiepushki/3495", "2023-03-01T09:35:31+00:00", ""),
    ("message_poll.html", "488", "https://t.me/it_begin/488", "2023-02-27T16:21:02+00:00",
     "Как лучше?\n- Несколько постов в день\n- Один пост в несколько дней\n- Свой вариант в комментарии"),
    ("message_sticker.html", "5", "https://t.me/channel/5", "2023-03-01T08:01:50+00:00", ""),
    ("message_voice.html", "939", "https://t.me/oper_goblin/939", "2018-04-24T15:28:46+00:00",
     "Обсудили:\n\n- Сталина не забыть\n- Плохие фильмы\n- Смешные переводы\nможно, матерные - нет\n\n"
     "Слушайте: @kakberadio\nПишите нам: @kakberadiobot"),
    ("message_with_from_author.html", "4", "https://t.me/channel/4", "2023-02-28T16:38:34+00:00", "test"),
]


@pytest.mark.parametrize(("name", "post_id", "url", "published", "text"),
                         [pytest.param(*case, id=case[0].removesuffix(".html")) for case in SINGLE_MESSAGES])
def test_telegram_single_messages(name, post_id, url, published, text):
    result = parse_file("telegram", real("telegram", name))
    [post] = result.posts
    assert (post.post_id, post.url, post.published) == (post_id, url, utc(published))
    assert post.text.startswith(text) if text else post.text == ""
    assert_clean_text(post.text)


def test_telegram_signed_author_and_document():
    signed = parse_file("telegram", real("telegram", "message_with_from_author.html")).posts[0]
    assert signed.extra["signed_by"].endswith("rkadiy Ivanov")
    document = parse_file("telegram", real("telegram", "message_media_file.html")).posts[0]
    assert document.extra["document"] == "Оппозиционные медиапроекты.pdf"
    assert document.extra["forwarded_from"] == "Кремлёвская прачка"
    voice = parse_file("telegram", real("telegram", "message_voice.html")).posts[0]
    assert voice.media and voice.media[0].startswith("https://cdn4.telegram-cdn.org/file/e7ba63f364.ogg")


@pytest.mark.parametrize("name", ["link_preview.html", "link_preview_video.html", "media_cicrle_video.html",
                                  "media_photo.html", "media_video.html", "media_video_gif.html",
                                  "media_video_too_big.html", "poll.html"])
def test_telegram_bare_fragments_are_never_an_empty_channel(name):
    """Media fragments without any message: a health verdict, not 'no posts'."""
    result = parse_file("telegram", real("telegram", name))
    assert result.exit_code == 3 and result.posts == ()


# -- YouTube channel feed -----------------------------------------------------------

YOUTUBE_IDS = ["W_S7iKZZdHw", "U-AfiD2NgYg", "7vihrmynaRI", "xYA53I_GoFI", "VAkyg8r3A_A", "VOBmvk-VIS8",
               "hP7UpXSc1xs", "2F-0xB-Km_Q", "k2SBZSm2mOw", "3O5gFNwdcV4", "-CYtXmoYb1I", "E1EhcFMKoIU",
               "sWaa0xNuelI", "_W5xqyxI7MM", "araZUoSOPmM"]


def test_youtube_feed_every_entry():
    path = real("youtube", "atom-feed-youtube.xml")
    result = parse_file("youtube", path, url="https://www.youtube.com/channel/UC9PBzalIcEQCsiIkq36PyUA")
    assert result.exit_code == 0
    posts = result.posts
    assert [p.post_id for p in posts] == YOUTUBE_IDS
    assert [p.url for p in posts] == [f"https://www.youtube.com/watch?v={i}" for i in YOUTUBE_IDS]
    # times: <published> of each entry (the feed's own 2008 <published> is not an entry)
    published = re.findall(r"<entry>.*?<published>([^<]+)</published>", path.read_text(encoding="utf-8"), re.S)
    assert [p.published for p in posts] == [utc(t) for t in published]
    assert posts[0].published == utc("2025-01-01T16:07:24+00:00")
    assert posts[-1].published == utc("2024-12-14T17:20:43+00:00")
    assert posts[0].text.startswith("Digital Foundry Games of 2024: The Oliver Mackenzie Collection!\n\n"
                                    "As the holiday period begins to unwind")
    assert posts[0].text.endswith("16:27 Looking Ahead to 2025")
    assert posts[1].text.startswith("Call of Duty: Black Ops 6 PS5 Pro Upgrades Tested + Tech Deep Dive!\n\n")
    assert posts[0].media == ("https://i4.ytimg.com/vi/W_S7iKZZdHw/hqdefault.jpg",)
    # entries carry the UC-prefixed id even though the feed-level yt:channelId lacks it
    assert {p.extra["channel_id"] for p in posts} == {"UC9PBzalIcEQCsiIkq36PyUA"}
    assert posts[0].extra["views"] == "23088"


# -- Mastodon REST API (VCR cassettes) ------------------------------------------------

def cassette(name: str) -> list[dict]:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the VCR cassettes")
    return yaml.safe_load(real("mastodon", name).read_text(encoding="utf-8"))["interactions"]


def response(name: str, method: str, uri_end: str) -> tuple[int, str]:
    for interaction in cassette(name):
        request = interaction["request"]
        if request["method"] == method and request["uri"].endswith(uri_end):
            return interaction["response"]["status"]["code"], interaction["response"]["body"]["string"]
    raise AssertionError(f"{name}: no {method} ...{uri_end}")


MASTODON_TIMELINE = [  # (id, author path, created_at, text), read from test_public_tl_anonymous.yaml
    ("117020593134559451", "@mastodonpy_test_2", "2026-08-01T13:55:46.609+00:00", "Toot, finally!"),
    ("117020592137523525", "@admin", "2026-08-01T13:55:31.396+00:00", "you can't say that on television"),
    ("117020590477318485", "@admin", "2026-08-01T13:55:06.063+00:00", "it's cool guy too"),
    ("117020588242324937", "@admin", "2026-08-01T13:54:31.959+00:00", "on the internet, nobody knows you're a plane"),
    ("117020588169351887", "@admin", "2026-08-01T13:54:30.847+00:00", "@mastodonpy_test beep beep I'm a jeep"),
    ("117020586180926938", "@mastodonpy_test_2", "2026-08-01T13:54:00.505+00:00",
     "the best editor? why, of course it is the KDE Advanced Text Editor, Kate"),
    ("117020582721532745", "@admin", "2026-08-01T13:53:07.719+00:00", "nice\n\n- four twenty\n- sixty-nine"),
    ("117020574694606796", "@admin", "2026-08-01T13:51:05.238+00:00", "I have never stolen a ham in my life."),
]


def test_mastodon_api_statuses_every_post(tmp_path):
    status, body = response("test_public_tl_anonymous.yaml", "GET", "/api/v1/timelines/public")
    assert status == 200
    saved = tmp_path / "statuses.json"
    saved.write_text(body, encoding="utf-8")
    result = parse_file("mastodon", saved, url="http://localhost:3000/@admin")
    assert result.exit_code == 0
    got = [(p.post_id, p.url, p.published, p.text) for p in result.posts]
    assert got == [(i, f"http://localhost:3000/{who}/{i}", utc(t), text) for i, who, t, text in MASTODON_TIMELINE]
    assert result.to_json()["posts"][0]["published"] == "2026-08-01T13:55:46+00:00"
    assert json.loads(result.posts[0].raw)["id"] == "117020593134559451"


def test_mastodon_single_status(tmp_path):
    _, body = response("test_status.yaml", "GET", "/api/v1/statuses/117020583223442465")
    saved = tmp_path / "status.json"
    saved.write_text(body, encoding="utf-8")
    [post] = parse_file("mastodon", saved, url="http://localhost:3000/@mastodonpy_test").posts
    assert (post.post_id, post.url, post.published, post.text) == (
        "117020583223442465", "http://localhost:3000/@mastodonpy_test/117020583223442465",
        utc("2026-08-01T13:53:15.378+00:00"), "Toot!")


def test_mastodon_lookup_resolution_and_not_found():
    masto = get_adapter("mastodon")
    status, body = response("test_account_lookup.yaml", "GET", "/api/v1/accounts/lookup?acct=mastodonpy_test")
    ok = Page(url="http://localhost:3000/api/v1/accounts/lookup?acct=mastodonpy_test", final_url="", status=status,
              body=body, fetched_at=utc_now())
    assert masto.parse_resolution(ok) == {"account_id": "117020565966271181"}
    status, body = response("test_account_lookup.yaml", "GET", "lookup?acct=kljadklajsdkljlkjlkjlkjasdasd")
    missing = Page(url="http://localhost:3000/api/v1/accounts/lookup", final_url="", status=status, body=body,
                   fetched_at=utc_now())
    assert status == 404
    with pytest.raises(NotFound):
        masto.parse_resolution(missing)
    with pytest.raises(HealthProblem):
        masto.parse(missing, Account("mastodon", "http://localhost:3000/@x"))


# -- Facebook ------------------------------------------------------------------------

FB = "https://www.facebook.com/Nintendo"


def test_facebook_2024_desktop_relay_json_in_application_json():
    result = parse_file("facebook", real("facebook", "garcon-v2-real-page-b-text-story.html"), url=FB)
    [post] = result.posts
    assert (post.post_id, post.published) == ("1416281615991685", utc("2024-08-13T18:32:55+00:00"))
    assert post.text.startswith("MENU 14 SIERPNIA\nZUPA DNIA\nKALAFIOROWA 10 ZŁ\nKAPUŚNIAK 10 ZŁ\n")
    assert post.text.endswith("DESER\nSERNIK NA ZIMNO 16 ZŁ\nCIASTO Z RABARBAREM 16 ZŁ")
    assert "story_fbid=pfbid0dcnDxDnFgyioPGkFVUBAmULwCScvaTSzro4YSANJo7NiV9GwMRJqDisVM3hc8c19l" in post.url


def test_facebook_2023_story_json_in_a_plain_inline_script():
    """requireLazy([...], function(m){ m.handle({...}) }): was layout_changed."""
    result = parse_file("facebook", real("facebook", "garcon-v2-real-page-a-text-story.html"), url=FB)
    assert result.health is None
    [post] = result.posts
    assert (post.post_id, post.published) == ("1054930068793510", utc("2023-01-16T19:26:11+00:00"))
    assert post.text.startswith("MENU 17 STYCZNIA\n\nZUPA DNIA\nŻUREK 10 ZŁ\nMINESTRONE 10 ZŁ\n")
    assert post.text.endswith("DESERY\nNALEŚNIKI Z DŻEMEM 15 ZŁ")
    assert "story_fbid=pfbid0L45BV7SFeSH8Gc3SQvCLHC2VUwqPc7bYtJB7kh1EN12T2uBYXYFx7BLDqoGLjDNjl" in post.url


def test_facebook_2019_logged_out_page_is_a_login_wall():
    """A page with a login form is what an expired session looks like, even with public posts below."""
    result = parse_file("facebook", real("facebook", "garcon-v1-real-page-test.html"), url=FB)
    assert result.health is not None and result.health.state == "login_wall"


def test_facebook_mobile_page_articles_data_ft():
    result = parse_file("facebook", real("facebook", "fbscraper-m-nintendo-posts-2021.html"), url=FB)
    got = [(p.post_id, p.url, p.published) for p in result.posts]
    assert got == [
        ("4194934713924283", "https://www.facebook.com/119240841493711/posts/4194934713924283",
         utc("2021-06-05T00:33:32+00:00")),
        ("4193752747375813", "https://www.facebook.com/119240841493711/posts/4193752747375813",
         utc("2021-06-04T15:11:22+00:00")),
    ]
    assert result.posts[0].text == "" and result.posts[0].media  # a cover-photo change: a photo, no text
    assert result.posts[1].text == ("May 2021 is in the books! Take a look back at just a few of the past month's "
                                    "announcements, updates, and releases with Nintendo Monthly Rewind.")


def test_facebook_mobile_single_story_and_group():
    story = parse_file("facebook", real("facebook", "fbscraper-m-story-3065154550235644-2021.html"), url=FB).posts
    assert story[0].post_id == "3065154550235644" and story[0].published == utc("2020-05-13T01:01:18+00:00")
    assert story[0].text == ("Check out these themed wallpapers and many more at the link below for your personal "
                             "use! We hope you enjoy them!\n\nhttps://www.nintendo.com/wallpapers/")
    assert len(story[0].media) == 4  # the album's four photos
    assert "Yusof" not in " ".join(p.text for p in story)  # comments are not post text
    group = parse_file("facebook", real("facebook", "fbscraper-m-group-117507531664134-2021.html"),
                       url="https://www.facebook.com/groups/southamericansincomputing").posts
    assert len(group) == 21 and group[0].post_id == "1629606003787605"
    assert group[0].published == utc("2018-04-03T20:02:42+00:00")
    assert group[0].text.startswith("Hola!, This group is aimed to create opportunities for South American students")


# -- Instagram ------------------------------------------------------------------------

IG = "https://www.instagram.com/robertdowneyjr/"
IG_2022 = [("CdgUcJGFxkp", "2022-05-13T16:35:10", 2), ("CdLy2aepGaA", "2022-05-05T17:11:53", 10),
           ("CcqMT8_F74j", "2022-04-22T16:00:57", 2), ("CcgK75fPGN5", "2022-04-18T18:35:46", 2),
           ("Ccdk8u1PF5b", "2022-04-17T18:25:21", 3), ("Cb7yMEorLv6", "2022-04-04T15:26:51", 1),
           ("CbvFbLNFy-u", "2022-03-30T17:04:49", 1), ("CbNsbQ6p78f", "2022-03-17T17:52:01", 2),
           ("CanN2J1vxzY", "2022-03-02T19:13:05", 1), ("CaaiKE7P2dQ", "2022-02-25T21:00:27", 1),
           ("CaVk3twlm83", "2022-02-23T22:49:55", 2), ("CXgs_RkJYUi", "2021-12-15T16:56:21", 1)]


@pytest.mark.parametrize("name", ["pgrimaud-profile-robertdowneyjr-2022.json",
                                  "pgrimaud-profile-robertdowneyjr-2022.pre.html"])
def test_instagram_web_profile_info_raw_and_pre(name):
    posts = parse_file("instagram", real("instagram", name), url=IG).posts
    assert [(p.post_id, p.published, len(p.media)) for p in posts] == [
        (code, utc(t + "+00:00"), n) for code, t, n in IG_2022]
    assert posts[0].url == "https://www.instagram.com/p/CdgUcJGFxkp/"
    assert posts[0].text.startswith("Tired of lack luster home care products? Join me and switch to @homecourt")


def test_instagram_2020_server_page():
    posts = parse_file("instagram", real("instagram", "pgrimaud-profile-page-2020.html"), url=IG).posts
    assert len(posts) == 12
    assert [(p.post_id, p.published) for p in posts[:2]] == [
        ("CA8XHDAFiP6", utc("2020-06-02T18:41:50+00:00")), ("CAxyPW6luuN", utc("2020-05-29T16:08:52+00:00"))]
    assert posts[1].text.startswith("L.A. 1931. Everybody's guilty of somethi")


@pytest.mark.parametrize(("name", "state"), [
    ("pgrimaud-challenge-page.html", "checkpoint"),  # served under the profile URL: recognised by content
    ("pgrimaud-checkpoint_required.json", "checkpoint"),
    ("pgrimaud-user-null.json", "not_found"),
])
def test_instagram_verdicts(name, state):
    result = parse_file("instagram", real("instagram", name), url=IG)
    assert result.posts == () and result.health.state == state


# -- TikTok ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ericlingit-recommend-item_list-2022.json",
                                  "ericlingit-recommend-item_list-2022.pre.html"])
def test_tiktok_item_list_of_others_is_not_the_accounts_posts(name):
    """28 items by many authors given as one account's page: a verdict, not 28 posts."""
    result = parse_file("tiktok", real("tiktok", name), url="https://www.tiktok.com/@bupati.ppu")
    assert result.posts == () and result.health.state == "layout_changed"
    own = parse_file("tiktok", real("tiktok", name), url="https://www.tiktok.com/@zoey._.03.18").posts
    assert [(p.post_id, p.published) for p in own] == [
        ("7158770362770099483", utc("2022-10-26T10:45:16+00:00")),
        ("7131313907288771866", utc("2022-08-13T11:00:12+00:00"))]
    assert all(p.url.startswith("https://www.tiktok.com/@zoey._.03.18/video/") for p in own)


def test_tiktok_2021_next_data_profile():
    posts = parse_file("tiktok", real("tiktok", "drawrowfly-userMeta-tiktok-2021.html"),
                       url="https://www.tiktok.com/@tiktok").posts
    assert [(p.post_id, p.published) for p in posts] == [
        ("6912598122988326149", utc("2021-01-01T01:31:21+00:00")),
        ("6911370401054526725", utc("2020-12-28T18:07:14+00:00")),
        ("6909171131882802434", utc("2020-12-22T19:55:16+00:00")),
        ("6907709736355908869", utc("2020-12-18T21:22:02+00:00"))]
    assert posts[0].text.startswith("Thank you for celebrating NYE with us! We had a blast saying #bye2020")


# -- X --------------------------------------------------------------------------------

X_PAGES = {  # (id, time, pinned) in page order, read from the rendered profiles
    "okx": [("2012952460877607151", "2026-01-18T18:17:20", True), ("2013469559152431502", "2026-01-20T04:32:06", False),
            ("2013422753613762627", "2026-01-20T01:26:06", False), ("2013378711286858222", "2026-01-19T22:31:06", False),
            ("2013333412644294788", "2026-01-19T19:31:06", False), ("2013298867521917306", "2026-01-19T17:13:49", False)],
    "cz_binance": [("1981404850832494666", "2025-10-23T16:58:23", True),
                   ("1614148296788041734", "2023-01-14T06:31:58", False),
                   ("1554445653929066496", "2022-08-02T12:34:58", False),
                   ("1839861237850497271", "2024-09-28T02:54:36", False),
                   ("1727063503125766367", "2023-11-21T20:36:41", False),
                   ("1894435820888559982", "2025-02-25T17:14:31", False)],
}


@pytest.mark.parametrize("handle", sorted(X_PAGES))
def test_x_rendered_profile_ids_times_pinned(handle):
    posts = parse_file("x", real("x", f"xingest-{handle}.html"), url=f"https://x.com/{handle}").posts
    assert [(p.post_id, p.published, p.extra["pinned"]) for p in posts] == [
        (i, utc(t + "+00:00"), pin) for i, t, pin in X_PAGES[handle]]
    assert all(p.url == f"https://x.com/{handle}/status/{p.post_id}" for p in posts)


def test_x_mention_stays_inline_and_line_breaks_stay():
    """X wraps an @mention in an inline div: it was split onto its own line."""
    posts = {p.post_id: p for p in parse_file("x", real("x", "xingest-jason.html"), url="https://x.com/jason").posts}
    assert len(posts) == 8
    quote = posts["1814134821603754307"]
    assert quote.text == ("Trump is flipping every moderate I know… and many life-long democrats, by speaking to all "
                          "Americans in a way that the democrats have forgotten how to do.\n\nThere are a lot of "
                          "lessons here for @TheDemocrats, from having a positive message to building a big, "
                          "non-judgmental tent —")
    assert quote.extra["share_kind"] == "quote" and quote.extra["quoted_text"] == "This is a Masterclass by Trump"
    okx = parse_file("x", real("x", "xingest-okx.html"), url="https://x.com/okx").posts
    assert okx[0].text.startswith("Five straight wins at the highest level.\nThat’s why OKX backs the halfpipe")
    nodepay = parse_file("x", real("x", "xingest-nodepay.html"), url="https://x.com/nodepay").posts
    assert nodepay[1].text.startswith("We’re shipping updates continuously. 🔥\n\nWhat’s new:\n🔸 A cleaner")
    assert [p.extra.get("original_author") for p in nodepay if p.extra.get("share_kind") == "quote"] == [
        "leojsbarbosa", "nikitabier", "nodepay"]


@pytest.mark.parametrize("name", ["twscrape-raw_user_tweets.json", "twscrape-raw_user_tweets.pre.html"])
def test_x_graphql_user_tweets_raw_and_pre(name):
    result = parse_file("x", real("x", name), url="https://x.com/XDevelopers")
    posts = result.posts
    # 1 pinned + 18 timeline entries + 2 posts of a self-thread module; 16 entries are reposts
    assert len(posts) == 21 and result.health is None
    first = posts[0]
    assert (first.post_id, first.published, first.extra["pinned"]) == (
        "2019881223666233717", utc("2026-02-06T21:09:45+00:00"), True)
    assert first.text.startswith("Officially launching X API Pay-Per-Use\n\nThe core of X developers")
    assert first.text.endswith("We’re so back. http://developer.x.com")  # t.co expanded
    reposts = [p for p in posts if p.extra.get("repost")]
    assert len(reposts) == 16
    repost = posts[1]
    assert (repost.post_id, repost.url) == ("2083289084567724316", "https://x.com/benjitaylor/status/2083289084567724316")
    assert repost.extra["share_kind"] == "repost" and repost.extra["original_author"] == "benjitaylor"
    assert repost.extra["reposted_by"] == "XDevelopers" and repost.extra["repost_id"] == "2083305234688803178"
    assert repost.text.startswith("Overhauled the 𝕏 Developer Console")  # the original's full text, not "RT @..."
    assert posts[-1].post_id == "2072126677535346779"
    assert posts[-1].published == utc("2026-07-01T01:14:32+00:00")


def test_x_graphql_user_by_screen_name_alone_is_a_verdict():
    result = parse_file("x", real("x", "twscrape-raw_user_by_login.json"), url="https://x.com/XDevelopers")
    assert result.posts == () and result.health.state == "layout_changed"


# -- Bluesky --------------------------------------------------------------------------

def test_bluesky_author_feed_full_links_and_video():
    result = parse_file("bluesky", real("bluesky", "dekoxd-getAuthorFeed-mkbhd-2025.json"),
                        url="https://bsky.app/profile/mkbhd.com")
    posts = {p.post_id: p for p in result.posts}
    assert len(posts) == 30 and result.posts[0].post_id == "3lsy4fwoq6s23"
    assert result.posts[0].published == utc("2025-07-02T11:30:50.192+00:00")
    zoo = posts["3lnicr3nq5k2h"]
    assert zoo.text.endswith("10 million comments 🎂\n\nhttps://www.youtube.com/watch?v=jNQXAC9IVRw")
    assert zoo.extra["links"] == ["https://www.youtube.com/watch?v=jNQXAC9IVRw"]
    assert "youtu.be/E1oZhEIrer4?si=qT4tctSAqZ4HWFos" in posts["3log7sqa3js2s"].text
    video = posts["3ljlhgkjyys2h"]
    base = ("https://video.bsky.app/watch/did%3Aplc%3Ays5aypbbeqmwn42edy5t3sho/"
            "bafkreidr67l7ccinv2uzplayco2ahf2y24k572sfnqdjgmobcj2p3jfe7i/")
    assert video.media == (base + "playlist.m3u8", base + "thumbnail.jpg")
    # no reposts in this capture; two quote posts, the account's own, marked with what they quote
    assert [(p.post_id, p.extra["share_kind"], p.extra["original_url"]) for p in result.posts if p.extra.get("share")] == [
        ("3lloixho7oc2d", "quote", "https://bsky.app/profile/brianvan.bsky.social/post/3llkylad2qk2j"),
        ("3lfsqdscy722x", "quote", "https://bsky.app/profile/theverge.com/post/3lfsnd645bc2o")]
