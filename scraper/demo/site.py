"""A local stand-in for the platforms: Telegram previews, RSS feeds, web pages.

Used by the demo, the end-to-end tests and the benchmarks. Pages follow the
real structures (``t.me/s/<name>``, RSS 2.0, a generic HTML page found by CSS
selectors) so the real adapters parse them. Posts can be added, edited and
deleted while it runs; an optional latency simulates a distant platform.
Binds to loopback only.
"""
from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class DemoPost:
    id: int
    text: str
    published: datetime  # aware


@dataclass
class DemoAccount:
    name: str  # path segment
    title: str
    posts: list[DemoPost] = field(default_factory=list)


class DemoSite:
    """A threaded HTTP server on 127.0.0.1 serving every account in three shapes."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0):
        self.accounts: dict[str, DemoAccount] = {}
        self.latency = latency
        self.requests = 0
        self.in_flight = 0  # requests being answered now
        self.max_in_flight = 0  # the most answered at once (tests of fetch concurrency)
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "DemoSite":
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "DemoSite":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- content -------------------------------------------------------------
    def add_account(self, name: str, title: str) -> DemoAccount:
        with self._lock:
            acc = self.accounts[name] = DemoAccount(name, title)
            return acc

    def add_post(self, name: str, post_id: int, text: str, published: datetime) -> None:
        with self._lock:
            self.accounts[name].posts.append(DemoPost(post_id, text, published))

    def edit_post(self, name: str, post_id: int, text: str) -> None:
        with self._lock:
            for post in self.accounts[name].posts:
                if post.id == post_id:
                    post.text = text
                    return
        raise KeyError(post_id)

    def delete_post(self, name: str, post_id: int) -> None:
        with self._lock:
            acc = self.accounts[name]
            acc.posts = [p for p in acc.posts if p.id != post_id]

    # -- serving -------------------------------------------------------------
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._answer(req)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, req: BaseHTTPRequestHandler) -> None:
        if self.latency:
            time.sleep(self.latency)
        path = urlsplit(req.path).path.strip("/")
        parts = path.split("/")
        body, ctype, status = b"not found", "text/plain", 404
        with self._lock:
            if len(parts) == 2 and parts[0] == "s" and parts[1] in self.accounts:
                body, ctype, status = telegram_page(self.base_url, self.accounts[parts[1]]).encode(), "text/html; charset=utf-8", 200
            elif len(parts) == 2 and parts[0] == "feeds" and parts[1].removesuffix(".xml") in self.accounts:
                acc = self.accounts[parts[1].removesuffix(".xml")]
                body, ctype, status = rss_feed(self.base_url, acc).encode(), "application/rss+xml; charset=utf-8", 200
            elif len(parts) == 2 and parts[0] == "web" and parts[1] in self.accounts:
                body, ctype, status = web_page(self.base_url, self.accounts[parts[1]]).encode(), "text/html; charset=utf-8", 200
            elif len(parts) == 2 and parts[0] in self.accounts and parts[1].isdigit():
                acc = self.accounts[parts[0]]
                posts = [p for p in acc.posts if p.id == int(parts[1])]
                if posts:
                    body = telegram_page(self.base_url, DemoAccount(acc.name, acc.title, posts)).encode()
                    ctype, status = "text/html; charset=utf-8", 200
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


def _newest_first(acc: DemoAccount) -> list[DemoPost]:
    return sorted(acc.posts, key=lambda p: p.published, reverse=True)


def _text_html(text: str) -> str:
    return "<br/>".join(html.escape(line) for line in text.split("\n"))


def telegram_page(base: str, acc: DemoAccount) -> str:
    """A ``t.me/s/<name>`` preview page (oldest first, as Telegram shows it)."""
    msgs = []
    for p in sorted(acc.posts, key=lambda p: p.published):
        msgs.append(f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{acc.name}/{p.id}" data-view="x">
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="{base}/{acc.name}"><span dir="auto">{html.escape(acc.title)}</span></a></div>
   <div class="tgme_widget_message_text js-message_text" dir="auto">{_text_html(p.text)}</div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_views">{100 + p.id * 7}</span>
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="{base}/{acc.name}/{p.id}"><time datetime="{p.published.isoformat()}" class="time">{p.published:%H:%M}</time></a></span>
    </div>
   </div>
  </div>
 </div>
</div>""")
    body = "".join(msgs) if msgs else '<div class="tme_no_messages_found">No posts here yet</div>'
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(acc.title)} – Telegram</title>
<link rel="canonical" href="{base}/s/{acc.name}"></head>
<body class="widget_frame_base tgme_webpreview">
<main class="tgme_main"><section class="tgme_channel_history js-message_history">{body}
</section></main></body></html>"""


def rss_feed(base: str, acc: DemoAccount) -> str:
    items = []
    for p in _newest_first(acc):
        link = f"{base}/{acc.name}/{p.id}"
        items.append(f"""<item><title>{html.escape(p.text.splitlines()[0][:80])}</title>
<link>{link}</link><guid isPermaLink="true">{link}</guid>
<pubDate>{format_datetime(p.published)}</pubDate>
<description>{html.escape(_text_html(p.text))}</description></item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{html.escape(acc.title)}</title><link>{base}/feeds/{acc.name}.xml</link>
<description>Demo feed</description>{''.join(items)}</channel></rss>"""


#: what the ``web`` platform needs to read :func:`web_page` (watchlist ``options``)
WEB_SELECTORS = {"post": "article.post", "id": "@data-id", "text": ".isi", "link": "a.tautan@href",
                 "time": "time@datetime"}


def account_url(base: str, platform: str, name: str) -> str:
    """Where this site serves account ``name`` for ``platform`` (telegram, rss or web)."""
    return {"telegram": f"{base}/{name}", "rss": f"{base}/feeds/{name}.xml", "web": f"{base}/web/{name}"}[platform]


def account_entry_toml(base: str, platform: str, name: str) -> str:
    """The watchlist entry (an inline TOML table) for an account on this site."""
    options = ""
    if platform == "web":
        sel = ", ".join(f'{k} = "{v}"' for k, v in WEB_SELECTORS.items())
        options = f", options = {{ selectors = {{ {sel} }} }}"
    return f'{{ platform = "{platform}", url = "{account_url(base, platform, name)}"{options} }}'


def web_page(base: str, acc: DemoAccount) -> str:
    """A small blog-like page; posts rendered by script so it needs a browser."""
    articles = "".join(
        f'<article class="post" data-id="{p.id}"><h3>{html.escape(acc.title)}</h3>'
        f'<p class="isi">{_text_html(p.text)}</p>'
        f'<a class="tautan" href="{base}/web/{acc.name}#post-{p.id}">'
        f'<time datetime="{p.published.isoformat()}">{p.published:%d-%m-%Y %H:%M}</time></a></article>'
        for p in _newest_first(acc))
    # The articles arrive through JavaScript, as on many real sites.
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(acc.title)}</title></head>
<body><h1>{html.escape(acc.title)}</h1><main id="feed"></main>
<script>document.getElementById("feed").innerHTML = {_js_string(articles)};</script></body></html>"""


def _js_string(s: str) -> str:
    import json

    return json.dumps(s).replace("</", "<\\/")
