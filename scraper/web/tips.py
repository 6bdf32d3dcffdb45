"""Tips and cases in the console (issue #19), kept apart from the review pages.

* ``GET/POST /laporan`` (permission ``tips.submit``: the ``pkd`` role, reviewers,
  admins): the tip form (a post link, a note, and for an account on no
  watchlist a reason) and the list of the user's *own* tips. The capture is
  :func:`scraper.app.capture_tip`, the same as ``pantau capture``.
* ``GET/POST /lapor`` only when ``[web] public_tips = true``: a public tip page
  without login; it shows nothing but a receipt number, takes only links to
  listed accounts, and accepts ``[web] public_tips_per_hour`` tips per address.
* ``POST /temuan/{id}/kasus`` (form) and ``POST /api/findings/{id}/case``
  (JSON ``{"step": "recommend"|"decide"|"close", "letter", "date",
  "recipient", "outcome", "sanction", "note"}``), permission
  ``findings.decide``: the case steps of :func:`scraper.app.case_step`.
* ``POST /api/tips`` (JSON ``{"url", "note", "unlisted"}``), permission
  ``tips.submit``: a tip through the API.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..app import capture_tip, case_step
from ..errors import PantauError
from ..finding import has_evidence
from ..review import STATUS_ID, ReviewError
from ..tips import Unlisted
from .app import Console, guard
from .auth import LOGIN_CSRF_COOKIE
from .pages import find

MAX_FIELD = 2000
STEP_WORDS = {"recommend": "direkomendasikan", "decide": "diputus", "close": "selesai"}
PUBLIC_BY = "publik"


def _console(request: Request) -> Console:
    return request.app.state.console


def _user(request: Request) -> str:
    return request.state.identity.user.name


def _field(form: Any, name: str, limit: int = MAX_FIELD) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def own_tips(console: Console, name: str) -> list[dict[str, Any]]:
    """The tips ``name`` submitted in the console, newest first (only what the reporter may see)."""
    rows = []
    for f in console.stores.findings.all():
        for t in f.get("tips", []):
            if t.get("by") == name and t.get("channel") in ("konsol", "api"):
                rows.append({"id": f["id"], "url": t.get("url"), "at": t.get("at"), "note": t.get("note") or "",
                             "status": STATUS_ID.get(f.get("status", "new"), f.get("status")),
                             "evidence": has_evidence(f)})
    return sorted(rows, key=lambda r: r["at"] or "", reverse=True)


async def _submit(console: Console, url: str, *, by: str, note: str, unlisted: str, channel: str):
    return await capture_tip(console.config, url, by=by, note=note, unlisted=unlisted, channel=channel)


@guard("tips.submit")
def tips_page(request: Request) -> Response:
    console = _console(request)
    q = request.query_params
    return console.page(request, "tips.html.j2", tips=own_tips(console, _user(request)),
                        done=q.get("ok", "")[:16], error=q.get("galat", "")[:400], url=q.get("url", "")[:2000],
                        ask_reason=q.get("alasan") == "1")


@guard("tips.submit")
async def tips_post(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    url = _field(form, "url")
    try:
        result = await _submit(console, url, by=_user(request), note=_field(form, "note"),
                               unlisted=_field(form, "unlisted", 500), channel="konsol")
    except Unlisted as exc:
        return RedirectResponse(f"/laporan?galat={quote(str(exc))}&url={quote(url)}&alasan=1", status_code=303)
    except PantauError as exc:
        return RedirectResponse(f"/laporan?galat={quote(str(exc))}&url={quote(url)}", status_code=303)
    return RedirectResponse(f"/laporan?ok={result.finding['id']}", status_code=303)


@guard("tips.submit", api=True)
async def tips_api(request: Request) -> Response:
    console = _console(request)
    body = await _json(request)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        return JSONResponse({"error": 'isi "url" dengan tautan satu unggahan'}, status_code=400)
    try:
        result = await _submit(console, body["url"], by=_user(request), note=str(body.get("note") or "")[:MAX_FIELD],
                               unlisted=str(body.get("unlisted") or "")[:500], channel="api")
    except Unlisted as exc:
        return JSONResponse({"error": str(exc)}, status_code=403)
    except PantauError as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    f = result.finding
    return JSONResponse({"id": f["id"], "created": result.created, "source": f.get("source"),
                         "status": f.get("status"), "evidence": has_evidence(f)},
                        status_code=201 if result.created else 200)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        return None


# -- cases -----------------------------------------------------------------------------------------

def _step_values(step: str, data: Any) -> dict[str, str]:
    def get(key: str) -> str:
        value = data.get(key)
        return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""
    if step == "recommend":
        return {"letter": get("letter"), "day": get("date"), "recipient": get("recipient"), "note": get("note")}
    if step == "decide":
        return {"outcome": get("outcome"), "day": get("date"), "sanction": get("sanction"), "note": get("note")}
    return {"note": get("note")}


@guard("findings.decide")
async def case_post(request: Request) -> Response:
    console = _console(request)
    finding = find(console, request.path_params["fid"])
    form = await request.form()
    step = _field(form, "step", 20)
    try:
        if step not in STEP_WORDS:
            raise ReviewError("langkah kasus tidak dikenal")
        case_step(console.stores, finding["id"], step, by=_user(request), **_step_values(step, form))
    except ReviewError as exc:
        return RedirectResponse(f"/temuan/{finding['id']}?galat={quote(str(exc))}#kasus", status_code=303)
    return RedirectResponse(f"/temuan/{finding['id']}?pesan=kasus-{step}#kasus", status_code=303)


@guard("findings.decide", api=True)
async def case_api(request: Request) -> Response:
    from ..finding import finding_summary

    console = _console(request)
    try:
        finding = find(console, request.path_params["fid"])
    except HTTPException:
        return JSONResponse({"error": "temuan tidak ditemukan"}, status_code=404)
    body = await _json(request)
    if not isinstance(body, dict) or body.get("step") not in STEP_WORDS:
        return JSONResponse({"error": 'isi "step" dengan "recommend", "decide" atau "close"'}, status_code=400)
    try:
        updated = case_step(console.stores, finding["id"], body["step"], by=_user(request),
                            **_step_values(body["step"], body))
    except ReviewError as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    return JSONResponse(finding_summary(updated))


# -- the public tip page --------------------------------------------------------------------------

class PublicLimiter:
    """At most ``per_hour`` public tips per address in any hour (in memory, bounded)."""

    def __init__(self, per_hour: int, max_addresses: int = 10000):
        self.per_hour = per_hour
        self.max_addresses = max_addresses
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.max_addresses:
                self._hits = {a: d for a, d in self._hits.items() if d and now - d[-1] < 3600}
            hits = self._hits.setdefault(address, deque())
            while hits and now - hits[0] >= 3600:
                hits.popleft()
            if len(hits) >= self.per_hour:
                return False
            hits.append(now)
            return True


def _limiter(request: Request) -> PublicLimiter:
    console = _console(request)
    limiter = getattr(request.app.state, "public_tips_limiter", None)
    if limiter is None:
        limiter = request.app.state.public_tips_limiter = PublicLimiter(console.config.web.public_tips_per_hour)
    return limiter


def _public_form(request: Request, status: int = 200, **context: Any) -> Response:
    console = _console(request)
    cookie, token = console.sessions.login_token()
    response = console.page(request, "public_tip.html.j2", status_code=status, token=token, **context)
    response.set_cookie(LOGIN_CSRF_COOKIE, cookie, **console.sessions.cookie_args(3600))
    return response


async def public_tip(request: Request) -> Response:
    console = _console(request)
    if not console.config.web.public_tips:
        raise HTTPException(404)
    if request.method == "GET":
        return _public_form(request)
    form = await request.form()
    if not console.sessions.login_token_ok(request.cookies.get(LOGIN_CSRF_COOKIE), _field(form, "csrf", 200)):
        return _public_form(request, 403, error="Formulir kedaluwarsa: muat ulang halaman lalu kirim lagi.")
    address = request.client.host if request.client else "?"
    if not _limiter(request).allow(address):
        return _public_form(request, 429, error="Terlalu banyak laporan dari alamat ini. Coba lagi dalam satu jam, "
                                                "atau laporkan langsung ke kantor Bawaslu.")
    url = _field(form, "url")
    try:
        result = await _submit(console, url, by=PUBLIC_BY, note=_field(form, "note", 1000), unlisted="",
                               channel="publik")
    except Unlisted:
        return _public_form(request, 422, error="Akun ini tidak ada dalam daftar pantauan Pantau. Laporkan langsung "
                                                "ke kantor Bawaslu agar petugas menilainya.", url=url)
    except PantauError:
        return _public_form(request, 422, error="Unggahan tidak bisa diambil. Periksa tautannya (tautan satu "
                                                "unggahan, misalnya https://t.me/kanal/123) lalu kirim lagi.", url=url)
    return _public_form(request, receipt=result.finding["id"][:8])


def routes() -> list[Route]:
    return [
        Route("/laporan", tips_page),
        Route("/laporan", tips_post, methods=["POST"]),
        Route("/lapor", public_tip, methods=["GET", "POST"]),
        Route("/temuan/{fid}/kasus", case_post, methods=["POST"]),
        Route("/api/findings/{fid}/case", case_api, methods=["POST"]),
        Route("/api/tips", tips_api, methods=["POST"]),
    ]
