"""Fuzz (issue #11 item 6): a malformed value never fails the whole account, never a traceback.

Mutated pages (the repository's platform fixtures and, when present, the real
captures in ../shared/fixtures/real/, cut to a bounded size), JSON of the
wrong types, deeply nested HTML and JSON, a link with ``[``, a mangled XML
root and a bad X time go through the same call the daemon and ``pantau
parse`` use. Every result must be posts or a health verdict. The cases are
drawn from a fixed seed and bounded in number and size (a few seconds of CPU).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.timeutil import utc_now
from scraper.cli import app
from scraper.errors import HealthProblem
from scraper.models import Account
from scraper.parsing import parse_page, read_posts
from scraper.platforms import get_adapter, known_platforms
from scraper.platforms.base import Page

pytestmark = pytest.mark.slow  # many mutated pages per platform: left out of `make check-fast`

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "platforms"
REAL = HERE.parents[1] / "shared" / "fixtures" / "real"
SEED = 20261129
MUTANTS_PER_PAGE = 3
MAX_CHARS = 40_000

URLS = {
    "telegram": "https://t.me/infosepaku", "rss": "https://e.id/feed", "youtube": "https://www.youtube.com/channel/UCx",
    "mastodon": "https://sosial.example.id/@andi", "bluesky": "https://bsky.app/profile/andi.bsky.social",
    "facebook": "https://www.facebook.com/andi", "instagram": "https://www.instagram.com/andi/",
    "tiktok": "https://www.tiktok.com/@andi", "x": "https://x.com/andi", "web": "https://e.id/berita",
}
OPTIONS = {"web": {"selectors": {"post": "article", "text": "p"}}}
REAL_PLATFORM = {"telegram": "telegram", "youtube": "youtube", "bluesky": "bluesky", "facebook": "facebook",
                 "instagram": "instagram", "tiktok": "tiktok", "x": "x"}


def _pages() -> list[tuple[str, str, str]]:
    found = []
    for folder in sorted(FIXTURES.iterdir()):
        for path in sorted(folder.iterdir()):
            if folder.name in URLS and path.is_file():
                found.append((folder.name, path.name, path.read_text(encoding="utf-8", errors="replace")))
    if REAL.is_dir():
        for folder, platform in REAL_PLATFORM.items():
            for path in sorted((REAL / folder).glob("*")):
                if path.suffix in (".html", ".json", ".xml"):
                    body = path.read_text(encoding="utf-8", errors="replace")
                    found.append((platform, f"real/{path.name}", body[:MAX_CHARS] + body[-MAX_CHARS // 4:]))
    return found


def _mutate(body: str, rng: random.Random) -> str:
    """One of a few corruptions real pages suffer: cut, spliced, a tag or quote removed, values swapped."""
    if not body:
        return "<"
    kind = rng.randrange(6)
    i, j = sorted(rng.randrange(len(body)) for _ in range(2))
    if kind == 0:
        return body[:i]  # truncated download
    if kind == 1:
        return body[:i] + body[j:]  # a chunk lost
    if kind == 2:
        return body[:i] + body[i:j].replace('"', "", 3) + body[j:]  # broken quoting
    if kind == 3:
        return body.replace('"id"', '"id":null,"x"', 2).replace('"text"', '"text":[1],"y"', 2)
    if kind == 4:
        return body[:i] + "<div>" * 50 + "[http://[::1/" + body[i:]
    return body[:i] + body[j:i:-1] + body[j:]  # a reversed slice


def _parse(platform: str, body: str) -> None:
    adapter = get_adapter(platform)
    url = URLS[platform]
    page = Page(url=url, final_url=url, status=200, body=body, fetched_at=utc_now())
    account = Account(platform, url, options=OPTIONS.get(platform, {}))
    result = parse_page(adapter, page, account, "fuzz")
    assert (result.health is None) or (result.posts == () and result.health.reason)


def test_mutated_pages_give_posts_or_a_verdict():
    rng = random.Random(SEED)
    cases = 0
    for platform, name, body in _pages():
        for _ in range(MUTANTS_PER_PAGE):
            _parse(platform, _mutate(body, rng))
            cases += 1
    assert cases >= 3 * 100


WRONG_TYPES = [
    # Bluesky: fields of the wrong type
    ("bluesky", {"feed": [{"post": {"uri": 5, "record": "x"}}, {"post": {"uri": "at://d/app.bsky.feed.post/k",
                 "record": {"text": ["a"], "createdAt": 10**30, "facets": [{"index": {"byteStart": "a"}}]},
                 "author": "me", "embed": {"images": "x"}}}, {"post": None, "reason": 5}]}),
    ("bluesky", {"feed": "nope"}),
    # Mastodon API: statuses with wrong types and a huge number
    ("mastodon", [{"id": 1, "created_at": 10**400 if False else "1e999", "content": 5, "media_attachments": [None],
                   "tags": "x", "poll": {"options": "x"}, "reblog": "x"}, 7, None]),
    # Instagram web_profile_info with wrong types
    ("instagram", {"data": {"user": {"edge_owner_to_timeline_media": {"count": "many", "edges": [
        {"node": {"shortcode": ["x"], "taken_at_timestamp": "soon", "edge_media_to_caption": "x"}}, 5]}}}}),
    ("instagram", {"data": {"user": {"edge_owner_to_timeline_media": {"count": 10**30, "edges": "x"}}}}),
    # TikTok item list with wrong types
    ("tiktok", {"itemList": [{"id": 7158770362770099483, "createTime": 10**30, "desc": {"a": 1},
                              "author": {"uniqueId": "andi"}, "video": "x"}, {"id": None}, "x"]}),
    # X GraphQL with a bad time and wrong types
    ("x", {"data": {"user": {"result": {"timeline": {"timeline": {"instructions": [
        {"type": "TimelineAddEntries", "entries": [{"content": {"itemContent": {"tweet_results": {"result": {
            "rest_id": "1900000000000000001", "core": {"user_results": {"result": {"core": {"screen_name": "andi"}}}},
            "legacy": {"full_text": ["x"], "created_at": "Xyz Foo 99 99:99:99 +9999 99999",
                       "entities": {"urls": "x"}, "extended_entities": {"media": [None, 5]}}}}}}}, 5, None]}, "x"]}}}}}}),
]


@pytest.mark.parametrize(("platform", "data"), WRONG_TYPES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(WRONG_TYPES)])
def test_wrong_typed_json_gives_posts_or_a_verdict(platform, data):
    _parse(platform, json.dumps(data))


def test_bad_x_time_skips_nothing_but_the_time():
    data = WRONG_TYPES[-1][1]
    entry = data["data"]["user"]["result"]["timeline"]["timeline"]["instructions"][0]["entries"][0]
    entry["content"]["itemContent"]["tweet_results"]["result"]["legacy"]["full_text"] = "teks"
    body = json.dumps(data)
    page = Page(url=URLS["x"], final_url=URLS["x"], status=200, body=body, fetched_at=utc_now())
    [post] = read_posts(get_adapter("x"), page, Account("x", URLS["x"]))
    assert post.post_id == "1900000000000000001" and post.published is None and post.text == "teks"


@pytest.mark.parametrize("platform", sorted(URLS))
def test_deeply_nested_html_and_json(platform):
    _parse(platform, "<html><body>" + "<div>" * 30000 + "x" + "</div>" * 30000 + "</body></html>")
    _parse(platform, "[" * 100000 + "]" * 100000)
    _parse(platform, '{"data":' * 50000 + "1" + "}" * 50000)


def test_a_link_with_a_bracket_skips_only_that_post():
    page_html = (FIXTURES / "telegram" / "channel.html").read_text(encoding="utf-8")
    hostile = page_html.replace('href="https://t.me/infosepaku/103"', 'href="http://[t.me/infosepaku/103"', 1)
    assert hostile != page_html
    page = Page(URLS["telegram"], URLS["telegram"], 200, hostile, utc_now())
    posts = read_posts(get_adapter("telegram"), page, Account("telegram", URLS["telegram"]))
    assert [p.post_id for p in posts] == ["102", "103", "104", "105"]  # the permalink falls back, nothing lost


def test_one_malformed_post_is_skipped_and_counted():
    body = {"feed": [
        {"post": {"uri": "at://did:plc:a/app.bsky.feed.post/3lgood", "record": {"text": "baik", "createdAt": "2026-11-10T00:00:00Z"},
                  "author": {"handle": "andi.bsky.social"}}},
        {"post": {"uri": "bukan-uri", "record": {}}},
    ]}
    page = Page(URLS["bluesky"], URLS["bluesky"], 200, json.dumps(body), utc_now())
    posts = read_posts(get_adapter("bluesky"), page, Account("bluesky", URLS["bluesky"]))
    assert [p.post_id for p in posts] == ["3lgood"] and posts.skipped == 1


@pytest.mark.parametrize("body", ["<rss><channel><item>", "<?xml version='1.0'?><:rss/>", "<\x00feed>", "<rdf:RDF"])
def test_mangled_xml_root_is_a_verdict(body):
    for platform in ("rss", "youtube", "mastodon", "bluesky"):
        _parse(platform, body)


def test_parse_command_never_prints_a_traceback(tmp_path):
    runner = CliRunner()
    for platform in known_platforms():
        if platform == "web":
            continue
        for name, body in (("deep.json", "[" * 100000 + "]" * 100000),
                           ("deep.html", "<div>" * 30000 + "</div>" * 30000),
                           ("junk.html", "\x00\xff<<<>>>&&&;[]")):
            path = tmp_path / name
            path.write_text(body, encoding="utf-8")
            result = runner.invoke(app, ["parse", "--platform", platform, str(path)])
            assert "Traceback" not in result.output, (platform, name, result.output[-500:])
            assert result.exit_code in (0, 3), (platform, name, result.output[-500:])
            assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_health_problem_is_the_verdict_type():
    with pytest.raises(HealthProblem):
        read_posts(get_adapter("x"), Page(URLS["x"], URLS["x"], 200, "[" * 100000, utc_now()), Account("x", URLS["x"]))


def test_bad_time_in_the_x_page_keeps_the_post():
    html = (FIXTURES / "x" / "profile_posts.html").read_text(encoding="utf-8")
    bad = html.replace('datetime="2024-11-15T01:20:00.000Z"', 'datetime="2024-13-45T99:99:99Z"', 1)
    assert bad != html
    url = "https://x.com/rahmat_ppu"
    good = read_posts(get_adapter("x"), Page(url, url, 200, html, utc_now()), Account("x", url))
    posts = read_posts(get_adapter("x"), Page(url, url, 200, bad, utc_now()), Account("x", url))
    assert [p.post_id for p in posts] == [p.post_id for p in good]
    assert sum(p.published is None for p in posts) == 1 + sum(p.published is None for p in good)


def test_parse_command_on_a_folder_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["parse", "--platform", "x", str(tmp_path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "berkas tidak bisa dibaca" in result.output
    assert not isinstance(result.exception, OSError)
