"""Plain HTTP fetching on httpx: conditional GET, retries, 429 cool-downs.

* Conditional GET: pass the ``etag`` / ``last_modified`` remembered from the
  previous :class:`Page` (``page.headers["etag"]``, ``["last-modified"]``); a
  304 answer gives ``Page(not_modified=True, body="")``.
* Retries with exponential backoff and jitter on network errors and 5xx only.
* HTTP 429: the host's cool-down is set on the gate (Retry-After seconds or
  HTTP-date, else :data:`DEFAULT_COOLDOWN`) and :class:`RateLimited` is raised.
  While a host cools down, :meth:`HttpFetcher.get` raises ``RateLimited`` at
  once instead of holding a job for minutes.
* Any other 4xx is returned as a Page: the adapter decides (404 -> NotFound).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Mapping

import httpx

from alerts.secrets import mask_url
from alerts.timeutil import utc_now

from ..errors import FetchError, RateLimited
from ..platforms.base import Page
from .politeness import HostGate, host_key

log = logging.getLogger(__name__)

#: cool-down after a 429 without a usable Retry-After (seconds)
DEFAULT_COOLDOWN = 15 * 60.0
#: never honour a Retry-After longer than this (seconds)
MAX_COOLDOWN = 6 * 3600.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_COOLDOWN)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        return None
    return min(max(0.0, (when - now).total_seconds()), MAX_COOLDOWN)


class HttpFetcher:
    """Async HTTP GETs with politeness; one instance per daemon (one client)."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 15.0,
        retries: int = 2,
        backoff: float = 1.0,
        gate: HostGate | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not user_agent:
            raise ValueError("a User-Agent is required")
        self.user_agent = user_agent
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.gate = gate
        self._clock = clock
        self._sleep = sleep
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop.
        if self._client is None:
            self._client = httpx.AsyncClient(
                headers={"User-Agent": self.user_agent},
                timeout=self.timeout,
                follow_redirects=True,
                transport=self._transport,
            )
        return self._client

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page:
        """GET ``url`` politely; see the module doc for what is raised."""
        shown = mask_url(url)
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        host = host_key(url)
        client = self._http()  # built outside the slot: its set-up is not request time
        attempt = 0
        while True:
            self._check_cooling(host, url, shown)
            slot = self.gate.slot(url) if self.gate else contextlib.nullcontext()
            failure: FetchError | None = None
            async with slot:
                try:
                    resp = await client.get(url, headers=request_headers)
                except httpx.TimeoutException as exc:
                    failure = FetchError(f"timeout after {self.timeout:g}s: {shown}", url=url)
                    failure.__cause__ = exc
                except (httpx.TransportError, httpx.TooManyRedirects) as exc:
                    failure = FetchError(f"{type(exc).__name__}: {shown}", url=url)
                    failure.__cause__ = exc
                except httpx.InvalidURL as exc:
                    raise FetchError(f"invalid URL: {shown}", url=url) from exc
            if failure is None:
                status = resp.status_code
                if status == 429:
                    raise self._rate_limited(resp, host, url, shown)
                if status < 500:
                    return self._page(url, resp)
                failure = FetchError(f"HTTP {status}: {shown}", url=url, status=status)
            if attempt >= self.retries:
                raise failure
            delay = self.backoff * (2 ** attempt) + random.uniform(0, self.backoff / 2)
            log.info("fetch failed (%s), retry %d/%d in %.1fs", failure, attempt + 1, self.retries, delay)
            attempt += 1
            await self._sleep(delay)

    def _check_cooling(self, host: str, url: str, shown: str) -> None:
        if self.gate is None:
            return
        until = self.gate.cooling_until(host)
        if until is not None:
            remaining = max(0.0, until - self.gate.now())
            raise RateLimited(f"{host} cooling down for {remaining:.0f}s more: {shown}",
                              url=url, retry_after=remaining)

    def _rate_limited(self, resp: httpx.Response, host: str, url: str, shown: str) -> RateLimited:
        seconds = parse_retry_after(resp.headers.get("retry-after"), self._clock())
        if seconds is None:
            seconds = DEFAULT_COOLDOWN
        if self.gate is not None:
            self.gate.cooldown(host, seconds)
        log.warning("HTTP 429 from %s: cooling down %.0fs", host, seconds)
        return RateLimited(f"HTTP 429 (retry after {seconds:.0f}s): {shown}", url=url, retry_after=seconds)

    def _page(self, url: str, resp: httpx.Response) -> Page:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        not_modified = resp.status_code == 304
        return Page(
            url=url,
            final_url=str(resp.url),
            status=resp.status_code,
            body="" if not_modified else resp.text,
            fetched_at=self._clock(),
            headers=headers,
            content_type=headers.get("content-type", ""),
            not_modified=not_modified,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> "HttpFetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
