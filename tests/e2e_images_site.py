"""A loopback platform site with images and profiles, for the end-to-end tests.

Serves, on 127.0.0.1 only:

* ``/s/<name>``: a Telegram ``t.me/s/`` preview with the channel header
  (title, description, photo) and messages with photos (real structure:
  ``a.tgme_widget_message_photo_wrap`` with a ``background-image`` URL);
* ``/xrpc/app.bsky.feed.getAuthorFeed?actor=<handle>`` and
  ``/xrpc/app.bsky.actor.getProfile?actor=<handle>``: the Bluesky AppView
  answers for accounts ``/profile/<handle>`` (reposts carry a ``reason``);
* ``/img/<file>``: image bytes drawn by the tests.

Everything can be changed between cycles (bio, avatar, posts).
"""
from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from loopback import QuietHandler


@dataclass
class Channel:
    title: str
    bio: str = ""
    avatar: str = ""  # an image file name under /img/
    posts: list[tuple[int, str, list[str], datetime]] = field(default_factory=list)  # id, text, images, time


@dataclass
class Actor:
    handle: str
    display_name: str
    bio: str = ""
    avatar: str = ""
    feed: list[dict] = field(default_factory=list)


class ImagesSite:
    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.actors: dict[str, Actor] = {}
        self.images: dict[str, tuple[str, bytes]] = {}  # file -> (content type, bytes)
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                status, ctype, body = site.answer(self.path)
                self.reply(body, ctype, status)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ImagesSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- content ------------------------------------------------------------------
    def image(self, name: str, data: bytes) -> str:
        ctype = "image/jpeg" if data[:3] == b"\xff\xd8\xff" else "image/png"
        with self.lock:
            self.images[name] = (ctype, data)
        return name

    def own_post(self, handle: str, rkey: str, text: str, at: datetime) -> dict:
        return {"post": {"uri": f"at://did:plc:{handle.split('.')[0]}/app.bsky.feed.post/{rkey}",
                         "cid": f"cid{rkey}", "author": {"handle": handle, "did": f"did:plc:{handle.split('.')[0]}"},
                         "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": at.isoformat()},
                         "indexedAt": at.isoformat()}}

    def repost(self, by: str, original_handle: str, rkey: str, text: str, at: datetime) -> dict:
        item = self.own_post(original_handle, rkey, text, at)
        item["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost",
                          "by": {"handle": by, "did": f"did:plc:{by.split('.')[0]}"}, "indexedAt": at.isoformat()}
        return item

    # -- serving ------------------------------------------------------------------
    def answer(self, raw_path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            if path.startswith("/img/") and path[5:] in self.images:
                ctype, data = self.images[path[5:]]
                return 200, ctype, data
            if path.startswith("/s/") and path[3:] in self.channels:
                return 200, "text/html; charset=utf-8", self._telegram(path[3:]).encode()
            actor = self.actors.get((query.get("actor") or [""])[0])
            if path == "/xrpc/app.bsky.feed.getAuthorFeed" and actor is not None:
                return 200, "application/json", json.dumps({"feed": actor.feed}).encode()
            if path == "/xrpc/app.bsky.actor.getProfile" and actor is not None:
                profile = {"did": f"did:plc:{actor.handle.split('.')[0]}", "handle": actor.handle,
                           "displayName": actor.display_name, "description": actor.bio}
                if actor.avatar:
                    profile["avatar"] = f"{self.base}/img/{actor.avatar}"
                return 200, "application/json", json.dumps(profile).encode()
        return 404, "text/plain", b"not found"

    def _telegram(self, name: str) -> str:
        ch = self.channels[name]
        base = self.base
        msgs = []
        for post_id, text, images, at in sorted(ch.posts, key=lambda p: p[3]):
            photos = "".join(
                f'<a class="tgme_widget_message_photo_wrap" href="{base}/{name}/{post_id}?single" '
                f'style="width:800px;background-image:url(\'{base}/img/{img}\')"></a>' for img in images)
            msgs.append(f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message js-widget_message" data-post="{name}/{post_id}">
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_author"><a class="tgme_widget_message_owner_name" href="{base}/{name}"><span dir="auto">{html.escape(ch.title)}</span></a></div>
   {photos}
   <div class="tgme_widget_message_text js-message_text" dir="auto">{html.escape(text)}</div>
   <div class="tgme_widget_message_footer"><div class="tgme_widget_message_info">
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="{base}/{name}/{post_id}"><time datetime="{at.isoformat()}" class="time">{at:%H:%M}</time></a></span>
   </div></div>
  </div>
 </div>
</div>""")
        avatar = (f'<i class="tgme_page_photo_image bgcolor1" data-content="B"><img src="{base}/img/{ch.avatar}"></i>'
                  if ch.avatar else "")
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(ch.title)} – Telegram</title></head>
<body class="widget_frame_base tgme_webpreview"><header class="tgme_header"><div class="tgme_channel_info">
 <div class="tgme_channel_info_header">{avatar}
  <div class="tgme_channel_info_header_title_wrap"><div class="tgme_channel_info_header_title"><span dir="auto">{html.escape(ch.title)}</span></div></div>
  <div class="tgme_channel_info_header_username"><a href="{base}/{name}">@{name}</a></div>
 </div>
 <div class="tgme_channel_info_description">{html.escape(ch.bio)}</div>
</div></header>
<main class="tgme_main"><section class="tgme_channel_history js-message_history">{''.join(msgs)}</section></main></body></html>"""
