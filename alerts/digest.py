"""The daily digest: new findings, health problems and outbox counts (pure).

The daemon calls :func:`build_digest` at ``[alerts] digest_time`` WITA
(:func:`next_digest_at` tells it when) and enqueues the result; the digest
goes to every channel with ``digest = true`` (each simple-form URL). Findings
too low for immediate routing reach staff only here.
"""
from __future__ import annotations

from datetime import datetime

from alerts.outbox import Alert
from alerts.routing import next_daily
from alerts.settings import AlertsSettings, parse_hhmm
from alerts.severity import Severity
from alerts.timeutil import WITA, iso, parse_iso

_FINDING_KEYS = ("finding_id", "person", "platform", "post_url", "severity", "terms",
                 "first_seen", "deadline", "status", "first_scan", "change")
OPEN_STATUSES = ("", "new", "open", "baru")


def _in_window(value: str | None, since: datetime, now: datetime) -> bool:
    when = parse_iso(value) if value else None
    return when is not None and since <= when < now


def build_digest(findings: list[dict], health: list[dict], outbox_counts: dict,
                 since: datetime, now: datetime, min_severity: str = "medium",
                 overdue: list[dict] | None = None):
    """The digest alert for the window [since, now).

    ``findings`` may hold older ones: those first seen in the window are listed;
    open ones (status empty/"new"/"open") are counted as not yet reviewed.
    Findings below ``min_severity`` (the immediate-routing threshold of the
    simple form) are listed separately as digest-only. ``overdue``: findings
    still undecided after their deadline (any age), listed by deadline.
    """
    fresh = [f for f in findings if _in_window(f.get("first_seen"), since, now)]
    fresh.sort(key=lambda f: (-Severity.rank_of(f.get("severity")),
                              f.get("first_seen", "")))
    listed = [{k: f.get(k) for k in _FINDING_KEYS} for f in fresh]
    counts = {s: sum(1 for f in fresh if f.get("severity") == s) for s in ("high", "medium", "low")}
    counts["total"] = len(fresh)
    threshold = Severity.rank_of(min_severity, Severity.MEDIUM.rank)
    low = [f for f in listed if Severity.rank_of(f.get("severity")) < threshold]
    open_findings = sum(1 for f in findings if str(f.get("status") or "").lower() in OPEN_STATUSES)
    problems = [{k: h.get(k) for k in ("account_url", "platform", "person", "state", "reason",
                                       "since", "failures")} for h in health]
    day = now.astimezone(WITA).date().isoformat()
    context = {"since": iso(since), "now": iso(now), "counts": counts, "findings": listed,
               "low_findings": low, "open_findings": open_findings, "health": problems,
               "outbox": dict(outbox_counts),
               "overdue": [{k: f.get(k) for k in _FINDING_KEYS} | {"finding_id": f.get("id")}
                           for f in (overdue or [])][:50],
               "overdue_count": len(overdue or [])}
    return Alert(id=f"digest:{day}", kind="digest", severity="low", unit="", context=context,
                 attachments=[], created=iso(now))


def next_digest_at(now: datetime, settings: AlertsSettings) -> datetime:
    """The next UTC time the digest is due (``digest_time`` WITA, strictly after ``now``)."""
    return next_daily(now, parse_hhmm(settings.digest_time))
