"""Telegram channels through the public web preview ``/s/<channel>``.

Structure (see /work/shared/platforms.md): each post is a
``div.tgme_widget_message[data-post="<channel>/<id>"]``; the permalink and
time sit in ``a.tgme_widget_message_date`` / ``time[datetime]``; the text is
the bubble's direct ``.tgme_widget_message_text`` child (so a quoted reply is
not taken as the post's own text). An empty channel shows
``.tme_no_messages_found``; a page with neither messages nor
``.tgme_channel_history`` means the channel has no public preview (or does
not exist): reported, never read as "no posts".
"""
from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from ..errors import LayoutChanged, NotFound
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, abs_url, build_posts, check_status, element_text, origin, parse_time

_NAME = re.compile(r"^[A-Za-z0-9_]{3,64}$")
_BG_URL = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)")


def channel_name(url: str) -> str | None:
    """``name`` from ``https://t.me/name``, ``https://t.me/s/name`` or ``.../s/name?before=N``."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments or not _NAME.match(segments[0]):
        return None
    return segments[0]


@register
class TelegramAdapter(Adapter):
    name = "telegram"
    mode = FetchMode.HTTP
    hosts = ("t.me", "telegram.me")
    default_interval = "1h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        path = urlsplit(url).path
        if path.startswith("/+") or "/joinchat" in path:
            return ["tautan undangan grup/kanal privat tidak bisa dipantau; pakai tautan kanal publik https://t.me/NAMA"]
        if channel_name(url) is None:
            return ["URL kanal Telegram harus berbentuk https://t.me/NAMA (nama 3-64 huruf, angka atau _)"]
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        name = channel_name(account.url)
        if name is None:
            return account.url
        return f"{origin(account.url)}/s/{name}"

    def post_selector(self, post: Post) -> str | None:
        data_post = post.extra.get("data_post")
        return f'div.tgme_widget_message[data-post="{data_post}"]' if data_post else None

    def older_page_url(self, page: Page, posts: list[Post], account: Account) -> str | None:
        """``/s/<name>?before=<oldest id>``: the page's own ``link[rel=prev]``, kept on the same host."""
        older = next((p.extra.get("older_page") for p in posts if p.extra.get("older_page")), None)
        if not older:
            ids = [int(p.post_id) for p in posts if p.post_id.isdigit()]
            name = channel_name(account.url)
            if not ids or name is None:
                return None
            older = f"{origin(page.final_url or page.url)}/s/{name}?before={min(ids)}"
        base = page.final_url or page.url
        if urlsplit(older).netloc != urlsplit(base).netloc or channel_name(older) != channel_name(account.url):
            return None  # never follow paging off the channel's own host
        return older

    def parse(self, page: Page, account: Account) -> list[Post]:
        check_status(page)
        soup = BeautifulSoup(page.body, "lxml")
        messages = soup.select("div.tgme_widget_message")
        if not messages:
            if soup.select_one(".tme_no_messages_found"):
                return []
            if soup.select_one(".tgme_channel_history"):
                raise LayoutChanged("halaman kanal Telegram tanpa postingan dan tanpa penanda kanal kosong",
                                    url=page.url)
            raise NotFound("kanal Telegram tidak tersedia atau tidak punya pratinjau publik (t.me/s/)", url=page.url)
        base = page.final_url or page.url
        older = soup.select_one('link[rel="prev"]')
        older_href = older.get("href") if older else None
        return build_posts((m for m in messages if "service_message" not in (m.get("class") or [])),
                           lambda msg: _post(msg, base, account, older_href), url=page.url)


def _post(msg: Tag, base: str, account: Account, older: str | None) -> Post:
    data_post = msg.get("data-post") or ""
    if not isinstance(data_post, str) or "/" not in data_post:
        raise LayoutChanged("postingan Telegram tanpa atribut data-post", url=base)
    post_id = data_post.rsplit("/", 1)[1]
    date_link = msg.select_one("a.tgme_widget_message_date")
    time_el = msg.select_one("a.tgme_widget_message_date time[datetime]") or msg.select_one("time[datetime]")
    if date_link is None or time_el is None:
        raise LayoutChanged(f"postingan Telegram {data_post} tanpa tautan/tanggal", url=base)
    url = abs_url(base, date_link.get("href")) or f"{origin(account.url)}/{data_post}"
    bubble = msg.select_one(".tgme_widget_message_bubble") or msg
    text_el = bubble.find(class_="tgme_widget_message_text", recursive=False)
    text = element_text(text_el) if text_el else ""
    poll = bubble.select_one(".tgme_widget_message_poll")
    if poll is not None:
        question = poll.select_one(".tgme_widget_message_poll_question")
        options = [element_text(o) for o in poll.select(".tgme_widget_message_poll_option_text")]
        poll_text = "\n".join([element_text(question) if question else "", *("- " + o for o in options)]).strip()
        text = f"{text}\n\n{poll_text}".strip()
    return Post(
        platform="telegram",
        account_url=account.url,
        post_id=post_id,
        url=url,
        published=parse_time(time_el.get("datetime")),
        text=text,
        media=_media(msg, base),
        raw=str(msg),
        extra=_extra(msg, base, data_post, older),
    )


def _media(msg: Tag, base: str) -> tuple[str, ...]:
    found: list[str] = []
    for el in msg.select("a.tgme_widget_message_photo_wrap, i.tgme_widget_message_video_thumb"):
        m = _BG_URL.search(el.get("style") or "")
        if m:
            found.append(abs_url(base, m.group(1)))
    for el in msg.select("video[src], audio[src]"):
        found.append(abs_url(base, el.get("src")))
    for el in msg.select("a.tgme_widget_message_document_wrap[href]"):
        found.append(abs_url(base, el.get("href")))
    return tuple(dict.fromkeys(u for u in found if u))


def _extra(msg: Tag, base: str, data_post: str, older: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"data_post": data_post}
    pairs = {
        "author": "a.tgme_widget_message_owner_name",
        "signed_by": ".tgme_widget_message_from_author",
        "views": "span.tgme_widget_message_views",
        "forwarded_from": ".tgme_widget_message_forwarded_from_name",
        "document": ".tgme_widget_message_document_title",
        "link_preview_title": ".link_preview_title",
        "link_preview_description": ".link_preview_description",
    }
    for key, selector in pairs.items():
        el = msg.select_one(selector)
        if el is not None and element_text(el):
            extra[key] = element_text(el)
    forwarded = msg.select_one(".tgme_widget_message_forwarded_from")
    if forwarded is not None:
        extra.update(share=True, share_kind="forward",
                     original_author=extra.get("forwarded_from") or element_text(forwarded))
        link = forwarded.select_one("a[href]")
        if link is not None and abs_url(base, link.get("href")):
            extra["original_url"] = abs_url(base, link.get("href"))
    preview = msg.select_one("a.tgme_widget_message_link_preview[href]")
    if preview is not None:
        extra["link_preview_url"] = abs_url(base, preview.get("href"))
    reply = msg.select_one("a.tgme_widget_message_reply")
    if reply is not None:
        extra["reply_to"] = abs_url(base, reply.get("href"))
        reply_text = reply.select_one(".tgme_widget_message_text")
        if reply_text is not None:
            extra["reply_text"] = element_text(reply_text)
    if older:
        extra["older_page"] = abs_url(base, older)
    return extra
