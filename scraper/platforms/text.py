"""The one DOM-to-text function and the one set of URL helpers of every adapter.

:func:`element_text` turns a bs4 element into the text a reader sees:

* source whitespace collapsed (``pre_wrap=True`` keeps the text's own line
  breaks, for containers styled ``white-space: pre-wrap`` such as X's
  ``tweetText``);
* ``<br>`` is a line break; block elements (``p``, ``div``, ``li``, ...) start
  and end lines, ``<p>`` ends with a blank line;
* a ``div`` sitting among inline content (a text node or an inline element
  next to it, as X wraps an ``@mention``) stays inline;
* an ``<img>`` whose ``alt`` is an emoji (no letter or digit, or an emoji
  image URL/class) contributes that ``alt``; photo descriptions do not;
* ``script``/``style``/``template``/``noscript``/``svg`` are skipped.

The walk is iterative: a deeply nested page cannot raise ``RecursionError``.

:func:`lxml_element_text` is the same walk over an lxml element, with the same
output; Telegram pages and every HTML fragment (:func:`html_to_text`: feed
items, Mastodon statuses, bios) are read that way, without building a bs4 tree.
"""
from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree

if TYPE_CHECKING:  # bs4 (and soupsieve, 90 ms) is imported on first use: a Telegram run never needs it
    from bs4 import Tag

BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "section",
    "article", "header", "footer", "main", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "figcaption", "hr", "address", "form", "fieldset",
})
SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "head", "title"})
_WS = re.compile(r"[ \t\r\n\f\v]+")
_SPACES = re.compile(r"[^\S\n]+")
_TAG = re.compile(r"<[A-Za-z!/]")
_NONSPACE = re.compile(r"\S+")  # how bs4 splits a class attribute
#: tags whose strings bs4 gives its own class (Script, RubyTextString, ...): element_text skips them
_QUIET_STRINGS = frozenset({"script", "style", "template", "rt", "rp"})
_KEEP_BLANKS = frozenset({"pre", "textarea"})  # bs4 keeps all-blank strings as they are only in these
_ASCII_SPACES = " \n\t\x0c\r"
_BREAK = "\x00"  # a block boundary marker, resolved after the walk
_PARA = "\x01"  # the end of a paragraph: a blank line
_BOUNDARY = re.compile(r"\s*[\x00\x01][\s\x00\x01]*")


def _is_emoji_alt(img: Tag) -> str:
    alt = (img.get("alt") or "").strip()
    if not alt or len(alt) > 16:
        return ""
    hint = f"{img.get('src') or ''} {' '.join(img.get('class') or [])}".lower()
    if "emoji" in hint or not any(ch.isalnum() for ch in alt):
        return alt
    return ""


def _inline_div(tag: Tag) -> bool:
    """A ``div`` whose neighbours are inline content (X's @mention wrapper)."""
    from bs4 import CData, NavigableString, Tag
    for sibling in (tag.previous_sibling, tag.next_sibling):
        if isinstance(sibling, NavigableString):
            if type(sibling) in (NavigableString, CData) and str(sibling).strip():
                return True
        elif isinstance(sibling, Tag) and sibling.name not in BLOCK_TAGS and sibling.name not in SKIP_TAGS \
                and sibling.name != "br":
            return True
    return False


def element_text(element: Tag | None, *, pre_wrap: bool = False) -> str:
    """Plain text of ``element`` as a reader sees it (see the module doc)."""
    if element is None:
        return ""
    from bs4 import CData, NavigableString, Tag
    out: list[str] = []
    # stack items: a node to visit, or a string to emit when popped (block ends)
    stack: list[object] = list(reversed(list(element.children))) if isinstance(element, Tag) else [element]
    while stack:
        node = stack.pop()
        if type(node) is str:  # a boundary marker queued at a block's start
            out.append(node)
            continue
        if isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):
                text = str(node)
                if pre_wrap:
                    out.append(text.replace("\r\n", "\n").replace("\r", "\n"))
                else:
                    out.append(_WS.sub(" ", text))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in SKIP_TAGS:
            continue
        if name == "br":
            out.append("\n")
        elif name == "img":
            out.append(_is_emoji_alt(node))
        elif name in BLOCK_TAGS and not (name == "div" and _inline_div(node)):
            out.append(_BREAK)
            stack.append(_PARA if name == "p" else _BREAK)
            stack.extend(reversed(list(node.children)))
        else:
            stack.extend(reversed(list(node.children)))
    return _finish("".join(out))


