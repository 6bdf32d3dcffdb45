"""The console's HTML pages (Indonesian): Temuan, Detail, Orang dan akun, Daftar pantauan, Status.

Handlers are thin: they read through :class:`scraper.app.Stores`, decide and
report through :mod:`scraper.app` / :mod:`scraper.review`, and audit every
evidence view and download with the logged-in user's name.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ..app import REPORT_FORMATS, REPORT_MEDIA, ReportError, decide, evidence_bundle, make_report, verify_and_record
from ..custody import sha256_file
from ..evidence import SCREENSHOT
from ..finding import Finding
from ..report import ACTIONS_ID
from ..review import ReviewError
from . import views
from .app import Console, guard

MESSAGES = {"dikonfirmasi": "Temuan dikonfirmasi. Laporan PDF sekarang bisa diunduh.",
            "ditolak": "Temuan ditolak.",
            "kasus-recommend": "Rekomendasi dicatat (kasus: direkomendasikan).",
            "kasus-decide": "Putusan instansi dicatat (kasus: diputus).",
            "kasus-close": "Kasus ditutup (selesai)."}
ACTIONS = {**ACTIONS_ID, "download": "diunduh", "export": "diekspor", "watchlist_replaced": "daftar pantauan diganti"}


def _console(request: Request) -> Console:
    return request.app.state.console


def _user(request: Request) -> str:
    return request.state.identity.user.name


def find(console: Console, fid: str) -> dict[str, Any]:
    """The finding with exactly this id, else 404 (no prefixes, no paths)."""
    if not views.valid_id(fid):
        raise HTTPException(404)
    hit = next((f for f in console.stores.findings.all() if f["id"] == fid), None)
    if hit is None:
        raise HTTPException(404)
    return hit


@guard("findings.view")
def findings_page(request: Request) -> Response:
    console = _console(request)
    now = console.clock()
    findings = console.stores.findings.all()
    filters = views.Filters.from_query(request.query_params)
    rows = [views.row(f, now) for f in views.filter_findings(findings, filters, now)]
    return console.page(request, "findings.html.j2", rows=rows, filters=filters, total=len(findings),
                        counts=views.status_counts(findings), status_id=views.STATUS_ID,
                        choices=views.choices(findings, console.elections))


def _detail(details: dict) -> str:
    """A short note for a log entry: the reviewer's note, else what was viewed or produced."""
    if details.get("note"):
        return str(details["note"])
    if details.get("artefact"):
        return f"berkas {details['artefact']}"
    if details.get("format"):
        return f"format {details['format']}"
    return ""


def _history(console: Console, fid: str) -> tuple[list[dict], list[dict]]:
    def show(entries):
        return [{"seq": e.get("seq"), "time": e.get("time"), "actor": e.get("actor"),
                 "action": ACTIONS.get(e.get("action"), e.get("action")),
                 "note": _detail(e.get("details") or {})} for e in entries]
    return show(console.stores.custody.entries(fid)), show(console.stores.audit.entries(fid))


@guard("findings.view")
def finding_page(request: Request) -> Response:
    console = _console(request)
    finding = find(console, request.path_params["fid"])
    typed = Finding.from_json(finding)
    fid = typed.id
    console.stores.reviewer().show(fid, by=_user(request))  # audited: personal data was opened
    ev = typed.evidence if isinstance(typed.evidence, dict) else {}
    check = None
    if "manifest_sha256" in ev:
        # the same operation as `pantau evidence verify`, recorded with the logged-in user (once a day)
        check = verify_and_record(console.stores, fid, actor=_user(request), once_a_day=True)
    custody, audit = _history(console, fid)
    return console.page(
        request, "finding.html.j2", f=finding, row=views.row(finding, console.clock()),
        # detected_text: caption + text in images / shared content, as the detector read it (offsets match)
        parts=views.highlight(typed.extra.get("detected_text") or typed.text or typed.excerpt or "", typed.matches),
        reasons=views.reasons(typed.matches), evidence=ev,
        has_image=SCREENSHOT in (ev.get("artefacts") or {}), check=check, custody=custody, audit=audit,
        elections=[console.elections.get(e, e) for e in typed.elections],
        message=MESSAGES.get(request.query_params.get("pesan", ""), ""), **views.case_view(finding, console.config),
        error=request.query_params.get("galat", "")[:300])


