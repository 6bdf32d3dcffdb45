"""Registry of platform adapters: an explicit dict, loud on unknown names."""
from __future__ import annotations

from urllib.parse import urlsplit

from .base import Adapter, FetchMode, Page

ADAPTERS: dict[str, type[Adapter]] = {}


def register(cls: type[Adapter]) -> type[Adapter]:
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
    host = (urlsplit(url).hostname or "").lower()
    for name, cls in ADAPTERS.items():
        for h in cls.hosts:
            if host == h or host.endswith("." + h):
                return name
    return None


__all__ = ["Adapter", "FetchMode", "Page", "ADAPTERS", "get_adapter", "infer_platform", "known_platforms"]
