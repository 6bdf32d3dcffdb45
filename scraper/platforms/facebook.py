"""Facebook pages and profiles, read in a logged-in browser session.

Facebook renders a profile's timeline from Relay data shipped in
``script[type="application/json"]`` elements. Each post is a ``Story`` node
(``"__typename": "Story"`` with a ``post_id``); inside it the adapter reads

* text: ``comet_sections.content.story.message.text`` (else the first
  ``message.text`` outside ``attached_story``, which is a shared post's own),
* time: the first ``creation_time`` (Unix seconds),
* permalink: the story's ``url`` (else the first ``url`` that looks like a
  post link), photos: ``photo_image.uri`` / ``image.uri`` under ``attachments``.

The same story appears several times in the JSON; nodes are merged by
``post_id``. If no JSON story is found, the rendered feed units
(``div[role="article"]`` that are not comments) are read: permalink
``a[href*="/posts/"]`` / ``story_fbid=``, text
``div[data-ad-preview="message"]``, time ``abbr[data-utime]`` when present.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from ..errors import Blocked, Checkpoint, ConsentWall, LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from ._session import (Doc, Marker, abs_url, clean_text, detect, dig, dumps, element_text, find_key,
                       from_timestamp, loads, walk_json)
from .base import Adapter, FetchMode, Page

_POST_LINK = re.compile(r"/posts/|story_fbid=|/permalink/|/videos/|/photos?/|/reel/|fbid=")

MARKERS: tuple[Marker, ...] = (
    Marker("url", "checkpoint", Checkpoint, "Facebook meminta verifikasi akun pemantau (checkpoint)"),
    Marker("url", "cookie/consent", ConsentWall, "Facebook menampilkan halaman persetujuan cookie"),
    Marker("url", "privacy/consent", ConsentWall, "Facebook menampilkan halaman persetujuan privasi"),
    Marker("url", "/login", LoginWall, "sesi Facebook kedaluwarsa: dialihkan ke halaman login"),
    Marker("url", "login.php", LoginWall, "sesi Facebook kedaluwarsa: dialihkan ke login.php"),
    Marker("title", "log in to facebook", LoginWall, "sesi Facebook kedaluwarsa: judul \"Log in to Facebook\""),
    Marker("title", "log into facebook", LoginWall, "sesi Facebook kedaluwarsa: judul \"Log into Facebook\""),
    Marker("title", "masuk ke facebook", LoginWall, "sesi Facebook kedaluwarsa: judul \"Masuk ke Facebook\""),
    Marker("css", 'form#login_form, form[action*="/login/"] input[name="pass"]', LoginWall,
           "sesi Facebook kedaluwarsa: formulir login tampil"),
    Marker("text", "your account has been locked", Checkpoint, "akun pemantau Facebook dikunci (checkpoint)"),
    Marker("text", "akun anda dikunci", Checkpoint, "akun pemantau Facebook dikunci (checkpoint)"),
    Marker("text", "you're temporarily blocked", Blocked, "akun pemantau Facebook diblokir sementara"),
    Marker("text", "anda diblokir sementara", Blocked, "akun pemantau Facebook diblokir sementara"),
    Marker("text", "allow the use of cookies from facebook", ConsentWall,
           "Facebook menampilkan persetujuan cookie"),
    Marker("text", "izinkan penggunaan cookie dari facebook", ConsentWall,
           "Facebook menampilkan persetujuan cookie"),
    # soft: only when no post was found
    Marker("text", "this content isn't available", NotFound, "halaman Facebook tidak tersedia", hard=False),
    Marker("text", "konten ini tidak tersedia", NotFound, "halaman Facebook tidak tersedia", hard=False),
    Marker("text", "this page isn't available", NotFound, "halaman Facebook tidak tersedia", hard=False),
    Marker("text", "halaman ini tidak tersedia", NotFound, "halaman Facebook tidak tersedia", hard=False),
)

def _shared(story: dict) -> dict[str, Any]:
    """The share keys of ``extra`` when ``story`` shares someone else's post."""
    attached = story.get("attached_story")
    if not isinstance(attached, dict):
        attached = find_key(story, "attached_story", skip=("comments", "feedback"))
    if not isinstance(attached, dict):
        return {}
    actor = dig(attached, "actors", 0) or find_key(attached, "actors")
    if isinstance(actor, list):
        actor = actor[0] if actor else None
    name = actor.get("name") if isinstance(actor, dict) else None
    url = _story_url(attached)
    out: dict[str, Any] = {"share": True, "share_kind": "shared"}
    if isinstance(name, str) and name:
        out["original_author"] = name
    if url:
        out["original_url"] = url
    if attached.get("post_id"):
        out["original_id"] = str(attached["post_id"])
    return out


