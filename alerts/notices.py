"""Dead-letter notices: staff hear about deliveries that gave up, once.

One notice covers every dead delivery not covered yet; it goes to every
channel that takes notices except the dead ones, and a notice never causes
another notice. Its id is derived from the covered deliveries, so a crash
before they are marked noticed does not produce a second notice.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from alerts.alert import Alert
from alerts.queue import AlertQueue
from alerts.secrets import mask
from alerts.timeutil import iso

_KIND_LABEL = {"finding": "Temuan", "health": "Gangguan akun", "digest": "Ringkasan harian",
               "notice": "Pemberitahuan", "test": "Pesan uji"}


def notice_title(alert: dict) -> str:
    """A short Indonesian title of a queued alert, e.g. "Temuan Budi (facebook)"."""
    ctx = alert.get("context") or {}
    person = ctx.get("person") or {}
    parts = [_KIND_LABEL.get(alert.get("kind", ""), alert.get("kind", ""))]
    if person.get("name"):
        parts.append(str(person["name"]))
    if ctx.get("platform"):
        parts.append(f"({ctx['platform']})")
    return " ".join(parts)


def enqueue_dead_notice(queue: AlertQueue, now: datetime) -> str | None:
    """Enqueue one notice about dead deliveries not yet covered; its id, or None."""
    items = [{"alert_id": alert["id"], "channel": name, "attempts": d.get("attempts", 0),
              "last_error": mask(d.get("last_error", "")), "title": notice_title(alert)}
             for alert, name, d in queue.dead_items() if alert["kind"] != "notice"]
    if not items:
        return None
    keys = sorted(f"{i['alert_id']}|{i['channel']}" for i in items)
    notice_id = "notice:dead:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    dead_channels = sorted({i["channel"] for i in items})
    notice = Alert(id=notice_id, kind="notice", severity="high", unit="",
                   context={"channels": dead_channels, "channel": dead_channels[0], "items": items},
                   created=iso(now))
    queue.enqueue(notice, exclude=frozenset(dead_channels))
    queue.mark_noticed(set(keys))
    return notice_id
