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
* Bodies are streamed and capped (``max_body``, per platform ``max_bodies``):
  a declared Content-Length above the cap is refused unread, a longer stream
  is cut at the cap; both raise :class:`~scraper.errors.TooLarge` (health
  state ``too_large``, the message names the cap).
* Redirects are followed by hand, at most :data:`MAX_REDIRECTS`, and only to
  the account's own site (:mod:`.redirects`); any other target raises
  :class:`~scraper.errors.RedirectRefused` naming it, before connecting there.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sys
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Mapping

# httpx's own command line (httpx._main: rich, pygments, click) is never used here and costs
# ~45 ms of every `pantau once`; marked absent, httpx defines its documented stand-in instead
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402

from alerts.secrets import mask_url
from alerts.timeutil import utc_now

from ..errors import FetchError, RateLimited, RedirectRefused, TooLarge
from ..platforms.base import Page
from .politeness import HostGate, host_key
from .redirects import redirect_refusal

log = logging.getLogger(__name__)

#: cool-down after a 429 without a usable Retry-After (seconds)
DEFAULT_COOLDOWN = 15 * 60.0
#: never honour a Retry-After longer than this (seconds)
MAX_COOLDOWN = 6 * 3600.0
#: default cap of one response body (bytes), ``[http] max_body``
DEFAULT_MAX_BODY = 5 * 1024 * 1024
#: redirects followed per request
MAX_REDIRECTS = 5


