"""Coordinator side: "fetch" becomes "enqueue a task and wait for its result".

:class:`RemoteFetcher` is what :func:`scraper.pipeline.process_account` calls
instead of the local fetch when ``[cluster] broker`` is set. Each fetch gets
a task id; the task goes to the platform's queue; one reader task pops the
results the workers push to this coordinator's result list and completes the
waiting fetch. The rest of the run (diff, detection, evidence, outbox, stores)
is the local one, on the returned page and posts.

Nothing is lost and nothing doubles:

* Dramatiq acknowledges a task only after it ran, and hands the tasks of a
  worker that died back to the queue;
* if no result came within ``[cluster] redeliver_after`` (the Redis data was
  lost, every worker of the platform is gone), the same task is sent again;
* a result for a task already answered (a redelivered or duplicated task) is
  dropped; the page a duplicate fetched is the same page, and finding and
  alert ids are deterministic at the coordinator, so each alert still reaches
  each channel once;
* while Redis is unreachable, sending and reading retry with a pause.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from ..models import Account
from ..platforms.base import Adapter
from . import codec
from .broker import ACTOR, make_broker, queue_name, redis_client, results_key, shown

log = logging.getLogger(__name__)

#: pause before trying Redis again after a connection error
RETRY_PAUSE = 0.5
#: a result list nobody reads any more expires after this (a coordinator that stopped)
RESULTS_TTL = 24 * 3600


class RemoteFetcher:
    """Fetches through the workers (see the module doc); ``async with`` or start/close."""

    def __init__(self, config: Any, *, coordinator_id: str | None = None):
        self.config = config
        self.id = coordinator_id or uuid.uuid4().hex
        self.reply_to = results_key(self.id)
        self.redeliver_after = config.cluster.redeliver_after.seconds
        self._broker: Any = None
        self._client: Any = None
        self._pending: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self.sent = 0
        self.resent = 0
        self.duplicates = 0

    async def start(self) -> "RemoteFetcher":
        self._broker = make_broker(self.config)
        self._client = redis_client(self.config.cluster.broker, asyncio=True)
        self._reader = asyncio.get_running_loop().create_task(self._read_results())
        log.info("cluster: fetching through workers via %s", shown(self.config))
        return self

    async def close(self) -> None:
        log.info("cluster: %d task(s) sent, %d sent again, %d duplicate result(s) dropped",
                 self.sent, self.resent, self.duplicates)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        if self._broker is not None:
            await asyncio.to_thread(self._broker.close)

    async def __aenter__(self) -> "RemoteFetcher":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one fetch ---------------------------------------------------------------------------
    async def fetch(self, adapter: Adapter, account: Account, url: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> codec.ParsedPage:
        """The page (and parsed posts) a worker fetched, or the error its fetch raised."""
        task_id = uuid.uuid4().hex
        body = codec.task(task_id, self.reply_to, account, url, etag=etag, last_modified=last_modified)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[task_id] = future
        try:
            first = True
            while True:
                await self._send(account.platform, body)
                if not first:
                    self.resent += 1
                first = False
                try:
                    doc = await asyncio.wait_for(asyncio.shield(future), self.redeliver_after)
                    break
                except asyncio.TimeoutError:
                    log.warning("cluster: no result for %s after %.0fs; sending the task again",
                                url, self.redeliver_after)
        finally:
            self._pending.pop(task_id, None)
            if not future.done():
                future.cancel()
        return codec.decode_result(doc)

    async def _send(self, platform: str, body: dict[str, Any]) -> None:
        from dramatiq import Message

        message = Message(queue_name=queue_name(platform), actor_name=ACTOR, args=(body,), kwargs={}, options={})
        while True:
            try:
                await asyncio.to_thread(self._broker.enqueue, message)
                self.sent += 1
                return
            except Exception as exc:  # redis down or restarting: the task waits, it is not lost
                if not _connection_trouble(exc):
                    raise
                log.warning("cluster: cannot send a task (%s); trying again", type(exc).__name__)
                await asyncio.sleep(RETRY_PAUSE)

    # -- results -----------------------------------------------------------------------------
    async def _read_results(self) -> None:
        while True:
            try:
                item = await self._client.blpop([self.reply_to], timeout=1)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not _connection_trouble(exc):
                    log.exception("cluster: reading results failed")
                else:
                    log.warning("cluster: cannot read results (%s); trying again", type(exc).__name__)
                await asyncio.sleep(RETRY_PAUSE)
                continue
            if item is None:
                continue
            self._deliver(item[1])

    def _deliver(self, raw: bytes) -> None:
        try:
            doc = json.loads(raw)
        except ValueError:
            log.warning("cluster: a result that is not JSON was dropped")
            return
        future = self._pending.get(str(doc.get("id")))
        if future is None or future.done():
            self.duplicates += 1  # a redelivered task's second answer, or a fetch given up on
            return
        future.set_result(doc)


def _connection_trouble(exc: BaseException) -> bool:
    try:
        import redis
        from dramatiq.errors import ConnectionError as DramatiqConnectionError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (redis.ConnectionError, redis.TimeoutError, DramatiqConnectionError, OSError))
