"""The shared Chromium: contexts always closed, recycled, relaunched, time-limited."""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from scraper.errors import FetchError
from scraper.fetch.browser import Browser
from loopback import LoopbackServer, QuietHandler


class _Server:
    """/ok answers at once; /hang never answers (until the test ends)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.paths: list[str] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.paths.append(self.path)
                if self.path.startswith("/hang"):
                    server.release.wait(60)
                body = b"<html><head><title>ok</title></head><body><p class='x'>halo</p></body></html>"
                if self.path.startswith("/heavy"):
                    body = (b"<html><head><title>ok</title><style>@font-face{font-family:f;src:url(/font.woff2)}"
                            b"p{font-family:f}</style></head><body><p class='x'>halo</p>"
                            b"<img src='/pixel.png'></body></html>")
                self.reply(body)

        self.loopback = LoopbackServer(Handler)
        self.url = self.loopback.url

    def stop(self) -> None:
        self.release.set()
        self.loopback.stop()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.stop()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append(int(entry.name))
    return out


def _chromium_roots() -> list[int]:
    """Chromium browser processes started (through the driver) by this test process."""
    roots = []
    for child in _children(os.getpid()):  # the Playwright driver (node)
        for grandchild in _children(child):
            try:
                cmd = Path(f"/proc/{grandchild}/cmdline").read_bytes()
            except OSError:
                continue
            if b"chrom" in cmd.lower() and b"--type=" not in cmd:
                roots.append(grandchild)
    return roots


def test_recycled_after_max_pages_and_contexts_always_closed(server, chromium):
    async def main():
        browser = Browser(executable=chromium or "", max_pages=2, page_timeout=10)
        try:
            for _ in range(5):
                page = await browser.fetch_page(server.url + "/ok", wait_selector="p.x")
                assert page.status == 200 and "halo" in page.body and page.title == "ok"
            assert browser.launches == 3  # pages 1-2, 3-4, 5
            assert browser._active == 0
            # fetches share one anonymous context: nothing else left open, and no page in it
            assert len(browser._browser.contexts) <= 1
            assert all(c.pages == [] for c in browser._browser.contexts)
        finally:
            await browser.close()

    asyncio.run(main())


def test_fetch_skips_images_and_fonts_but_a_screenshot_loads_them(server, chromium, tmp_path):
    async def main():
        browser = Browser(executable=chromium or "", page_timeout=10)
        try:
            page = await browser.fetch_page(server.url + "/heavy", wait_selector="p.x")
            assert "halo" in page.body
            assert "/pixel.png" not in server.paths and "/font.woff2" not in server.paths
            await browser.screenshot(tmp_path / "shot.png", url=server.url + "/heavy")
            assert "/pixel.png" in server.paths
        finally:
            await browser.close()

    asyncio.run(main())


def test_hung_page_is_killed_by_its_time_limit(server, chromium):
    async def main():
        browser = Browser(executable=chromium or "", page_timeout=2)
        try:
            start = time.monotonic()
            with pytest.raises(FetchError):
                await browser.fetch_page(server.url + "/hang")
            assert time.monotonic() - start < 15
            assert browser._active == 0
            # the browser is still usable afterwards
            server.release.set()
            page = await browser.fetch_page(server.url + "/ok")
            assert page.status == 200
        finally:
            await browser.close()

    asyncio.run(main())


def test_relaunched_after_chromium_is_killed(server, chromium):
    async def main():
        browser = Browser(executable=chromium or "", page_timeout=10)
        try:
            await browser.fetch_page(server.url + "/ok")
            roots = _chromium_roots()
            assert roots, "could not find the Chromium process"
            for pid in roots:
                os.kill(pid, signal.SIGKILL)
            for _ in range(50):
                if browser._browser is None:
                    break
                await asyncio.sleep(0.1)
            page = await browser.fetch_page(server.url + "/ok")
            assert page.status == 200
            assert browser.launches == 2
        finally:
            await browser.close()

    asyncio.run(main())


def test_screenshot_of_an_element_from_saved_html_and_pdf(tmp_path, chromium):
    async def main():
        browser = Browser(executable=chromium or "")
        try:
            html = "<html><body><div id='a' style='width:200px;height:50px;background:red'>x</div></body></html>"
            assert await browser.screenshot(tmp_path / "a.png", html=html, selector="#a") is True
            assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert await browser.screenshot(tmp_path / "b.png", html=html, selector="#missing") is False
            assert (tmp_path / "b.png").stat().st_size > 0
            assert oct((tmp_path / "a.png").stat().st_mode & 0o777) == "0o600"
            await browser.pdf("<h1>Laporan</h1>", tmp_path / "r.pdf")
            assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
        finally:
            await browser.close()

    asyncio.run(main())


def test_missing_session_is_a_clear_error(tmp_path, chromium):
    async def main():
        browser = Browser(executable=chromium or "", sessions_dir=tmp_path)
        try:
            with pytest.raises(FetchError, match="pantau login facebook"):
                await browser.fetch_page("http://127.0.0.1:9/", session_platform="facebook")
            assert browser._active == 0
        finally:
            await browser.close()

    asyncio.run(main())
