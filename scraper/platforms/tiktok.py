"""TikTok profiles (``<origin>/@<user>``), read in a logged-in browser session.

Two sources on the rendered profile page, merged by video id:

* ``script#__UNIVERSAL_DATA_FOR_REHYDRATION__`` JSON: ``__DEFAULT_SCOPE__
  ["webapp.user-detail"]`` gives ``statusCode`` (0 = fine; 10202/10221/10223
  = no such or banned account; 10222 = private), ``userInfo.user``
  (``uniqueId``, ``privateAccount``) and ``userInfo.stats.videoCount``; an
  ``itemList`` (as in the ``api/post/item_list/`` XHR, whose JSON body is
  also accepted as a page) or an older ``ItemModule`` holds full items
  (``id``, ``desc``, ``createTime``, ``video.cover``).
* the grid ``div[data-e2e="user-post-item"]``: link ``a[href*="/video/<id>"]``
  (or ``/photo/``), caption ``[data-e2e="user-post-item-desc"]`` or the
  cover's ``img[alt]``. A grid item has no date: the id carries its creation
  time (``id >> 32`` = Unix seconds).

``videoCount`` > 0 with no item found is a layout change; 0 is an empty account.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Mapping

from ..errors import Blocked, LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from ._session import (Doc, Marker, abs_url, clean_text, detect, dig, dumps, element_text,
                       first_path_segment, from_timestamp, origin, walk_json)
from .base import Adapter, FetchMode, Page, build_posts

_ITEM_HREF = re.compile(r"/@([^/?#]+)/(video|photo)/(\d+)")
_GONE = {10202: "akun TikTok tidak ada", 10221: "akun TikTok diblokir/dihapus",
         10223: "akun TikTok tidak tersedia"}
_PRIVATE = 10222

MARKERS: tuple[Marker, ...] = (
    Marker("url", "/login", LoginWall, "sesi TikTok kedaluwarsa: dialihkan ke halaman login"),
    Marker("title", "log in | tiktok", LoginWall, "sesi TikTok kedaluwarsa: judul \"Log in | TikTok\""),
    Marker("css", "#captcha-verify-container-main-page", Blocked, "TikTok meminta verifikasi captcha"),
    Marker("css", "div.captcha_verify_container", Blocked, "TikTok meminta verifikasi captcha"),
    Marker("text", "verify to continue", Blocked, "TikTok meminta verifikasi (\"Verify to continue\")"),
    Marker("text", "maximum number of attempts reached", Blocked, "TikTok membatasi akses (terlalu banyak percobaan)"),
    # soft: only when no post was found
    Marker("text", "couldn't find this account", NotFound, "akun TikTok tidak ditemukan", hard=False),
    Marker("text", "tidak dapat menemukan akun ini", NotFound, "akun TikTok tidak ditemukan", hard=False),
    Marker("text", "this account is private", NotFound, "akun TikTok privat", hard=False),
    Marker("text", "akun ini privat", NotFound, "akun TikTok privat", hard=False),
    Marker("css", '[data-e2e="login-modal"]', LoginWall, "sesi TikTok kedaluwarsa: jendela login tampil", hard=False),
)


def username_of(url: str) -> str:
    seg = first_path_segment(url)
    return seg[1:] if seg.startswith("@") else ""


def time_from_id(video_id: str) -> datetime | None:
    """TikTok ids are snowflakes: the top 32 bits are the creation time."""
    try:
        seconds = int(video_id) >> 32
    except ValueError:
        return None
    if not 1_400_000_000 < seconds < 4_000_000_000:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


@register
class TikTokAdapter(Adapter):
    name = "tiktok"
    mode = FetchMode.BROWSER
    hosts = ("tiktok.com",)
    needs_session = True
    login_url = "https://www.tiktok.com/login"
    session_domains = ("tiktok.com",)
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        if not re.fullmatch(r"[A-Za-z0-9._]{2,24}", username_of(url)):
            return [f"URL akun TikTok harus berbentuk https://www.tiktok.com/@<nama_pengguna>, bukan {url!r}"]
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        return f"{origin(account.url)}/@{username_of(account.url)}"

    def wait_selector(self, account: Account) -> str | None:
        return ('[data-e2e="user-post-item"], [data-e2e="user-page"] main, '
                '#captcha-verify-container-main-page, [data-e2e="login-modal"]')

    def post_selector(self, post: Post) -> str | None:
        return f'div[data-e2e="user-post-item"]:has(a[href*="/{post.post_id}"])'

    def parse(self, page: Page, account: Account) -> list[Post]:
        doc = Doc(page)
        detect(doc, MARKERS, hard=True)
        data = self._data(doc)
        detail = (dig(data, "__DEFAULT_SCOPE__", "webapp.user-detail") or dig(data, "props", "pageProps")) if data else None
        if not isinstance(detail, dict):
            detail = None
        status = dig(detail, "statusCode")
        if status in _GONE:
            raise NotFound(f"{_GONE[status]} (statusCode {status})", url=doc.final_url)
        user = dig(detail, "userInfo", "user")
        user = user if isinstance(user, dict) else {}
        username = username_of(account.url) or str(user.get("uniqueId") or "")
        base = origin(account.url)

        posts: dict[str, Post] = {}
        for post in build_posts(self._json_items(data), lambda i: self._from_item(i, username, base, account),
                                url=doc.final_url):
            posts.setdefault(post.post_id, post)
        ordered: list[Post] = []
        for post in self._from_grid(doc, account):
            # the grid gives the page order; the JSON item, if any, has more detail
            ordered.append(posts.pop(post.post_id, post))
        ordered.extend(posts.values())
        # only the watched account's own items are its posts (a feed of others is not)
        own = [p for p in ordered if str(p.extra.get("author", "")).lower() == username.lower()]
        if own:
            return own
        if ordered:
            raise LayoutChanged(f"halaman TikTok berisi {len(ordered)} video milik akun lain, tidak satu pun "
                                f"milik @{username or '?'}: bukan daftar video akun ini", url=doc.final_url)

        detect(doc, MARKERS, hard=False)
        if status == _PRIVATE or user.get("privateAccount"):
            raise NotFound("akun TikTok privat", url=doc.final_url)
        if status not in (None, 0):
            raise LayoutChanged(f"TikTok menjawab statusCode {status} yang tidak dikenal", url=doc.final_url)
        count = dig(detail, "userInfo", "stats", "videoCount")
        if count == 0:
            return []
        if detail is None:
            raise LayoutChanged("halaman TikTok tanpa data profil (__UNIVERSAL_DATA_FOR_REHYDRATION__)",
                                url=doc.final_url)
        raise LayoutChanged(f"profil TikTok mencatat {count} video tetapi tidak ada yang terbaca",
                            url=doc.final_url)

    # -- sources --------------------------------------------------------------
    def _data(self, doc: Doc) -> Any:
        if doc.body_json is not None:
            return doc.body_json
        for _, data in doc.script_json("script#__UNIVERSAL_DATA_FOR_REHYDRATION__, script#SIGI_STATE, "
                                       "script#__NEXT_DATA__"):
            return data
        return None

    def _json_items(self, data: Any) -> list[dict]:
        if data is None:
            return []
        items: list[dict] = []
        for key, node in walk_json(data):
            if key == "itemList" and isinstance(node, list):
                items.extend(i for i in node if isinstance(i, dict))
            elif key == "items" and isinstance(node, list) and isinstance(dig(data, "props", "pageProps"), dict):
                items.extend(i for i in node if isinstance(i, dict))  # 2021 __NEXT_DATA__ profile
            elif key == "ItemModule" and isinstance(node, dict):
                items.extend(i for i in node.values() if isinstance(i, dict))
        return items

    def _from_item(self, item: dict, username: str, base: str, account: Account) -> Post | None:
        video_id = str(item.get("id") or "")
        if not video_id.isdigit():
            return None
        author = item.get("author")
        author = str((author.get("uniqueId") if isinstance(author, dict) else author) or username)
        kind = "photo" if item.get("imagePost") else "video"
        media = []
        cover = dig(item, "video", "cover") or dig(item, "video", "originCover")
        if cover:
            media.append(cover)
        for image in dig(item, "imagePost", "images") or []:
            url = dig(image, "imageURL", "urlList", 0)
            if url:
                media.append(url)
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=video_id,
            url=f"{base}/@{author}/{kind}/{video_id}",
            published=from_timestamp(item.get("createTime")) or time_from_id(video_id),
            text=clean_text(str(item.get("desc") or "")),
            media=tuple(m for m in media if isinstance(m, str)),
            raw=dumps(item),
            extra={"author": author, "pinned": bool(item.get("isPinnedItem"))},
        )

    def _from_grid(self, doc: Doc, account: Account) -> list[Post]:
        posts = []
        seen = set()
        for cell in doc.soup.select('div[data-e2e="user-post-item"]'):
            link = cell.select_one('a[href*="/video/"], a[href*="/photo/"]')
            m = _ITEM_HREF.search(link.get("href", "")) if link else None
            if m is None or m.group(3) in seen:
                continue
            author, kind, video_id = m.groups()
            seen.add(video_id)
            desc = cell.select_one('[data-e2e="user-post-item-desc"]')
            img = cell.select_one("img[alt]")
            text = element_text(desc) if desc is not None else clean_text(img.get("alt", "") if img else "")
            media = (abs_url(doc.final_url, img["src"]),) if img is not None and img.get("src") else ()
            badge = cell.select_one('[data-e2e="video-card-badge"]')
            posts.append(Post(
                platform=self.name,
                account_url=account.url,
                post_id=video_id,
                url=abs_url(doc.final_url, f"/@{author}/{kind}/{video_id}"),
                published=time_from_id(video_id),
                text=text,
                media=media,
                raw=str(cell),
                extra={"author": author, "pinned": badge is not None},
            ))
        return posts
