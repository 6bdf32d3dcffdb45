"""Task and result documents of the fetch queue (JSON; pure, no I/O).

A task names the account and the URL to fetch (plus the validators of a
conditional GET). A result carries the page as fetched, its SHA-256 and the
posts the worker parsed from it, or the error the fetch raised, rebuilt at
the coordinator as the same exception class so the pipeline handles it
exactly as a local fetch.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alerts.timeutil import iso, parse_iso

from .. import errors
from ..errors import FetchError, HealthProblem
from ..models import Account, Post
from ..platforms.base import Page, Posts

#: the result channel's documents say which format they are in
VERSION = 1


@dataclass(frozen=True)
class ParsedPage(Page):
    """A page fetched by a worker, with the posts it parsed (None: parse at the coordinator)."""

    posts: Posts | None = field(default=None, compare=False)
    sha256: str = ""


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


# -- accounts and tasks ---------------------------------------------------------------------------

def account_to_json(account: Account) -> dict[str, Any]:
    return {"platform": account.platform, "url": account.url, "options": dict(account.options),
            "person_nip": account.person_nip, "person_name": account.person_name}


def account_from_json(doc: dict[str, Any]) -> Account:
    return Account(platform=str(doc["platform"]), url=str(doc["url"]), options=dict(doc.get("options") or {}),
                   person_nip=str(doc.get("person_nip", "")), person_name=str(doc.get("person_name", "")))


def task(task_id: str, reply_to: str, account: Account, url: str, *, etag: str | None = None,
         last_modified: str | None = None) -> dict[str, Any]:
    """The message body of one fetch (the same id on every resend of the same fetch)."""
    return {"v": VERSION, "id": task_id, "reply_to": reply_to, "account": account_to_json(account),
            "url": url, "etag": etag, "last_modified": last_modified}


# -- pages and posts ------------------------------------------------------------------------------

def page_to_json(page: Page) -> dict[str, Any]:
    return {"url": page.url, "final_url": page.final_url, "status": page.status, "body": page.body,
            "fetched_at": iso(page.fetched_at), "headers": dict(page.headers or {}),
            "content_type": page.content_type, "not_modified": page.not_modified, "title": page.title,
            "responses": [list(r) for r in page.responses]}


def post_to_json(post: Post) -> dict[str, Any]:
    return {"platform": post.platform, "account_url": post.account_url, "post_id": post.post_id,
            "url": post.url, "published": iso(post.published) if post.published else None,
            "text": post.text, "media": list(post.media), "raw": post.raw,
            "extra": json.loads(json.dumps(dict(post.extra or {}), default=str))}


def post_from_json(doc: dict[str, Any]) -> Post:
    return Post(platform=doc["platform"], account_url=doc["account_url"], post_id=str(doc["post_id"]),
                url=doc["url"], published=parse_iso(doc.get("published")), text=doc.get("text", ""),
                media=tuple(doc.get("media") or ()), raw=doc.get("raw", ""), extra=dict(doc.get("extra") or {}))


def posts_to_json(posts: Posts) -> dict[str, Any]:
    return {"items": [post_to_json(p) for p in posts], "skipped": posts.skipped,
            "skip_reasons": list(posts.skip_reasons)}


def posts_from_json(doc: dict[str, Any]) -> Posts:
    posts = Posts(post_from_json(p) for p in doc.get("items", []))
    posts.skipped = int(doc.get("skipped", 0))
    posts.skip_reasons = [str(r) for r in doc.get("skip_reasons", [])]
    return posts


# -- results ----------------------------------------------------------------------------------------

def ok_result(task_id: str, worker: str, page: Page, posts: Posts | None) -> dict[str, Any]:
    return {"v": VERSION, "id": task_id, "worker": worker, "page": page_to_json(page),
            "sha256": body_sha256(page.body), "posts": posts_to_json(posts) if posts is not None else None}


def error_result(task_id: str, worker: str, exc: BaseException) -> dict[str, Any]:
    """A fetch error as data: its class (from :mod:`scraper.errors`), message and fields."""
    doc: dict[str, Any] = {"class": type(exc).__name__, "message": str(exc)}
    for name in ("url", "status", "retry_after", "reason", "limit", "bytes_read", "target"):
        if hasattr(exc, name):
            doc[name] = getattr(exc, name)
    if isinstance(exc, HealthProblem):
        doc["state"] = exc.state
    return {"v": VERSION, "id": task_id, "worker": worker, "error": doc}


def rebuild_error(doc: dict[str, Any]) -> Exception:
    """The exception an error result describes (unknown classes: FetchError/HealthProblem by kind)."""
    name, message = str(doc.get("class", "")), str(doc.get("message", ""))
    cls = getattr(errors, name, None)
    url = doc.get("url")
    if isinstance(cls, type) and issubclass(cls, errors.RateLimited):
        return cls(message, url=url, retry_after=doc.get("retry_after"))
    if isinstance(cls, type) and issubclass(cls, errors.TooLarge):
        return cls(doc.get("reason", message), url=url, limit=doc.get("limit", 0), bytes_read=doc.get("bytes_read", 0))
    if isinstance(cls, type) and issubclass(cls, errors.RedirectRefused):
        return cls(doc.get("reason", message), url=url, target=doc.get("target", ""))
    if isinstance(cls, type) and issubclass(cls, HealthProblem):
        return cls(doc.get("reason", message), url=url)
    if isinstance(cls, type) and issubclass(cls, FetchError):
        return cls(message, url=url, status=doc.get("status"))
    if "state" in doc:
        problem = HealthProblem(doc.get("reason", message), url=url)
        problem.state = str(doc["state"])
        return problem
    return FetchError(f"{name}: {message}" if name else message, url=url)


def decode_result(doc: dict[str, Any]) -> ParsedPage:
    """The page of a result, or raise the error it carries (a corrupted body is a FetchError)."""
    if doc.get("error"):
        raise rebuild_error(doc["error"])
    p = doc["page"]
    body = p.get("body", "")
    if body_sha256(body) != doc.get("sha256"):
        raise FetchError(f"hasil dari worker {doc.get('worker', '?')} rusak (SHA-256 tidak cocok)", url=p.get("url"))
    fetched = parse_iso(p.get("fetched_at"))
    return ParsedPage(
        url=p["url"], final_url=p.get("final_url") or p["url"], status=int(p.get("status", 0)), body=body,
        fetched_at=fetched if isinstance(fetched, datetime) else datetime.now().astimezone(),
        headers=dict(p.get("headers") or {}), content_type=p.get("content_type", ""),
        not_modified=bool(p.get("not_modified")), title=p.get("title", ""),
        responses=tuple((str(u), str(b)) for u, b in p.get("responses") or ()),
        posts=posts_from_json(doc["posts"]) if doc.get("posts") is not None else None,
        sha256=doc.get("sha256", ""))
