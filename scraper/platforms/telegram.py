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
from functools import partial
from typing import Any, Mapping
from urllib.parse import urlsplit

from ..errors import LayoutChanged, NotFound
from ..models import Account, Deferred, Post
from . import register
from .base import Adapter, FetchMode, Page, abs_url, build_posts, check_status, origin, parse_time
from .text import _NONSPACE, lxml_classes as _classes, lxml_element_text as element_text, lxml_root as _lxml_root

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
    #: what changes on every load without a post changing (view counters): left out of the
    #: page digest that lets an unchanged page skip parsing (scraper.pipeline.body_digest)
    volatile = re.compile(r'<span class="tgme_widget_message_views">[^<]*</span>')

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
        root = _lxml_root(page.body)
        messages = [el for el in root.iter("div") if "tgme_widget_message" in _classes(el)]
        if not messages:
            if any("tme_no_messages_found" in _classes(el) for el in root.iter()):
                return []
            if any("tgme_channel_history" in _classes(el) for el in root.iter()):
                raise LayoutChanged("halaman kanal Telegram tanpa postingan dan tanpa penanda kanal kosong",
                                    url=page.url)
            raise NotFound("kanal Telegram tidak tersedia atau tidak punya pratinjau publik (t.me/s/)", url=page.url)
        base = page.final_url or page.url
        older = next((link for link in root.iter("link") if _NONSPACE.findall(link.get("rel") or "") == ["prev"]), None)
        older_href = older.get("href") if older is not None else None
        raws = _Raws(page.body)
        return build_posts(((n, m) for n, m in enumerate(messages) if "service_message" not in _classes(m)),
                           lambda item: _post(item[1], base, account, older_href, Deferred(partial(raws.get, item[0]))),
                           url=page.url)


class _Raws:
    """A post's raw fragment as bs4 serialises it (the stored format), made only when read:
    the page is parsed with bs4 once, on the first read (evidence)."""

    def __init__(self, body: str) -> None:
        self.body: str | None = body
        self.fragments: list[str] = []

    def get(self, n: int) -> str:
        if self.body is not None:
            from bs4 import BeautifulSoup

            soup = BeautifulSoup(self.body, "lxml")
            self.fragments = [m.decode() for m in soup.find_all("div", class_="tgme_widget_message")]
            self.body = None
        return self.fragments[n] if n < len(self.fragments) else ""


def _tags(el):  # noqa: ANN001, ANN202
    """The element's descendant tags (not itself, not comments), in document order."""
    return (d for d in el.iterdescendants() if isinstance(d.tag, str))


class _Index:
    """The elements of one message by class, in document order: one walk of the
    message instead of a CSS selector run over it per field (issue #17: the
    selectors were most of a cycle's CPU)."""

    def __init__(self, msg) -> None:  # noqa: ANN001
        self.msg = msg
        self.order: dict[int, int] = {}
        self.by_class: dict[str, list] = {}
        for pos, el in enumerate(_tags(msg)):
            self.order[id(el)] = pos
            for cls in _classes(el):
                self.by_class.setdefault(cls, []).append(el)

    def all(self, cls: str, name: str | None = None, attr: str | None = None, inside=None) -> list:  # noqa: ANN001
        """Like ``inside.select(f"{name}.{cls}[{attr}]")`` (``inside`` defaults to the message)."""
        return [el for el in self.by_class.get(cls, ())
                if (name is None or el.tag == name) and (attr is None or el.get(attr) is not None)
                and (inside is None or inside is self.msg or any(p is inside for p in el.iterancestors()))]

    def first(self, cls: str, name: str | None = None, attr: str | None = None, inside=None):  # noqa: ANN001, ANN201
        found = self.all(cls, name, attr, inside)
        return found[0] if found else None

    def sorted(self, els: list) -> list:
        return sorted(els, key=lambda el: self.order.get(id(el), 0))


def _find(el, name: str, attr: str):  # noqa: ANN001, ANN202
    """bs4's ``el.find(name, attrs={attr: True})``: the first descendant ``name`` having ``attr``."""
    return next((d for d in el.iterdescendants(name) if d.get(attr) is not None), None)


