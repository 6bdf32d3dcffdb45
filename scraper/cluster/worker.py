"""``pantau worker``: consume the fetch queues of some platforms, fetch, parse, answer.

A worker has its own config.toml (same format; ``[cluster] broker`` set), its
own Chromium, its own saved sessions (``<storage>/sessions``, made with
``pantau login`` on that machine) and the HTTP politeness shared through
Redis (:mod:`.limiter`). It fetches through the one fetch path
(:func:`scraper.fetch.page.fetch_account_page`, the same function the daemon,
``pantau probe`` and ``pantau login`` use), parses with the adapter
(:func:`scraper.parsing.read_posts`) and pushes the result to the
coordinator's result list. It writes no store.

Threads: Dramatiq's worker threads take messages (``worker_concurrency``) and
hand each fetch to one asyncio event loop thread that owns the HTTP client,
the browser and the Redis gate. A fetch error (network, 429, login wall...)
is a result, not a failure; an unexpected error is retried by Dramatiq with
backoff, and the last retry answers with the error.
"""
from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any


from ..errors import FetchError, HealthProblem
from ..platforms import ADAPTERS, get_adapter
from . import codec
from .broker import (ACTOR, MAX_BACKOFF_MS, MAX_RETRIES, MIN_BACKOFF_MS, REGISTRY_EVERY, make_broker,
                     queue_name, redis_client, register_worker, shown, unregister_worker)

log = logging.getLogger(__name__)

#: seconds a stopping worker lets running fetches finish (unstarted ones go back to the queue)
STOP_GRACE = 20.0
#: pause before pushing a result again while Redis is unreachable (restarting)
ANSWER_PAUSE = 0.5


def serving_platforms(requested: list[str], sessions_dir: Path) -> tuple[list[str], list[str]]:
    """(platforms served, notes): the requested ones, or every platform this machine can serve.

    A platform that needs a login is served only with ``sessions/<platform>.json``.
    """
    notes: list[str] = []
    names = list(requested) or sorted(ADAPTERS)
    served = []
    for name in names:
        adapter = ADAPTERS[name]
        if adapter.needs_session and not (Path(sessions_dir) / f"{name}.json").is_file():
            if requested:
                notes.append(f"{name}: tidak ada sesi login (sessions/{name}.json); jalankan `pantau login {name}`")
            continue
        served.append(name)
    return served, notes


class FetchContext:
    """The fetchers of one worker process, living in its event loop thread."""

    def __init__(self, config: Any, platforms: list[str], worker_id: str):
        self.config = config
        self.platforms = platforms
        self.worker_id = worker_id
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pantau-fetch-loop", daemon=True)
        self.http: Any = None
        self.browser: Any = None
        self.redis: Any = None
        self.timeout = config.cluster.task_timeout.seconds

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self.loop).result(30)

    async def _open(self) -> None:
        from ..app import build_fetchers
        from ..store import prepare_storage
        from .limiter import RedisHostGate

        layout = prepare_storage(self.config.storage_dir)
        self.redis = redis_client(self.config.cluster.broker, asyncio=True)
        min_delay = self.config.http.min_delay.seconds
        gate = RedisHostGate(self.redis, per_host_concurrency=self.config.http.per_host_concurrency,
                             min_delay=min_delay, jitter=min(0.5, min_delay), lease=self.timeout + 30)
        # the fetch mode can depend on the account (web), so every worker has a browser;
        # Chromium is launched only when a task needs it
        self.http, self.browser = build_fetchers(self.config, gate=gate, sessions_dir=layout["sessions"],
                                                 browser=True)

    def close(self, timeout: float = 15.0) -> None:
        async def _close() -> None:
            if self.http is not None:
                await self.http.aclose()
            if self.browser is not None:
                await self.browser.close()
            if self.redis is not None:
                await self.redis.aclose()
        try:
            asyncio.run_coroutine_threadsafe(_close(), self.loop).result(timeout)
        except Exception as exc:
            log.warning("worker: closing the fetchers: %s", exc)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    # -- one task ------------------------------------------------------------------------------
    def run(self, body: dict[str, Any], last_try: bool) -> None:
        """Fetch and answer (called in a Dramatiq worker thread)."""
        future = asyncio.run_coroutine_threadsafe(self._handle(body, last_try), self.loop)
        try:
            future.result(self.timeout + 10)
        except BaseException:
            future.cancel()  # a time limit or shutdown interrupted this thread: stop the fetch too
            raise

    async def _handle(self, body: dict[str, Any], last_try: bool) -> None:
        from ..fetch.page import fetch_account_page
        from ..parsing import read_posts

        account = codec.account_from_json(body["account"])
        adapter = get_adapter(account.platform)
        try:
            page = await asyncio.wait_for(fetch_account_page(
                adapter, account, body["url"], http=self.http, browser=self.browser,
                etag=body.get("etag"), last_modified=body.get("last_modified")), self.timeout)
        except (FetchError, HealthProblem) as exc:
            result = codec.error_result(body["id"], self.worker_id, exc)
        except asyncio.TimeoutError:
            result = codec.error_result(body["id"], self.worker_id, FetchError(
                f"pengambilan di worker melebihi {self.timeout:.0f}s", url=body["url"]))
        except Exception as exc:
            if not last_try:
                raise  # Dramatiq retries with backoff
            log.exception("worker: fetch of %s failed on its last try", body["url"])
            result = codec.error_result(body["id"], self.worker_id, exc)
        else:
            posts = None
            if not page.not_modified:
                try:
                    posts = read_posts(adapter, page, account)
                except (HealthProblem, FetchError):
                    posts = None  # the coordinator parses again and meets the same verdict
            result = codec.ok_result(body["id"], self.worker_id, page, posts)
        await self._answer(body["reply_to"], result)

    async def _answer(self, key: str, result: dict[str, Any]) -> None:
        from .remote import RESULTS_TTL

        raw = json.dumps(result, ensure_ascii=False)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                pipe = self.redis.pipeline(transaction=True)
                pipe.rpush(key, raw)
                pipe.expire(key, RESULTS_TTL)
                await pipe.execute()
                return
            except (OSError, ConnectionError) as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("worker: cannot return a result (%s); trying again", type(exc).__name__)
            except Exception as exc:
                import redis

                if not isinstance(exc, (redis.ConnectionError, redis.TimeoutError)) or time.monotonic() > deadline:
                    raise
                log.warning("worker: cannot return a result (%s); trying again", type(exc).__name__)
            await asyncio.sleep(ANSWER_PAUSE)


