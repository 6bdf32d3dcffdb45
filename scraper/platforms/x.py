"""X (Twitter) profiles, read in a logged-in browser session.

There is no anonymous endpoint any more; the browser loads
``<origin>/<handle>`` with the monitoring account's saved session and the
adapter reads the rendered timeline:

* post ``article[data-testid="tweet"]``; permalink = the ``a[href*="/status/"]``
  wrapping ``time[datetime]``; id = the status number
* text ``div[data-testid="tweetText"]`` (first one: a quoted post comes later),
  emoji as ``img[alt]``; photos ``div[data-testid="tweetPhoto"] img[src]``
* ``span[data-testid="socialContext"]``: "reposted" (kept, as sharing a
  candidate's post matters; ``extra["repost"]``) or "Pinned"
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..errors import Blocked, Checkpoint, LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from ._session import Doc, Marker, abs_url, detect, dumps, element_text, first_path_segment, fold, loads
from .base import Adapter, FetchMode, Page, parse_time
from .x_graphql import TIMELINE_OPS, USER_OPS, Tweet, timeline_instructions, timeline_tweets, user_of

_RESERVED = {"", "i", "home", "search", "explore", "intent", "share", "settings", "messages",
             "notifications", "login", "logout", "signup", "hashtag", "compose", "tos", "privacy"}
_STATUS = re.compile(r"^/([A-Za-z0-9_]{1,15})/status/(\d+)/?$")

MARKERS: tuple[Marker, ...] = (
    Marker("url", "/i/flow/login", LoginWall, "sesi X kedaluwarsa: dialihkan ke halaman login (/i/flow/login)"),
    Marker("url", "/login", LoginWall, "sesi X kedaluwarsa: dialihkan ke halaman login"),
    Marker("url", "/i/flow/signup", LoginWall, "sesi X kedaluwarsa: dialihkan ke halaman daftar"),
    Marker("url", "/account/access", Checkpoint, "akun pemantau X dikunci (/account/access): buka dan selesaikan verifikasi"),
    Marker("url", "/account/suspended", Blocked, "akun pemantau X ditangguhkan"),
    Marker("title", "log in to x", LoginWall, "sesi X kedaluwarsa: judul halaman \"Log in to X\""),
    Marker("css", '[data-testid="loginButton"]', LoginWall, "sesi X kedaluwarsa: tombol \"Log in\" tampil"),
    Marker("css", 'input[autocomplete="username"]', LoginWall, "sesi X kedaluwarsa: formulir login tampil"),
    Marker("text", "your account has been locked", Checkpoint, "akun pemantau X dikunci"),
    Marker("text", "rate limit exceeded", Blocked, "X membatasi akses (\"Rate limit exceeded\")"),
    # soft: only when no post was found
    Marker("text", "this account doesn't exist", NotFound, "akun X tidak ada", hard=False),
    Marker("text", "akun ini tidak ada", NotFound, "akun X tidak ada", hard=False),
    Marker("text", "account suspended", NotFound, "akun X ditangguhkan", hard=False),
    Marker("text", "akun ditangguhkan", NotFound, "akun X ditangguhkan", hard=False),
    Marker("text", "these posts are protected", NotFound, "akun X dikunci (postingan diproteksi)", hard=False),
    Marker("text", "these tweets are protected", NotFound, "akun X dikunci (postingan diproteksi)", hard=False),
    Marker("text", "postingan ini dilindungi", NotFound, "akun X dikunci (postingan diproteksi)", hard=False),
    Marker("text", "something went wrong. try reloading", Blocked,
           "X menampilkan \"Something went wrong\" (biasanya pembatasan akses)", hard=False),
)

_EMPTY_PHRASES = ("hasn't posted", "hasn't tweeted", "belum memposting", "belum mengirim")


def handle_of(url: str) -> str:
    return first_path_segment(url).lstrip("@")


@register
class XAdapter(Adapter):
    name = "x"
    mode = FetchMode.BROWSER
    hosts = ("x.com", "twitter.com", "mobile.twitter.com")
    needs_session = True
    login_url = "https://x.com/i/flow/login"
    session_domains = ("x.com", "twitter.com")
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        handle = handle_of(url)
        if handle.lower() in _RESERVED or not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
            return [f"URL akun X harus berbentuk https://x.com/<nama_pengguna>, bukan {url!r}"]
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        return account.url.split("?", 1)[0].split("#", 1)[0]

    def wait_selector(self, account: Account) -> str | None:
        # posts, or one of the pages that will never show posts
        return ('article[data-testid="tweet"], [data-testid="emptyState"], '
                '[data-testid="loginButton"], input[autocomplete="username"], [data-testid="error-detail"]')

    def capture_responses(self, account: Account) -> tuple[str, ...]:
        return TIMELINE_OPS + USER_OPS

    def post_selector(self, post: Post) -> str | None:
        return f'article[data-testid="tweet"]:has(a[href$="/status/{post.post_id}"])'

    def parse(self, page: Page, account: Account) -> list[Post]:
        doc = Doc(page)
        timeline, user = _graphql(page, doc)
        if timeline is None and user is None:
            detect(doc, MARKERS, hard=True)
        if timeline is not None:
            # X's own answer, as the page loaded it: preferred over the DOM
            return self._from_graphql(timeline, account, doc)
        posts = self._posts(doc, account)
        if posts:
            return posts
        if user is not None:
            if not user or user.get("__typename") == "UserUnavailable":
                raise NotFound("akun X tidak ada atau ditangguhkan (UserByScreenName kosong)", url=doc.final_url)
            if user.get("legacy", {}).get("protected") if isinstance(user.get("legacy"), dict) else False:
                raise NotFound("akun X dikunci (postingan diproteksi)", url=doc.final_url)
            if doc.body_json is not None:
                raise LayoutChanged("jawaban UserByScreenName tanpa linimasa (UserTweets): tidak ada postingan "
                                    "untuk dibaca", url=doc.final_url)
        detect(doc, MARKERS, hard=False)
        empty = doc.soup.select_one('[data-testid="emptyState"]')
        if empty is not None and any(p in fold(empty.get_text(" ")) for p in _EMPTY_PHRASES):
            return []
        if doc.soup.select_one('[data-testid="primaryColumn"]') is None:
            raise LayoutChanged("bukan halaman profil X yang dikenal (tidak ada primaryColumn)", url=doc.final_url)
        raise LayoutChanged("halaman profil X tanpa article[data-testid=tweet] dan tanpa keterangan kosong",
                            url=doc.final_url)

    def _from_graphql(self, instructions: list[dict], account: Account, doc: Doc) -> list[Post]:
        tweets, _skipped = timeline_tweets(instructions)
        handle = handle_of(account.url).lower()
        if not re.fullmatch(r"[a-z0-9_]{1,15}", handle):
            # a saved answer parsed without the account URL: the timeline's most frequent own author
            owners = [t.extra.get("reposted_by") or t.author for t in tweets]
            handle = max(set(owners), key=owners.count).lower() if owners else ""
        own = [t for t in tweets if (t.extra.get("reposted_by") or t.author).lower() == handle]
        if tweets and not own:
            raise LayoutChanged(f"linimasa X tanpa postingan milik @{handle} ({len(tweets)} milik akun lain)",
                                url=doc.final_url)
        return [self._tweet_post(t, account, doc) for t in own]

    def _tweet_post(self, tweet: Tweet, account: Account, doc: Doc) -> Post:
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=tweet.id,
            url=abs_url(doc.final_url if doc.final_url.startswith("http") else "https://x.com/",
                        f"/{tweet.author}/status/{tweet.id}"),
            published=tweet.published,
            text=tweet.text,
            media=tuple(dict.fromkeys(tweet.media)),
            raw=dumps(tweet.raw),
            extra={"author": tweet.author, "repost": False, "pinned": tweet.pinned, "source": "graphql",
                   **tweet.extra},
        )

    def _posts(self, doc: Doc, account: Account) -> list[Post]:
        handle = handle_of(account.url).lower()
        posts: list[Post] = []
        seen: set[str] = set()
        for art in doc.soup.select('article[data-testid="tweet"]'):
            link = None
            for a in art.select('a[href*="/status/"]'):
                if a.find("time") is not None and _STATUS.match(a.get("href", "").split("?")[0]):
                    link = a
                    break
            if link is None:
                continue
            m = _STATUS.match(link["href"].split("?")[0])
            author, post_id = m.group(1), m.group(2)
            if post_id in seen:
                continue
            seen.add(post_id)
            time_el = link.find("time")
            published = None
            if time_el is not None and time_el.get("datetime"):
                published = parse_time(time_el["datetime"])  # None for a malformed time, never a failure
            text = element_text(art.select_one('div[data-testid="tweetText"]'), pre_wrap=True)
            media = []
            for img in art.select('div[data-testid="tweetPhoto"] img[src]'):
                media.append(abs_url(doc.final_url, img["src"]))
            for video in art.select("video[poster]"):
                media.append(abs_url(doc.final_url, video["poster"]))
            context = art.select_one('[data-testid="socialContext"]')
            context_text = fold(context.get_text(" ", strip=True)) if context else ""
            repost = author.lower() != handle and bool(context_text)
            pinned = "pinned" in context_text or "disematkan" in context_text
            extra = {"author": author, "repost": repost, "pinned": pinned}
            post_url = abs_url(doc.final_url, f"/{author}/status/{post_id}")
            if repost:
                extra.update(share=True, share_kind="repost", original_author=author, original_url=post_url,
                             reposted_by=handle_of(account.url))
            else:
                extra.update(_dom_quote(art, doc))
            posts.append(Post(
                platform=self.name,
                account_url=account.url,
                post_id=post_id,
                url=post_url,
                published=published,
                text=text,
                media=tuple(dict.fromkeys(media)),
                raw=str(art),
                extra=extra,
            ))
        return posts


_HANDLE_IN_NAME = re.compile(r"@([A-Za-z0-9_]{1,15})")


def _dom_quote(art: Any, doc: Doc) -> dict[str, Any]:
    """Share keys for a post quoting another (a second User-Name block and tweetText)."""
    names = art.select('[data-testid="User-Name"]')
    texts = art.select('div[data-testid="tweetText"]')
    if len(names) < 2 or len(texts) < 2:
        return {}
    m = _HANDLE_IN_NAME.search(names[1].get_text(" ", strip=True))
    if m is None:
        return {}
    extra: dict[str, Any] = {"share": True, "share_kind": "quote", "original_author": m.group(1),
                             "quoted_text": element_text(texts[1], pre_wrap=True)}
    link = names[1].select_one('a[href*="/status/"]')
    if link is not None and _STATUS.match(link.get("href", "").split("?")[0]):
        extra["original_url"] = abs_url(doc.final_url, link["href"].split("?")[0])
    return extra


def _graphql(page: Page, doc: Doc) -> tuple[list[dict] | None, dict | None]:
    """The ``UserTweets`` instructions and the ``UserByScreenName`` user found in
    the captured network responses or in the page body itself (raw or ``<pre>``)."""
    timeline: list[dict] | None = None
    user: dict | None = None
    blobs = [loads(body) for url, body in page.responses if any(op in url for op in TIMELINE_OPS + USER_OPS)]
    if page.body.lstrip()[:1] == "{" or "<pre" in page.body[:2000].lower():
        blobs.append(doc.body_json)
    for data in blobs:
        if data is None:
            continue
        found = timeline_instructions(data)
        if found is not None:
            timeline = (timeline or []) + found
            continue
        if user is None:
            user = user_of(data)
    return timeline, user
