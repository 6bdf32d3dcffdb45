"""Cases: a confirmed finding followed to the authority's decision, and its deadlines.

A confirmed finding is a case in state ``confirmed``; staff move it on to
``recommended`` (date, letter number, recipient from ``[report] recipient``),
``decided`` (date, outcome, sanction category as free text) and ``closed``.
The state lives in ``finding["case"]`` (``status`` stays the review decision:
``new``/``confirmed``/``dismissed``); :func:`case_fields` gives the flat JSON
fields (``case_status``, ``recommended_date``, ...) that ``findings list
--json``, the API and the export show. Every step is written to the audit log
(and to the custody log when the finding has evidence), like a review
decision.

Deadlines: a finding still ``new`` one day before its 7-day deadline gets one
reminder through the outbox (alert id ``reminder:<finding id>``: the outbox
refuses an id it ever held, so never twice, also across restarts); a ``new``
finding past its deadline is *overdue* (``status``, console, digest).

While a person has an open case (confirmed, recommended or decided), their
accounts are fetched every ``[schedule] case_interval`` and a deleted post of
theirs is alerted at once (:func:`deleted_post_alert`).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from alerts.outbox import Alert
from alerts.timeutil import iso, parse_iso, utc_now

from .finding import Finding, as_json, evidence_manifest, has_evidence
from .review import CASE_STATUS_ID, ReviewError, audit_log, resolve_id
from .store import FindingStore, storage_layout

CASE_STATES = ("confirmed", "recommended", "decided", "closed")
OPEN_CASE = frozenset({"confirmed", "recommended", "decided"})
#: the step -> (state it needs, state it sets)
STEPS = {"recommend": ("confirmed", "recommended"), "decide": ("recommended", "decided"),
         "close": ("decided", "closed")}
REMIND_BEFORE = timedelta(days=1)
MAX_TEXT = 2000
CASE_FIELDS = ("case_status", "recommended_date", "letter_number", "recipient", "decided_date", "outcome",
               "sanction", "closed_at")


def _typed(finding: dict[str, Any] | Finding) -> Finding:
    """Stored findings are read through their type (:class:`scraper.finding.Finding`)."""
    return finding if isinstance(finding, Finding) else Finding.from_json(finding)


def case_status(finding: dict[str, Any] | Finding) -> str | None:
    """The case state of a finding: None until it is confirmed (and for a dismissed one)."""
    f = _typed(finding)
    if f.status != "confirmed":
        return None
    return f.case.get("status") or "confirmed"


def case_fields(finding: dict[str, Any] | Finding) -> dict[str, Any]:
    """The flat case fields of ``findings list --json`` (None where not reached yet)."""
    f = _typed(finding)
    case = f.case
    return {"case_status": case_status(f), "recommended_date": case.get("recommended_date"),
            "letter_number": case.get("letter_number"), "recipient": case.get("recipient"),
            "decided_date": case.get("decided_date"), "outcome": case.get("outcome"),
            "sanction": case.get("sanction"), "closed_at": case.get("closed_at")}


def source_of(finding: dict[str, Any] | Finding) -> str:
    """``pantau`` (found by the daemon) or ``laporan`` (a tip)."""
    return _typed(finding).source


def parse_date(text: str, what: str = "tanggal") -> str:
    """A staff date ``YYYY-MM-DD`` (also ``DD-MM-YYYY``) as ISO; ReviewError otherwise."""
    text = (text or "").strip()
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    try:
        day = date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)
    except ValueError:
        raise ReviewError(f"{what} {text!r} bukan tanggal; tulis YYYY-MM-DD, misalnya 2024-12-02") from None
    return day.isoformat()


def _text(value: str, what: str, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ReviewError(f"{what} wajib diisi")
    if len(value) > MAX_TEXT:
        raise ReviewError(f"{what} terlalu panjang (maksimal {MAX_TEXT} karakter)")
    return value


class CaseBook:
    """Case steps on one storage folder; ``clock`` is injectable for tests."""

    def __init__(self, storage_dir: Path, *, recipient: str = "", clock: Callable[[], datetime] = utc_now):
        from .evidence import custody_log

        layout = storage_layout(Path(storage_dir))
        self.store = FindingStore(layout["findings"])
        self.audit = audit_log(Path(storage_dir), clock)
        self.custody = custody_log(layout["evidence"], clock)
        self.recipient = recipient
        self.clock = clock

    def recommend(self, given: str, *, letter: str, day: str, by: str, recipient: str = "",
                  note: str = "") -> dict[str, Any]:
        values = {"letter_number": _text(letter, "nomor surat (--letter)"),
                  "recommended_date": parse_date(day, "tanggal rekomendasi (--date)"),
                  "recipient": _text(recipient or self.recipient, "penerima rekomendasi ([report] recipient)"),
                  "recommended_by": (by or "").strip()}
        return self._step(given, "recommend", values, by=by, note=note)

    def decide(self, given: str, *, outcome: str, day: str, by: str, sanction: str = "",
               note: str = "") -> dict[str, Any]:
        values = {"outcome": _text(outcome, "putusan (--outcome)"),
                  "decided_date": parse_date(day, "tanggal putusan (--date)"),
                  "sanction": _text(sanction, "kategori sanksi", required=False) or None,
                  "decided_by": (by or "").strip()}
        return self._step(given, "decide", values, by=by, note=note)

    def close(self, given: str, *, by: str, note: str = "") -> dict[str, Any]:
        return self._step(given, "close", {"closed_by": (by or "").strip()}, by=by, note=note, stamp_key="closed_at")

    def _step(self, given: str, step: str, values: dict[str, Any], *, by: str, note: str,
              stamp_key: str | None = None) -> dict[str, Any]:
        by = (by or "").strip()
        if not by:
            raise ReviewError("nama petugas wajib diisi (--by NAMA)")
        note = _text(note, "catatan", required=False)
        need, target = STEPS[step]
        fid = resolve_id(self.store, given)["id"]
        now = self.clock()
        if stamp_key:
            values[stamp_key] = iso(now)

        def change(doc: dict[str, Any]) -> None:  # under the store's file lock
            current = case_status(doc)
            if current != need:
                raise ReviewError(_refusal(doc["id"], step, current, need))
            case = doc.setdefault("case", {})
            case.update(values, status=target)
            case.setdefault("history", []).append({"action": target, "by": by, "at": iso(now), "note": note,
                                                   "previous": current})

        updated = self.store.update(fid, change)
        if updated is None:
            raise ReviewError(f"temuan {fid} hilang saat diperbarui")
        details = {"from": need, "to": target, "note": note,
                   **{k: v for k, v in values.items() if not k.endswith("_by")}}
        self.audit.append(f"case_{target}", finding_id=fid, actor=by, details=details, now=now)
        if has_evidence(updated):
            self.custody.append(f"case_{target}", finding_id=fid, actor=by, details=details,
                                artefacts={"manifest.json": evidence_manifest(updated)}, now=now)
        return updated


def _refusal(fid: str, step: str, current: str | None, need: str) -> str:
    word = {"recommend": "direkomendasikan", "decide": "diputus", "close": "diselesaikan"}[step]
    if current is None:
        return (f"temuan {fid[:8]} belum dikonfirmasi; hanya temuan yang dikonfirmasi yang bisa {word} "
                f"(pantau findings confirm {fid[:8]} --by \"NAMA\")")
    return (f"temuan {fid[:8]} berstatus kasus {CASE_STATUS_ID.get(current, current)}; untuk {word} "
            f"statusnya harus {CASE_STATUS_ID[need]}")


# -- deadlines ------------------------------------------------------------------------------------

def is_overdue(finding: dict[str, Any] | Finding, now: datetime) -> bool:
    """Still undecided (``new``) after its deadline."""
    f = _typed(finding)
    due = parse_iso(f.deadline)
    return bool(due and now > due and f.status == "new")


def overdue(findings: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return sorted((f for f in findings if is_overdue(f, now)), key=lambda f: (f.get("deadline") or "", f["id"]))


def reminder_due(finding: dict[str, Any] | Finding, now: datetime) -> bool:
    """Undecided, and within the last day before its deadline."""
    f = _typed(finding)
    due = parse_iso(f.deadline)
    return bool(due and f.status == "new" and due - REMIND_BEFORE <= now < due)


def _person_context(finding: dict[str, Any] | Finding) -> dict[str, Any]:
    keys = ("platform", "account_url", "post_url", "first_seen", "deadline", "severity", "excerpt", "person")
    f, stored = _typed(finding), as_json(finding)
    # a key an old document lacks stays None in the alert context (as before), not the type's default
    return {**{k: getattr(f, k) if k in stored else None for k in keys}, "finding_id": f.id, "source": f.source}


def reminder_alert(finding: dict[str, Any] | Finding) -> Alert:
    f = _typed(finding)
    context = {"event": "reminder", **_person_context(finding)}
    return Alert(id=f"reminder:{f.id}", kind="notice", severity="high",
                 unit=str((f.person or {}).get("unit") or ""), context=context)


def enqueue_reminders(outbox: Any, findings: Iterable[dict[str, Any]], now: datetime) -> list[str]:
    """Queue the reminder of every finding due one; ids queued now (the outbox drops repeats)."""
    return [f["id"] for f in findings if reminder_due(f, now) and outbox.enqueue(reminder_alert(f))]


# -- closer watch during a case -------------------------------------------------------------------

def open_case_nips(findings: Iterable[dict[str, Any]]) -> set[str]:
    """NIPs of the people with an open case (confirmed, recommended or decided)."""
    typed = (_typed(f) for f in findings)
    return {str(f.nip or (f.person or {}).get("nip") or "") for f in typed if case_status(f) in OPEN_CASE} - {""}


def case_interval(normal: float, case_seconds: float, nip: str, open_nips: set[str]) -> float:
    """The fetch interval of an account of ``nip``: the shorter case interval while a case is open."""
    return min(normal, case_seconds) if nip in open_nips else normal


def deleted_post_alert(person: Any, account: Any, post_id: str, post_url: str, now: datetime,
                       cases: list[dict[str, Any]]) -> Alert:
    """The alert sent at once when a person with an open case deletes a post."""
    context = {"event": "case_deleted", "platform": account.platform, "account_url": account.url,
               "post_url": post_url, "post_id": post_id, "deleted_at": iso(now),
               "person": {"name": person.name, "nip": person.nip, "position": person.position, "unit": person.unit},
               "cases": [{"finding_id": f["id"], "case_status": case_status(f),
                          "case_status_id": CASE_STATUS_ID.get(case_status(f) or "", "")} for f in cases]}
    return Alert(id=f"case-deleted:{account.key}:{post_id}", kind="notice", severity="high",
                 unit=person.unit, context=context, created=iso(now))
