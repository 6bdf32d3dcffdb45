"""The switches Chromium is launched with reach it, and fetches and screenshots work with them."""
from __future__ import annotations

import asyncio
import os
import struct

import pytest

from scraper.fetch.browser import Browser
from scraper.fetch.browser_launch import (
    CHROMIUM_FLAGS,
    DISABLED_FEATURES,
    DRIVER_NODE_OPTIONS,
    PLAYWRIGHT_DISABLED_FEATURES,
    driver_node_options,
    feature_args,
)
from loopback import LoopbackServer, QuietHandler

PAGE = (b"<html><head><title>halo</title></head><body><article class='post'>isi pos</article>"
        b"<script>document.body.insertAdjacentHTML('beforeend', '<p id=js>dari skrip</p>')</script></body></html>")


#: a tall page of noise: its full-page PNG barely compresses (~20 MB, ~27 MB as the
#: base64 that crosses the driver twice)
TALL = (b"<html><body style='margin:0'><canvas id=c width=720 height=8000></canvas><script>"
        b"const c = document.getElementById('c').getContext('2d'); const img = c.createImageData(720, 8000);"
        b"let x = 12345; for (let i = 0; i < img.data.length; i++) {"
        b" x = (Math.imul(x, 1103515245) + 12345) | 0; img.data[i] = i % 4 == 3 ? 255 : (x >>> 16) & 255; }"
        b"c.putImageData(img, 0, 0); document.body.insertAdjacentHTML('beforeend', '<p id=done>.</p>');"
        b"</script></body></html>")


class _Handler(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.reply(TALL if self.path.startswith("/tall") else PAGE)


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


def _driver_environ() -> dict[str, str]:
    """The environment of the Playwright driver (node ... run-driver) under this test."""
    found = []
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            if b"run-driver" not in argv:
                continue
            with open(f"/proc/{pid}/environ", "rb") as fh:
                found.append(dict(e.decode().split("=", 1) for e in fh.read().split(b"\0") if b"=" in e))
        except OSError:
            continue
    assert len(found) == 1, found
    return found[0]


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


def test_driver_node_options_put_the_operators_last():
    assert driver_node_options(None) == DRIVER_NODE_OPTIONS
    assert driver_node_options("  ") == DRIVER_NODE_OPTIONS
    assert driver_node_options("--no-jitless") == DRIVER_NODE_OPTIONS + " --no-jitless"


@pytest.mark.parametrize("operator", [None, "--max-old-space-size=300"])
def test_driver_alone_gets_node_options_and_large_screenshots_cross_it(chromium, tmp_path, monkeypatch, operator):
    if operator is None:
        monkeypatch.delenv("NODE_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("NODE_OPTIONS", operator)
    server = LoopbackServer(_Handler)

    async def run() -> tuple[dict[str, str], str | None, object, bool]:
        browser = Browser(executable=chromium or "", page_timeout=60)
        try:
            page = await browser.fetch_page(server.url + "/a", wait_selector="#js")
            env = _driver_environ()
            ours = os.environ.get("NODE_OPTIONS")  # while the driver runs
            shot = await browser.screenshot(tmp_path / "tall.png", url=server.url + "/tall")
            return env, ours, page, shot
        finally:
            await browser.close()
            server.stop()

    env, ours, page, shot = asyncio.run(run())

    # the driver's own environment carries ours, then the operator's (theirs win) ...
    assert env["NODE_OPTIONS"] == (DRIVER_NODE_OPTIONS + (" " + operator if operator else ""))
    assert "--jitless" in env["NODE_OPTIONS"].split()
    # ... and Pantau's own environment (inherited by its other children) is untouched
    assert ours == operator
    assert page.status == 200 and "dari skrip" in page.body
    # a full-page screenshot of a tall noisy page: ~20 MB of PNG through the driver's heap
    assert shot is False  # no selector: the whole page
    data = (tmp_path / "tall.png").read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", data[16:24])
    assert width == 720 and height >= 8000, (width, height)
    assert len(data) > 10_000_000, len(data)
