"""The cluster part of ``pantau status`` (only when ``[cluster] broker`` is set).

JSON (``status --json`` field ``cluster``)::

    {"broker": "redis://****@10.0.0.5:6379/0", "reachable": true, "error": null,
     "queues": {"telegram": {"queue", "waiting", "in_progress", "retrying", "dead", "workers"}},
     "workers": [{"id", "host", "pid", "platforms", "concurrency", "started", "seen"}]}
"""
from __future__ import annotations

from typing import Any

from alerts.secrets import mask

from ..platforms import ADAPTERS
from .broker import live_workers, queue_depths, redis_client, shown


def cluster_status(config: Any) -> dict[str, Any]:
    status: dict[str, Any] = {"broker": shown(config), "reachable": False, "error": None, "queues": {},
                              "workers": []}
    try:
        client = redis_client(config.cluster.broker)
        try:
            workers = live_workers(client)
            depths = queue_depths(client, sorted(ADAPTERS))
        finally:
            client.close()
    except Exception as exc:  # status must work while Redis is down
        status["error"] = mask(f"{type(exc).__name__}: {exc}")
        return status
    status["reachable"] = True
    for platform, depth in depths.items():
        depth["workers"] = sum(1 for w in workers.values() if platform in w.get("platforms", []))
        status["queues"][platform] = depth
    status["workers"] = [{"id": wid, **doc} for wid, doc in sorted(workers.items())]
    return status


def format_cluster(status: dict[str, Any]) -> list[str]:
    """Indonesian lines for ``pantau status``."""
    if not status.get("reachable"):
        return [f"Klaster: broker {status.get('broker')} TIDAK TERJANGKAU ({status.get('error')})"]
    lines = [f"Klaster: broker {status.get('broker')}; {len(status.get('workers', []))} worker aktif"]
    for platform, q in sorted(status.get("queues", {}).items()):
        if not (q["waiting"] or q["in_progress"] or q["retrying"] or q["dead"] or q["workers"]):
            continue
        line = (f"  antrean {platform}: {q['waiting']} menunggu, {q['in_progress']} dikerjakan, "
                f"{q['retrying']} diulang, {q['dead']} gagal; {q['workers']} worker")
        if q["waiting"] and not q["workers"]:
            line += " (TIDAK ADA WORKER untuk platform ini)"
        lines.append(line)
    for w in status.get("workers", []):
        lines.append(f"  worker {w['id']} ({w.get('host')}, pid {w.get('pid')}): "
                     f"{', '.join(w.get('platforms', []))}; {w.get('concurrency')} sekaligus")
    return lines
