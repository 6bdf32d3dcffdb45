"""Any RSS 2.0, RSS 1.0 (RDF) or Atom feed; also the feed reader that the
YouTube, Mastodon and Bluesky adapters build on.

The feed is parsed with lxml (entities not resolved, no network). A body
that is not a feed (an HTML login or error page, a Cloudflare interstitial)
is a health problem, not an empty feed; a feed with no items is a genuinely
empty account.
"""
from __future__ import annotations

import hashlib
import re
from html.entities import html5
from dataclasses import dataclass, field
from typing import Any, Mapping

from lxml import etree

from ..errors import LayoutChanged
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, abs_url, build_posts, check_status, html_to_text, parse_time

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


@dataclass
class FeedItem:
    """One ``item``/``entry`` of a feed, fields as the feed gives them."""

    element: Any  # the lxml element
    guid: str
    link: str
    published_text: str
    title: str
    body_html: str
    media: list[str] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return etree.tostring(self.element, encoding="unicode", with_tail=False)


def looks_like_xml(body: str) -> bool:
    head = body.lstrip("\ufeff \t\r\n")[:500].lower()
    return head.startswith("<?xml") or head.startswith("<rss") or head.startswith("<feed") or head.startswith("<rdf")


def parse_feed(page: Page) -> list[FeedItem]:
    """The items of the feed in ``page`` (pure).

    Raises :class:`LayoutChanged` when the body is not an RSS/Atom feed, after
    :func:`check_status` has turned 404s and Cloudflare pages into their own verdicts.
    """
    check_status(page)
    # the body is already decoded text: drop the declaration's encoding claim
    body = _XML_DECL.sub("", page.body.lstrip("\ufeff \t\r\n"), count=1).lstrip()
    root = None
    if body.startswith("<"):
        try:
            root = etree.fromstring(html_entities_as_numbers(body).encode("utf-8"), parser=_PARSER)
        except (etree.XMLSyntaxError, ValueError, RecursionError):
            root = None
    if root is None or not isinstance(root.tag, str):
        raise LayoutChanged("bukan feed RSS/Atom (isi halaman bukan XML)", url=page.url)
    try:
        local = etree.QName(root).localname.lower()
    except ValueError:
        raise LayoutChanged("bukan feed RSS/Atom (elemen akar rusak)", url=page.url) from None
    base = page.final_url or page.url
    if local == "feed":
        return [_atom_item(e, base) for e in root.findall(f"{{{ATOM}}}entry")]
    if local == "rss":
        channel = root.find("channel")
        if channel is None:
            raise LayoutChanged("feed RSS tanpa elemen channel", url=page.url)
        return [_rss_item(e, base) for e in channel.findall("item")]
    if local == "rdf":
        return [_rss_item(e, base, ns=RSS1) for e in root.findall(f"{{{RSS1}}}item")]
    raise LayoutChanged(f"bukan feed RSS/Atom (elemen akar <{local}>)", url=page.url)


def html_entities_as_numbers(body: str) -> str:
    """HTML named entities (``&nbsp;``, ``&eacute;`` ...) written as character
    references, which XML knows without a DTD.

    Feeds use them freely; XML defines only the five predefined ones, and a
    parser that does not expand entities (ours: no DTD, no external entities,
    no network) drops the text from an unknown one on. Only names HTML itself
    defines are rewritten, so an entity declared in the feed's own DTD stays
    unexpanded (and a DTD redefining an HTML name gets the HTML character).
    """
    if "&" not in body:
        return body

    def number(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        char = html5.get(name + ";")
        return "".join(f"&#{ord(c)};" for c in char) if char else m.group(0)

    return _ENTITY.sub(number, body)


def _text(el: Any, path: str, ns: Mapping[str, str] | None = None) -> str:
    found = el.find(path, ns)
    return node_text(found).strip() if found is not None else ""


def node_text(node: Any) -> str:
    """An element's text with the text after any unexpanded entity reference
    kept (the reference itself, e.g. one declared in a hostile DTD, is dropped)."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child, etree._Entity):
            parts.append(child.tail or "")
        elif isinstance(child.tag, str):
            parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
        else:
            parts.append(child.tail or "")
    return "".join(parts)


def _media(el: Any, base: str) -> list[str]:
    urls = []
    for tag in (f".//{{{MEDIA}}}content", f".//{{{MEDIA}}}thumbnail", "enclosure"):
        for m in el.iterfind(tag):
            url = abs_url(base, m.get("url"))
            if url:
                urls.append(url)
    return list(dict.fromkeys(urls))


def _rss_item(el: Any, base: str, ns: str = "") -> FeedItem:
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    body = _text(el, f"{{{CONTENT}}}encoded") or _text(el, q("description"))
    return FeedItem(
        element=el,
        guid=_text(el, q("guid")) or (el.get(f"{{{RDF}}}about") or ""),
        link=abs_url(base, _text(el, q("link"))),
        published_text=_text(el, q("pubDate")) or _text(el, f"{{{DC}}}date"),
        title=_text(el, q("title")),
        body_html=body,
        media=_media(el, base),
    )


def _atom_item(el: Any, base: str) -> FeedItem:
    link = ""
    for candidate in el.findall(f"{{{ATOM}}}link"):
        if candidate.get("rel", "alternate") == "alternate":
            link = abs_url(base, candidate.get("href"))
            break
    body = _atom_text(el.find(f"{{{ATOM}}}content")) or _atom_text(el.find(f"{{{ATOM}}}summary"))
    return FeedItem(
        element=el,
        guid=_text(el, f"{{{ATOM}}}id"),
        link=link,
        published_text=_text(el, f"{{{ATOM}}}published") or _text(el, f"{{{ATOM}}}updated"),
        title=_atom_text(el.find(f"{{{ATOM}}}title")),
        body_html=body,
        media=_media(el, base),
    )


def _atom_text(el: Any) -> str:
    """An Atom text construct as HTML (type="xhtml" content is serialised)."""
    if el is None:
        return ""
    if el.get("type") == "xhtml":
        return "".join(etree.tostring(child, encoding="unicode") for child in el).strip()
    text = (el.text or "").strip()
    return text if el.get("type") in ("html", "xhtml") else text.replace("&", "&amp;").replace("<", "&lt;")


def item_text(item: FeedItem) -> str:
    """Title and body as plain text, the title left out when the body repeats it."""
    body = html_to_text(item.body_html)
    title = html_to_text(item.title)
    if title and not body.startswith(title):
        return f"{title}\n\n{body}".strip()
    return body or title


def item_id(item: FeedItem) -> str:
    """The item's own id: guid, else link, else a hash of its content."""
    if item.guid:
        return item.guid
    if item.link:
        return item.link
    digest = hashlib.sha256(f"{item.title}|{item.published_text}|{item.body_html}".encode()).hexdigest()
    return f"sha256:{digest[:20]}"


@register
class RssAdapter(Adapter):
    name = "rss"
    mode = FetchMode.HTTP
    default_interval = "1h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        if not url.startswith(("http://", "https://")):
            return ["URL feed harus diawali http:// atau https://"]
        return []

    def request_headers(self, account: Account) -> dict[str, str]:
        return {"Accept": FEED_ACCEPT}

    def parse(self, page: Page, account: Account) -> list[Post]:
        return build_posts(parse_feed(page), lambda item: self._post(item, account), url=page.url)

    def _post(self, item: FeedItem, account: Account) -> Post:
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=item_id(item),
            url=item.link or account.url,
            published=parse_time(item.published_text),
            text=item_text(item),
            media=tuple(item.media),
            raw=item.raw,
            extra={"title": html_to_text(item.title)} if item.title else {},
        )
