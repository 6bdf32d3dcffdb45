"""Issue 11 items 1 and 5: capped bodies and redirects only to the account's own site.

Real HTTP servers on 127.0.0.1; a recording transport shows which URLs the
fetcher actually connected to.
"""
from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from scraper.config import config_from_dict
from scraper.settings import parse_size
from scraper.errors import RedirectRefused, TooLarge
from scraper.fetch.http import HttpFetcher
from scraper.fetch.redirects import refusal, registrable_domain
from scraper.models import Account, Person

REPO = Path(__file__).resolve().parents[1]
UA = "PantauTest/1.0 (+bawaslu-ppu)"
HUGE = 400 * 1024 * 1024   # what the server offers
CAP = 256 * 1024           # what the fetcher may read
CHUNK = 64 * 1024


class Served:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[str, int] = {}
        self.paths: list[str] = []
        self.other_base = ""


def _handler(served: Served):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _stream(self, path: str, chunked: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            block = b"<item>" + b"x" * (CHUNK - 13) + b"</item>"
            total = 0
            try:
                while total < HUGE:
                    if chunked:
                        self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                    else:
                        self.wfile.write(block)
                    total += len(block)
                    with served.lock:
                        served.sent[path] = total
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            path = self.path.split("?")[0]
            with served.lock:
                served.paths.append(path)
            port = self.server.server_address[1]
            if path == "/huge-chunked":
                self._stream(path, chunked=True)
            elif path == "/huge-declared":
                self._stream(path, chunked=False)
            elif path == "/to-other-port":
                self._redirect(served.other_base + "/feed")
            elif path == "/to-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/iam/")
            elif path == "/to-same":
                self._redirect(f"http://127.0.0.1:{port}/feed")
            elif path == "/to-file":
                self._redirect("file:///etc/passwd")
            else:
                body = b"<rss><channel><title>ok</title></channel></rss>"
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    return Handler


def _serve(served: Served):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture()
def sites():
    """Two loopback sites: the account's own and an "other" one on another port."""
    own, other = Served(), Served()
    a, b = _serve(own), _serve(other)
    own.other_base = f"http://127.0.0.1:{b.server_address[1]}"
    try:
        yield f"http://127.0.0.1:{a.server_address[1]}", own, other
    finally:
        for httpd in (a, b):
            httpd.shutdown()
            httpd.server_close()


class Recording(httpx.AsyncBaseTransport):
    """A real transport that remembers every URL it was asked to connect to."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _get(url: str, **kw):
    fetcher = HttpFetcher(user_agent=UA, retries=0, **kw)
    try:
        return await fetcher.get(url)
    finally:
        await fetcher.aclose()


# -- item 1: body cap ---------------------------------------------------------
@pytest.mark.parametrize("path", ["/huge-chunked", "/huge-declared"])
def test_huge_body_stops_at_the_cap_and_names_it(sites, path):
    base, own, _ = sites
    with pytest.raises(TooLarge) as info:
        asyncio.run(_get(base + path, max_body=CAP))
    exc = info.value
    assert exc.state == "too_large" and exc.limit == CAP
    assert "256 KB" in str(exc) and "[http] max_body" in str(exc)
    # what the client held in memory: at most the cap plus one chunk, not 400 MB
    assert exc.bytes_read <= CAP + 2 * CHUNK
    with own.lock:
        sent = own.sent.get(path, 0)
    assert sent < HUGE // 4  # the server was cut off long before the end


def test_declared_oversize_is_refused_unread(sites):
    base, _, _ = sites
    with pytest.raises(TooLarge) as info:
        asyncio.run(_get(base + "/huge-declared", max_body=CAP))
    assert info.value.bytes_read == 0 and "tidak dibaca" in str(info.value)


def test_body_under_the_cap_is_read(sites):
    base, _, _ = sites
    page = asyncio.run(_get(base + "/feed", max_body=CAP))
    assert page.status == 200 and "<title>ok</title>" in page.body


def test_per_platform_cap_applies_by_host():
    fetcher = HttpFetcher(user_agent=UA, max_body=CAP, max_bodies={"youtube": 4 * CAP})
    assert fetcher.cap_for("https://www.youtube.com/feeds/videos.xml?channel_id=x") == 4 * CAP
    assert fetcher.cap_for("https://t.me/s/kominfo") == CAP


def test_config_max_body_sizes(tmp_path):
    config = config_from_dict({"http": {"max_body": "2MB", "max_bodies": {"youtube": "8MB"}}},
                              tmp_path / "config.toml")
    assert parse_size(config.http.max_body) == 2 * 1024 * 1024
    assert parse_size(config.http.max_bodies["youtube"]) == 8 * 1024 * 1024
    assert parse_size(config_from_dict({}, tmp_path / "c.toml").http.max_body) == 5 * 1024 * 1024
    from scraper.errors import ConfigError
    with pytest.raises(ConfigError) as info:
        config_from_dict({"http": {"max_body": "lots"}}, tmp_path / "config.toml")
    assert "http.max_body" in str(info.value.problems[0])
    with pytest.raises(ConfigError) as info:
        config_from_dict({"http": {"max_bodies": {"rss": "1MB"}}}, tmp_path / "config.toml")
    assert "http.max_bodies" in str(info.value.problems[0]) and "youtube" in str(info.value.problems[0])


def test_once_records_too_large_as_a_health_problem(sites, tmp_path):
    """The daemon/once path: the account's verdict is too_large, naming the cap."""
    from scraper.app import open_runtime
    from scraper.pipeline import process_account

    base, _, _ = sites
    config = config_from_dict({"http": {"max_body": "256KB", "retries": 0, "min_delay": "0s"},
                               "evidence": {"enabled": False, "screenshot": False},
                               "watchlists": {"paths": []},
                               "lexicon": {"paths": [str(REPO / "watchlists/lexicon/*.toml")]}},
                              tmp_path / "config.toml")
    account = Account(platform="rss", url=base + "/huge-chunked", person_name="Budi")
    person = Person(name="Budi", nip="198501012010011001", position="Staf", unit="Dinas",
                    accounts=(account,))

    async def go():
        async with open_runtime(config, people=[person], browser=False) as rt:
            result = await process_account(rt.services, person, account)
            return result, rt.services.health.get(account.key)

    result, health = asyncio.run(go())
    assert not result.ok and result.state == "too_large"
    assert health.state == "too_large" and "256 KB" in health.reason


