"""The contract every platform adapter follows.

An adapter is a small class: its name, how it fetches (plain HTTP or a
browser), the hosts it recognises, and a pure ``parse(page, account)`` that
turns a fetched page into posts. ``parse`` raises a
:class:`~scraper.errors.HealthProblem` subclass (login wall, layout change,
...) instead of returning ``[]`` when the page is not what it expects; an
empty list means "the page is fine and holds no posts".
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import ClassVar, Mapping

from ..models import Account, Post


class FetchMode(str, Enum):
    HTTP = "http"
    BROWSER = "browser"


@dataclass(frozen=True)
class Page:
    """What a fetch returned, before parsing."""

    url: str  # what was requested
    final_url: str  # after redirects
    status: int
    body: str  # text (HTML, XML, JSON); for browser fetches the rendered DOM
    fetched_at: datetime  # aware, UTC
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""
    not_modified: bool = False  # HTTP 304 on a conditional GET: nothing changed
    title: str = ""  # browser fetches: document.title


class Adapter(ABC):
    """Base class of platform adapters (one file per platform)."""

    #: platform name used in watchlists (``telegram``, ``rss``, ``web``, ...)
    name: ClassVar[str]
    mode: ClassVar[FetchMode] = FetchMode.HTTP
    #: host names (exact or parent domains) used to infer the platform from a URL
    hosts: ClassVar[tuple[str, ...]] = ()
    #: uses a saved, logged-in browser session (``pantau login PLATFORM``)
    needs_session: ClassVar[bool] = False
    #: default refresh interval, a duration string like "1h"
    default_interval: ClassVar[str] = "1h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        """Problems with an account entry for this platform (messages only)."""
        return []

    def fetch_url(self, account: Account) -> str:
        """The URL to fetch for ``account`` (e.g. ``t.me/x`` -> ``t.me/s/x``)."""
        return account.url

    def request_headers(self, account: Account) -> dict[str, str]:
        """Extra HTTP headers for this platform's requests."""
        return {}

    def wait_selector(self, account: Account) -> str | None:
        """Browser fetches: a CSS selector to wait for before reading the DOM."""
        return None

    def post_selector(self, post: Post) -> str | None:
        """A CSS selector for ``post``'s element on the fetched page (evidence screenshots)."""
        return None

    @abstractmethod
    def parse(self, page: Page, account: Account) -> list[Post]:
        """Posts on ``page``, newest first if the page says; pure, no I/O."""
