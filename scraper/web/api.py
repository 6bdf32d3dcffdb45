"""The JSON API for integrations (same auth as the pages; bearer token or session + CSRF header).

``GET /api/findings`` (the fields of ``pantau findings list --json``),
``GET /api/findings/{id}`` (the stored finding), ``POST
/api/findings/{id}/decision`` with ``{"decision": "confirmed"|"dismissed",
"note": "..."}``, ``GET /api/status`` (``pantau status --json``).
Errors are ``{"error": "..."}`` with 400/401/403/404/409.
"""
from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..app import decide
from ..finding import Finding
from ..review import ReviewError
from . import views
from .admin import status_view
from .app import Console, guard
from .pages import find


#: ``?status=`` also takes the Indonesian words staff use (as ``findings list --status`` does)
STATUS_WORDS = {"baru": "new", "dikonfirmasi": "confirmed", "ditolak": "dismissed",
                "direkomendasikan": "recommended", "diputus": "decided", "selesai": "closed"}


def _summary(finding: dict) -> dict:
    from ..finding import finding_summary

    return finding_summary(finding)


def _console(request: Request) -> Console:
    return request.app.state.console


@guard("findings.view", api=True)
def findings(request: Request) -> Response:
    console = _console(request)
    items = console.stores.findings.all()
    status = request.query_params.get("status")
    status = STATUS_WORDS.get(status, status) if status else None
    from ..cases import case_status

    def listed(doc: dict) -> bool:  # typed at the entry; a document without status matches none, as before
        f = Finding.from_json(doc)
        return (f.status if "status" in doc else None) == status or case_status(f) == status

    return JSONResponse([_summary(f) for f in items if not status or listed(f)])


@guard("findings.view", api=True)
def finding(request: Request) -> Response:
    console = _console(request)
    try:
        doc = find(console, request.path_params["fid"])
    except HTTPException:
        return JSONResponse({"error": "temuan tidak ditemukan"}, status_code=404)
    console.stores.reviewer().show(doc["id"], by=request.state.identity.user.name)
    return JSONResponse(doc)


@guard("findings.decide", api=True)
async def decision(request: Request) -> Response:
    console = _console(request)
    fid = request.path_params["fid"]
    if not views.valid_id(fid):
        return JSONResponse({"error": "temuan tidak ditemukan"}, status_code=404)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return JSONResponse({"error": "badan permintaan bukan JSON"}, status_code=400)
    if not isinstance(body, dict) or body.get("decision") not in ("confirmed", "dismissed"):
        return JSONResponse({"error": 'isi "decision" dengan "confirmed" atau "dismissed"'}, status_code=400)
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        return JSONResponse({"error": '"note" harus teks (maksimal 2000 karakter)'}, status_code=400)
    try:
        find(console, fid)
    except HTTPException:
        return JSONResponse({"error": "temuan tidak ditemukan"}, status_code=404)
    try:
        updated = await run_in_threadpool(decide, console.stores, fid, body["decision"],
                                          by=request.state.identity.user.name, note=note,
                                          force=body.get("force") is True)
    except ReviewError as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    review = Finding.from_json(updated).extra
    return JSONResponse(_summary(updated) | {k: review.get(k) for k in ("reviewed_by", "reviewed_at", "review_note")})


@guard("people.view", api=True)
def status(request: Request) -> Response:
    view = status_view(_console(request))
    return JSONResponse(view["s"])


def routes() -> list[Route]:
    return [
        Route("/api/findings", findings),
        Route("/api/findings/{fid}", finding),
        Route("/api/findings/{fid}/decision", decision, methods=["POST"]),
        Route("/api/status", status),
    ]
