"""`pantau parse` / `pantau probe` logic: saved files offline, live fetches from a loopback server."""
from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from alerts.timeutil import utc_now
from scraper.errors import PantauError
from scraper.parsing import UnknownPlatform, format_result, parse_file, probe
from scraper.platforms.base import Page

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"
CHANNEL_ID = "UCq3Zk8mRtWm0pPenajamPPU"


# -- offline: parse_file ------------------------------------------------------

def test_parse_file_posts_json_shape_and_exit_code():
    result = parse_file("telegram", FIXTURES / "telegram" / "channel.html")
    assert result.exit_code == 0
    data = result.to_json()
    assert set(data) == {"posts", "health"} and data["health"] is None
    assert [set(p) for p in data["posts"]] == [{"id", "url", "published", "text"}] * 4
    assert data["posts"][0] == {
        "id": "102",
        "url": "https://t.me/infosepaku/102",
        "published": "2026-10-03T23:15:00+00:00",
        "text": "Kerja bakti Sabtu pagi\n\nWarga Desa Bukit Raya diajak membersihkan saluran air pukul 07.00 WITA."
                "\nBawa parang & karung sendiri.",
    }
    json.dumps(data)  # serialisable as is


def test_parse_file_health_verdict_exit_3():
    result = parse_file("telegram", FIXTURES / "telegram" / "no_preview.html")
    assert result.exit_code == 3 and result.posts == ()
    assert result.to_json() == {"posts": [], "health": {"state": "not_found", "reason": result.health.reason}}
    text = format_result(result)
    assert "MASALAH KESEHATAN SCRAPER" in text and "not_found" in text and "BUKAN" in text


def test_parse_file_empty_page_is_exit_0():
    result = parse_file("telegram", FIXTURES / "telegram" / "empty.html")
    assert result.exit_code == 0 and result.to_json() == {"posts": [], "health": None}
    assert format_result(result).startswith("0 postingan ditemukan")


def test_parse_file_web_uses_options_and_url():
    options = {"selectors": {"post": "article.post", "id": "@data-id", "text": ".body",
                             "link": "a.permalink@href", "time": "time@datetime"}}
    result = parse_file("web", FIXTURES / "web" / "news.html", url="https://disdik.example.go.id/berita",
                        options=options)
    assert [p["url"] for p in result.to_json()["posts"]] == [
        "https://disdik.example.go.id/berita/311-lomba-cerdas-cermat", "https://disdik.example.go.id/berita/310"]


def test_format_result_in_indonesian_with_wita_times():
    text = format_result(parse_file("telegram", FIXTURES / "telegram" / "channel.html"))
    assert text.splitlines()[0].startswith("4 postingan ditemukan (telegram)")
    assert "[1] ID 102 | 4 Oktober 2026 07.15 WITA" in text  # 23:15 UTC = 07:15 WITA next day
    assert "    https://t.me/infosepaku/102" in text
    assert "    media: 1 berkas" in text


def test_unknown_platform_lists_known_ones():
    with pytest.raises(UnknownPlatform) as info:
        parse_file("friendster", FIXTURES / "telegram" / "channel.html")
    message = str(info.value)
    assert "friendster" in message and "telegram" in message and "youtube" in message and "mastodon" in message


def test_page_title_is_read_from_saved_html(tmp_path):
    from scraper.parsing import page_title
    assert page_title((FIXTURES / "telegram" / "cloudflare.html").read_text()) == "Just a moment..."
    assert page_title("<html><head><TITLE>\n Log in to Facebook &amp; more\n</TITLE>") == "Log in to Facebook & more"


# -- live: probe against a loopback server ---------------------------------------

class Site:
    """A loopback HTTP server serving fixed routes; records every request."""

    def __init__(self, routes: dict[str, tuple[int, str, str]]):
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append((self.path, dict(self.headers)))
                status, ctype, body = site.routes.get(self.path, (404, "text/html", "<h1>Not Found</h1>"))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class LoopbackFetcher:
    """Stand-in for scraper.fetch.http.HttpFetcher: a plain httpx GET."""

    async def get(self, url, headers=None, etag=None, last_modified=None) -> Page:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
            resp = await client.get(url, headers=headers or {})
        return Page(url=url, final_url=str(resp.url), status=resp.status_code, body=resp.text,
                    fetched_at=utc_now(), headers=dict(resp.headers),
                    content_type=resp.headers.get("content-type", ""))


def fixture_text(*parts: str) -> str:
    return FIXTURES.joinpath(*parts).read_text(encoding="utf-8")


def test_probe_telegram_fetches_the_preview_path_on_the_given_host():
    routes = {"/s/infosepaku": (200, "text/html", fixture_text("telegram", "channel.html"))}
    with Site(routes) as site:
        result = asyncio.run(probe(f"{site.base}/infosepaku", "telegram", LoopbackFetcher()))
    assert [path for path, _ in site.requests] == ["/s/infosepaku"]
    assert result.exit_code == 0 and [p.post_id for p in result.posts] == ["102", "103", "104", "105"]
    assert result.fetched_url == f"{site.base}/s/infosepaku"


