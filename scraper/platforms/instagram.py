"""Instagram profiles, read through a logged-in browser session.

The browser (carrying the monitoring account's cookies and the header
``X-IG-App-ID: 936619743392459``) opens
``<origin>/api/v1/users/web_profile_info/?username=<user>``; Chromium shows
the JSON inside a ``<pre>``, and a raw JSON body is accepted too. Posts are
``data.user.edge_owner_to_timeline_media.edges[].node``: ``shortcode``,
``taken_at_timestamp``, ``edge_media_to_caption.edges[0].node.text``,
``display_url`` (and sidecar children). A rendered profile page whose
``script[type="application/json"]`` holds the timeline connection
(``xdt_api__v1__feed__user_timeline_graphql_connection``: ``code``,
``taken_at``, ``caption.text``) is read as well.

Failure markers: redirect to ``/accounts/login/`` or ``require_login``
(session expired), "Please wait a few minutes" (throttled), ``/challenge/``
or ``checkpoint_required`` (checkpoint), consent pages, ``user: null`` or 404
(no such account), a private account whose posts are hidden.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..errors import Blocked, Checkpoint, ConsentWall, LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from ._session import (Doc, Marker, clean_text, detect, dig, dumps, first_path_segment, fold,
                       from_timestamp, origin, walk_json)
from .base import Adapter, FetchMode, Page, build_posts

APP_ID = "936619743392459"
_RESERVED = {"", "p", "reel", "reels", "explore", "accounts", "stories", "direct", "api", "tv"}
_TIMELINE = "xdt_api__v1__feed__user_timeline_graphql_connection"

MARKERS: tuple[Marker, ...] = (
    Marker("url", "/accounts/login", LoginWall, "sesi Instagram kedaluwarsa: dialihkan ke /accounts/login/"),
    Marker("url", "/challenge", Checkpoint, "Instagram meminta verifikasi akun pemantau (/challenge/)"),
    Marker("url", "/accounts/suspended", Blocked, "akun pemantau Instagram ditangguhkan"),
    Marker("url", "/consent", ConsentWall, "Instagram menampilkan halaman persetujuan"),
    Marker("url", "privacy/checks", ConsentWall, "Instagram menampilkan halaman persetujuan privasi"),
    Marker("title", "login \u2022 instagram", LoginWall, "sesi Instagram kedaluwarsa: judul \"Login • Instagram\""),
    Marker("css", 'form#loginForm, input[name="username"][aria-label]', LoginWall,
           "sesi Instagram kedaluwarsa: formulir login tampil"),
    # the same pages recognised by what they say, whatever their URL (a challenge under the profile URL)
    Marker("text", "we detected an unusual login attempt", Checkpoint,
           "Instagram meminta verifikasi akun pemantau (\"We Detected An Unusual Login Attempt\")"),
    Marker("text", "suspicious login attempt", Checkpoint,
           "Instagram meminta verifikasi akun pemantau (\"Suspicious Login Attempt\")"),
    Marker("text", "help us confirm it's you", Checkpoint, "Instagram meminta verifikasi akun pemantau"),
    Marker("text", "bantu kami memastikan bahwa ini adalah anda", Checkpoint, "Instagram meminta verifikasi akun pemantau"),
    Marker("text", "we suspended your account", Blocked, "akun pemantau Instagram ditangguhkan"),
    Marker("text", "your account has been suspended", Blocked, "akun pemantau Instagram ditangguhkan"),
    Marker("text", "kami menangguhkan akun anda", Blocked, "akun pemantau Instagram ditangguhkan"),
    Marker("text", "log in to see photos and videos", LoginWall,
           "sesi Instagram kedaluwarsa: halaman meminta login (\"Log in to see photos and videos\")"),
    Marker("text", "masuk untuk melihat foto dan video", LoginWall,
           "sesi Instagram kedaluwarsa: halaman meminta login"),
    Marker("text", "please wait a few minutes", Blocked,
           "Instagram membatasi akses (\"Please wait a few minutes before you try again\")"),
    # soft: only when no post was found
    Marker("text", "allow the use of cookies from instagram", ConsentWall,
           "Instagram menampilkan persetujuan cookie", hard=False),
    Marker("title", "page not found", NotFound, "akun Instagram tidak ditemukan", hard=False),
    Marker("text", "sorry, this page isn't available", NotFound, "akun Instagram tidak ditemukan", hard=False),
    Marker("text", "maaf, halaman ini tidak tersedia", NotFound, "akun Instagram tidak ditemukan", hard=False),
)


def username_of(url: str) -> str:
    return first_path_segment(url).lstrip("@")


def _json_markers(data: Any, url: str) -> None:
    """The throttling / login answers Instagram's JSON API gives."""
    if not isinstance(data, dict):
        return
    message = fold(str(data.get("message") or ""))
    if "please wait a few minutes" in message:
        raise Blocked("Instagram membatasi akses (\"Please wait a few minutes before you try again\")", url=url)
    if "checkpoint_required" in message or data.get("checkpoint_url"):
        raise Checkpoint("Instagram meminta verifikasi akun pemantau (checkpoint_required)", url=url)
    if data.get("require_login"):
        raise LoginWall("sesi Instagram kedaluwarsa: jawaban API require_login", url=url)
    if "feedback_required" in message or data.get("spam"):
        raise Blocked("Instagram memblokir sementara akun pemantau (feedback_required)", url=url)
    if data.get("status") == "fail":
        raise Blocked(f"API Instagram gagal: {message or 'status fail'}", url=url)