def test_probe_gives_a_too_large_verdict(sites):
    from scraper.parsing import probe

    base, _, _ = sites

    async def go():
        fetcher = HttpFetcher(user_agent=UA, retries=0, max_body=CAP)
        try:
            return await probe(base + "/huge-chunked", "rss", fetcher, None)
        finally:
            await fetcher.aclose()

    result = asyncio.run(go())
    assert result.health is not None and result.health.state == "too_large"


# -- item 5: redirects --------------------------------------------------------
def test_redirect_to_another_port_of_localhost_is_refused(sites):
    base, _, other = sites
    transport = Recording()
    with pytest.raises(RedirectRefused) as info:
        asyncio.run(_get(base + "/to-other-port", transport=transport))
    assert other.paths == []  # the other site was never asked
    assert info.value.target.startswith("http://127.0.0.1:") and info.value.target.endswith("/feed")
    assert info.value.target.split("/")[2] in str(info.value)  # the message names where it pointed
    assert [u for u in transport.urls if not u.startswith(base)] == []


def test_redirect_to_link_local_metadata_is_refused_without_connecting(sites):
    base, _, _ = sites
    transport = Recording()
    with pytest.raises(RedirectRefused) as info:
        asyncio.run(_get(base + "/to-metadata", transport=transport))
    assert "169.254.169.254" in str(info.value)
    assert transport.urls == [base + "/to-metadata"]


def test_redirect_to_a_file_url_is_refused(sites):
    base, _, _ = sites
    with pytest.raises(RedirectRefused):
        asyncio.run(_get(base + "/to-file"))


def test_redirect_within_the_same_site_is_followed(sites):
    base, own, _ = sites
    page = asyncio.run(_get(base + "/to-same"))
    assert page.status == 200 and page.final_url == base + "/feed"
    assert own.paths == ["/to-same", "/feed"]


@pytest.mark.parametrize("origin, target, allowed", [
    ("https://m.facebook.com/budi", "https://www.facebook.com/budi", True),
    ("https://twitter.com/budi", "https://x.com/budi", True),
    ("https://www.kominfo.go.id/rss", "https://berita.kominfo.go.id/rss", True),
    ("https://www.kominfo.go.id/rss", "https://www.pu.go.id/rss", False),
    ("https://blog.example.org/feed", "https://evil.example.net/feed", False),
    ("https://blog.example.org/feed", "http://169.254.169.254/latest/", False),
    ("https://blog.example.org/feed", "http://10.0.0.5/", False),
    ("https://blog.example.org/feed", "http://[::1]:8080/", False),
    ("https://blog.example.org/feed", "http://localhost/", False),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", True),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b", False),
    ("http://192.168.1.10/a", "http://192.168.1.10/b", True),
])
def test_redirect_rule(origin, target, allowed):
    assert (refusal(origin, target) is None) is allowed


def test_registrable_domain():
    assert registrable_domain("www.ppu.go.id") == "ppu.go.id"
    assert registrable_domain("m.facebook.com") == "facebook.com"
