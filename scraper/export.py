"""CSV export of findings for the monthly recap (opens directly in Excel).

Dates are calendar days in WITA, both ends included, applied to the
finding's first-seen time. The file is UTF-8 with a BOM (Excel otherwise
reads it as ANSI), comma-separated, one header row. Cells that a spreadsheet
would run as a formula (starting with ``= + - @``, tab or CR; post texts
are written by the watched people) are prefixed with ``'``. The NIP is
written as ``="…"`` so Excel keeps all 18 digits instead of showing
1,98503E+17 (it is validated to be digits only, so this is not injection).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from alerts.timeutil import WITA, fmt_wita, parse_iso

BOM = "\ufeff"
COLUMNS = [
    ("id", "ID temuan"), ("status", "Status"), ("first_seen", "Pertama terlihat (WITA)"),
    ("deadline", "Batas penanganan (WITA)"), ("published", "Waktu unggah (WITA)"), ("name", "Nama"),
    ("nip", "NIP"), ("position", "Jabatan"), ("unit", "Unit kerja"), ("platform", "Platform"),
    ("account_url", "Akun"), ("post_url", "Tautan unggahan"), ("severity", "Tingkat"), ("score", "Skor"),
    ("terms", "Istilah"), ("elections", "Pemilihan"), ("reviewed_by", "Peninjau"),
    ("reviewed_at", "Waktu tinjauan (WITA)"), ("review_note", "Catatan tinjauan"),
    ("post_deleted_at", "Unggahan dihapus (WITA)"), ("manifest_sha256", "SHA-256 manifest bukti"),
    ("excerpt", "Kutipan"),
]
STATUS_ID = {"new": "baru", "confirmed": "dikonfirmasi", "dismissed": "ditolak"}


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"bukan tanggal YYYY-MM-DD: {text!r}") from None


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 WITA, day after end 00:00 WITA) as aware datetimes."""
    if end < start:
        raise ValueError(f"tanggal akhir {end} sebelum tanggal awal {start}")
    return (datetime.combine(start, time(0), tzinfo=WITA),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=WITA))


def select(findings: Iterable[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    lo, hi = day_range(start, end)
    out = []
    for f in findings:
        seen = parse_iso(f.get("first_seen"))
        if seen is not None and lo <= seen < hi:
            out.append(f)
    return sorted(out, key=lambda f: (f.get("first_seen", ""), f["id"]))


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def row(f: dict[str, Any]) -> list[str]:
    p = f.get("person", {})
    ev = f.get("evidence") if isinstance(f.get("evidence"), dict) else {}
    values = {
        "id": f["id"], "status": STATUS_ID.get(f.get("status", "new"), f.get("status")),
        "first_seen": fmt_wita(f.get("first_seen")), "deadline": fmt_wita(f.get("deadline")),
        "published": fmt_wita(f.get("published")), "name": p.get("name"), "position": p.get("position"),
        "unit": p.get("unit"), "platform": f.get("platform"), "account_url": f.get("account_url"),
        "post_url": f.get("post_url"), "severity": f.get("severity"), "score": f.get("score"),
        "terms": "; ".join(f.get("terms", [])), "elections": "; ".join(f.get("elections", [])),
        "reviewed_by": f.get("reviewed_by"),
        "reviewed_at": fmt_wita(f["reviewed_at"]) if f.get("reviewed_at") else "",
        "review_note": f.get("review_note"),
        "post_deleted_at": fmt_wita(f["post_deleted_at"]) if f.get("post_deleted_at") else "",
        "manifest_sha256": ev.get("manifest_sha256"), "excerpt": f.get("excerpt"),
    }
    cells = [safe_cell(values[key]) for key, _ in COLUMNS if key != "nip"]
    nip = str(p.get("nip") or "")
    cells.insert([k for k, _ in COLUMNS].index("nip"), f'="{nip}"' if nip.isdigit() else safe_cell(nip))
    return cells


def to_csv(findings: Iterable[dict[str, Any]]) -> str:
    """The CSV text, BOM first, CRLF line ends (what Excel writes itself)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for f in findings:
        writer.writerow(row(f))
    return BOM + buf.getvalue()
