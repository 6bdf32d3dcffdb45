"""Registry of platform adapters: an explicit dict, loud on unknown names.

Each adapter module registers its class with :func:`register`; the imports at
the bottom of this file are the complete list of platforms.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from .base import Adapter, FetchMode, Page

ADAPTERS: dict[str, type[Adapter]] = {}


def register(cls: type[Adapter]) -> type[Adapter]:
    if cls.name in ADAPTERS:
        raise RuntimeError(f"platform {cls.name!r} registered twice")
    ADAPTERS[cls.name] = cls
    return cls


def known_platforms() -> list[str]:
    return sorted(ADAPTERS)


def get_adapter(name: str) -> Adapter:
    try:
        return ADAPTERS[name]()
    except KeyError:
        raise KeyError(f"unknown platform {name!r}; known: {', '.join(known_platforms())}") from None


def infer_platform(url: str) -> str | None:
    """The platform whose hosts include ``url``'s host, or None."""
    host = (urlsplit(url).hostname or "").lower()
    for name, cls in ADAPTERS.items():
        for h in cls.hosts:
            if host == h or host.endswith("." + h):
                return name
    return None


# The complete list of platforms (each module calls register()).
from . import telegram, rss, web, youtube, mastodon, bluesky  # noqa: E402,F401
from . import facebook, instagram, tiktok, x  # noqa: E402,F401

__all__ = ["Adapter", "FetchMode", "Page", "ADAPTERS", "register", "get_adapter", "infer_platform", "known_platforms"]
