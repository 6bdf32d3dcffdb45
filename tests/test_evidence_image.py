"""The evidence image: cut off from the network (issue #11.4), one post per image at
a readable width, a stamped footer readable from the pixels and from the PNG's text
chunk, matching the manifest and metadata (issue #14). Real Chromium, real loopback
"other host" server that counts every connection."""
from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from scraper.custody import sha256_bytes, sha256_file
from scraper.evidence import EvidenceRecorder
from scraper.evidence_image import FOOTER_BG, SCALE, STAMP_KEY, WIDTH, read_text_chunks
from scraper.fetch.browser import Browser
from scraper.models import Account, Person, Post
from scraper.platforms.base import Page

pytestmark = pytest.mark.browser
NOW = datetime(2026, 11, 24, 2, 0, 5, tzinfo=timezone.utc)


class OtherHost:
    """A loopback TCP server standing for any host the page must not reach; counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                data = conn.recv(2048)
            except OSError:
                data = b""
            self.connections.append(data)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            conn.close()

    def stop(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.sock.close()


def hostile_page(port: int) -> str:
    other = f"127.0.0.1:{port}"
    return f"""<!DOCTYPE html><html><head>
<link rel="prefetch" href="http://{other}/prefetch">
<link rel="preconnect" href="http://{other}">
<link rel="dns-prefetch" href="http://{other}">
<link rel="preload" as="image" href="http://{other}/preload.png">
<link rel="stylesheet" href="http://{other}/style.css">
<meta http-equiv="refresh" content="0;url=http://{other}/refresh">
<style>@import url("http://{other}/import.css"); #post {{ background: url(http://{other}/bg.png) #fffbe6;
 border: 2px solid #e0c060; padding: 16px; font: 18px Georgia, serif; }} h1 {{ color: #7a4b00 }}</style>
<script>fetch("http://{other}/fetch"); new WebSocket("ws://{other}/ws");
document.write('<p id="changed">DIUBAH OLEH SKRIP</p>');</script>
</head><body><h1>Kabar Kelurahan</h1>
<article id="post"><h2>Ayo coblos nomor 2</h2><p>Selamat pagi warga, mari datang ke TPS dan coblos nomor 2.</p>
<img src="http://{other}/img.png" alt="foto"><iframe src="http://{other}/frame"></iframe>
<video poster="http://{other}/poster.png"></video></article>
<article id="other"><p>Unggahan lain yang tidak boleh ikut.</p></article>
</body></html>"""


class WebAdapter:
    def post_selector(self, post):
        return "#post"


def _capture(tmp_path: Path, page: Page, post: Post, account: Account, person: Person, adapter=None):
    async def run():
        browser = Browser(page_timeout=20)
        try:
            rec = EvidenceRecorder(tmp_path / "evidence", browser=browser, timeout=30, version="t",
                                   clock=lambda: NOW)
            return await rec.capture(finding={"id": "f" * 16}, post=post, page=page, adapter=adapter,
                                     account=account, person=person)
        finally:
            await browser.close()
    return asyncio.run(run())


def _person(account: Account) -> Person:
    return Person("Budi Santoso", "198503122010011003", "Kepala Seksi", "Dinas Pendidikan", (account,))


def test_hostile_page_reaches_no_host_while_rendered(tmp_path, chromium):
    other = OtherHost()
    try:
        html = hostile_page(other.port)
        account = Account("web", "https://kelurahan.example.id/kabar")
        post = Post("web", account.url, "p1", "https://kelurahan.example.id/kabar#p1", NOW, "Ayo coblos nomor 2",
                    raw='<article id="post">...</article>')
        page = Page(account.url, account.url, 200, html, NOW, content_type="text/html")
        result = _capture(tmp_path, page, post, account, _person(account), WebAdapter())
        import time
        time.sleep(0.5)  # anything late (a websocket retry, a refresh) would have arrived by now
    finally:
        other.stop()
    assert other.connections == [], other.connections
    meta = json.loads((Path(result["dir"]) / "metadata.json").read_text())
    assert meta["screenshot"]["look"] == "page" and meta["screenshot"]["element_found"] is True
    png = Path(result["screenshot"]).read_bytes()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == WIDTH * SCALE
    # the page's own style (the yellowish post box) shows, the other article does not matter here
    assert image.getpixel((6, 40)) in {(224, 192, 96), (255, 251, 230)} or _has_colour(image, (255, 251, 230))


def _has_colour(image, rgb, band=None) -> bool:
    w, h = image.size
    top, bottom = band or (0, h)
    return any(image.getpixel((x, y)) == rgb for y in range(top, bottom, 3) for x in range(0, w, 7))


def test_feed_post_card_size_footer_stamp_and_manifest(tmp_path, chromium):
    account = Account("rss", "https://kelurahan.example.id/feed.xml")
    text = "Selamat pagi warga <b>PPU</b>, ayo coblos nomor 2!\nBaris kedua."
    raw = "<item><title>Ayo coblos</title><description>Selamat pagi warga</description></item>"
    post = Post("rss", account.url, "g1", "https://kelurahan.example.id/berita/1",
                datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc), text, media=("https://x.id/a.jpg",), raw=raw)
    page = Page(account.url, account.url, 200, "<?xml version='1.0'?><rss>" + raw + "<item>lain</item></rss>",
                NOW, content_type="application/rss+xml")
    result = _capture(tmp_path, page, post, account, _person(account))
    folder = Path(result["dir"])
    png = (folder / "screenshot.png").read_bytes()
    stamp = json.loads(read_text_chunks(png)[STAMP_KEY])
    assert stamp == {"url": post.url, "account": account.url, "captured_utc": "2026-11-24T02:00:05+00:00",
                     "captured_wita": "24 November 2026 10.00 WITA", "raw_sha256": sha256_bytes(raw.encode())}
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["screenshot"]["stamp"] == stamp and meta["screenshot"]["look"] == "card"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["artefacts"]["screenshot.png"]["sha256"] == sha256_file(folder / "screenshot.png")
    assert sha256_file(next(folder.glob("post.*"))) == stamp["raw_sha256"]  # the raw data the stamp names

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == WIDTH * SCALE  # a readable phone column at 2x
    assert 300 < image.height < 1400, image.height  # one post, not a mostly blank page
    # the footer band is the bottom of the image, dark, with light text in it
    footer_rows = [y for y in range(image.height) if image.getpixel((3, y)) == FOOTER_BG]
    assert footer_rows and max(footer_rows) >= image.height - 3
    top = min(footer_rows)
    assert image.height - top > 100  # four stamped lines
    assert _has_colour(image, (255, 255, 255), (top, image.height))
    # above the footer: the white card with dark text
    assert image.getpixel((3, 3)) == (255, 255, 255)


def test_very_long_post_gives_a_bounded_image(tmp_path, chromium):
    account = Account("telegram", "https://t.me/kanal_uji")
    post = Post("telegram", account.url, "9", "https://t.me/kanal_uji/9", NOW, "ayo coblos nomor 2 " * 3000,
                raw="<div>x</div>")
    page = Page(account.url, account.url, 200, "<html><body><div>x</div></body></html>", NOW,
                content_type="text/html")
    result = _capture(tmp_path, page, post, account, _person(account))
    image = Image.open(result["screenshot"])
    assert image.width == WIDTH * SCALE and image.height < 6000, image.size
