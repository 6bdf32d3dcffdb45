"""Pages about the watch itself: Orang dan akun, Status, Daftar pantauan, Pengguna."""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..health import HealthBook
from ..platforms import ADAPTERS
from ..status import build_status
from ..watchlist import check_watchlists
from . import watchlists as wl
from .app import Console, guard
from .users import ROLES, UserError

HEALTH_ID = {"ok": "sehat", "login_wall": "terhalang login", "layout_changed": "tata letak berubah",
             "network": "jaringan gagal", "rate_limited": "dibatasi platform", "not_found": "tidak ditemukan",
             "empty": "kosong"}


def _console(request: Request) -> Console:
    return request.app.state.console


def people_view(console: Console) -> dict[str, Any]:
    config = console.config
    people, problems = check_watchlists(config.watchlist_files())
    book = HealthBook(console.stores.layout["health"], threshold=config.health.failure_threshold)
    health = {h.key: h for h in book.all()}
    rows, session_platforms, walled = [], set(), set()
    for person in sorted(people, key=lambda p: (p.unit, p.name)):
        accounts = []
        for account in person.accounts:
            h = health.get(account.key)
            adapter = ADAPTERS.get(account.platform)
            if adapter is not None and adapter.needs_session:
                session_platforms.add(account.platform)
                if h is not None and h.state == "login_wall":
                    walled.add(account.platform)
            accounts.append({"platform": account.platform, "url": account.url,
                             "state": h.state if h else "belum", "state_id": HEALTH_ID.get(h.state, h.state) if h
                             else "belum diambil", "reason": h.reason if h else "", "since": h.since if h else None,
                             "last_ok": h.last_ok if h else None, "failures": h.failures if h else 0})
        rows.append({"name": person.name, "nip": person.nip, "position": person.position, "unit": person.unit,
                     "accounts": accounts, "source": person.source})
    sessions_dir = console.stores.layout["sessions"]
    sessions = [{"platform": p, "saved": (sessions_dir / f"{p}.json").is_file(), "walled": p in walled}
                for p in sorted(session_platforms)]
    return {"people": rows, "problems": problems, "sessions": sessions,
            "needs_login": [s["platform"] for s in sessions if not s["saved"] or s["walled"]]}


@guard("people.view")
def people_page(request: Request) -> Response:
    console = _console(request)
    return console.page(request, "people.html.j2", **people_view(console))


def status_view(console: Console) -> dict[str, Any]:
    people, problems = check_watchlists(console.config.watchlist_files())
    status = build_status(console.config, people, problems)
    channels: dict[str, dict[str, int]] = {}
    try:
        from alerts.queue import AlertQueue

        for r in AlertQueue(console.stores.layout["outbox"], console.config.alerts).pending():
            c = channels.setdefault(r["channel"], {"pending": 0, "dead": 0})
            c["dead" if r["state"] == "dead" else "pending"] += 1
    except Exception as exc:  # shown, not fatal: status must render
        channels = {"(outbox tidak terbaca)": {"pending": 0, "dead": 0, "error": str(exc)}}
    status["channels"] = status.get("outbox", {}).get("channels") or channels
    return {"s": status, "health_id": HEALTH_ID, "reload": status.get("reload_rejected")}


@guard("people.view")
def status_page(request: Request) -> Response:
    console = _console(request)
    return console.page(request, "status.html.j2", **status_view(console))


def _watchlist_page(request: Request, result: Any = None, status_code: int = 200) -> Response:
    console = _console(request)
    return console.page(request, "watchlists.html.j2", status_code=status_code, result=result,
                        files=wl.current_files(console.config), folder=wl.watchlist_folder(console.config))


@guard("watchlists.manage")
def watchlists_page(request: Request) -> Response:
    return _watchlist_page(request)


@guard("watchlists.manage")
async def watchlists_upload(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    upload = form.get("berkas")
    if upload is None or not hasattr(upload, "read"):
        result = wl.UploadResult(name="(tanpa berkas)")
        result.problems.append(wl.Problem("(tanpa berkas)", "file", "pilih berkas daftar pantauan dulu"))
        return _watchlist_page(request, result, 400)
    data = await upload.read(wl.MAX_BYTES + 1)
    result = await run_in_threadpool(wl.upload, console.config, upload.filename or "", data, console.clock())
    if result.ok:
        console.stores.audit.append("watchlist_replaced", actor=request.state.identity.user.name, details={
            "file": str(result.target), "backup": str(result.backup) if result.backup else None,
            "people": result.people, "accounts": result.accounts})
    return _watchlist_page(request, result, 200 if result.ok else 400)


@guard("users.manage")
def users_page(request: Request) -> Response:
    console = _console(request)
    return console.page(request, "users.html.j2", users=console.users.all(), roles=list(ROLES),
                        message=request.query_params.get("pesan", "")[:200],
                        error=request.query_params.get("galat", "")[:300])


@guard("users.manage")
async def users_post(request: Request) -> Response:
    from urllib.parse import quote

    console = _console(request)
    form = await request.form()
    action, name = str(form.get("action") or ""), str(form.get("name") or "")
    try:
        if action == "add":
            await run_in_threadpool(console.users.add, name, str(form.get("role") or ""), str(form.get("password") or ""))
            message = f"Pengguna {name} ditambahkan."
        elif action in ("disable", "enable"):
            if name == request.state.identity.user.name and action == "disable":
                raise UserError("Anda tidak dapat menonaktifkan akun Anda sendiri")
            await run_in_threadpool(console.users.set_disabled, name, action == "disable")
            message = f"Pengguna {name} {'dinonaktifkan' if action == 'disable' else 'diaktifkan'}."
        else:
            raise UserError("tindakan tidak dikenal")
    except UserError as exc:
        return RedirectResponse(f"/pengguna?galat={quote(str(exc))}", status_code=303)
    console.stores.audit.append(f"user_{action}", actor=request.state.identity.user.name, details={"user": name})
    return RedirectResponse(f"/pengguna?pesan={quote(message)}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/orang", people_page),
        Route("/status", status_page),
        Route("/daftar-pantauan", watchlists_page),
        Route("/daftar-pantauan", watchlists_upload, methods=["POST"]),
        Route("/pengguna", users_page),
        Route("/pengguna", users_post, methods=["POST"]),
    ]
