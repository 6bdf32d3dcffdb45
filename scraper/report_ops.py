"""Report operations of the composition root: a finding's report (HTML, PDF, DOCX) and its
evidence bundle, audited and in custody.

Split out of :mod:`scraper.app` (which re-exports every name here, so the CLI and the console
keep calling ``scraper.app.make_report`` etc.). Stores come from :func:`scraper.app.open_stores`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .finding import evidence_manifest, has_evidence

if TYPE_CHECKING:
    from .app import Stores
    from .config import Config


def election_names(config: Config) -> dict[str, str]:
    try:
        from alerts.lexicon import load_lexicon

        return {e.id: e.name for e in load_lexicon(config.lexicon_files()).elections}
    except Exception:  # the report still renders with election ids
        return {}


@dataclass
class Report:
    finding_id: str
    fmt: str
    data: bytes
    evidence_ok: bool | None
    evidence_problems: list
    banner: str | None = None


REPORT_FORMATS = ("html", "pdf", "docx")
REPORT_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class ReportError(Exception):
    """The report could not be produced (message in Indonesian)."""


def report_refusal(finding: dict) -> str | None:
    """Why a report of ``finding`` needs ``force`` (not confirmed), else None."""
    from .report import banner_for
    from .review import STATUS_ID

    if not banner_for(finding):
        return None
    fid, status = finding["id"], str(finding.get("status") or "new")
    hint = (f"konfirmasi dulu: pantau findings confirm {fid[:8]} --by \"NAMA\"" if status == "new"
            else "temuan yang ditolak bukan dasar rekomendasi")
    return f"temuan {fid[:8]} berstatus {STATUS_ID.get(status, status)}; {hint}."


async def make_report(stores: Stores, finding: dict, fmt: str, *, actor: str, signer: str = "",
                      signer_role: str = "", force: bool = False, out: str = "-") -> Report:
    """The report of ``finding`` (HTML, PDF or DOCX bytes); audited, and in custody when it has evidence.

    A finding that is not confirmed is refused (:class:`scraper.review.ReviewError`)
    unless ``force``; then the report carries the draft banner.
    """
    from alerts.timeutil import utc_now

    from .evidence import verify_evidence
    from .report import render_html, report_context
    from .review import ReviewError

    if fmt not in REPORT_FORMATS:
        raise ReportError(f"format {fmt!r} tidak dikenal; pilih html, pdf, atau docx")
    refusal = report_refusal(finding)
    if refusal and not force:
        raise ReviewError(refusal)
    config, layout, fid = stores.config, stores.layout, finding["id"]
    ok, problems = None, []
    if has_evidence(finding):
        check = verify_evidence(layout["evidence"], stores.findings.all(), only=fid)
        ok, problems = check.ok, check.lines()
    custody = stores.custody
    context = report_context(finding, config.report, evidence_dir=layout["evidence"] / fid,
                             custody_entries=list(custody.entries(fid)), evidence_ok=ok,
                             evidence_problems=problems, now=utc_now(), election_names=election_names(config),
                             signer=signer, signer_role=signer_role)
    html = render_html(context)
    if fmt == "html":
        data = html.encode("utf-8")
    elif fmt == "docx":
        from .report_docx import render_docx

        data = render_docx(context)
    else:
        try:
            data = await _pdf_bytes(config, html, fid)
        except Exception as exc:
            raise ReportError(f"Gagal membuat PDF dengan Chromium: {exc}") from exc
    details = {"format": fmt, "out": out, "evidence_ok": ok}
    stores.audit.append("report", finding_id=fid, actor=actor, details=details)
    if has_evidence(finding):
        custody.append("report", finding_id=fid, actor=actor, details=details,
                       artefacts={"manifest.json": evidence_manifest(finding)})
    return Report(finding_id=fid, fmt=fmt, data=data, evidence_ok=ok, evidence_problems=problems,
                  banner=context.get("banner"))


async def _pdf_bytes(config: Config, html: str, fid: str) -> bytes:
    import tempfile
    from pathlib import Path

    from .fetch.browser import Browser
    from .report import render_pdf

    browser = Browser(executable=config.browser.executable, headless=True, args=config.browser.args,
                      page_timeout=config.browser.page_timeout.seconds)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"laporan-{fid}.pdf"
            await render_pdf(html, path, browser)
            return path.read_bytes()
    finally:
        await browser.close()


def evidence_bundle(stores: Stores, finding: dict, *, by: str) -> bytes:
    """A zip of the finding's evidence folder (with its manifest.json), the finding and its custody entries."""
    import io
    import json
    import zipfile

    fid = finding["id"]
    folder = stores.layout["evidence"] / fid
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if folder.is_dir():
            for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
                zf.write(path, f"bukti-{fid}/{path.name}")
        zf.writestr(f"bukti-{fid}/temuan.json", json.dumps(finding, ensure_ascii=False, indent=1))
        zf.writestr(f"bukti-{fid}/custody.jsonl", "".join(
            json.dumps(e, ensure_ascii=False) + "\n" for e in stores.custody.entries(fid)))
    details = {"format": "zip", "files": len(zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist())}
    stores.audit.append("download", finding_id=fid, actor=by, details=details)
    return buf.getvalue()
