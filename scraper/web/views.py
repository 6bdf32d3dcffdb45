"""What the console's pages show, computed from stored findings (pure, no I/O).

Filters of the *Temuan* list, the post text split into highlighted parts,
and the rows of the finding table, in Indonesian and WITA.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.render import KATEGORI as CATEGORY_ID
from alerts.timeutil import deadline, fmt_wita, parse_iso

from ..finding import Finding
from ..report import SEVERITY_ID

STATUS_ID = {"new": "Belum ditinjau", "confirmed": "Dikonfirmasi", "dismissed": "Ditolak"}
DEADLINE_ID = {"lewat": "Sudah lewat batas", "dekat": "Batas ≤ 2 hari"}
NEAR = timedelta(days=2)
ID_RE = re.compile(r"^[0-9a-f]{16}$")
#: longest post text shown (a hostile page may send megabytes)
MAX_TEXT = 20_000


def valid_id(fid: str) -> bool:
    return bool(ID_RE.match(fid or ""))


def _typed(finding: dict[str, Any] | Finding) -> Finding:
    """Stored findings are read through their type (:class:`scraper.finding.Finding`)."""
    return finding if isinstance(finding, Finding) else Finding.from_json(finding)


def due(finding: dict[str, Any] | Finding) -> datetime | None:
    f = _typed(finding)
    first_seen = parse_iso(f.first_seen)  # a missing first_seen ("") parses to None, as before
    return parse_iso(f.deadline) or (deadline(first_seen) if first_seen else None)


@dataclass
class Filters:
    status: str = ""
    severity: str = ""
    unit: str = ""
    platform: str = ""
    election: str = ""
    batas: str = ""

    @classmethod
    def from_query(cls, query: Any) -> "Filters":
        allowed = {"status": STATUS_ID, "severity": SEVERITY_ID, "batas": DEADLINE_ID}
        values = {}
        for name in cls.__dataclass_fields__:
            value = str(query.get(name) or "").strip()[:200]
            if name in allowed and value not in allowed[name]:
                value = ""
            values[name] = value
        return cls(**values)

    def active(self) -> bool:
        return any(vars(self).values())

    def match(self, doc: dict[str, Any], now: datetime) -> bool:
        f = _typed(doc)
        if self.status and f.status != self.status:
            return False
        # an old document without severity matches no severity filter (not even "none"), as before
        if self.severity and (f.severity if "severity" in doc else None) != self.severity:
            return False
        if self.unit and f.person.get("unit") != self.unit:
            return False
        if self.platform and f.platform != self.platform:
            return False
        if self.election and self.election not in f.elections:
            return False
        if self.batas:
            d = due(f)
            if d is None or f.status != "new":
                return False
            if self.batas == "lewat" and not now > d:
                return False
            if self.batas == "dekat" and not (now <= d <= now + NEAR):
                return False
        return True


def filter_findings(findings: list[dict[str, Any]], filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Matching findings, earliest deadline first."""
    hits = [f for f in findings if filters.match(f, now)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(hits, key=lambda f: (due(f) or far, f["id"]))


def status_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    counts = {s: 0 for s in STATUS_ID}
    for f in map(_typed, findings):
        counts[f.status] = counts.get(f.status, 0) + 1
    return counts


def choices(findings: list[dict[str, Any]], election_names: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    typed = [_typed(f) for f in findings]
    units = sorted({f.person.get("unit", "") for f in typed} - {""})
    platforms = sorted({f.platform for f in typed} - {""})
    elections = sorted({e for f in typed for e in f.elections})
    return {
        "status": list(STATUS_ID.items()),
        "severity": list(SEVERITY_ID.items()),
        "unit": [(u, u) for u in units],
        "platform": [(p, p) for p in platforms],
        "election": [(e, election_names.get(e, e)) for e in elections],
        "batas": list(DEADLINE_ID.items()),
    }


def row(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    f = _typed(doc)
    d = due(f)
    status = f.status
    # what an old document lacks shows as before ("-", "", None), not as the type's default
    severity = f.severity if "severity" in doc else None
    return {
        "id": f.id,
        "person": f.person.get("name", "-"),
        "unit": f.person.get("unit", "-"),
        "platform": f.platform if "platform" in doc else "-",
        "severity": f.severity if "severity" in doc else "",
        "severity_id": SEVERITY_ID.get(severity, severity),
        "status": status,
        "status_id": STATUS_ID.get(status, status),
        "first_seen": fmt_wita(f.first_seen),
        "deadline": fmt_wita(d),
        "overdue": bool(d and now > d and status == "new"),
        "near": bool(d and now <= d <= now + NEAR and status == "new"),
        "deleted": bool(f.post_deleted_at),
        "terms": ", ".join(f.terms),
        **_case_row(f),
    }


def _case_row(f: dict[str, Any]) -> dict[str, Any]:
    from ..cases import case_status, source_of
    from ..review import CASE_STATUS_ID

    case = case_status(f)
    return {"source": source_of(f), "case_id": CASE_STATUS_ID[case] if case and case != "confirmed" else ""}


def highlight(text: str, matches: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    """``text`` cut into (part, match or None); matched parts are the counted (non-neutral) matches.

    Offsets come from the detector (positions in the original text); overlapping
    or out-of-range spans are skipped rather than trusted.
    """
    text = (text or "")[:MAX_TEXT]
    spans = []
    for m in matches:
        start, end = m.get("start"), m.get("end")
        if m.get("category") == "neutral" or not isinstance(start, int) or not isinstance(end, int):
            continue
        if 0 <= start < end <= len(text):
            spans.append((start, end, m))
    parts: list[tuple[str, dict[str, Any] | None]] = []
    pos = 0
    for start, end, m in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos:
            continue
        if start > pos:
            parts.append((text[pos:start], None))
        label = {"term": m.get("term"), "category": CATEGORY_ID.get(m.get("category"), m.get("category")),
                 "reason": m.get("reason") or ""}
        parts.append((text[start:end], label))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts


def reasons(matches: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"term": m.get("term"), "category": CATEGORY_ID.get(m.get("category"), m.get("category")),
             "reason": m.get("reason") or ""} for m in matches if m.get("category") != "neutral"]


def case_view(finding: dict[str, Any], config: Any) -> dict[str, Any]:
    """What the case panel of a finding shows (scraper.cases; issue #19)."""
    from ..cases import case_fields, source_of
    from ..review import CASE_STATUS_ID

    from ..report import CHANNEL_ID, date_id

    f = _typed(finding)
    case = case_fields(f)
    case.update(recommended_date=date_id(case["recommended_date"]) if case["recommended_date"] else None,
                decided_date=date_id(case["decided_date"]) if case["decided_date"] else None)
    tips = [{**t, "channel": CHANNEL_ID.get(t.get("channel"), t.get("channel"))} for t in f.extra.get("tips", [])]
    return {"case": case, "case_status_id": CASE_STATUS_ID, "source": source_of(f),
            "recipient": config.report.recipient, "tips": tips}