@guard("findings.view")
def evidence_image(request: Request) -> Response:
    console = _console(request)
    finding = find(console, request.path_params["fid"])
    fid = finding["id"]
    art = ((finding.get("evidence") or {}).get("artefacts") or {}).get(SCREENSHOT)
    path = console.stores.layout["evidence"] / fid / SCREENSHOT
    if not art or not path.is_file():
        raise HTTPException(404)
    if sha256_file(path) != art.get("sha256"):
        return console.page(request, "error.html.j2", status_code=409,
                            message="Gambar bukti TIDAK UTUH (sidik SHA-256 berbeda): jalankan pantau evidence verify.")
    console.stores.audit.append("viewed", finding_id=fid, actor=_user(request),
                                details={"artefact": SCREENSHOT, "via": "web"})
    return FileResponse(path, media_type="image/png", headers={"cache-control": "private, no-store"})


@guard("findings.decide")
async def decision_post(request: Request) -> Response:
    console = _console(request)
    finding = find(console, request.path_params["fid"])
    form = await request.form()
    choice = str(form.get("decision") or "")
    note = str(form.get("note") or "").strip()[:2000]
    force = form.get("force") == "1"
    try:
        await run_in_threadpool(decide, console.stores, finding["id"], choice, by=_user(request), note=note, force=force)
    except ReviewError as exc:
        from urllib.parse import quote

        return RedirectResponse(f"/temuan/{finding['id']}?galat={quote(str(exc))}", status_code=303)
    word = "dikonfirmasi" if choice in ("confirm", "confirmed") else "ditolak"
    return RedirectResponse(f"/temuan/{finding['id']}?pesan={word}", status_code=303)


@guard("findings.view")
async def report_download(request: Request) -> Response:
    """The report as PDF, DOCX (editable) or HTML; a finding not confirmed only as a marked draft (?draf=1)."""
    from urllib.parse import quote

    console = _console(request)
    finding = find(console, request.path_params["fid"])
    fmt = request.path_params["fmt"]
    if fmt not in REPORT_FORMATS:
        raise HTTPException(404)
    try:
        report = await make_report(console.stores, finding, fmt, actor=_user(request),
                                   force=request.query_params.get("draf") == "1", out="web")
    except (ReviewError, ReportError) as exc:
        return RedirectResponse(f"/temuan/{finding['id']}?galat={quote('Laporan tidak dibuat: ' + str(exc))}",
                                status_code=303)
    name = f"laporan-{finding['id']}{'-DRAF' if report.banner else ''}.{fmt}"
    return Response(report.data, media_type=REPORT_MEDIA[fmt], headers={
        "content-disposition": f'attachment; filename="{name}"', "cache-control": "private, no-store"})


@guard("findings.view")
def bundle_download(request: Request) -> Response:
    console = _console(request)
    finding = find(console, request.path_params["fid"])
    data = evidence_bundle(console.stores, finding, by=_user(request))
    return Response(data, media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="bukti-{finding["id"]}.zip"',
        "cache-control": "private, no-store"})


def routes() -> list[Route]:
    from . import admin

    return [
        Route("/temuan", findings_page),
        Route("/temuan/{fid}", finding_page),
        Route("/temuan/{fid}/gambar", evidence_image),
        Route("/temuan/{fid}/keputusan", decision_post, methods=["POST"]),
        Route("/temuan/{fid}/laporan.{fmt}", report_download),
        Route("/temuan/{fid}/bukti.zip", bundle_download),
        *admin.routes(),
    ]
