"""Session adapters read what a real Chromium returns, not only the raw fixture bytes.

Serves fixtures from a loopback HTTP server, loads them in Chromium, builds a
Page from ``page.content()``, ``page.url`` and ``page.title()``, and parses it.
"""
from __future__ import annotations

import asyncio
import os
import threading
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scraper.errors import LoginWall
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import Page

pytestmark = pytest.mark.browser

FIX = Path(__file__).parent / "fixtures" / "platforms"
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.async_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium at /usr/lib/chromium/chromium", allow_module_level=True)


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".json": "application/json"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(FIX)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def _render(urls: list[str], wait: dict[str, str | None]) -> list[Page]:
    pages = []
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = await browser.new_context()
            try:
                tab = await context.new_page()
                for url in urls:
                    response = await tab.goto(url, wait_until="domcontentloaded", timeout=20000)
                    if wait.get(url):
                        await tab.wait_for_selector(wait[url], timeout=10000, state="attached")
                    pages.append(Page(url=url, final_url=tab.url, status=response.status if response else 0,
                                      body=await tab.content(), fetched_at=datetime.now(timezone.utc),
                                      title=await tab.title()))
            finally:
                await context.close()
        finally:
            await browser.close()
    return pages


def test_adapters_parse_the_rendered_dom(site):
    cases = [
        ("x", "x/profile_posts.html", "http://127.0.0.1/rahmat_ppu"),
        ("facebook", "facebook/profile_posts.html", "https://www.facebook.com/hendra.gunawan.ppu"),
        ("tiktok", "tiktok/profile_posts.html", "https://www.tiktok.com/@budi.santoso.ppu"),
        ("instagram", "instagram/web_profile_info.json", "https://www.instagram.com/andi.pratama.asn/"),
        ("facebook", "facebook/login_page.html", "https://www.facebook.com/hendra.gunawan.ppu"),
    ]
    urls = [f"{site}/{path}" for _, path, _ in cases]
    waits = {urls[i]: get_adapter(p).wait_selector(Account(platform=p, url=u)) for i, (p, _, u) in enumerate(cases)}
    waits[urls[3]] = "pre"  # Chromium shows JSON inside <pre>
    waits[urls[4]] = None
    pages = asyncio.run(_render(urls, waits))

    x_posts = get_adapter("x").parse(pages[0], Account(platform="x", url=cases[0][2]))
    assert [p.post_id for p in x_posts] == ["1857412345678901234", "1859001122334455667", "1858123456789012345"]
    assert x_posts[0].text.endswith("Terima kasih bapak/ibu guru 🙏 #HariGuru")
    assert x_posts[0].url == f"{site}/rahmat_ppu/status/1857412345678901234"  # links resolve on the page's host
    assert pages[0].title == "Rahmat Hidayat (@rahmat_ppu) / X"

    fb_posts = get_adapter("facebook").parse(pages[1], Account(platform="facebook", url=cases[1][2]))
    assert [p.post_id for p in fb_posts] == ["1234567890123456", "1234567890120001", "1234567890110002"]
    assert fb_posts[1].text.startswith("Gotong royong membersihkan drainase")

    tt_posts = get_adapter("tiktok").parse(pages[2], Account(platform="tiktok", url=cases[2][2]))
    assert len(tt_posts) == 3 and tt_posts[1].text.startswith("Dukung terus pasangan nomor 3!")

    ig = pages[3]
    assert ig.body.lstrip().startswith("<html")  # what the browser returns is HTML, not the raw JSON
    ig_posts = get_adapter("instagram").parse(ig, Account(platform="instagram", url=cases[3][2]))
    assert [p.post_id for p in ig_posts] == ["DCcAmpUs1Xa", "DCUxReel9Kk", "DCKp0stIm4g"]
    assert ig_posts[0].text.endswith("#MudyatWaris #PPUMaju")

    assert pages[4].title == "Log in to Facebook"
    with pytest.raises(LoginWall):
        get_adapter("facebook").parse(pages[4], Account(platform="facebook", url=cases[4][2]))
