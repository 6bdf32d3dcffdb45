"""The console's Starlette application: wiring, authentication guard, login.

:func:`create_app` builds everything from the validated config through
:mod:`scraper.app` (the composition root): the same stores, review and report
operations as the CLI, so nothing here re-implements review logic. Pages live
in :mod:`.pages`, the JSON API in :mod:`.api`.

Every route except ``/masuk`` (login) and ``/static`` goes through
:func:`guard`, which names the permission it needs (see
:data:`.users.ROLES`), refuses an unauthenticated request (pages: redirect to
the login page; API: 401) and, for a state-changing request made with the
session cookie, a missing or wrong CSRF token (403).
"""
from __future__ import annotations

import functools
import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from alerts.render import safe_url
from alerts.timeutil import fmt_wita, utc_now

from ..app import Stores, election_names, open_stores
from ..config import Config
from .auth import CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Identity, LoginLimiter, Sessions, csrf_ok, load_secret_key
from .users import PERMISSIONS, ROLE_ID, UserStore

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
]


def users_path(config: Config) -> Path:
    return config.storage_dir / "users.json"


def secret_path(config: Config) -> Path:
    key = config.web.secret_key_file
    if not key:
        return config.storage_dir / "web-secret.key"
    return Path(key) if Path(key).is_absolute() else (config.base_dir / key).resolve()


@dataclass
class Console:
    """Everything a request handler needs."""

    config: Config
    stores: Stores
    users: UserStore
    sessions: Sessions
    limiter: LoginLimiter
    templates: Environment
    clock: Callable[[], datetime] = utc_now
    elections: dict[str, str] = field(default_factory=dict)

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        ident: Identity | None = getattr(request.state, "identity", None)
        html = self.templates.get_template(template).render(
            request=request, me=ident.user if ident else None, csrf=ident.csrf if ident else "",
            can=(ident.can if ident else (lambda _p: False)), role_id=ROLE_ID, **context)
        return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["wita"] = fmt_wita
    env.filters["safe_url"] = safe_url  # links from watched pages: http(s) only, never javascript:
    return env


def identify(console: Console, request: Request) -> Identity | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        user = console.users.by_token(auth[7:].strip())
        return Identity(user=user, via="token") if user else None
    return console.sessions.identify(request.cookies.get(SESSION_COOKIE))


def _refuse(request: Request, api: bool, status: int, message: str, console: Console) -> Response:
    if api:
        headers = {"www-authenticate": "Bearer"} if status == 401 else {}
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/masuk?lanjut={quote(target, safe='')}", status_code=303)
    return console.page(request, "error.html.j2", status_code=status, message=message)


