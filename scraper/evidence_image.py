"""The evidence image: one post, readable, stamped, rendered with the network cut off.

Two looks (issue #14):

* a **post card** for feed/API posts (and any post whose page cannot be shown
  as the platform shows it offline): author, account, time in WITA, the text,
  the media links, drawn by Pantau's own template;
* the **page's own look** for ``web`` pages: the post's element rendered from
  the fetched HTML with the page's own (inline) styles.

Every image carries a stamped footer, drawn into the pixels and also stored as
a PNG ``tEXt`` chunk (keyword ``pantau:stamp``, JSON): the post URL, the
account, the capture time in UTC and WITA, and the SHA-256 of the raw data
the post was parsed from. The same stamp goes into ``metadata.json``.

Network isolation (issue #11.4): whatever the watched page holds must not reach
any host while it is rendered, so that a watched person can neither learn that
a post was flagged nor change what the image shows. Each render runs in a
browser context with JavaScript disabled, the context offline, service workers
blocked and every request aborted; the page HTML is re-serialised (lxml)
without scripts, frames (an ``<iframe>`` opened a connection even with all of
the above), objects, ``<base>``, ``<meta http-equiv=refresh>`` and resource
hints (``<link rel=prefetch|preconnect|dns-prefetch|preload|...>``, which open
connections without a request), and gets a ``Content-Security-Policy`` of
``default-src 'none'`` (inline styles and data: images only).
"""
from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from alerts.storage import atomic_write_bytes
from alerts.timeutil import fmt_wita, iso

#: CSS width of the rendered post (a phone column); pixels are twice that
WIDTH = 600
SCALE = 2
#: a post longer than this is cut in the card (the full text is in post.* and metadata.json)
CARD_TEXT_MAX = 3000
#: an element taller than this (CSS px) is not one post: the card is shown instead
MAX_ELEMENT_HEIGHT = 4000
STAMP_KEY = "pantau:stamp"
FOOTER_BG = (31, 42, 54)  # #1f2a36: the stamped footer band (pixel checks read it back)
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
       "media-src 'none'; connect-src 'none'; frame-src 'none'; form-action 'none'")
#: options for every evidence-rendering browser context
OFFLINE_CONTEXT = {"java_script_enabled": False, "offline": True, "service_workers": "block",
                   "accept_downloads": False, "bypass_csp": False}
#: elements removed before an offline render (they load or navigate on their own)
_DROP = ("script", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
         "fencedframe", "base", "template")
_ALLOWED_LINK_RELS = {"stylesheet", "icon", "canonical", "alternate", "author", "license"}


@dataclass(frozen=True)
class Stamp:
    url: str
    account: str
    captured_utc: str
    captured_wita: str
    raw_sha256: str

    def lines(self) -> list[str]:
        return [f"URL: {self.url}", f"Akun: {self.account}",
                f"Diambil: {self.captured_utc} UTC / {self.captured_wita}",
                f"SHA-256 data asli: {self.raw_sha256}"]

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "account": self.account, "captured_utc": self.captured_utc,
                "captured_wita": self.captured_wita, "raw_sha256": self.raw_sha256}


def make_stamp(url: str, account: str, now: datetime, raw_sha256: str) -> Stamp:
    return Stamp(url, account, iso(now), fmt_wita(now), raw_sha256)


def offline_html(html: str) -> str:
    """The fetched page, unable to reach anything (see the module doc); CSP first in <head>."""
    from lxml import etree
    from lxml import html as lhtml

    try:
        doc = lhtml.document_fromstring(html or "<p></p>")
    except (etree.ParserError, ValueError):
        doc = lhtml.document_fromstring("<p></p>")
    for el in list(doc.iter(*_DROP)):
        el.drop_tree()
    for el in list(doc.iter("meta")):
        if (el.get("http-equiv") or "").strip().lower() in ("refresh", "content-security-policy", "set-cookie"):
            el.drop_tree()
    for el in list(doc.iter("link")):
        rels = set((el.get("rel") or "").lower().split())
        if not rels or not rels <= _ALLOWED_LINK_RELS:
            el.drop_tree()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name in [a for a in el.attrib if a.lower().startswith("on") or a.lower() in ("ping",)]:
            del el.attrib[name]
    head = doc.find("head")
    if head is None:
        head = etree.Element("head")
        doc.insert(0, head)
    meta = etree.Element("meta")
    meta.set("http-equiv", "Content-Security-Policy")
    meta.set("content", CSP)
    head.insert(0, meta)
    return "<!DOCTYPE html>" + lhtml.tostring(doc, encoding="unicode", method="html")


def _page(inner: str, title: str = "Bukti") -> str:
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>{escape(title)}</title></head>'
            f'<body style="margin:0;background:#ffffff;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a">'
            f'<div id="shot" style="width:{WIDTH}px">{inner}</div></body></html>')


def _footer(stamp: Stamp) -> str:
    rows = "".join(f'<div style="word-break:break-all">{escape(line)}</div>' for line in stamp.lines())
    r, g, b = FOOTER_BG
    return (f'<div style="background:rgb({r},{g},{b});color:#ffffff;padding:10px 14px;font-size:11px;'
            f'line-height:1.45;font-family:DejaVu Sans Mono,monospace">'
            f'<div style="font-weight:bold;letter-spacing:1px;margin-bottom:2px">BUKTI PANTAU</div>{rows}</div>')