def _post(msg, base: str, account: Account, older: str | None, raw: Deferred) -> Post:  # noqa: ANN001
    data_post = msg.get("data-post") or ""
    if not isinstance(data_post, str) or "/" not in data_post:
        raise LayoutChanged("postingan Telegram tanpa atribut data-post", url=base)
    post_id = data_post.rsplit("/", 1)[1]
    index = _Index(msg)
    date_links = index.all("tgme_widget_message_date", "a")
    date_link = date_links[0] if date_links else None
    time_el = next((t for link in date_links for t in [_find(link, "time", "datetime")] if t is not None), None)
    if time_el is None:
        time_el = _find(msg, "time", "datetime")
    if date_link is None or time_el is None:
        raise LayoutChanged(f"postingan Telegram {data_post} tanpa tautan/tanggal", url=base)
    url = abs_url(base, date_link.get("href")) or f"{origin(account.url)}/{data_post}"
    bubble = index.first("tgme_widget_message_bubble")
    if bubble is None:
        bubble = msg
    text_el = next((c for c in bubble if isinstance(c.tag, str) and "tgme_widget_message_text" in _classes(c)), None)
    text = element_text(text_el) if text_el is not None else ""
    poll = index.first("tgme_widget_message_poll", inside=bubble)
    if poll is not None:
        question = index.first("tgme_widget_message_poll_question", inside=poll)
        options = [element_text(o) for o in index.all("tgme_widget_message_poll_option_text", inside=poll)]
        poll_text = "\n".join([element_text(question), *("- " + o for o in options)]).strip()
        text = f"{text}\n\n{poll_text}".strip()
    return Post(
        platform="telegram",
        account_url=account.url,
        post_id=post_id,
        url=url,
        published=parse_time(time_el.get("datetime")),
        text=text,
        media=_media(index, base),
        raw=raw,  # serialised only if evidence reads it (issue #17)
        extra=_extra(index, base, data_post, older),
    )


def _media(index: _Index, base: str) -> tuple[str, ...]:
    found: list[str] = []
    thumbs = index.all("tgme_widget_message_photo_wrap", "a") + index.all("tgme_widget_message_video_thumb", "i")
    for el in index.sorted(thumbs):
        m = _BG_URL.search(el.get("style") or "")
        if m:
            found.append(abs_url(base, m.group(1)))
    for el in index.msg.iterdescendants("video", "audio"):
        if el.get("src") is not None:
            found.append(abs_url(base, el.get("src")))
    for el in index.all("tgme_widget_message_document_wrap", "a", "href"):
        found.append(abs_url(base, el.get("href")))
    return tuple(dict.fromkeys(u for u in found if u))


def _extra(index: _Index, base: str, data_post: str, older: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"data_post": data_post}
    pairs = {  # key: (class, tag name or None)
        "author": ("tgme_widget_message_owner_name", "a"),
        "signed_by": ("tgme_widget_message_from_author", None),
        "views": ("tgme_widget_message_views", "span"),
        "forwarded_from": ("tgme_widget_message_forwarded_from_name", None),
        "document": ("tgme_widget_message_document_title", None),
        "link_preview_title": ("link_preview_title", None),
        "link_preview_description": ("link_preview_description", None),
    }
    for key, (cls, name) in pairs.items():
        text = element_text(index.first(cls, name))
        if text:
            extra[key] = text
    forwarded = index.first("tgme_widget_message_forwarded_from")
    if forwarded is not None:
        extra.update(share=True, share_kind="forward",
                     original_author=extra.get("forwarded_from") or element_text(forwarded))
        link = _find(forwarded, "a", "href")
        if link is not None and abs_url(base, link.get("href")):
            extra["original_url"] = abs_url(base, link.get("href"))
    preview = index.first("tgme_widget_message_link_preview", "a", "href")
    if preview is not None:
        extra["link_preview_url"] = abs_url(base, preview.get("href"))
    reply = index.first("tgme_widget_message_reply", "a")
    if reply is not None:
        extra["reply_to"] = abs_url(base, reply.get("href"))
        reply_text = index.first("tgme_widget_message_text", inside=reply)
        if reply_text is not None:
            extra["reply_text"] = element_text(reply_text)
    if older:
        extra["older_page"] = abs_url(base, older)
    return extra