def test_probe_youtube_handle_resolves_then_reads_the_feed():
    routes = {
        "/@budisantosoppu": (200, "text/html", fixture_text("youtube", "channel_page.html")),
        f"/feeds/videos.xml?channel_id={CHANNEL_ID}": (200, "application/atom+xml", fixture_text("youtube", "feed.xml")),
    }
    with Site(routes) as site:
        result = asyncio.run(probe(f"{site.base}/@budisantosoppu", "youtube", LoopbackFetcher()))
    assert [path for path, _ in site.requests] == ["/@budisantosoppu", f"/feeds/videos.xml?channel_id={CHANNEL_ID}"]
    assert "application/atom+xml" in site.requests[1][1]["Accept"]
    assert [p.post_id for p in result.posts] == ["aB3dE5gH7jK", "Zz9Yy8Xx7Ww"]
    assert result.extra["memo"] == {"channel_id": CHANNEL_ID}


def test_probe_youtube_consent_on_resolution_is_a_verdict():
    routes = {"/@budisantosoppu": (200, "text/html", fixture_text("youtube", "consent.html"))}
    with Site(routes) as site:
        result = asyncio.run(probe(f"{site.base}/@budisantosoppu", "youtube", LoopbackFetcher()))
    assert result.exit_code == 3 and result.health.state == "consent"


def test_probe_404_is_not_found():
    with Site({}) as site:
        result = asyncio.run(probe(f"{site.base}/@hilang", "mastodon", LoopbackFetcher()))
    assert [path for path, _ in site.requests] == ["/@hilang.rss"]
    assert result.to_json()["health"]["state"] == "not_found" and result.exit_code == 3


def test_probe_browser_platform_without_browser_says_needs_browser():
    options = {"selectors": {"post": "article.post"}, "wait": "article.post"}
    with Site({}) as site:
        result = asyncio.run(probe(f"{site.base}/berita", "web", LoopbackFetcher(), options=options))
        assert site.requests == []
    assert result.exit_code == 3 and result.health.state == "needs_browser"
    assert "perlu browser" in result.health.reason


class LoopbackBrowser:
    """Stand-in for the browser fetcher: records the call, reads the page over loopback HTTP."""

    def __init__(self):
        self.calls = []

    async def fetch_page(self, url, *, wait_selector=None, session_platform=None, headers=None, capture=None):
        self.calls.append((url, wait_selector, session_platform, headers, capture))
        return await LoopbackFetcher().get(url)


def test_probe_browser_platform_uses_the_browser_with_wait_selector():
    options = {"selectors": {"post": "article.post", "id": "@data-id", "text": ".body"}, "wait": "main#berita"}
    browser = LoopbackBrowser()
    with Site({"/berita": (200, "text/html", fixture_text("web", "news.html"))}) as site:
        result = asyncio.run(probe(f"{site.base}/berita", "web", LoopbackFetcher(), browser, options=options))
    assert browser.calls == [(f"{site.base}/berita", "main#berita", None, None, None)]
    assert [p.post_id for p in result.posts] == ["berita-311", "berita-310"]


@pytest.mark.parametrize("platform, path", [("instagram", "/bupati.ppu/"), ("x", "/bupatippu"),
                                            ("tiktok", "/@bupati.ppu"), ("facebook", "/bupati.ppu")])
def test_probe_and_daemon_fetch_a_browser_account_the_same_way(platform, path):
    """One fetch path: same URL, headers, wait selector, session and captured responses."""
    from scraper.models import Account
    from scraper.pipeline import Services, _fetch
    from scraper.platforms import get_adapter

    with Site({}) as site:
        url = site.base + path
        by_probe, by_daemon = LoopbackBrowser(), LoopbackBrowser()
        asyncio.run(probe(url, platform, LoopbackFetcher(), by_probe))
        services = Services(posts=None, findings=None, detector=None, outbox=None, health=None,
                            http=LoopbackFetcher(), browser=by_daemon)
        asyncio.run(_fetch(services, get_adapter(platform), Account(platform, url), {}))
    assert by_probe.calls == by_daemon.calls and len(by_probe.calls) == 1
    _, wait, session, headers, capture = by_probe.calls[0]
    assert session == platform
    if platform == "instagram":  # the JSON API: no selector to wait for, the app-id header instead
        assert headers == {"X-IG-App-ID": "936619743392459"} and wait is None
    else:
        assert wait
    if platform == "x":
        assert "/UserTweets" in capture and "/UserByScreenName" in capture


def test_probe_rate_limited_is_a_verdict_not_an_error():
    from scraper.errors import RateLimited

    class Cooling:
        async def get(self, url, headers=None, etag=None, last_modified=None):
            raise RateLimited("127.0.0.1 cooling down for 900s more", url=url, retry_after=900)

    result = asyncio.run(probe("http://127.0.0.1:9/@andi", "mastodon", Cooling()))
    assert result.exit_code == 3 and result.health.state == "rate_limited"
    assert "rate_limited" in format_result(result)


def test_probe_infers_platform_or_asks_for_it():
    with pytest.raises(UnknownPlatform) as info:
        asyncio.run(probe("http://127.0.0.1:9/apa", None, LoopbackFetcher()))
    assert "--platform" in str(info.value)
    with pytest.raises(PantauError):  # invalid account entry: web without selectors
        asyncio.run(probe("http://127.0.0.1:9/berita", "web", LoopbackFetcher()))
