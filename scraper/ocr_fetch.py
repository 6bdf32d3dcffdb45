"""Fetching an image found on a watched page: politely, bounded, never to private addresses.

Same per-host gate (spacing, concurrency, 429 cool-down) and User-Agent as page
fetches; a byte cap (checked on Content-Length and while streaming) and a time
limit; redirects followed by hand, every hop checked by :func:`image_refusal`.
"""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from .errors import FetchError, RateLimited


class ImageError(Exception):
    """An image that could not be fetched or read (too big, not an image, ...)."""


async def image_refusal(account_url: str, url: str) -> str | None:
    """Why the image at ``url`` (found on a page of ``account_url``) must not be fetched.

    Image URLs come from hostile pages. Only http(s). For an account on a
    public site the image may live on any host (platforms serve images from
    CDNs) but never on a loopback, private or link-local address, by literal
    or by name; for an account on such an address (tests, intranet sites)
    only that very host and port.
    """
    from .fetch.redirects import host_is_public_literal, origin_is_public, resolves_public

    target = urlsplit(url)
    if target.scheme.lower() not in ("http", "https") or not target.hostname:
        return "alamat gambar bukan http(s)"
    origin = urlsplit(account_url or url)
    if not origin_is_public((origin.hostname or "").lower()):
        same = (target.hostname or "").lower() == (origin.hostname or "").lower() and \
            (target.port or target.scheme) == (origin.port or origin.scheme)
        return None if same else "gambar di luar situs akun (alamat non-publik)"
    if host_is_public_literal(target.hostname) is False or not await resolves_public(url):
        return "alamat gambar loopback, privat atau link-local"
    return None


class ImageFetcher:
    """GET an image within the politeness rules, bounded in bytes and time.

    Same per-host gate and User-Agent as page fetches; redirects followed by
    hand (at most :data:`MAX_REDIRECTS`), each hop checked by :func:`image_refusal`.
    """

    MAX_REDIRECTS = 3

    def __init__(self, *, user_agent: str, gate: Any = None, max_bytes: int = 8_000_000,
                 timeout: float = 30.0, transport: Any = None):
        self.user_agent, self.gate = user_agent, gate
        self.max_bytes, self.timeout = max_bytes, timeout
        self._transport = transport
        self._client: Any = None

    def _http(self) -> Any:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(headers={"User-Agent": self.user_agent, "Accept": "image/*"},
                                             timeout=self.timeout, follow_redirects=False,
                                             transport=self._transport)
        return self._client

    async def fetch(self, url: str, account_url: str = "") -> tuple[bytes, str]:
        """(bytes, content type) of the image at ``url``; ImageError/FetchError otherwise."""
        try:
            return await asyncio.wait_for(self._follow(url, account_url or url), self.timeout)
        except asyncio.TimeoutError:
            raise FetchError(f"gambar tidak selesai diambil dalam {self.timeout:.0f} detik", url=url) from None

    async def _follow(self, url: str, account_url: str) -> tuple[bytes, str]:
        current = url
        for _ in range(self.MAX_REDIRECTS + 1):
            why = await image_refusal(account_url, current)
            if why is not None:
                raise ImageError(f"{why}: {current[:120]}")
            if self.gate is not None and self.gate.cooling_until(current) is not None:
                raise RateLimited(f"{urlsplit(current).hostname} sedang didinginkan (HTTP 429)", url=current)
            result = await self._get(current)
            if isinstance(result, str):
                current = result
                continue
            return result
        raise ImageError(f"lebih dari {self.MAX_REDIRECTS} pengalihan: {url[:120]}")

    async def _get(self, url: str) -> tuple[bytes, str] | str:
        """The image, or the next URL when the answer is a redirect."""
        import contextlib

        import httpx

        client = self._http()
        slot = self.gate.slot(url) if self.gate is not None else contextlib.nullcontext()
        async with slot:
            try:
                async with client.stream("GET", url) as resp:
                    if resp.has_redirect_location:
                        return str(resp.url.join(resp.headers["location"]))
                    return await self._read(resp, url)
            except httpx.HTTPError as exc:
                raise FetchError(f"gambar gagal diambil: {type(exc).__name__}", url=url) from exc

    async def _read(self, resp: Any, url: str) -> tuple[bytes, str]:
        if resp.status_code == 429:
            if self.gate is not None:
                self.gate.cooldown(url, 15 * 60.0)
            raise RateLimited("HTTP 429 saat mengambil gambar", url=url)
        if resp.status_code != 200:
            raise FetchError(f"HTTP {resp.status_code} saat mengambil gambar", url=url, status=resp.status_code)
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and not ctype.startswith("image/") and ctype != "application/octet-stream":
            raise ImageError(f"bukan gambar (Content-Type {ctype})")
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ImageError(f"gambar {int(declared)} byte melebihi batas {self.max_bytes} byte")
        chunks, size = [], 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise ImageError(f"gambar melebihi batas {self.max_bytes} byte")
            chunks.append(chunk)
        return b"".join(chunks), ctype

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
