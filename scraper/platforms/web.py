"""A generic web page read with CSS selectors from the account's options.

Watchlist entry::

    {platform = "web", url = "https://dinas.example.go.id/berita",
     options = {selectors = {post = "article.post", id = "@data-id",
                             text = ".body", link = "a.permalink@href",
                             time = "time@datetime", empty = ".tidak-ada-berita"},
                wait = "article.post", browser = false, timezone = "Asia/Makassar"}}

A selector spec is ``SELECTOR`` (the text of the first match inside the post
element), ``SELECTOR@ATTR`` (an attribute of that match) or ``@ATTR`` (an
attribute of the post element itself). Only ``post`` is required. Without
``id`` the permalink is the id, without a permalink a hash of the text. The
page is rendered in Chromium unless the entry says ``browser = false``.
No post element is a layout change unless ``selectors.empty`` matches; a
``text``/``link``/``time`` selector that matches in none of the posts is a
layout change too.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.timeutil import WITA

from ..errors import LayoutChanged
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, abs_url, check_status, element_text, parse_time

if TYPE_CHECKING:  # bs4 and soupsieve load when a web account is checked or read (start-up, issue #17)
    from bs4 import Tag

_ATTR = re.compile(r"^[A-Za-z_:][-\w:.]*$")
_KEYS = {"post", "id", "text", "link", "time", "empty"}
_OPTION_KEYS = {"selectors", "wait", "browser", "timezone", "time_format"}


def split_spec(spec: str) -> tuple[str | None, str | None]:
    """``"a.x@href"`` -> ``("a.x", "href")``; ``"@data-id"`` -> ``(None, "data-id")``; ``".b"`` -> ``(".b", None)``."""
    spec = spec.strip()
    if "@" in spec:
        selector, attr = spec.rsplit("@", 1)
        if _ATTR.match(attr):
            return (selector.strip() or None), attr
    return spec, None


def _selectors(options: Mapping[str, Any]) -> Mapping[str, Any]:
    selectors = options.get("selectors") if options else None
    return selectors if isinstance(selectors, Mapping) else {}


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@register
class WebAdapter(Adapter):
    name = "web"
    mode = FetchMode.HTTP
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        problems = []
        if not url.startswith(("http://", "https://")):
            problems.append("URL halaman harus diawali http:// atau https://")
        for key in sorted(set(options) - _OPTION_KEYS):
            problems.append(f"opsi tidak dikenal: {key} (yang dikenal: {', '.join(sorted(_OPTION_KEYS))})")
        selectors = options.get("selectors")
        if not isinstance(selectors, Mapping) or not isinstance(selectors.get("post"), str) or not selectors["post"].strip():
            problems.append('platform web wajib punya options.selectors.post, mis. options = {selectors = {post = "article.post"}}')
            return problems
        for key, spec in selectors.items():
            if key not in _KEYS:
                problems.append(f"selectors.{key} tidak dikenal (yang dikenal: {', '.join(sorted(_KEYS))})")
                continue
            if not isinstance(spec, str) or not spec.strip():
                problems.append(f"selectors.{key} harus berupa teks selektor CSS")
                continue
            selector, attr = split_spec(spec) if key not in ("post", "empty") else (spec, None)
            if selector:
                try:
                    import soupsieve

                    soupsieve.compile(selector)
                except Exception as exc:  # soupsieve raises SelectorSyntaxError and others
                    problems.append(f"selectors.{key}: selektor CSS tidak sah {selector!r}: {exc}")
        if "wait" in options and (not isinstance(options["wait"], str) or not options["wait"].strip()):
            problems.append("opsi wait harus berupa selektor CSS")
        if "browser" in options and not isinstance(options["browser"], bool):
            problems.append("opsi browser harus true atau false")
        if "timezone" in options:
            try:
                ZoneInfo(str(options["timezone"]))
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"zona waktu tidak dikenal: {options['timezone']!r} (mis. Asia/Makassar)")
        return problems

    def fetch_mode(self, account: Account) -> FetchMode:
        """Rendered in Chromium unless the entry says ``browser = false``."""
        options = account.options or {}
        return FetchMode.HTTP if options.get("browser") is False else FetchMode.BROWSER

    def wait_selector(self, account: Account) -> str | None:
        options = account.options or {}
        if self.fetch_mode(account) is FetchMode.HTTP:
            return None
        return options.get("wait") or _selectors(options).get("post")

    def post_selector(self, post: Post) -> str | None:
        return post.extra.get("selector")

    def parse(self, page: Page, account: Account) -> list[Post]:
        check_status(page)
        options = account.options or {}
        selectors = _selectors(options)
        post_sel = selectors.get("post")
        if not isinstance(post_sel, str) or not post_sel.strip():
            raise LayoutChanged("akun web tanpa options.selectors.post", url=page.url)
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(page.body, "lxml")
        elements = soup.select(post_sel)
        if not elements:
            empty = selectors.get("empty")
            if isinstance(empty, str) and empty and soup.select_one(empty):
                return []
            raise LayoutChanged(f"selektor postingan {post_sel!r} tidak menemukan apa pun di halaman", url=page.url)
        base = page.final_url or page.url
        tz = _zone(options)
        found = {key: False for key in ("text", "link", "time") if selectors.get(key)}
        posts = []
        for element in elements:
            values = {key: _value(element, selectors.get(key)) for key in ("id", "text", "link", "time")}
            for key in found:
                found[key] = found[key] or values[key] is not None
            posts.append(self._post(element, values, selectors, base, account, tz, options))
        missing = [key for key, hit in found.items() if not hit]
        if missing:
            raise LayoutChanged("selektor " + ", ".join(f"{k} {selectors[k]!r}" for k in missing)
                                + " tidak cocok di postingan mana pun", url=page.url)
        return posts

    def _post(self, element: Tag, values: dict[str, str | None], selectors: Mapping[str, Any], base: str,
              account: Account, tz: Any, options: Mapping[str, Any]) -> Post:
        text = values["text"] if selectors.get("text") else element_text(element)
        text = (text or "").strip()
        link = abs_url(base, values["link"]) if values["link"] else ""
        post_id = (values["id"] or "").strip() or link or "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:20]
        extra: dict[str, Any] = {}
        id_sel, id_attr = split_spec(selectors["id"]) if isinstance(selectors.get("id"), str) else (None, None)
        link_sel, link_attr = split_spec(selectors["link"]) if isinstance(selectors.get("link"), str) else (None, None)
        post_sel = selectors["post"]
        if id_sel is None and id_attr and values["id"]:
            extra["selector"] = f"{post_sel}[{id_attr}={_css_string(values['id'])}]"
        elif link_attr and values["link"]:
            extra["selector"] = f"{post_sel}:has({link_sel or ''}[{link_attr}={_css_string(values['link'])}])"
        media = tuple(dict.fromkeys(abs_url(base, img.get("src")) for img in element.select("img[src]")))
        return Post(
            platform="web",
            account_url=account.url,
            post_id=post_id,
            url=link or base,
            published=_time(values["time"], tz, options.get("time_format")),
            text=text,
            media=tuple(m for m in media if m),
            raw=str(element),
            extra=extra,
        )


def _value(element: Tag, spec: Any) -> str | None:
    if not isinstance(spec, str) or not spec.strip():
        return None
    selector, attr = split_spec(spec)
    target = element.select_one(selector) if selector else element
    if target is None:
        return None
    if attr:
        value = target.get(attr)
        if isinstance(value, list):
            value = " ".join(value)
        return value
    return element_text(target)


def _zone(options: Mapping[str, Any]) -> Any:
    try:
        return ZoneInfo(str(options["timezone"])) if options.get("timezone") else WITA
    except (ZoneInfoNotFoundError, ValueError):
        return WITA


def _time(value: str | None, tz: Any, time_format: Any) -> datetime | None:
    """Aware UTC time; a time without offset is read in the page's zone (default WITA)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        dt = None
    if dt is None and isinstance(time_format, str):
        try:
            dt = datetime.strptime(value, time_format)
        except ValueError:
            dt = None
    if dt is None:
        return parse_time(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(timezone.utc)
