"""Pure state transitions of one (alert, channel) delivery in the outbox.

A delivery is a small dict stored inside its alert's outbox record::

    {"state": "pending" | "retrying" | "sent" | "dead",
     "attempts": int, "last_error": str, "next_try": UTC ISO,
     "since": UTC ISO (start of the dead_after window), "sent_at": UTC ISO | None,
     "claim": {"by": str, "pid": int, "until": UTC ISO} | None,
     "interrupted": int,   # claims found abandoned: the send may have happened
     "noticed": bool}      # a dead-letter notice covers it

No I/O here; :mod:`alerts.outbox` persists what these functions return.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from alerts.storage import pid_alive
from alerts.timeutil import iso, parse_iso

OPEN_STATES = ("pending", "retrying")
SHOWN_STATES = ("pending", "retrying", "dead")


def new_delivery(now: datetime, next_try: datetime | None = None) -> dict:
    return {"state": "pending", "attempts": 0, "last_error": "", "next_try": iso(next_try or now),
            "since": iso(now), "sent_at": None, "claim": None, "interrupted": 0, "noticed": False}


def backoff(attempts: int, initial: float, maximum: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: initial * 2^(n-1), capped."""
    if attempts <= 0:
        return 0.0
    return min(maximum, initial * (2 ** min(attempts - 1, 40)))


def claim_state(delivery: dict, now: datetime, owner: str) -> str:
    """``"free"``, ``"ours"``, ``"held"`` (another live sender) or ``"stale"`` (abandoned)."""
    claim = delivery.get("claim")
    if not claim:
        return "free"
    until = parse_iso(claim.get("until"))
    if until is not None and until <= now:
        return "stale"
    if claim.get("by") == owner:
        return "ours"
    if claim.get("host") == os.uname().nodename and not pid_alive(int(claim.get("pid", 0))):
        return "stale"
    return "held"


def is_due(delivery: dict, now: datetime, force: bool = False) -> bool:
    if delivery.get("state") not in OPEN_STATES:
        return False
    if force:
        return True
    next_try = parse_iso(delivery.get("next_try"))
    return next_try is None or next_try <= now


def claimed(delivery: dict, now: datetime, owner: str, hold_seconds: float,
            was_stale: bool) -> dict:
    d = dict(delivery)
    d["claim"] = {"by": owner, "pid": os.getpid(), "host": os.uname().nodename,
                  "until": iso(now + timedelta(seconds=hold_seconds))}
    if was_stale:
        d["interrupted"] = int(d.get("interrupted", 0)) + 1
    return d


def released(delivery: dict) -> dict:
    d = dict(delivery)
    d["claim"] = None
    return d


def held(delivery: dict, until: datetime) -> dict:
    """Quiet hours: wait until ``until`` without counting an attempt."""
    d = released(delivery)
    d["next_try"] = iso(until)
    return d


def succeeded(delivery: dict, now: datetime) -> dict:
    d = released(delivery)
    d.update(state="sent", attempts=int(d.get("attempts", 0)) + 1, sent_at=iso(now), last_error="")
    return d


def failed(delivery: dict, now: datetime, error: str, initial: float, maximum: float,
           dead_after: float) -> dict:
    d = released(delivery)
    attempts = int(d.get("attempts", 0)) + 1
    d.update(attempts=attempts, last_error=error)
    since = parse_iso(d.get("since")) or now
    if (now - since).total_seconds() >= dead_after:
        d.update(state="dead", dead_at=iso(now))
    else:
        d.update(state="retrying", next_try=iso(now + timedelta(seconds=backoff(attempts, initial, maximum))))
    return d


def revived(delivery: dict, now: datetime) -> dict:
    """A dead delivery put back in the queue by staff (``pantau alerts retry --dead``)."""
    d = released(delivery)
    d.update(state="retrying", next_try=iso(now), since=iso(now), noticed=False)
    d.pop("dead_at", None)
    return d


def record_done(record: dict) -> bool:
    """True when every delivery of an outbox record was sent (nothing left to show)."""
    return all(d.get("state") == "sent" for d in record.get("deliveries", {}).values())