def guard(permission: str, *, api: bool = False):
    """Require a logged-in user with ``permission`` (and a CSRF token on cookie POSTs)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def check(request: Request) -> Response | None:
        console: Console = request.app.state.console
        ident = identify(console, request)
        if ident is None:
            return _refuse(request, api, 401, "belum masuk: login dulu atau kirim token", console)
        request.state.identity = ident
        if not ident.can(permission):
            return _refuse(request, api, 403, "peran Anda tidak mengizinkan tindakan ini", console)
        return None

    def wrap(fn):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_endpoint(request: Request) -> Response:
                refused = check(request)
                if refused is not None:
                    return refused
                if request.method not in ("GET", "HEAD"):
                    given = request.headers.get(CSRF_HEADER)
                    if given is None and "form" in request.headers.get("content-type", ""):
                        given = (await request.form()).get("csrf")
                    if not csrf_ok(request.state.identity, given if isinstance(given, str) else None):
                        return _refuse(request, api, 403, "token CSRF tidak ada atau salah: muat ulang halaman "
                                       "lalu coba lagi", request.app.state.console)
                return await fn(request)
            return async_endpoint

        @functools.wraps(fn)
        def endpoint(request: Request) -> Response:
            if request.method not in ("GET", "HEAD"):
                raise RuntimeError("state-changing endpoints must be async (CSRF check)")
            return check(request) or fn(request)
        return endpoint
    return wrap


# -- login / logout --------------------------------------------------------------------------

def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _safe_next(target: str | None) -> str:
    target = target or "/temuan"
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/temuan"


def _login_page(request: Request, error: str = "", status: int = 200, name: str = "") -> Response:
    console: Console = request.app.state.console
    cookie, token = console.sessions.login_token()
    response = console.page(request, "login.html.j2", status_code=status, error=error, login_csrf=token,
                            lanjut=_safe_next(request.query_params.get("lanjut")), name=name)
    response.set_cookie(LOGIN_CSRF_COOKIE, cookie, **console.sessions.cookie_args(3600))
    return response


async def login(request: Request) -> Response:
    console: Console = request.app.state.console
    if request.method == "GET":
        return _login_page(request)
    form = await request.form()
    name = str(form.get("name") or "").strip().lower()[:64]
    password = str(form.get("password") or "")
    if not console.sessions.login_token_ok(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf") or "")):
        return _login_page(request, "Formulir kedaluwarsa (token CSRF tidak cocok): coba lagi.", 403, name)
    address = _client(request)
    if console.limiter.blocked(name, address):
        log.warning("login refused (rate limit): user %r from %s", name, address)
        return _login_page(request, "Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit lalu coba lagi.",
                           429, name)
    user = await run_in_threadpool(console.users.authenticate, name, password)
    if user is None:
        console.limiter.failed(name, address)
        log.warning("login failed: user %r from %s", name, address)
        return _login_page(request, "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan.", 401, name)
    console.limiter.succeeded(name)
    value, _csrf = console.sessions.issue(user)
    log.info("login: %s from %s", user.name, address)
    target = _safe_next(str(form.get("lanjut") or ""))
    if not user.can("findings.view") and user.can("tips.submit"):
        target = "/laporan"  # a village supervisor (pkd) sees only the tip form and their own tips
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, value, **console.sessions.cookie_args(int(console.sessions.lifetime)))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@guard("findings.view")
async def logout(request: Request) -> Response:
    console: Console = request.app.state.console
    await run_in_threadpool(console.users.end_sessions, request.state.identity.user.name)
    response = RedirectResponse("/masuk", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def home(request: Request) -> Response:
    console: Console = request.app.state.console
    ident = identify(console, request)
    only_tips = ident is not None and not ident.can("findings.view") and ident.can("tips.submit")
    return RedirectResponse("/laporan" if only_tips else "/temuan", status_code=303)


class SecurityHeaders:
    """Adds the headers every response carries (no framing, no sniffing, strict CSP)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)
        await self.app(scope, receive, send_with_headers)


def create_app(config: Config, *, users: UserStore | None = None, limiter: LoginLimiter | None = None,
               clock: Callable[[], datetime] = utc_now) -> Starlette:
    from . import api, pages, tips

    stores = open_stores(config)
    users = users or UserStore(users_path(config))
    sessions = Sessions(secret=load_secret_key(secret_path(config)), users=users,
                        lifetime=config.web.session_lifetime.seconds,
                        secure=config.web.base_url.startswith("https://"))
    console = Console(config=config, stores=stores, users=users, sessions=sessions,
                      limiter=limiter or LoginLimiter(), templates=_templates(), clock=clock,
                      elections=election_names(config))
    routes = [
        Route("/", home),
        Route("/masuk", login, methods=["GET", "POST"]),
        Route("/keluar", logout, methods=["POST"]),
        *pages.routes(),
        *api.routes(),
        *tips.routes(),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.state.console = console
    app.add_middleware(SecurityHeaders)
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    code = getattr(exc, "status_code", 404)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "tidak ditemukan" if code == 404 else "metode tidak diizinkan"}, status_code=code)
    return PlainTextResponse("Halaman tidak ditemukan." if code == 404 else "Metode tidak diizinkan.", status_code=code)
