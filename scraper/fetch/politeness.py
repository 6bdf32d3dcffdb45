"""Per-host politeness: concurrency limit, minimum spacing, jitter, cool-down.

Every fetch (HTTP or browser) to a host goes through ``async with
gate.slot(url):``. The slot

* waits until fewer than ``per_host_concurrency`` requests to that host run,
* spaces request *starts* to one host by at least ``min_delay`` seconds plus
  a random ``0..jitter`` seconds,
* waits out any cool-down set with :meth:`HostGate.cooldown` (after HTTP 429).

Callers that would rather fail than wait (a 15-minute cool-down inside a job
with a timeout) check :meth:`HostGate.cooling_until` first; the HTTP fetcher
does. The clock, sleep and random source are injectable for tests.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


def host_key(url_or_host: str) -> str:
    """The politeness key of a URL or host: lower-case host, plus ``:port`` if explicit."""
    text = url_or_host.strip()
    if "://" not in text:
        text = "//" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


@dataclass
class _Host:
    sem: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = float("-inf")
    cool_until: float = float("-inf")
    active: int = 0


class HostGate:
    """Per-host concurrency, spacing and cool-down for every fetcher."""

    def __init__(
        self,
        per_host_concurrency: int = 2,
        min_delay: float = 1.0,
        jitter: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if per_host_concurrency < 1:
            raise ValueError("per_host_concurrency must be at least 1")
        if min_delay < 0 or jitter < 0:
            raise ValueError("min_delay and jitter must not be negative")
        self.per_host_concurrency = per_host_concurrency
        self.min_delay = min_delay
        self.jitter = jitter
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._hosts: dict[str, _Host] = {}

    def _host(self, key: str) -> _Host:
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = _Host(sem=asyncio.Semaphore(self.per_host_concurrency))
        return state

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one request slot for ``url``'s host (see the module doc)."""
        key = host_key(url)
        state = self._host(key)
        async with state.sem:
            # The lock serialises the spacing of starts; it is released before
            # the request itself runs, so up to per_host_concurrency overlap.
            async with state.lock:
                while True:
                    now = self._clock()
                    wait = max(state.next_start, state.cool_until) - now
                    if wait <= 0:
                        break
                    log.debug("politeness: waiting %.2fs for %s", wait, key)
                    await self._sleep(wait)
                state.next_start = self._clock() + self.min_delay + self._rand() * self.jitter
            state.active += 1
            try:
                yield
            finally:
                state.active -= 1

    def cooldown(self, host: str, seconds: float) -> None:
        """No request to ``host`` (a host or URL) for ``seconds`` from now."""
        key = host_key(host)
        state = self._host(key)
        until = self._clock() + max(0.0, float(seconds))
        if until > state.cool_until:
            state.cool_until = until
            log.info("politeness: %s cooling down for %.0fs", key, seconds)

    def now(self) -> float:
        """The gate's clock (what :meth:`cooling_until` is measured in)."""
        return self._clock()

    def cooling_until(self, host: str) -> float | None:
        """The clock time the cool-down of ``host`` ends, or None if not cooling."""
        state = self._hosts.get(host_key(host))
        if state is None or state.cool_until <= self._clock():
            return None
        return state.cool_until

    def active(self, host: str) -> int:
        """Requests to ``host`` holding a slot right now (diagnostics)."""
        state = self._hosts.get(host_key(host))
        return state.active if state else 0