def _declare_fetch_actor(broker: Any, context: FetchContext, served: list[str]) -> None:
    """Register the fetch actor on ``broker`` and declare the queue of each served platform."""
    import dramatiq
    from dramatiq.middleware import CurrentMessage

    max_retries = MAX_RETRIES

    def pantau_fetch(body: dict[str, Any]) -> None:
        message = CurrentMessage.get_current_message()
        retries = int(message.options.get("retries", 0)) if message is not None else 0
        context.run(body, last_try=retries >= max_retries)

    dramatiq.actor(pantau_fetch, actor_name=ACTOR, queue_name=queue_name(served[0]), broker=broker,
                   max_retries=max_retries, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS,
                   time_limit=int((context.timeout + 20) * 1000))
    for platform in served:
        broker.declare_queue(queue_name(platform))


def run_worker(config: Any, platforms: list[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop``); 0 on a clean stop, 2 when it has nothing to serve."""
    import dramatiq

    from ..store import storage_layout

    logging.getLogger("dramatiq").setLevel(max(logging.INFO, logging.getLogger().level))  # not one line per task
    served, notes = serving_platforms(platforms or config.cluster.platforms, storage_layout(config.storage_dir)["sessions"])
    for note in notes:
        log.warning("worker: %s", note)
    if not served:
        log.error("worker: tidak ada platform yang bisa dilayani")
        return 2
    worker_id = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    broker = make_broker(config)
    context = FetchContext(config, served, worker_id)
    context.start()
    _declare_fetch_actor(broker, context, served)
    concurrency = config.cluster.worker_concurrency
    worker = dramatiq.Worker(broker, queues={queue_name(p) for p in served}, worker_threads=concurrency,
                             worker_timeout=250)
    stop = stop or threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)} \
        if threading.current_thread() is threading.main_thread() else {}
    registry = redis_client(config.cluster.broker)
    started = time.time()
    worker.start()
    log.info("worker %s: serving %s from %s with %d fetches at once", worker_id, ", ".join(served),
             shown(config), concurrency)
    try:
        while not stop.is_set():
            try:
                register_worker(registry, worker_id, served, concurrency, started)
            except Exception as exc:
                log.warning("worker: cannot reach Redis (%s); retrying", type(exc).__name__)
            stop.wait(REGISTRY_EVERY)
    finally:
        log.info("worker %s: stopping", worker_id)
        worker.stop(timeout=int(STOP_GRACE * 1000))  # unstarted messages go back to the queue
        context.close()
        try:
            unregister_worker(registry, worker_id)
        except Exception:
            pass
        registry.close()
        broker.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