def _image_rows(images: list[tuple[str, str, str]]) -> str:
    """Images read by OCR (``(data URL, text read, SHA-256 of the file)``), each with the text below it."""
    rows = []
    for n, (data_url, text, sha256) in enumerate(images, 1):
        said = escape(text) if text.strip() else "(tidak ada teks terbaca)"
        rows.append(
            f'<div style="margin-top:10px"><img src="{escape(data_url)}" alt="gambar {n}" '
            f'style="display:block;max-width:100%;height:auto;border:1px solid #d0d7de"></div>'
            f'<div style="margin-top:4px;padding:6px 10px;background:#f5f7f9;font-size:13px;color:#333;'
            f'white-space:pre-wrap;word-wrap:break-word"><b>Teks pada gambar {n} (OCR):</b> {said}'
            f'<div style="margin-top:4px;font-size:11px;color:#5f6b76;word-break:break-all">'
            f'SHA-256 berkas gambar: {escape(sha256)}</div></div>')
    return "".join(rows)


def card_html(*, platform: str, author: str, account_url: str, published: datetime | None, text: str,
              media: list[str], stamp: Stamp, images: list[tuple[str, str, str]] = ()) -> str:
    """A clean post card (everything from the post escaped) with the stamped footer.

    ``images``: the post's images read by OCR as ``(data: URL, text read, SHA-256)``,
    shown under the text (re-encoded by Pantau, see scraper.ocr.card_image)."""
    when = fmt_wita(published) if published else "waktu unggah tidak diketahui"
    if len(text) > CARD_TEXT_MAX:
        text = text[:CARD_TEXT_MAX].rstrip() + f"… (dipotong; teks lengkap {len(text)} karakter ada di berkas bukti)"
    initial = escape((author or "?").strip()[:1].upper() or "?")
    media_rows = "".join(
        f'<div style="margin-top:6px;padding:8px 10px;border:1px dashed #b8c2cc;border-radius:6px;'
        f'font-size:13px;color:#555;word-break:break-all">Media {i}: {escape(url)}</div>'
        for i, url in enumerate(media[:6], 1))
    if len(media) > 6:
        media_rows += f'<div style="font-size:13px;color:#555">dan {len(media) - 6} media lain</div>'
    card = (
        f'<div style="padding:16px 18px">'
        f'<div style="display:flex;align-items:center">'
        f'<div style="width:44px;height:44px;border-radius:22px;background:#0b57a4;color:#fff;font-size:20px;'
        f'font-weight:bold;text-align:center;line-height:44px;flex:none">{initial}</div>'
        f'<div style="margin-left:12px;min-width:0"><div style="font-weight:bold;font-size:16px">{escape(author)}</div>'
        f'<div style="font-size:13px;color:#5f6b76;word-break:break-all">{escape(platform)} &middot; '
        f'{escape(account_url)}</div><div style="font-size:13px;color:#5f6b76">{escape(when)}</div></div></div>'
        f'<div style="margin-top:12px;font-size:17px;line-height:1.5;white-space:pre-wrap;word-wrap:break-word">'
        f'{escape(text)}</div>{_image_rows(list(images))}{media_rows}</div>')
    return _page(card + _footer(stamp))


def framed_html(element_png: bytes, stamp: Stamp) -> str:
    """The page's own rendering of the post (a PNG) above the stamped footer."""
    data = base64.b64encode(element_png).decode("ascii")
    img = (f'<div style="padding:12px;background:#ffffff"><img src="data:image/png;base64,{data}" '
           f'alt="unggahan" style="display:block;width:{WIDTH - 26}px;height:auto;border:1px solid #d0d7de"></div>')
    return _page(img + _footer(stamp))


async def render_to_png(browser: Any, html: str, path: Path, stamp: Stamp) -> None:
    """Render ``html`` (a card or frame, ``#shot``) offline to ``path`` with the stamp chunk."""
    async with browser.context(viewport={"width": WIDTH, "height": 100}, device_scale_factor=SCALE,
                               **OFFLINE_CONTEXT) as ctx:
        page = await ctx.new_page()
        await page.route("**/*", lambda route: route.abort())
        await page.set_content(html, wait_until="load")
        data = await (await page.query_selector("#shot")).screenshot(type="png")
    atomic_write_bytes(path, add_text_chunk(data, STAMP_KEY, json.dumps(stamp.to_json(), ensure_ascii=True)))


async def element_png(browser: Any, html: str, selector: str) -> bytes | None:
    """The post's element rendered from the fetched page, offline; None if not found or tiny."""
    async with browser.context(viewport={"width": WIDTH, "height": 900}, device_scale_factor=SCALE,
                               **OFFLINE_CONTEXT) as ctx:
        page = await ctx.new_page()
        await page.route("**/*", lambda route: route.abort())
        await page.set_content(offline_html(html), wait_until="domcontentloaded")
        element = await page.query_selector(selector)
        if element is None:
            return None
        box = await element.bounding_box()
        if not box or box["width"] < 200 or box["height"] < 60 or box["height"] > MAX_ELEMENT_HEIGHT:
            return None  # an unstyled strip (or a whole page) is no post: the card shows it instead
        return await element.screenshot(type="png")


# -- PNG text chunk ----------------------------------------------------------------

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def add_text_chunk(png: bytes, key: str, text: str) -> bytes:
    """``png`` with a ``tEXt`` chunk (latin-1) inserted before IEND (pixels unchanged)."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    end = png.rfind(b"IEND") - 4
    return png[:end] + _chunk(b"tEXt", key.encode("latin-1") + b"\x00" + text.encode("latin-1")) + png[end:]


def read_text_chunks(png: bytes) -> dict[str, str]:
    """All ``tEXt`` chunks of ``png`` (keyword -> text)."""
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"tEXt" and b"\x00" in data:
            key, _, value = data.partition(b"\x00")
            out[key.decode("latin-1")] = value.decode("latin-1")
        if kind == b"IEND":
            break
        pos += 12 + length
    return out
