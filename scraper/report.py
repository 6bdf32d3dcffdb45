"""The printable report staff attach to their recommendation (HTML or PDF).

:func:`report_context` is pure: it turns a finding, its custody entries and
the result of verifying its evidence into the values the Jinja2 template
``templates/report.html.j2`` shows (Indonesian, WITA). :func:`render_html`
renders it with autoescaping; the PDF is the same HTML printed by the same
Chromium that Pantau already uses (``Browser.pdf``), so no further heavy
dependency is needed.
"""
from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, FileSystemLoader, select_autoescape

from alerts.render import KATEGORI, safe_url
from alerts.timeutil import deadline, fmt_wita, parse_iso

from .custody import sha256_file
from .evidence import SCREENSHOT
from .finding import Finding

TEMPLATES = Path(__file__).parent / "templates"
ACTIONS_ID = {"captured": "bukti diambil", "verified": "bukti diperiksa", "confirmed": "dikonfirmasi",
              "dismissed": "ditolak", "report": "laporan dibuat", "purged": "dihapus (retensi)",
              "viewed": "dilihat", "repaired": "log diperbaiki", "reported": "dilaporkan (tip)", "tip": "laporan diterima",
              "case_recommended": "direkomendasikan", "case_decided": "diputus", "case_closed": "kasus selesai"}
STATUS_ID = {"new": "Belum ditinjau", "confirmed": "Dikonfirmasi", "dismissed": "Ditolak"}
SEVERITY_ID = {"low": "rendah", "medium": "sedang", "high": "tinggi", "none": "tidak ada"}


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["wita"] = fmt_wita
    env.filters["safe_url"] = safe_url  # links only http(s): a javascript:/data: post link stays text
    return env


#: why a report may not go to the authority as it is (the banner; ``report`` refuses without --force)
BANNERS = {
    "new": "DRAF: TEMUAN BELUM DITINJAU. Laporan ini belum boleh dikirim ke instansi; "
           "tinjau dan konfirmasi temuan terlebih dahulu.",
    "dismissed": "TEMUAN INI DITOLAK oleh petugas peninjau. Laporan ini bukan rekomendasi dan "
                 "tidak untuk dikirim ke instansi.",
}


def banner_for(finding: dict[str, Any]) -> str | None:
    """The warning a report of ``finding`` must carry (None for a confirmed finding)."""
    return BANNERS.get(str(finding.get("status") or "new"), None)


def _screenshot_uri(ev: dict[str, Any], evidence_dir: Path) -> str | None:
    """The screenshot as a data: URI to embed, only when its bytes match the recorded SHA-256."""
    shot = (ev.get("artefacts") or {}).get(SCREENSHOT)
    shot_path = Path(evidence_dir) / SCREENSHOT
    if shot and shot_path.is_file() and sha256_file(shot_path) == shot["sha256"]:
        return "data:image/png;base64," + base64.b64encode(shot_path.read_bytes()).decode("ascii")
    return None


