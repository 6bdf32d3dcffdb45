"""Export of findings for the monthly recap: CSV or ``.xlsx`` (opens directly in Excel).

Dates are calendar days in WITA, both ends included, applied to the
finding's first-seen time. Labels and values are Indonesian (``tinggi``,
``dikonfirmasi``).

* CSV: UTF-8 with a BOM (Excel otherwise reads it as ANSI), separated by
  ``;`` (what Excel expects in an Indonesian locale, where ``,`` is the
  decimal mark), one header row, times as ISO ``YYYY-MM-DD HH:MM`` in WITA
  (they sort and Excel reads them as dates), the score with a decimal comma.
  Cells that a spreadsheet would run as a formula (starting with
  ``= + - @``, tab or CR; post texts are written by the watched people) are
  prefixed with ``'``. The NIP is written as ``="…"`` so Excel keeps all 18
  digits (it is validated to be digits only, so this is not injection).
* XLSX (openpyxl): real date cells, the score as a number, the NIP as a text
  cell; the header row bold and frozen with a filter.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from alerts.timeutil import WITA, parse_iso

from .cases import case_fields
from .finding import Finding
from .review import CASE_STATUS_ID

BOM = "\ufeff"
COLUMNS = [
    ("id", "ID temuan"), ("status", "Status"), ("first_seen", "Pertama terlihat (WITA)"),
    ("deadline", "Batas penanganan (WITA)"), ("published", "Waktu unggah (WITA)"), ("name", "Nama"),
    ("nip", "NIP"), ("position", "Jabatan"), ("unit", "Unit kerja"), ("platform", "Platform"),
    ("account_url", "Akun"), ("post_url", "Tautan unggahan"), ("severity", "Tingkat"), ("score", "Skor"),
    ("terms", "Istilah"), ("elections", "Pemilihan"), ("reviewed_by", "Peninjau"),
    ("reviewed_at", "Waktu tinjauan (WITA)"), ("review_note", "Catatan tinjauan"),
    ("post_deleted_at", "Unggahan dihapus (WITA)"), ("manifest_sha256", "SHA-256 manifest bukti"),
    ("excerpt", "Kutipan"), ("source", "Sumber"), ("case_status", "Status kasus"),
    ("recommended_date", "Tanggal rekomendasi"), ("letter_number", "Nomor surat rekomendasi"),
    ("recipient", "Penerima rekomendasi"), ("decided_date", "Tanggal putusan"), ("outcome", "Putusan"),
    ("sanction", "Kategori sanksi"), ("closed_at", "Kasus selesai (WITA)"),
]
STATUS_ID = {"new": "baru", "confirmed": "dikonfirmasi", "dismissed": "ditolak"}
SEVERITY_ID = {"low": "rendah", "medium": "sedang", "high": "tinggi", "none": "tidak ada"}
TIME_KEYS = ("first_seen", "deadline", "published", "reviewed_at", "post_deleted_at")
#: case dates are calendar days (``YYYY-MM-DD``), written as dates
FORMATS = ("csv", "xlsx")


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


def _wita(value: Any) -> datetime | None:
    when = parse_iso(value) if value else None
    return when.astimezone(WITA).replace(tzinfo=None, second=0, microsecond=0) if when else None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def values(finding: Finding | dict[str, Any]) -> dict[str, Any]:
    """One finding's export values: times as naive WITA datetimes, the score as a number."""
    f = finding if isinstance(finding, Finding) else Finding.from_json(finding)
    p, review = f.person, f.extra
    out = {
        "id": f.id, "status": STATUS_ID.get(f.status, f.status),
        "name": p.get("name"), "nip": str(p.get("nip") or ""), "position": p.get("position"),
        "unit": p.get("unit"), "platform": f.platform or None, "account_url": f.account_url or None,
        "post_url": f.post_url or None, "severity": SEVERITY_ID.get(f.severity, f.severity),
        "score": f.score if isinstance(f.score, (int, float)) else None,
        "terms": "; ".join(f.terms), "elections": "; ".join(f.elections),
        "reviewed_by": review.get("reviewed_by"), "review_note": review.get("review_note"),
        "manifest_sha256": f.manifest_sha256, "excerpt": f.excerpt or None,
    }
    case = case_fields(f.to_json())
    out.update(case, source=f.source, case_status=CASE_STATUS_ID.get(case["case_status"] or "", None),
               recommended_date=_day(case["recommended_date"]), decided_date=_day(case["decided_date"]))
    times = {"first_seen": f.first_seen, "deadline": f.deadline, "published": f.published,
             "reviewed_at": review.get("reviewed_at"), "post_deleted_at": f.post_deleted_at}
    out.update({key: _wita(times[key]) for key in TIME_KEYS})
    out["closed_at"] = _wita(case["closed_at"])
    return out


def row(f: dict[str, Any]) -> list[str]:
    """One CSV row (text cells; see the module doc)."""
    v = values(f)
    cells = []
    for key, _ in COLUMNS:
        value = v[key]
        if key == "nip":
            cells.append(f'="{value}"' if value.isdigit() else safe_cell(value))
        elif isinstance(value, datetime):
            cells.append(value.strftime("%Y-%m-%d %H:%M"))
        elif isinstance(value, date):
            cells.append(value.isoformat())
        elif key == "score" and value is not None:
            cells.append(f"{value:.2f}".replace(".", ","))
        else:
            cells.append(safe_cell(value))
    return cells


def to_csv(findings: Iterable[dict[str, Any]]) -> str:
    """The CSV text, BOM first, ``;``-separated, CRLF line ends (what Excel writes itself)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for f in findings:
        writer.writerow(row(f))
    return BOM + buf.getvalue()


def to_xlsx(findings: Iterable[dict[str, Any]]) -> bytes:
    """The findings as an Excel workbook (one sheet "Temuan")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Temuan"
    sheet.append([title for _, title in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f in findings:
        v = values(f)
        sheet.append([v[key] for key, _ in COLUMNS])
        for cell, (key, _) in zip(sheet[sheet.max_row], COLUMNS):
            if key == "nip":
                cell.number_format = "@"  # text: all 18 digits kept
            elif isinstance(cell.value, datetime) and key in ("recommended_date", "decided_date"):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif key == "score":
                cell.number_format = "0.00"
            elif isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                cell.value = "'" + cell.value  # hostile text is never a formula
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    from openpyxl.utils import get_column_letter

    for index, (key, title) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18 if key not in ("excerpt", "post_url", "account_url") else 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