_EMPTY_PHRASES = ("no posts available", "tidak ada postingan yang tersedia", "belum ada postingan")


def _token(url: str) -> str:
    """The part of a permalink that identifies the post (pfbid..., a number)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("story_fbid", "fbid", "v"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else ""


def _walk_skip(obj: Any, skip: str = "attached_story") -> Any:
    """(key, value) pairs depth-first, not descending under the key ``skip``."""
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        key, node = stack.pop()
        yield key, node
        if isinstance(node, dict):
            stack.extend(reversed([(k, v) for k, v in node.items() if k != skip]))
        elif isinstance(node, list):
            stack.extend(reversed([(key, v) for v in node]))


def _story_url(story: dict) -> str:
    url = story.get("url")
    if isinstance(url, str) and _POST_LINK.search(url):
        return url
    for key, node in _walk_skip(story):
        if key == "url" and isinstance(node, str) and _POST_LINK.search(node):
            return node
    return url if isinstance(url, str) else ""


def _story_text(story: dict) -> str:
    text = dig(story, "comet_sections", "content", "story", "message", "text")
    if text is None:
        text = dig(story, "message", "text")
    if text is None:
        message = find_key(story, "message", skip=("attached_story", "comments", "feedback"))
        text = message.get("text") if isinstance(message, dict) else None
    return clean_text(text or "")


def _story_media(story: dict) -> list[str]:
    media = []
    for attachments in (find_key(story, "attachments", skip=("attached_story",)),):
        for key, node in walk_json(attachments or []):
            if key in ("photo_image", "image", "full_image") and isinstance(node, dict):
                uri = node.get("uri")
                if isinstance(uri, str):
                    media.append(uri)
    return list(dict.fromkeys(media))


def _stories(blob: Any) -> Any:
    """Story nodes with a ``post_id``, depth-first, not inside ``attached_story``
    (a shared post's original belongs to someone else)."""
    stack = [blob]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("__typename") == "Story" and node.get("post_id"):
                yield node
            stack.extend(reversed([v for k, v in node.items() if k != "attached_story"]))
        elif isinstance(node, list):
            stack.extend(reversed(node))


@register
class FacebookAdapter(Adapter):
    name = "facebook"
    mode = FetchMode.BROWSER
    hosts = ("facebook.com", "fb.com", "m.facebook.com", "web.facebook.com")
    needs_session = True
    login_url = "https://www.facebook.com/login"
    session_domains = ("facebook.com",)
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        parts = urlsplit(url)
        path = parts.path.strip("/")
        if not path or (path == "profile.php" and "id=" not in parts.query):
            return [f"URL akun Facebook harus menunjuk profil/halaman (https://www.facebook.com/<nama> "
                    f"atau profile.php?id=...), bukan {url!r}"]
        if path.split("/")[0] in ("login", "login.php", "groups", "watch", "search", "events"):
            return [f"URL Facebook {url!r} bukan profil atau halaman"]
        return []

    def wait_selector(self, account: Account) -> str | None:
        return ('div[role="article"], div[role="main"], form#login_form, '
                'input[name="pass"], div[role="dialog"]')

    def post_selector(self, post: Post) -> str | None:
        token = post.extra.get("token") or post.post_id
        return f'div[role="article"]:has(a[href*="{token}"])'

    def parse(self, page: Page, account: Account) -> list[Post]:
        doc = Doc(page)
        detect(doc, MARKERS, hard=True)
        posts = self._from_json(doc, account) or self._from_dom(doc, account) or _from_mobile(doc, account)
        if posts:
            return posts
        detect(doc, MARKERS, hard=False)
        if doc.soup.select_one('meta[property="og:title"]') is None:
            raise NotFound("halaman Facebook tidak publik atau tidak tersedia (tanpa og:title)", url=doc.final_url)
        if any(p in doc.visible_text for p in _EMPTY_PHRASES):
            return []
        raise LayoutChanged("halaman Facebook terbuka tetapi tidak ada postingan yang dikenali "
                            "(tanpa Story di JSON dan tanpa div[role=article])", url=doc.final_url)

    # -- Relay JSON -------------------------------------------------------------
    def _from_json(self, doc: Doc, account: Account) -> list[Post]:
        stories: dict[str, dict[str, Any]] = {}
        blobs = [blob for _, blob in doc.script_json()]
        # older pages (2023) ship the Relay data in plain inline scripts: requireLazy(..., handle({...}))
        blobs += [blob for _, blob in doc.inline_json('"Story"')]
        for blob in blobs:
            for node in _stories(blob):
                post_id = str(node["post_id"])
                found = {
                    "url": _story_url(node),
                    "time": from_timestamp(find_key(node, "creation_time", skip=("attached_story",))),
                    "text": _story_text(node),
                    "media": _story_media(node),
                    "shared": _shared(node),
                    "raw": node,
                }
                merged = stories.setdefault(post_id, found)
                for field in ("url", "time", "text", "media", "shared"):
                    if not merged[field] and found[field]:
                        merged[field] = found[field]
        posts = []
        for post_id, s in stories.items():
            url = abs_url(doc.final_url, s["url"]) if s["url"] else ""
            posts.append(Post(
                platform=self.name,
                account_url=account.url,
                post_id=post_id,
                url=url or abs_url(doc.final_url, f"/{post_id}"),
                published=s["time"],
                text=s["text"],
                media=tuple(s["media"]),
                raw=dumps(s["raw"]),
                extra={"token": _token(url) if url else post_id, **s["shared"]},
            ))
        return posts

    # -- rendered feed units ----------------------------------------------------
    def _from_dom(self, doc: Doc, account: Account) -> list[Post]:
        posts: list[Post] = []
        seen: set[str] = set()
        for art in doc.soup.select('div[role="article"]'):
            if art.find_parent(attrs={"role": "article"}) is not None:
                continue  # a comment inside a post
            link = next((a for a in art.select("a[href]") if _POST_LINK.search(a["href"])), None)
            body = art.select_one('div[data-ad-preview="message"], div[data-ad-comet-preview="message"]')
            if link is None and body is None:
                continue
            url = abs_url(doc.final_url, link["href"].split("&__cft__")[0].split("?__cft__")[0]) if link else ""
            text = element_text(body)
            token = _token(url) if url else hashlib.sha256(text.encode()).hexdigest()[:16]
            if token in seen:
                continue
            seen.add(token)
            utime = art.select_one("abbr[data-utime]")
            media = [abs_url(doc.final_url, img["src"]) for img in art.select('a[href*="/photo"] img[src]')]
            posts.append(Post(
                platform=self.name,
                account_url=account.url,
                post_id=token,
                url=url,
                published=from_timestamp(utime["data-utime"]) if utime else None,
                text=text,
                media=tuple(dict.fromkeys(media)),
                raw=str(art),
                extra={"token": token},
            ))
        return posts


# -- m.facebook.com (article[data-ft]) ------------------------------------------------

_MOBILE_STORY = 'article[data-ft], div[data-sigil~="story-div"][data-ft]'


def _from_mobile(doc: Doc, account: Account) -> list[Post]:
    """Stories of the m.facebook.com layout: ``data-ft`` JSON holds the post id
    (``top_level_post_id``) and ``page_insights.*.post_context.publish_time``."""
    posts: list[Post] = []
    seen: set[str] = set()
    for el in doc.soup.select(_MOBILE_STORY):
        if el.find_parent(attrs={"data-sigil": lambda v: bool(v) and "story-div" in v}) is not None:
            continue  # a shared original inside the sharer's story
        ft = loads(el.get("data-ft") or "")
        post_id = str(ft.get("top_level_post_id") or "") if isinstance(ft, dict) else ""
        if not post_id.isdigit() or post_id in seen:
            continue
        seen.add(post_id)
        insights = ft.get("page_insights")
        context = next((v for v in insights.values() if isinstance(v, dict)), {}) if isinstance(insights, dict) else {}
        owner = str(ft.get("page_id") or ft.get("content_owner_id_new") or context.get("page_id") or "")
        body = el.select_one(".story_body_container > div._5rgt, .story_body_container > div[data-ft*='\"*s\"']")
        link = el.select_one('a[href*="story.php"], a[href*="/posts/"], a[href*="/permalink/"]')
        url = f"https://www.facebook.com/{owner}/posts/{post_id}" if owner else ""
        if not url and link is not None:
            url = abs_url(doc.final_url, link.get("href"))
        extra: dict[str, Any] = {"token": post_id, "mobile": True}
        share = dig(context, "dm", "isShare")
        if share:
            extra.update({"share": True, "share_kind": "shared"})
            original = dig(context, "dm", "originalPostOwnerID")
            if original:
                extra["original_author"] = str(original)
        media = [abs_url(doc.final_url, img.get("src")) for img in el.select('a[href*="/photos/"] img[src]')]
        posts.append(Post(
            platform="facebook",
            account_url=account.url,
            post_id=post_id,
            url=url or abs_url(doc.final_url, f"/{post_id}"),
            published=from_timestamp(dig(context, "post_context", "publish_time")),
            text=element_text(body),
            media=tuple(dict.fromkeys(m for m in media if m)),
            raw=str(el),
            extra=extra,
        ))
    return posts