def report_context(finding: dict[str, Any] | Finding, settings: Any, *, evidence_dir: Path,
                   custody_entries: Iterable[dict[str, Any]], evidence_ok: bool | None,
                   evidence_problems: list[str], now: datetime,
                   election_names: dict[str, str] | None = None, signer: str = "",
                   signer_role: str = "") -> dict[str, Any]:
    """Everything the template shows; no I/O except reading the screenshot to embed it.

    ``signer`` (default: the reviewer who decided) and ``signer_role`` go under
    the signature line; custody rows are numbered 1..n for this finding (the
    log's own sequence number is kept as a reference).
    """
    names = election_names or {}
    f = finding if isinstance(finding, Finding) else Finding.from_json(finding)
    finding = f.to_json()  # the templates read the stored document
    first_seen = parse_iso(f.first_seen)
    due = parse_iso(f.deadline) or (deadline(first_seen) if first_seen else None)
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    artefacts = [{"name": n, "sha256": a["sha256"], "bytes": a["bytes"]}
                 for n, a in sorted((ev.get("artefacts") or {}).items())]
    screenshot_uri = _screenshot_uri(ev, evidence_dir)
    reasons = [{"term": m.get("term"), "category": KATEGORI.get(m.get("category"), m.get("category")),
                "reason": m.get("reason") or ""}
               for m in f.matches if m.get("category") != "neutral"]
    return {
        "finding": finding,
        "person": f.person,
        "settings": {"recipient": settings.recipient, "office": settings.office, "city": settings.city},
        "status": STATUS_ID.get(f.status, f.status),
        "severity": SEVERITY_ID.get(f.severity, f.severity),
        "published": fmt_wita(f.published),
        "published_utc": f.published or "-",
        "first_seen": fmt_wita(first_seen),
        "first_seen_utc": f.first_seen or "-",
        "deadline": fmt_wita(due),
        "overdue": bool(due and now > due and f.status == "new"),
        "deleted_at": fmt_wita(f.post_deleted_at) if f.post_deleted_at else None,
        "reasons": reasons,
        "elections": [names.get(e, e) for e in f.elections],
        "captured_at": fmt_wita(ev.get("captured_at")) if ev.get("captured_at") else None,
        "evidence_error": ev.get("error"),
        "artefacts": artefacts,
        "manifest_sha256": ev.get("manifest_sha256"),
        "screenshot_uri": screenshot_uri,
        "evidence_ok": evidence_ok,
        "evidence_problems": evidence_problems,
        "custody": [{"no": no, "seq": e.get("seq"), "time": fmt_wita(e.get("time")),
                     "action": ACTIONS_ID.get(e.get("action"), e.get("action")), "actor": e.get("actor"),
                     "hash": e.get("hash", "")} for no, e in enumerate(custody_entries, 1)],
        "banner": banner_for(finding),
        "signer": signer or f.extra.get("reviewed_by") or "",
        "signer_role": signer_role or "Petugas Pengawas",
        "reviews": [{"action": STATUS_ID.get(r.get("action"), r.get("action")), "by": r.get("by"),
                     "at": fmt_wita(r.get("at")), "note": r.get("note") or "", "forced": r.get("forced", False)}
                    for r in f.review],
        **_case_context(finding),
        "generated": fmt_wita(now),
        "generated_date": fmt_wita(now, with_time=False),
    }


MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")


def date_id(value: str | None) -> str:
    """``2024-12-02`` as ``2 Desember 2024`` (the way a letter is dated)."""
    from datetime import date

    try:
        d = date.fromisoformat(value or "")
    except ValueError:
        return value or "-"
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def _case_context(finding: dict[str, Any]) -> dict[str, Any]:
    """Source, tips and the case's follow-up (scraper.cases) for the report."""
    from .cases import case_fields, source_of
    from .review import CASE_STATUS_ID

    case = case_fields(finding)
    case.update(recommended_date_id=date_id(case["recommended_date"]), decided_date_id=date_id(case["decided_date"]))
    return {"source": "laporan (tip)" if source_of(finding) == "laporan" else "pantauan otomatis Pantau",
            "case": case, "case_status": CASE_STATUS_ID.get(case["case_status"] or "", "-"),
            "case_closed": fmt_wita(case["closed_at"]) if case["closed_at"] else None,
            "tips": [{**t, "at": fmt_wita(t.get("at")), "channel": CHANNEL_ID.get(t.get("channel"), t.get("channel"))}
                     for t in finding.get("tips", [])]}


#: how a tip came in (``tips[].channel``), in the report
CHANNEL_ID = {"cli": "baris perintah", "konsol": "konsol", "api": "API", "publik": "halaman publik"}


def render_html(context: dict[str, Any]) -> str:
    return _env().get_template("report.html.j2").render(**context)


async def render_pdf(html: str, path: Path, browser: Any) -> None:
    """Print ``html`` to an A4 PDF with Pantau's Chromium (``Browser.pdf``)."""
    await browser.pdf(html, Path(path))
