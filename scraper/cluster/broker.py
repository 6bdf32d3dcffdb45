"""The Dramatiq broker over Redis, queue names, queue depth and the worker registry.

Queues: one per platform, ``fetch.<platform>``. Dramatiq keeps a queue in
Redis as the list ``pantau:fetch.<platform>`` (message ids) plus the hash
``...msgs`` (bodies); a message a worker took sits in that worker's ack set
until the task finished (late acknowledgement). When a worker's heartbeats
stop for ``[cluster] heartbeat_timeout``, any worker's next queue maintenance
moves its unacknowledged messages back to the queue.

Workers advertise themselves in the hash ``pantau:workers`` (id -> JSON with
host, pid, platforms, last seen), refreshed every :data:`REGISTRY_EVERY` seconds.
"""
from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from alerts.secrets import mask_url

from . import NAMESPACE

#: the Dramatiq actor every fetch task names
ACTOR = "pantau_fetch"
#: seconds between two refreshes of a worker's registry entry
REGISTRY_EVERY = 5.0
#: a registry entry older than this is a worker that is gone
REGISTRY_STALE = 30.0
WORKERS_KEY = f"{NAMESPACE}:workers"
#: chance (out of a million Redis commands) that a command also runs queue maintenance
#: (dead workers' messages back to their queues); Dramatiq's default is 1000
MAINTENANCE_CHANCE = 100_000
#: retries of a task whose worker failed unexpectedly (not a fetch error: those are results)
MAX_RETRIES = 3
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 30_000


def queue_name(platform: str) -> str:
    return f"fetch.{platform}"


def results_key(coordinator_id: str) -> str:
    return f"{NAMESPACE}:results:{coordinator_id}"


def redis_client(url: str, *, asyncio: bool = False) -> Any:
    """A Redis client for ``url`` (redis:// or rediss://; password and TLS options in the URL)."""
    if asyncio:
        import redis.asyncio as aredis

        return aredis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def make_broker(config: Any, *, worker: bool = False) -> Any:
    """The Dramatiq Redis broker of ``config`` (imports Dramatiq: only with a broker set)."""
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import CurrentMessage

    cluster = config.cluster
    broker = RedisBroker(url=cluster.broker, namespace=NAMESPACE, maintenance_chance=MAINTENANCE_CHANCE,
                         heartbeat_timeout=int(cluster.heartbeat_timeout.seconds * 1000))
    broker.add_middleware(CurrentMessage())
    dramatiq.set_broker(broker)
    return broker


def shown(config: Any) -> str:
    """The broker address for logs and status (password masked)."""
    return mask_url(config.cluster.broker)


def register_worker(client: Any, worker_id: str, platforms: list[str], concurrency: int,
                    started: float) -> None:
    doc = {"host": socket.gethostname(), "pid": os.getpid(), "platforms": sorted(platforms),
           "concurrency": concurrency, "started": started, "seen": time.time()}
    client.hset(WORKERS_KEY, worker_id, json.dumps(doc))


def unregister_worker(client: Any, worker_id: str) -> None:
    client.hdel(WORKERS_KEY, worker_id)


def live_workers(client: Any, now: float | None = None) -> dict[str, dict[str, Any]]:
    """Workers whose entry is fresh (stale entries of dead workers are removed)."""
    now = time.time() if now is None else now
    live: dict[str, dict[str, Any]] = {}
    for key, raw in (client.hgetall(WORKERS_KEY) or {}).items():
        wid = key.decode() if isinstance(key, bytes) else str(key)
        try:
            doc = json.loads(raw)
        except (TypeError, ValueError):
            doc = {}
        if now - float(doc.get("seen", 0)) > REGISTRY_STALE:
            client.hdel(WORKERS_KEY, wid)
            continue
        live[wid] = doc
    return live


def queue_depths(client: Any, platforms: list[str]) -> dict[str, dict[str, int]]:
    """Per platform queue: waiting, taken by a worker (not yet acknowledged), retry later, dead."""
    taken: dict[str, int] = {}
    for key in client.scan_iter(match=f"{NAMESPACE}:__acks__.*", count=500):
        name = key.decode() if isinstance(key, bytes) else str(key)
        queue = name.split(".", 1)[1] if "." in name else ""
        # the key is <ns>:__acks__.<worker id>.<queue>; a worker id is a uuid (no dots)
        queue = queue.split(".", 1)[1] if "." in queue else queue
        taken[queue] = taken.get(queue, 0) + int(client.scard(key))
    depths = {}
    for platform in sorted(set(platforms)):
        q = queue_name(platform)
        depths[platform] = {
            "queue": q,
            "waiting": int(client.llen(f"{NAMESPACE}:{q}")),
            "in_progress": taken.get(q, 0),
            "retrying": int(client.llen(f"{NAMESPACE}:{q}.DQ")) + taken.get(f"{q}.DQ", 0),
            "dead": int(client.zcard(f"{NAMESPACE}:{q}.XQ")),
        }
    return depths
