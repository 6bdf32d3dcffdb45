"""The one fetch path: the daemon, ``pantau probe`` and the resolution step all
fetch an account's page through :func:`fetch_account_page`.

So a ``probe`` result means what the daemon will see: the same fetch URL,
the adapter's headers (also given to the browser), its wait selector, its
saved login session, the JSON responses it wants captured
(:meth:`~scraper.platforms.base.Adapter.capture_responses`) and the fetchers'
own time limits and politeness.
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol

from ..errors import FetchError
from ..models import Account
from ..platforms.base import Adapter, FetchMode, Page


class BrowserUnavailable(FetchError):
    """A browser-mode account, and no browser was started."""


class HttpLike(Protocol):
    async def get(self, url: str, *, headers: Mapping[str, str] | None = None,
                  etag: str | None = None, last_modified: str | None = None) -> Page: ...


class BrowserLike(Protocol):
    async def fetch_page(self, url: str, *, wait_selector: str | None = None,
                         session_platform: str | None = None, headers: dict[str, str] | None = None,
                         capture: tuple[str, ...] | None = None) -> Page: ...


def browser_options(adapter: Adapter, account: Account) -> dict[str, Any]:
    """What a browser fetch of ``account`` is given (also used by ``pantau login`` checks)."""
    return {
        "wait_selector": adapter.wait_selector(account),
        "session_platform": adapter.name if adapter.needs_session else None,
        "headers": dict(adapter.request_headers(account)) or None,
        "capture": tuple(adapter.capture_responses(account)) or None,
    }


async def fetch_account_page(adapter: Adapter, account: Account, url: str, *, http: HttpLike,
                             browser: BrowserLike | None, etag: str | None = None,
                             last_modified: str | None = None) -> Page:
    """Fetch ``url`` for ``account`` the way its adapter says (HTTP or browser).

    Raises :class:`BrowserUnavailable` for a browser account without a
    browser, and whatever the fetcher raises (:class:`FetchError`,
    :class:`~scraper.errors.RateLimited`).
    """
    if adapter.fetch_mode(account) is FetchMode.BROWSER:
        if browser is None:
            raise BrowserUnavailable(f"platform {adapter.name} perlu browser, yang tidak tersedia", url=url)
        return await browser.fetch_page(url, **browser_options(adapter, account))
    headers = dict(adapter.request_headers(account)) or None
    if etag or last_modified:
        return await http.get(url, headers=headers, etag=etag, last_modified=last_modified)
    return await http.get(url, headers=headers)