@register
class InstagramAdapter(Adapter):
    name = "instagram"
    mode = FetchMode.BROWSER
    hosts = ("instagram.com",)
    needs_session = True
    login_url = "https://www.instagram.com/accounts/login/"
    session_domains = ("instagram.com",)
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        user = username_of(url)
        if user.lower() in _RESERVED or not re.fullmatch(r"[A-Za-z0-9._]{1,30}", user):
            return [f"URL akun Instagram harus berbentuk https://www.instagram.com/<nama_pengguna>/, bukan {url!r}"]
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        return f"{origin(account.url)}/api/v1/users/web_profile_info/?username={username_of(account.url)}"

    def request_headers(self, account: Account) -> dict[str, str]:
        return {"X-IG-App-ID": APP_ID}

    def post_selector(self, post: Post) -> str | None:
        code = post.extra.get("shortcode") or post.post_id
        return f'a[href*="/p/{code}/"], a[href*="/reel/{code}/"]'

    def parse(self, page: Page, account: Account) -> list[Post]:
        doc = Doc(page)
        data = doc.body_json
        if data is not None:
            # a JSON answer: its status code and message say more than any page marker
            if page.status == 404:
                raise NotFound("akun Instagram tidak ditemukan (HTTP 404)", url=doc.final_url)
            _json_markers(data, doc.final_url)
        detect(doc, MARKERS, hard=True)
        base = origin(account.url)
        if data is not None:
            if isinstance(data, dict) and "data" in data:
                user = dig(data, "data", "user")
            elif isinstance(data, dict) and "graphql" in data:
                user = dig(data, "graphql", "user")
            else:
                raise LayoutChanged("jawaban JSON Instagram tanpa data.user", url=doc.final_url)
            if user is None:
                raise NotFound("akun Instagram tidak ditemukan (user: null)", url=doc.final_url)
            if not isinstance(user, dict):
                raise LayoutChanged("data.user Instagram bukan objek", url=doc.final_url)
            return self._from_profile_info(user, base, account, doc.final_url)
        for _, blob in doc.script_json():
            for key, node in walk_json(blob):
                if key == _TIMELINE and isinstance(node, dict):
                    return self._from_timeline(node, base, account)
        # window.__additionalDataLoaded('/<user>/', {"graphql": {"user": ...}}) (2020)
        extra = next((d for _, d in doc.inline_json("__additionalDataLoaded") if isinstance(dig(d, "graphql", "user"), dict)),
                     None)
        if extra is not None:
            return self._from_profile_info(extra["graphql"]["user"], base, account, doc.final_url)
        shared = next((d for _, d in doc.inline_json("_sharedData") if isinstance(d.get("entry_data"), dict)), None)
        if shared is not None:
            return self._from_shared_data(shared["entry_data"], base, account, doc.final_url)
        detect(doc, MARKERS, hard=False)
        raise LayoutChanged("halaman Instagram tanpa data profil yang dikenal", url=doc.final_url)

    # -- server-rendered page (window._sharedData, until 2020-2021) ------------------
    def _from_shared_data(self, entry: dict, base: str, account: Account, url: str) -> list[Post]:
        if entry.get("Challenge"):
            raise Checkpoint("Instagram meminta verifikasi akun pemantau (halaman Challenge)", url=url)
        if entry.get("LoginAndSignupPage"):
            raise LoginWall("sesi Instagram kedaluwarsa: halaman login", url=url)
        user = dig(entry, "ProfilePage", 0, "graphql", "user")
        if not isinstance(user, dict):
            raise LayoutChanged("halaman Instagram (_sharedData) tanpa ProfilePage.graphql.user", url=url)
        return self._from_profile_info(user, base, account, url)

    # -- web_profile_info ------------------------------------------------------
    def _from_profile_info(self, user: dict, base: str, account: Account, url: str) -> list[Post]:
        media = user.get("edge_owner_to_timeline_media")
        if not isinstance(media, dict):
            raise LayoutChanged("data.user tanpa edge_owner_to_timeline_media", url=url)
        count = media.get("count") if isinstance(media.get("count"), int) else 0
        edges = media.get("edges") if isinstance(media.get("edges"), list) else []
        posts = build_posts((e["node"] for e in edges if isinstance(e, dict) and isinstance(e.get("node"), dict)),
                            lambda node: self._graph_post(node, base, account), url=url)
        if posts or count == 0:
            return posts
        if user.get("is_private"):
            raise NotFound(f"akun Instagram privat ({count} postingan tidak terlihat)", url=url)
        raise LayoutChanged(f"profil Instagram mencatat {count} postingan tetapi tidak ada yang terbaca", url=url)

    def _graph_post(self, node: dict, base: str, account: Account) -> Post:
        code = str(node.get("shortcode") or "")
        caption = dig(node, "edge_media_to_caption", "edges", 0, "node", "text") or ""
        media = [node.get("display_url")]
        for child in dig(node, "edge_sidecar_to_children", "edges") or []:
            media.append(dig(child, "node", "display_url"))
        if node.get("is_video") and node.get("video_url"):
            media.append(node["video_url"])
        kind = "reel" if node.get("product_type") == "clips" else "p"
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=code or str(node.get("id")),
            url=f"{base}/{kind}/{code}/",
            published=from_timestamp(node.get("taken_at_timestamp")),
            text=clean_text(caption),
            media=tuple(dict.fromkeys(m for m in media if m)),
            raw=dumps(node),
            extra={"shortcode": code, "media_id": str(node.get("id") or ""),
                   "pinned": bool(node.get("pinned_for_users"))},
        )

    # -- rendered profile page (timeline connection) --------------------------
    def _from_timeline(self, conn: dict, base: str, account: Account) -> list[Post]:
        posts = []
        for edge in conn.get("edges") or []:
            node = edge.get("node") if isinstance(edge, dict) else None
            if not isinstance(node, dict) or not node.get("code"):
                continue
            code = str(node["code"])
            media = [dig(node, "image_versions2", "candidates", 0, "url")]
            for child in node.get("carousel_media") or []:
                media.append(dig(child, "image_versions2", "candidates", 0, "url"))
            kind = "reel" if node.get("product_type") == "clips" else "p"
            posts.append(Post(
                platform=self.name,
                account_url=account.url,
                post_id=code,
                url=f"{base}/{kind}/{code}/",
                published=from_timestamp(node.get("taken_at")),
                text=clean_text(dig(node, "caption", "text") or ""),
                media=tuple(dict.fromkeys(m for m in media if m)),
                raw=dumps(node),
                extra={"shortcode": code, "media_id": str(node.get("pk") or node.get("id") or "")},
            ))
        return posts
