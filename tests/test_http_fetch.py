"""HttpFetcher and HostGate against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scraper.errors import FetchError, RateLimited
from scraper.fetch.http import DEFAULT_COOLDOWN, HttpFetcher, parse_retry_after
from scraper.fetch.politeness import HostGate, host_key

UA = "PantauTest/1.0 (+bawaslu-ppu)"


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.inflight = 0
        self.max_inflight = 0
        self.counts: dict[str, int] = {}

    def count(self, path: str) -> int:
        with self.lock:
            return self.counts.get(path, 0)


def make_handler(rec: Recorder):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?")[0]
            with rec.lock:
                rec.requests.append((time.monotonic(), path, {k.lower(): v for k, v in self.headers.items()}))
                rec.counts[path] = rec.counts.get(path, 0) + 1
                n = rec.counts[path]
                rec.inflight += 1
                rec.max_inflight = max(rec.max_inflight, rec.inflight)
            try:
                self.route(path, n)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)
            finally:
                with rec.lock:
                    rec.inflight -= 1

        def route(self, path: str, n: int):
            if path == "/feed":
                etag, lm = '"v1-abc"', "Tue, 24 Nov 2026 02:00:00 GMT"
                if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == lm:
                    self._send(304, headers={"ETag": etag})
                else:
                    self._send(200, b"<rss><channel><title>t</title></channel></rss>",
                               {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": lm})
            elif path == "/limited-seconds":
                self._send(429, b"slow down", {"Retry-After": "120"})
            elif path == "/limited-date":
                when = datetime.now(timezone.utc) + timedelta(seconds=300)
                self._send(429, b"slow down", {"Retry-After": format_datetime(when, usegmt=True)})
            elif path == "/limited-bare":
                self._send(429, b"slow down")
            elif path == "/flaky":
                if n <= 2:
                    self._send(503, b"busy")
                else:
                    self._send(200, b"finally", {"Content-Type": "text/plain"})
            elif path == "/down":
                self._send(503, b"busy")
            elif path == "/missing":
                self._send(404, b"<h1>not here</h1>", {"Content-Type": "text/html"})
            elif path == "/forbidden":
                self._send(403, b"<title>Just a moment...</title>", {"Content-Type": "text/html"})
            elif path == "/slow":
                time.sleep(0.25)
                self._send(200, b"ok")
            elif path == "/hang":
                time.sleep(1.5)
                self._send(200, b"late")
            elif path == "/ua":
                self._send(200, self.headers.get("User-Agent", "").encode())
            elif path == "/redirect":
                self._send(302, headers={"Location": "/ua"})
            else:
                self._send(200, b"ok")

    return Handler


@pytest.fixture()
def server():
    rec = Recorder()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(rec))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield base, rec
    finally:
        httpd.shutdown()
        httpd.server_close()


def run(coro):
    return asyncio.run(coro)


async def _with(fetcher: HttpFetcher, coro_fn):
    try:
        return await coro_fn(fetcher)
    finally:
        await fetcher.aclose()


def quick_gate(**kw) -> HostGate:
    kw.setdefault("min_delay", 0.0)
    kw.setdefault("jitter", 0.0)
    return HostGate(**kw)


def test_conditional_get_gives_not_modified(server):
    base, rec = server

    async def go(f: HttpFetcher):
        first = await f.get(base + "/feed")
        second = await f.get(base + "/feed", etag=first.headers["etag"],
                              last_modified=first.headers["last-modified"])
        return first, second

    first, second = run(_with(HttpFetcher(user_agent=UA, gate=quick_gate()), go))
    assert first.status == 200 and not first.not_modified
    assert "<rss>" in first.body
    assert first.headers["etag"] == '"v1-abc"'
    assert first.headers["last-modified"] == "Tue, 24 Nov 2026 02:00:00 GMT"
    assert first.content_type == "application/rss+xml"
    assert first.fetched_at.tzinfo is not None
    assert second.not_modified and second.status == 304 and second.body == ""
    sent = rec.requests[1][2]
    assert sent["if-none-match"] == '"v1-abc"'
    assert sent["if-modified-since"] == "Tue, 24 Nov 2026 02:00:00 GMT"


def test_user_agent_and_redirect_final_url(server):
    base, _ = server
    page = run(_with(HttpFetcher(user_agent=UA), lambda f: f.get(base + "/redirect")))
    assert page.body == UA
    assert page.url == base + "/redirect"
    assert page.final_url == base + "/ua"


@pytest.mark.parametrize("path, low, high", [
    ("/limited-seconds", 119, 121),
    ("/limited-date", 280, 301),
    ("/limited-bare", DEFAULT_COOLDOWN - 1, DEFAULT_COOLDOWN + 1),
])
def test_429_sets_cooldown_and_raises(server, path, low, high):
    base, rec = server
    gate = quick_gate()

    async def go(f: HttpFetcher):
        with pytest.raises(RateLimited) as first:
            await f.get(base + path)
        # While cooling down the host is not contacted at all.
        with pytest.raises(RateLimited) as second:
            await f.get(base + "/other")
        return first.value, second.value

    first, second = run(_with(HttpFetcher(user_agent=UA, gate=gate, retries=2, backoff=0.01), go))
    assert low <= first.retry_after <= high
    until = gate.cooling_until(base)
    assert until is not None and low - 2 <= until - gate.now() <= high
    assert rec.count(path) == 1  # a 429 is not retried
    assert rec.count("/other") == 0
    assert second.retry_after is not None and second.retry_after > 0


def test_retries_5xx_with_backoff_then_succeeds(server):
    base, rec = server
    delays: list[float] = []

    async def fake_sleep(s: float) -> None:
        delays.append(s)

    f = HttpFetcher(user_agent=UA, retries=2, backoff=0.5, sleep=fake_sleep)
    page = run(_with(f, lambda f: f.get(base + "/flaky")))
    assert page.status == 200 and page.body == "finally"
    assert rec.count("/flaky") == 3
    assert len(delays) == 2
    assert 0.5 <= delays[0] <= 0.75 and 1.0 <= delays[1] <= 1.25  # exponential, plus jitter


def test_5xx_exhausts_retries(server):
    base, rec = server
    f = HttpFetcher(user_agent=UA, retries=1, backoff=0.01)
    with pytest.raises(FetchError) as err:
        run(_with(f, lambda f: f.get(base + "/down")))
    assert err.value.status == 503 and not isinstance(err.value, RateLimited)
    assert rec.count("/down") == 2


@pytest.mark.parametrize("path, status", [("/missing", 404), ("/forbidden", 403)])
def test_4xx_returned_without_retry(server, path, status):
    base, rec = server
    page = run(_with(HttpFetcher(user_agent=UA, retries=3, backoff=0.01), lambda f: f.get(base + path)))
    assert page.status == status
    assert rec.count(path) == 1


def test_timeout_is_fetch_error(server):
    base, rec = server
    f = HttpFetcher(user_agent=UA, timeout=0.3, retries=0)
    with pytest.raises(FetchError, match="timeout"):
        run(_with(f, lambda f: f.get(base + "/hang")))
    assert rec.count("/hang") == 1


def test_connection_refused_is_retried_then_fetch_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the port is closed now
    delays: list[float] = []

    async def fake_sleep(s: float) -> None:
        delays.append(s)

    f = HttpFetcher(user_agent=UA, retries=2, backoff=0.1, sleep=fake_sleep)
    with pytest.raises(FetchError) as err:
        run(_with(f, lambda f: f.get(f"http://127.0.0.1:{port}/x?token=s3cr3tvalue")))
    assert len(delays) == 2
    assert "s3cr3tvalue" not in str(err.value)  # secrets in URLs are masked


def test_per_host_concurrency_never_exceeded(server):
    base, rec = server
    gate = quick_gate(per_host_concurrency=2)

    async def go(f: HttpFetcher):
        await asyncio.gather(*(f.get(f"{base}/slow?i={i}") for i in range(6)))

    run(_with(HttpFetcher(user_agent=UA, gate=gate), go))
    assert rec.count("/slow") == 6
    assert rec.max_inflight == 2  # 6 at once without the gate


def test_minimum_delay_between_requests_to_a_host(server):
    base, rec = server
    gate = HostGate(per_host_concurrency=4, min_delay=0.3, jitter=0.1)

    async def go(f: HttpFetcher):
        await asyncio.gather(*(f.get(f"{base}/fast?i={i}") for i in range(4)))

    run(_with(HttpFetcher(user_agent=UA, gate=gate), go))
    stamps = sorted(t for t, path, _ in rec.requests if path == "/fast")
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert len(gaps) == 3
    assert min(gaps) >= 0.22, gaps  # 0.3 s minimum; generous margin for server-side latency


def test_gate_waits_out_cooldown_with_injected_clock():
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    gate = HostGate(per_host_concurrency=1, min_delay=2.0, jitter=0.0, clock=lambda: now[0], sleep=fake_sleep)

    async def go():
        gate.cooldown("https://example.org/feed", 30)
        assert gate.cooling_until("example.org") == 130.0
        async with gate.slot("https://example.org/a"):
            pass
        async with gate.slot("https://example.org/b"):
            pass
        async with gate.slot("https://other.example/c"):  # another host: no wait
            pass

    asyncio.run(go())
    assert slept == [30.0, 2.0]
    assert gate.cooling_until("example.org") is None


def test_host_key():
    assert host_key("https://WWW.Example.org/x") == "www.example.org"
    assert host_key("http://127.0.0.1:8123/s/chan") == "127.0.0.1:8123"
    assert host_key("127.0.0.1:8123") == "127.0.0.1:8123"
    assert host_key("example.org") == "example.org"


def test_parse_retry_after():
    now = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
    assert parse_retry_after("90", now) == 90
    assert parse_retry_after("Tue, 24 Nov 2026 02:05:00 GMT", now) == 300
    assert parse_retry_after("Tue, 24 Nov 2026 01:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
