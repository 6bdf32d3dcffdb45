"""Profile parsers: the public profile of an account, per platform (pure).

Kept apart from the post adapters so that either can change alone. For each
platform, :data:`PROFILE_PARSERS` maps its name to a function
``(page, account) -> Profile | None``; :func:`profile_url` says whether the
profile lives on the page already fetched for posts (None: Telegram's
``/s/<name>`` header, an RSS/Atom channel, Mastodon's feed or statuses,
Instagram's ``web_profile_info``) or needs its own request (Bluesky's
``app.bsky.actor.getProfile``). A parser returns None when the page carries
no profile; it never raises for a missing profile part (the posts are what
health is judged on).
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlsplit

from lxml import etree

from ..models import Account
from ..profile import Profile
from .base import Page, abs_url, html_to_text, origin
from .text import lxml_classes, lxml_element_text, lxml_root

ProfileParser = Callable[[Page, Account], "Profile | None"]
_URL = re.compile(r"https?://[^\s<>\"']+")
_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
_ATOM = "{http://www.w3.org/2005/Atom}"
_ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
_MASTODON_FEED_DESC = re.compile(r"^Public posts from @\S+$")


def _first_url(text: str) -> str:
    m = _URL.search(text or "")
    return m.group(0).rstrip(".,;:!?)") if m else ""


def telegram_profile(page: Page, account: Account) -> Profile | None:
    """The channel header of a ``t.me/s/<name>`` page, read with lxml like the posts
    (issue #17: a whole bs4 tree per page cost more than the rest of the run); the
    text is the one DOM-to-text function's (``lxml_element_text``)."""
    info = _first_with_class(lxml_root(page.body).iter(), "tgme_channel_info")
    if info is None:
        return None
    base = page.final_url or page.url
    title = _first_with_class(info.iterdescendants(), "tgme_channel_info_header_title")
    description = _first_with_class(info.iterdescendants(), "tgme_channel_info_description")
    photo = next((img for img in info.iterdescendants("img") if img.get("src") is not None
                  and any("tgme_page_photo_image" in lxml_classes(a) for a in img.iterancestors())), None)
    link = ""
    if description is not None:
        for a in description.iterdescendants("a"):
            href = a.get("href")
            if href is None:
                continue
            href = abs_url(base, href)
            if href.startswith(("http://", "https://")):
                link = href
                break
    return Profile(
        display_name=lxml_element_text(title) if title is not None else "",
        bio=lxml_element_text(description) if description is not None else "",
        avatar_url=abs_url(base, photo.get("src")) if photo is not None else "",
        link=link,
    )


def _first_with_class(elements: Any, name: str) -> Any:
    """The first element (document order) whose class list holds ``name`` (CSS ``.name``)."""
    return next((el for el in elements if name in lxml_classes(el)), None)


def bluesky_profile_url(account: Account) -> str | None:
    """``app.bsky.actor.getProfile`` for the account (same API host as its feed)."""
    segments = [s for s in urlsplit(account.url).path.split("/") if s]
    if len(segments) < 2 or segments[0] != "profile" or segments[-1] == "rss":
        return None
    api = account.options.get("api") if account.options else None
    if not isinstance(api, str) or not api:
        host = (urlsplit(account.url).hostname or "").lower()
        api = "https://public.api.bsky.app" if host.endswith("bsky.app") else origin(account.url)
    return f"{api.rstrip('/')}/xrpc/app.bsky.actor.getProfile?actor={quote(segments[1], safe=':')}"


def bluesky_profile(page: Page, account: Account) -> Profile | None:
    """A ``getProfile`` answer (JSON object with displayName, description, avatar, banner)."""
    try:
        data = json.loads(page.body)
    except ValueError:
        return None
    if not isinstance(data, dict) or "error" in data or not (data.get("did") or data.get("handle")):
        return None
    bio = str(data.get("description") or "")
    return Profile(
        display_name=str(data.get("displayName") or ""),
        bio=bio,
        avatar_url=str(data.get("avatar") or ""),
        header_url=str(data.get("banner") or ""),
        link=str(data.get("website") or "") or _first_url(bio),
    )


def rss_profile(page: Page, account: Account) -> Profile | None:
    """The channel (RSS) or feed (Atom) title, description, image and link."""
    body = _XML_DECL.sub("", page.body.lstrip("\ufeff \t\r\n"), count=1).lstrip()
    if not body.startswith("<"):
        return None
    try:
        root = etree.fromstring(body.encode("utf-8"), parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    base = page.final_url or page.url
    if etree.QName(root).localname.lower() == "feed":
        return Profile(display_name=_text(root.find(f"{_ATOM}title")),
                       bio=_text(root.find(f"{_ATOM}subtitle")),
                       avatar_url=abs_url(base, _text(root.find(f"{_ATOM}icon")) or _text(root.find(f"{_ATOM}logo"))),
                       link=_atom_link(root, base))
    channel = root.find("channel")
    if channel is None:
        return None
    image = channel.find("image/url")
    itunes = channel.find(f"{_ITUNES}image")
    avatar = _text(image) or (itunes.get("href", "") if itunes is not None else "")
    return Profile(display_name=_text(channel.find("title")),
                   bio=html_to_text(_text(channel.find("description"))),
                   avatar_url=abs_url(base, avatar),
                   link=abs_url(base, _text(channel.find("link"))))


def instagram_profile(page: Page, account: Account) -> Profile | None:
    """``web_profile_info`` (``data.user``) or an older ``graphql.user`` answer, as JSON
    or inside the browser's ``<pre>``: full name, biography, picture, external link."""
    from ._session import Doc, dig

    data = Doc(page).body_json
    user = dig(data, "data", "user") if isinstance(data, dict) and "data" in data else dig(data, "graphql", "user")
    if not isinstance(user, dict):
        return None

    def text(key: str) -> str:
        value = user.get(key)
        return str(value) if isinstance(value, str) else ""

    return Profile(display_name=text("full_name"), bio=text("biography"),
                   avatar_url=text("profile_pic_url_hd") or text("profile_pic_url"),
                   link=text("external_url") or _first_url(text("biography")))


def mastodon_profile(page: Page, account: Account) -> Profile | None:
    """The profile RSS feed's channel, or the ``account`` of an API status list."""
    body = page.body.lstrip("\ufeff \t\r\n")
    if body.startswith("<"):
        profile = rss_profile(page, account)
        if profile is not None and _MASTODON_FEED_DESC.match(profile.bio):
            profile = replace(profile, bio="")  # the feed's own description, not the bio
        return profile
    try:
        data = json.loads(body)
    except ValueError:
        return None
    status = data[0] if isinstance(data, list) and data else data
    owner = status.get("account") if isinstance(status, dict) else None
    if not isinstance(owner, dict):
        return None
    fields = [f for f in owner.get("fields") or [] if isinstance(f, dict)]
    link = next((_first_url(str(f.get("value") or "")) for f in fields if _first_url(str(f.get("value") or ""))), "")
    return Profile(display_name=str(owner.get("display_name") or ""),
                   bio=html_to_text(str(owner.get("note") or "")),
                   avatar_url=str(owner.get("avatar") or ""), header_url=str(owner.get("header") or ""),
                   link=link)


def _text(el: Any) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _atom_link(root: Any, base: str) -> str:
    for link in root.findall(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return abs_url(base, link.get("href"))
    return ""


PROFILE_PARSERS: dict[str, ProfileParser] = {
    "telegram": telegram_profile,
    "bluesky": bluesky_profile,
    "rss": rss_profile,
    "youtube": rss_profile,  # the channel feed: its title
    "mastodon": mastodon_profile,
    "instagram": instagram_profile,
}
_PROFILE_URLS: dict[str, Callable[[Account], "str | None"]] = {
    "bluesky": bluesky_profile_url,
}


def has_profile(platform: str) -> bool:
    return platform in PROFILE_PARSERS


def profile_url(account: Account) -> str | None:
    """A separate URL to fetch for the profile, or None when the posts page carries it."""
    fn = _PROFILE_URLS.get(account.platform)
    return fn(account) if fn else None


def parse_profile(page: Page, account: Account, parsers: Mapping[str, ProfileParser] = PROFILE_PARSERS) -> Profile | None:
    """The profile on ``page`` for ``account``'s platform (None: none or not supported)."""
    parser = parsers.get(account.platform)
    if parser is None:
        return None
    profile = parser(page, account)
    return None if profile is None or profile.empty else profile
