"""The switches Chromium is launched with reach it, and fetches and screenshots work with them."""
from __future__ import annotations

import asyncio
import os
from http.server import BaseHTTPRequestHandler

import pytest

from scraper.fetch.browser import Browser
from scraper.fetch.browser_launch import (
    CHROMIUM_FLAGS,
    DISABLED_FEATURES,
    PLAYWRIGHT_DISABLED_FEATURES,
    feature_args,
)
from loopback import LoopbackServer

PAGE = (b"<html><head><title>halo</title></head><body><article class='post'>isi pos</article>"
        b"<script>document.body.insertAdjacentHTML('beforeend', '<p id=js>dari skrip</p>')</script></body></html>")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for tid in os.listdir(f"/proc/{p}/task"):
            with open(f"/proc/{p}/task/{tid}/children") as fh:
                kids = [int(c) for c in fh.read().split()]
            out += kids
            todo += kids
    return out


def _browser_process_argv() -> list[str]:
    """argv of the Chromium browser process under this test (its children have --type=)."""
    found = []
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode() for a in fh.read().split(b"\0") if a]
        except OSError:
            continue
        # (the children rewrite theirs as one string: "... --type=renderer ...")
        if "--remote-debugging-pipe" in argv and not any("--type=" in a for a in argv):
            found.append(argv)
    assert len(found) == 1, found
    return found[0]


def test_feature_args_keeps_one_disable_features_with_playwrights_ours_and_the_users():
    args = feature_args(["--mute-audio", "--disable-features=Foo,Bar", "--x", "--disable-features=Baz"])
    disables = [a for a in args if a.startswith("--disable-features=")]
    assert disables == [args[-1]]
    names = args[-1].split("=", 1)[1].split(",")
    assert names == list(dict.fromkeys(PLAYWRIGHT_DISABLED_FEATURES + DISABLED_FEATURES + ["Foo", "Bar", "Baz"]))
    assert args[:2] == ["--mute-audio", "--x"]


def test_sandbox_is_asked_for_unless_root_or_no_sandbox_in_args():
    assert Browser(args=["--no-sandbox"]).sandbox is False
    assert Browser().sandbox is (os.geteuid() != 0)


def test_launch_switches_reach_chromium_and_fetch_and_screenshots_work(chromium, tmp_path):
    server = LoopbackServer(_Handler)

    async def run() -> tuple[list[str], list[dict], object, bool, bool]:
        browser = Browser(executable=chromium or "", page_timeout=15, args=["--disable-features=PantauTestFeature"])
        try:
            page = await browser.fetch_page(server.url + "/a", wait_selector="#js")
            argv = _browser_process_argv()
            # the omnibox popup comes with a tab's window: look while one is open
            async with browser.context() as ctx:
                await ctx.new_page()
                session = await browser._browser.new_browser_cdp_session()
                for _ in range(15):  # it is built within a second when enabled
                    targets = (await session.send("Target.getTargets"))["targetInfos"]
                    if any("omnibox" in t["url"] for t in targets):
                        break
                    await asyncio.sleep(0.2)
                await session.detach()
            from_html = await browser.screenshot(tmp_path / "saved.png", html=page.body, base_url=server.url,
                                                 selector="article.post")
            from_url = await browser.screenshot(tmp_path / "live.png", url=server.url + "/b", selector="#js")
            return argv, targets, page, from_html, from_url
        finally:
            await browser.close()
            server.stop()

    argv, targets, page, from_html, from_url = asyncio.run(run())

    for flag in CHROMIUM_FLAGS:
        assert flag in argv, flag
    disables = [a.split("=", 1)[1].split(",") for a in argv if a.startswith("--disable-features=")]
    # Chromium keeps the last --disable-features: ours, which must carry Playwright's own
    # (the first) -- this fails when a Playwright upgrade changes its list.
    assert len(disables) == 2
    assert set(disables[0]) <= set(disables[-1]), set(disables[0]) - set(disables[-1])
    assert set(DISABLED_FEATURES) | {"PantauTestFeature"} <= set(disables[-1])
    # ... and it takes effect: no WebUI omnibox popup (a renderer of its own) behind the window
    assert not [t for t in targets if "omnibox" in t["url"]], targets
    # isolation is not traded for memory
    assert not any(a.startswith(("--single-process", "--no-zygote", "--disable-site-isolation", "--in-process-gpu"))
                   for a in argv)
    assert ("--no-sandbox" in argv) is (os.geteuid() == 0)

    assert page.status == 200 and "dari skrip" in page.body and page.title == "halo"
    assert from_html and from_url
    for name in ("saved.png", "live.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 200
