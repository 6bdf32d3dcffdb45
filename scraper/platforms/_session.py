"""Shared helpers of the logged-in-session adapters (Facebook, Instagram, TikTok, X).

These platforms are read in a browser context that carries the saved session
of a dedicated monitoring account. Their pages fail in a handful of known
ways (login wall, checkpoint, consent screen, "temporarily blocked",
Cloudflare challenge, 404); each adapter lists its :class:`Marker` s and calls
:func:`detect`. "Hard" markers are checked before parsing (a login form on a
page that should be logged in means the session expired, even if a few public
posts still show); "soft" markers only when no post was found.

Everything here is pure: a :class:`Page` in, a :class:`Doc` or an exception out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator, Literal

if TYPE_CHECKING:  # bs4 is imported when a page of these platforms is read (start-up, issue #17)
    from bs4 import BeautifulSoup, Tag

from ..errors import HealthProblem
from .base import Page, check_status
from .text import abs_url, clean_text, element_text, first_path_segment, origin  # noqa: F401

Where = Literal["url", "title", "text", "css"]

_INVISIBLE = {"script", "style", "noscript", "template", "head"}


@dataclass(frozen=True)
class Marker:
    """A sign that the page is not the account's posts.

    ``where``: ``url`` (substring of the final URL), ``title`` (substring of
    the document title), ``text`` (phrase in the visible text) or ``css``
    (a selector that matches). Needles are compared case-insensitively, with
    curly apostrophes folded to straight ones.
    """

    where: Where
    needle: str
    error: type[HealthProblem]
    reason: str
    hard: bool = True


def fold(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


class Doc:
    """A fetched page, parsed lazily: soup, visible text, embedded JSON."""

    def __init__(self, page: Page):
        self.page = page
        self.final_url = page.final_url or page.url

    @cached_property
    def soup(self) -> BeautifulSoup:
        from bs4 import BeautifulSoup

        return BeautifulSoup(self.page.body or "", "lxml")

    @cached_property
    def title(self) -> str:
        if self.page.title:
            return self.page.title.strip()
        tag = self.soup.find("title")
        return tag.get_text(" ", strip=True) if tag else ""

    @cached_property
    def visible_text(self) -> str:
        from bs4 import NavigableString

        parts = []
        for s in self.soup.find_all(string=True):
            if isinstance(s, NavigableString) and not any(p.name in _INVISIBLE for p in s.parents):
                if s.strip():
                    parts.append(s.strip())
        return fold(" ".join(parts))

    @cached_property
    def body_json(self) -> Any:
        """The page itself as JSON: a raw JSON body, or the ``<pre>`` Chromium wraps it in."""
        text = (self.page.body or "").strip()
        if text[:1] in ("{", "["):
            data = loads(text)
            if data is not None:
                return data
        if "<pre" in text[:2000].lower():
            pre = self.soup.find("pre")
            if pre is not None:
                return loads(pre.get_text())
        return None

    def script_json(self, css: str = 'script[type="application/json"]') -> Iterator[tuple[Tag, Any]]:
        """Every script element matching ``css`` whose content parses as JSON."""
        for tag in self.soup.select(css):
            content = tag.string if tag.string is not None else tag.get_text()
            if not content or not content.strip():
                continue
            data = loads(content)
            if data is not None:
                yield tag, data

    def inline_json(self, needle: str) -> Iterator[tuple[Tag, Any]]:
        """JSON objects embedded in any inline script that mentions ``needle``
        (``requireLazy(..., function(){ handle({...}) })``, ``x = {...};``):
        every outermost ``{...}`` literal that parses as JSON."""
        decoder = json.JSONDecoder()
        for tag in self.soup.find_all("script"):
            if tag.get("src") or tag.get("type") == "application/json":
                continue  # external, or already whole JSON (script_json reads those)
            content = tag.string if tag.string is not None else tag.get_text()
            if not content or needle not in content:
                continue
            yield from ((tag, obj) for obj in _json_literals(content, decoder))


def _json_literals(content: str, decoder: json.JSONDecoder) -> Iterator[Any]:
    """Outermost JSON objects inside JavaScript source, left to right."""
    i = content.find("{")
    while i >= 0:
        try:
            obj, end = decoder.raw_decode(content, i)
        except (ValueError, RecursionError):
            i = content.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            yield obj
        i = content.find("{", end)


def _matches(doc: Doc, marker: Marker) -> bool:
    needle = fold(marker.needle)
    if marker.where == "url":
        return needle in fold(doc.final_url)
    if marker.where == "title":
        return needle in fold(doc.title)
    if marker.where == "text":
        return needle in doc.visible_text
    return doc.soup.select_one(marker.needle) is not None


def detect(doc: Doc, markers: tuple[Marker, ...], *, hard: bool) -> None:
    """Raise the error of the first matching marker of the given kind."""
    if hard:
        check_transport(doc)
    for marker in markers:
        if marker.hard == hard and _matches(doc, marker):
            raise marker.error(marker.reason, url=doc.final_url)


def check_transport(doc: Doc) -> None:
    """The verdicts every platform shares (Cloudflare, 404/410, 429): :func:`check_status`."""
    check_status(doc.page, doc.title)


# -- small pure helpers -------------------------------------------------------

def from_timestamp(value: Any) -> datetime | None:
    """An aware UTC time from Unix seconds (or milliseconds); None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if seconds <= 0:
        return None
    if seconds > 10**11:  # milliseconds
        seconds //= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def loads(text: str) -> Any:
    """``json.loads`` that answers None for anything that is not (sane) JSON,
    including nesting too deep for Python (``RecursionError``)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def walk_json(obj: Any, parent_key: str = "") -> Iterator[tuple[str, Any]]:
    """Depth-first (key, value) pairs of every dict/list node of a JSON tree."""
    stack: list[tuple[str, Any]] = [(parent_key, obj)]
    while stack:
        key, node = stack.pop()
        yield key, node
        if isinstance(node, dict):
            stack.extend(reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(reversed([(key, v) for v in node]))


def dig(obj: Any, *path: Any) -> Any:
    """``obj[p0][p1]...`` or None when any step is missing."""
    for step in path:
        if isinstance(obj, dict):
            obj = obj.get(step)
        elif isinstance(obj, list) and isinstance(step, int) and -len(obj) <= step < len(obj):
            obj = obj[step]
        else:
            return None
    return obj


def find_key(obj: Any, key: str, *, skip: tuple[str, ...] = ()) -> Any:
    """The first value stored under ``key`` anywhere in ``obj`` (depth-first),
    not descending into subtrees stored under a key in ``skip``."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node and node[key] is not None:
                return node[key]
            stack.extend(reversed([v for k, v in node.items() if k not in skip]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