# -- the same text from an lxml element (issue #17: Telegram parses with lxml directly) -----
# Proven identical to element_text on every Telegram capture and test fixture
# (tests/test_platform_telegram_lxml.py compares the two on every element).

#: the last page parsed, as (body, root): a Telegram page is read twice, for its posts and for
#: its channel profile, and parsed once. Keyed by the body's identity (the same ``Page.body``);
#: the tree is only read, never changed, by its users.
_LAST: tuple[str, object] | None = None


#: fewer tags than this cannot nest as deep as libxml2 builds a tree (2,048 levels with
#: ``huge_tree``; what lies deeper is dropped, where bs4's tree keeps it)
_LXML_DEPTH_SAFE = 2000


def lxml_root(body: str):  # noqa: ANN202 (an lxml element)
    """The page parsed the way bs4's lxml tree builder feeds it (so the tree is the one
    the bs4 parser saw): a leading BOM dropped, fed as text, as UTF-8 if lxml refuses.
    The tree is shared with the next call for the same body object: do not change it.
    libxml2 keeps 2,048 levels of nesting (``huge_tree``); Telegram's own page is shallow and
    message text is Telegram's sanitised markup, so nothing a channel posts nests that deep."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is body:
        return last[1]
    root = _parse_html(body)
    _LAST = (body, root)
    return root


def _parse_html(body: str):  # noqa: ANN202
    body = body[1:] if body[:1] == "\ufeff" else body
    for markup, encoding in ((body, None), (body.encode("utf-8", "surrogatepass"), "utf-8")):
        try:
            # huge_tree: no depth limit (libxml2 drops what is nested deeper than 256, which bs4
            # keeps); bodies are capped by [http] max_body and HTML has no entities to expand
            parser = etree.HTMLParser(encoding=encoding, huge_tree=True)
            parser.feed(markup)
            root = parser.close()
        except (UnicodeError, LookupError, etree.ParserError):
            continue
        if root is not None:
            return root
    return etree.Element("html")  # nothing parsed: an empty page


def _lx_is_tag(node: object) -> bool:
    return isinstance(getattr(node, "tag", None), str)  # comments/PIs have a callable tag


def lxml_classes(el: object) -> list[str]:
    """The class list of an lxml element (or comment: none), split as bs4 splits it."""
    return _NONSPACE.findall(el.get("class") or "")  # type: ignore[attr-defined]


def _lx_inline_div(el, quiet: bool) -> bool:  # noqa: ANN001 (an lxml element)
    """:func:`_inline_div` on lxml: a sibling is a text node (the previous element's tail
    or the parent's text; the element's own tail), an element, or a comment/PI. ``quiet``:
    the div sits inside a tag whose strings bs4 types apart (rt, rp, script, ...)."""
    prev = el.getprevious()
    if prev is not None:
        before = prev.tail if prev.tail else prev
    else:
        parent = el.getparent()
        before = parent.text if parent is not None and parent.text else None
    for sibling in (before, el.tail if el.tail else el.getnext()):
        if isinstance(sibling, str):
            if sibling.strip() and not quiet:
                return True
        elif sibling is not None and _lx_is_tag(sibling) and sibling.tag not in BLOCK_TAGS \
                and sibling.tag not in SKIP_TAGS and sibling.tag != "br":
            return True
    return False


def _lx_push(stack: list[object], el, quiet: bool, keep: bool) -> None:  # noqa: ANN001
    """Queue the element's children as bs4 sees them, last first: text nodes (``(text,)``;
    left out where bs4 gives them a string class element_text skips; all-blank ones
    become one newline or space, as bs4 stores them outside pre/textarea) and
    ``(element, quiet, keep)``."""
    quiet = quiet or el.tag in _QUIET_STRINGS
    keep = keep or el.tag in _KEEP_BLANKS
    nodes: list[object] = [(_lx_str(el.text, keep),)] if el.text and not quiet else []
    for child in el:
        nodes.append((child, quiet, keep))
        if child.tail and not quiet:
            nodes.append((_lx_str(child.tail, keep),))
    stack.extend(reversed(nodes))


def _lx_str(text: str, keep: bool) -> str:
    if keep or text.strip(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def lxml_element_text(element, *, pre_wrap: bool = False) -> str:  # noqa: ANN001
    """:func:`element_text` of an lxml element (same walk, same output)."""
    if element is None:
        return ""
    out: list[str] = []
    stack: list[object] = []
    ancestors = [a.tag for a in element.iterancestors()]
    _lx_push(stack, element, any(t in _QUIET_STRINGS for t in ancestors), any(t in _KEEP_BLANKS for t in ancestors))
    while stack:
        item = stack.pop()
        if type(item) is str:  # a boundary marker
            out.append(item)
            continue
        if len(item) == 1:  # a text node
            text = item[0]
            out.append(text.replace("\r\n", "\n").replace("\r", "\n") if pre_wrap else _WS.sub(" ", text))
            continue
        node, quiet, keep = item
        if not _lx_is_tag(node):
            continue
        name = node.tag
        if name in SKIP_TAGS:
            continue
        if name == "br":
            out.append("\n")
        elif name == "img":
            out.append(_lx_emoji_alt(node))
        else:
            if name in BLOCK_TAGS and not (name == "div" and _lx_inline_div(node, quiet)):
                out.append(_BREAK)
                stack.append(_PARA if name == "p" else _BREAK)
            _lx_push(stack, node, quiet, keep)
    return _finish("".join(out))


def _lx_emoji_alt(img) -> str:  # noqa: ANN001
    alt = (img.get("alt") or "").strip()
    if not alt or len(alt) > 16:
        return ""
    hint = f"{img.get('src') or ''} {' '.join(lxml_classes(img))}".lower()
    if "emoji" in hint or not any(ch.isalnum() for ch in alt):
        return alt
    return ""


def _finish(joined: str) -> str:
    joined = joined.replace("\xa0", " ")

    def boundary(m: re.Match[str]) -> str:
        run = m.group(0)
        want = 2 if _PARA in run else 1
        return "\n" * max(want, run.count("\n"))

    joined = _BOUNDARY.sub(boundary, joined)
    lines = [_SPACES.sub(" ", line).strip() for line in joined.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (e.g. a feed item's description).

    Text without any tag keeps its line breaks (plain-text feed descriptions)."""
    if not html:
        return ""
    if not _TAG.search(html):
        return clean_text(unescape(html))
    if html.count("<") < _LXML_DEPTH_SAFE:
        # with lxml directly: the same text as element_text on bs4's tree (issue #17; checked on
        # every fragment of the test and shared captures by tests/test_platform_telegram_lxml.py)
        return lxml_element_text(_parse_html(html))
    from bs4 import BeautifulSoup  # a fragment that could nest deeper than libxml2 builds

    return element_text(BeautifulSoup(html, "lxml"))


def clean_text(text: str) -> str:
    """Plain text (e.g. a JSON caption) with its line breaks kept: trimmed
    lines, runs of spaces collapsed, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- URLs ---------------------------------------------------------------------------

def abs_url(base: str, href: str | None) -> str:
    """``href`` made absolute against ``base``; "" when there is no href or it
    cannot be a URL (e.g. ``http://[`` from a hostile page)."""
    if not isinstance(href, str) or not href.strip():
        return ""
    try:
        return urljoin(base or "", href.strip())
    except ValueError:
        return ""


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (scheme ``https`` when missing)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme or 'https'}://{parts.netloc}"


def first_path_segment(url: str) -> str:
    try:
        path = urlsplit(url).path.strip("/")
    except ValueError:
        return ""
    return path.split("/", 1)[0] if path else ""