def fmt_size(n: int) -> str:
    """``5242880`` -> ``"5 MB"`` (binary units, as in the config)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def _shown(url: str) -> str:
    try:
        return mask_url(url)
    except ValueError:
        return "(URL tidak sah)"


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


def _environment_proxies() -> dict:
    """The proxies httpx would take from the environment (``HTTPS_PROXY``, ``NO_PROXY``, ...)."""
    from httpx._utils import get_environment_proxies

    return get_environment_proxies()


class TlsOnDemandTransport(httpx.AsyncBaseTransport):
    """httpx's default transport, with TLS set up on the first ``https`` request (issue #17).

    A verifying TLS context loads the whole CA bundle: ~40 ms of every ``pantau once``
    even when every watched account is plain ``http`` (RSS feeds of local sites, the
    loopback demo). Requests are routed by scheme to two pools made exactly as
    :class:`httpx.AsyncClient` makes its own (verification on, ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` honoured); the plain pool never speaks TLS, so it is given an
    unloaded context instead of the verifying one. Redirects are followed by hand
    (:meth:`HttpFetcher._request`), each hop routed by its own scheme.
    """

    def __init__(self) -> None:
        self._plain = httpx.AsyncHTTPTransport(verify=False)  # no TLS: http:// requests only
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return await self._plain.handle_async_request(request)
        if self._tls is None:
            self._tls = httpx.AsyncHTTPTransport()
        return await self._tls.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()


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
        max_body: int = DEFAULT_MAX_BODY,
        max_bodies: Mapping[str, int] | None = None,
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
        if max_body < 1:
            raise ValueError("max_body must be at least 1 byte")
        self.max_body = int(max_body)
        self.max_bodies = {k: int(v) for k, v in (max_bodies or {}).items()}

    def cap_for(self, url: str) -> int:
        """The body cap of ``url``: its platform's ``max_bodies`` entry, else ``max_body``.

        The platform is recognised by host (platforms with fixed hosts); RSS,
        web and Mastodon accounts use ``max_body``.
        """
        if self.max_bodies:
            from ..platforms import infer_platform  # late: platforms import this package

            platform = infer_platform(url)
            if platform in self.max_bodies:
                return self.max_bodies[platform]
        return self.max_body

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop.
        if self._client is None:
            transport = self._transport
            if transport is None and not _environment_proxies():
                transport = TlsOnDemandTransport()  # with proxies set, httpx's own (it honours them)
            self._client = httpx.AsyncClient(
                headers={"User-Agent": self.user_agent},
                timeout=self.timeout,
                follow_redirects=False,  # followed by hand: see _request
                transport=transport,
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
        cap = self.cap_for(url)
        client = self._http()  # built outside the slot: its set-up is not request time
        attempt = 0
        while True:
            self._check_cooling(host, url, shown)
            slot = self.gate.slot(url) if self.gate else contextlib.nullcontext()
            failure: FetchError | None = None
            async with slot:
                try:
                    resp, body = await self._request(client, url, request_headers, cap, shown)
                except httpx.TimeoutException as exc:
                    failure = FetchError(f"timeout after {self.timeout:g}s: {shown}", url=url)
                    failure.__cause__ = exc
                except httpx.TransportError as exc:
                    failure = FetchError(f"{type(exc).__name__}: {shown}", url=url)
                    failure.__cause__ = exc
                except httpx.InvalidURL as exc:
                    raise FetchError(f"invalid URL: {shown}", url=url) from exc
            if failure is None:
                status = resp.status_code
                if status == 429:
                    raise self._rate_limited(resp, host, url, shown)
                if status < 500:
                    return self._page(url, resp, body)
                failure = FetchError(f"HTTP {status}: {shown}", url=url, status=status)
            if attempt >= self.retries:
                raise failure
            delay = self.backoff * (2 ** attempt) + random.uniform(0, self.backoff / 2)
            log.info("fetch failed (%s), retry %d/%d in %.1fs", failure, attempt + 1, self.retries, delay)
            attempt += 1
            await self._sleep(delay)

    async def _request(self, client: httpx.AsyncClient, url: str, headers: dict[str, str],
                       cap: int, shown: str) -> tuple[httpx.Response, bytes]:
        """One GET with hand-followed redirects; the final response and its capped body."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            resp = await client.send(client.build_request("GET", current, headers=headers), stream=True)
            try:
                if resp.has_redirect_location:
                    current = await self._redirect_target(url, resp, shown)
                    continue
                if resp.status_code == 304 or resp.status_code == 429 or resp.status_code >= 500:
                    return resp, b""  # no body needed
                return resp, await self._read_capped(resp, cap, url, shown)
            finally:
                await resp.aclose()
        raise FetchError(f"lebih dari {MAX_REDIRECTS} pengalihan: {shown}", url=url)

    async def _redirect_target(self, origin: str, resp: httpx.Response, shown: str) -> str:
        try:
            target = str(resp.url.join(resp.headers["location"]))
        except (httpx.InvalidURL, ValueError) as exc:
            raise RedirectRefused(f"pengalihan ditolak: {shown} dialihkan ke alamat yang tidak sah",
                                  url=origin) from exc
        why = await redirect_refusal(origin, target)
        if why is not None:
            raise RedirectRefused(f"pengalihan ditolak: {shown} dialihkan ke {_shown(target)} ({why})",
                                  url=origin, target=target)
        log.debug("redirect %s -> %s", shown, _shown(target))
        return target

    async def _read_capped(self, resp: httpx.Response, cap: int, url: str, shown: str) -> bytes:
        """The body, read chunk by chunk; TooLarge as soon as it passes ``cap``."""
        declared = resp.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"respons {fmt_size(int(declared))} melebihi batas {fmt_size(cap)} "
                           f"([http] max_body); tidak dibaca: {shown}", url=url, limit=cap)
        chunks: list[bytes] = []
        read = 0
        async for chunk in resp.aiter_bytes():
            read += len(chunk)
            if read > cap:
                raise TooLarge(f"respons melebihi batas {fmt_size(cap)} ([http] max_body); "
                               f"pembacaan dihentikan setelah {fmt_size(read)}: {shown}",
                               url=url, limit=cap, bytes_read=read)
            chunks.append(chunk)
        return b"".join(chunks)

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

    def _page(self, url: str, resp: httpx.Response, body: bytes) -> Page:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        not_modified = resp.status_code == 304
        return Page(
            url=url,
            final_url=str(resp.url),
            status=resp.status_code,
            body="" if not_modified else body.decode(resp.encoding or "utf-8", errors="replace"),
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
