"""The per-host politeness gate shared by every worker through Redis.

Same contract as :class:`scraper.fetch.politeness.HostGate` (``slot(url)``,
``cooldown``, ``cooling_until``, ``now``), so the HTTP fetcher and the
browser take either. With a broker set, every worker's fetches to one host
draw from one budget:

* at most ``per_host_concurrency`` requests to the host at once, over all
  workers: a lease in the sorted set ``pantau:gate:<host>:active`` (expiring
  after ``lease`` seconds, so a worker killed mid-fetch frees its lease);
* request starts to the host at least ``min_delay`` (+ ``0..jitter``) apart,
  over all workers: the next free start time ``pantau:gate:<host>:next`` is
  reserved atomically, so two workers never hit a host faster than one would;
* a cool-down after HTTP 429 (``pantau:gate:<host>:cool``) holds for every
  worker: the worker that finds the host cooling fails fast with
  :class:`~scraper.errors.RateLimited`, like the local gate's callers do.

Times come from the Redis server's clock (one clock for all machines); the
local ``now()``/``cooling_until`` are wall-clock seconds.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from typing import Any, AsyncIterator, Callable

from ..errors import RateLimited
from ..fetch.politeness import host_key
from . import NAMESPACE

log = logging.getLogger(__name__)

# KEYS: active zset, next-start key, cool key.  ARGV: token, limit, lease ms, spacing ms.
# Returns {status, wait ms, cool-until ms}: status 1 = leased (start after wait ms),
# 0 = every slot of the host is taken, 2 = the host cools down until cool-until.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cool = tonumber(redis.call('GET', KEYS[3]) or '0')
if cool > now then return {2, 0, cool} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {0, 0, 0} end
local lease = tonumber(ARGV[3])
local spacing = tonumber(ARGV[4])
local start = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
redis.call('ZADD', KEYS[1], start + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], start - now + lease)
redis.call('SET', KEYS[2], start + spacing, 'PX', start - now + spacing + 1000)
return {1, start - now, 0}
"""

# KEYS: cool key.  ARGV: seconds.  Sets the cool-down end (never shortens it); returns it in ms.
_COOL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untl = now + math.floor(tonumber(ARGV[1]) * 1000)
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur >= untl then return cur end
redis.call('SET', KEYS[1], untl, 'PX', untl - now + 1000)
return untl
"""

#: pause before asking again when every slot of a host is taken
BUSY_WAIT = 0.05


class RedisHostGate:
    """Per-host concurrency, spacing and cool-down over every worker (see the module doc)."""

    def __init__(self, client: Any, *, per_host_concurrency: int = 2, min_delay: float = 1.0,
                 jitter: float = 0.5, lease: float = 300.0, rand: Callable[[], float] = random.random) -> None:
        if per_host_concurrency < 1:
            raise ValueError("per_host_concurrency must be at least 1")
        self.client = client
        self.per_host_concurrency = per_host_concurrency
        self.min_delay = min_delay
        self.jitter = jitter
        self.lease = lease
        self._rand = rand
        self._acquire = client.register_script(_ACQUIRE)
        self._cool = client.register_script(_COOL)
        self._cooling: dict[str, float] = {}  # host -> wall-clock end of its cool-down, as last seen
        self._pending: set[asyncio.Task] = set()
        self._active: dict[str, int] = {}

    @staticmethod
    def _keys(key: str) -> list[str]:
        base = f"{NAMESPACE}:gate:{key}"
        return [f"{base}:active", f"{base}:next", f"{base}:cool"]

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        key = host_key(url)
        keys = self._keys(key)
        token = uuid.uuid4().hex
        spacing_ms = int((self.min_delay + self._rand() * self.jitter) * 1000)
        while True:
            status, wait_ms, cool_ms = await self._acquire(
                keys=keys, args=[token, self.per_host_concurrency, int(self.lease * 1000), spacing_ms])
            if int(status) == 1:
                break
            if int(status) == 2:
                until = int(cool_ms) / 1000.0
                self._cooling[key] = until
                remaining = max(0.0, until - self.now())
                raise RateLimited(f"{key} cooling down for {remaining:.0f}s more (HTTP 429, another worker)",
                                  url=url, retry_after=remaining)
            await asyncio.sleep(BUSY_WAIT)
        if int(wait_ms) > 0:
            log.debug("politeness: waiting %.2fs for %s", int(wait_ms) / 1000, key)
            await asyncio.sleep(int(wait_ms) / 1000)
        self._active[key] = self._active.get(key, 0) + 1
        try:
            yield
        finally:
            self._active[key] -= 1
            try:
                await asyncio.shield(self.client.zrem(keys[0], token))
            except Exception as exc:  # the lease expires by itself
                log.debug("politeness: lease of %s not returned: %s", key, exc)

    def cooldown(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` from now, by any worker (written in the background)."""
        key = host_key(host)
        until = self.now() + max(0.0, float(seconds))
        if until > self._cooling.get(key, 0.0):
            self._cooling[key] = until
            log.info("politeness: %s cooling down for %.0fs (all workers)", key, seconds)
        task = asyncio.get_running_loop().create_task(self._share_cooldown(key, seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _share_cooldown(self, key: str, seconds: float) -> None:
        try:
            until_ms = await self._cool(keys=[self._keys(key)[2]], args=[max(0.0, float(seconds))])
            self._cooling[key] = max(self._cooling.get(key, 0.0), int(until_ms) / 1000.0)
        except Exception as exc:
            log.warning("politeness: cool-down of %s not shared with other workers: %s", key, exc)

    def now(self) -> float:
        return time.time()

    def cooling_until(self, host: str) -> float | None:
        until = self._cooling.get(host_key(host))
        if until is None or until <= self.now():
            return None
        return until

    def active(self, host: str) -> int:
        """Requests to ``host`` this worker holds a slot for (diagnostics)."""
        return self._active.get(host_key(host), 0)
