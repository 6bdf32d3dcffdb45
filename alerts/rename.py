"""Channel identity in the outbox: old URL-based keys, renamed and removed channels.

Deliveries in an outbox record are keyed by the channel's *name*. Before
names were derived from schemes, a simple-form URL was keyed
``<scheme>-<8 hex of sha256(url)>`` (:func:`alerts.settings.simple_channel_name`),
so a new port or password made its queued alerts "channel no longer
configured". :func:`legacy_map` maps such old keys to today's names:

* the key of a URL still configured unchanged -> that URL's channel;
* otherwise, when exactly one simple-form URL of the same scheme is configured
  -> that channel (the URL changed only in port, password, ...);
* otherwise the key stays: its deliveries are listed by ``pantau alerts
  pending`` as waiting for a channel that is not configured, and staff move
  them with ``pantau alerts move --from OLD --to NEW`` (:func:`move_delivery`).

Pure functions on record dicts; :mod:`alerts.outbox` does the locking and I/O.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from alerts import delivery as dv
from alerts.settings import LEGACY_NAME, AlertsSettings, simple_channel_name


def legacy_map(keys: set[str], settings: AlertsSettings) -> dict[str, str]:
    """``{old key: channel name}`` for the old URL-based keys among ``keys``."""
    names = {c.name for c in settings.all_channels()}
    simple = settings.simple_urls()
    exact = {simple_channel_name(url): name for name, url in simple}
    by_scheme: dict[str, list[str]] = {}
    for name, url in simple:
        by_scheme.setdefault((urlsplit(url).scheme or "url").lower()[:12], []).append(name)
    out = {}
    for key in keys:
        if key in names:
            continue
        if key in exact:
            out[key] = exact[key]
            continue
        m = LEGACY_NAME.match(key)
        if m and len(by_scheme.get(m.group(1), [])) == 1:
            out[key] = by_scheme[m.group(1)][0]
    return out


def rename_deliveries(record: dict, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """Re-key deliveries per ``mapping`` (never over an existing one); the renames done."""
    done = []
    deliveries = record["deliveries"]
    for old, new in mapping.items():
        if old in deliveries and new not in deliveries:
            deliveries[new] = deliveries.pop(old)
            done.append((old, new))
    return done


def move_delivery(record: dict, old: str, new: str, now: datetime, owner: str,
                  hold: datetime | None = None) -> str:
    """Move the unsent delivery for ``old`` to ``new``.

    Returns ``"moved"``, ``"already"`` (``new`` already has a delivery of this
    alert: the old one is dropped, nothing is sent twice), ``"busy"`` (a live
    sender holds it right now) or ``""`` (nothing to move).
    """
    deliveries = record["deliveries"]
    d = deliveries.get(old)
    if d is None or d.get("state") == "sent":
        return ""
    if dv.claim_state(d, now, owner) == "held":
        return "busy"
    del deliveries[old]
    if new in deliveries:
        return "already"
    deliveries[new] = dv.new_delivery(now, hold)
    return "moved"
