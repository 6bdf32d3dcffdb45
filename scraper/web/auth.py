"""Sessions, CSRF tokens, API tokens and the login rate limit of the console.

- The session is a cookie signed with the console's secret key
  (itsdangerous), HttpOnly, SameSite=Lax (so a link in an alert e-mail opens
  the console logged in), Secure when ``[web] base_url`` is https, and it
  expires ``[web] session_lifetime`` after login whatever happens. It holds
  the user name, the user's ``generation`` (a password change or disabling
  ends it), the login time and the session's CSRF token.
- Every state-changing request made with the cookie must carry the CSRF token
  (form field ``csrf`` or header ``X-CSRF-Token``). The login form itself is
  protected by a signed double-submit cookie.
- API clients may instead send ``Authorization: Bearer <token>`` (from
  ``pantau users token NAME``); no cookie, so no CSRF token.
- Failed logins are counted per user name and per client address in a
  sliding window; past the limit, logins are refused (HTTP 429) until the
  window has passed, even with the right password.
- The secret key is made on first start (``<storage>/web-secret.key``, 0600).
"""
from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer

from alerts.storage import atomic_write_bytes, file_lock

from .users import User, UserStore

SESSION_COOKIE = "pantau_sesi"
LOGIN_CSRF_COOKIE = "pantau_masuk"
CSRF_HEADER = "x-csrf-token"


def load_secret_key(path: Path) -> bytes:
    """The signing key at ``path``; created (random, 0600) if it does not exist yet."""
    path = Path(path)
    with file_lock(path):
        if not path.exists():
            atomic_write_bytes(path, secrets.token_urlsafe(48).encode("ascii"))
        os.chmod(path, 0o600)
        key = path.read_bytes().strip()
    if len(key) < 32:
        raise ValueError(f"{path}: kunci rahasia terlalu pendek (hapus berkasnya agar dibuat ulang)")
    return key


@dataclass
class Identity:
    """Who made a request, and how."""

    user: User
    via: str  # "session" or "token"
    csrf: str = ""

    def can(self, permission: str) -> bool:
        return self.user.can(permission)


@dataclass
class Sessions:
    """Signs and checks session cookies."""

    secret: bytes
    users: UserStore
    lifetime: float
    secure: bool = False

    def __post_init__(self) -> None:
        self._session = URLSafeTimedSerializer(self.secret, salt="pantau-sesi")
        self._login = URLSafeTimedSerializer(self.secret, salt="pantau-masuk")

    def cookie_args(self, max_age: int) -> dict[str, Any]:
        return {"max_age": max_age, "httponly": True, "samesite": "lax", "secure": self.secure, "path": "/"}

    def issue(self, user: User) -> tuple[str, str]:
        """(cookie value, CSRF token) for a fresh login."""
        csrf = secrets.token_urlsafe(32)
        value = self._session.dumps({"u": user.name, "g": user.generation, "c": csrf})
        return value, csrf

    def identify(self, cookie: str | None) -> Identity | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=self.lifetime)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        user = self.users.get(str(data.get("u", "")))
        if user is None or user.disabled or user.generation != data.get("g"):
            return None
        return Identity(user=user, via="session", csrf=str(data.get("c", "")))

    # -- the login form's own CSRF (no session yet) --------------------------
    def login_token(self) -> tuple[str, str]:
        """(cookie value, form token) for the login form."""
        token = secrets.token_urlsafe(24)
        return self._login.dumps(token), token

    def login_token_ok(self, cookie: str | None, form_token: str | None) -> bool:
        if not cookie or not form_token:
            return False
        try:
            expected = self._login.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return isinstance(expected, str) and hmac.compare_digest(expected, form_token)


def csrf_ok(identity: Identity, given: str | None) -> bool:
    """Token requests need no CSRF token; cookie requests must echo the session's."""
    if identity.via == "token":
        return True
    return bool(given) and bool(identity.csrf) and hmac.compare_digest(identity.csrf, given or "")


@dataclass
class LoginLimiter:
    """Failed logins per user name and per address within ``window`` seconds."""

    per_user: int = 5
    per_address: int = 20
    window: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _fails: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))

    def _count(self, key: str) -> int:
        q = self._fails[key]
        limit = self.clock() - self.window
        while q and q[0] < limit:
            q.popleft()
        return len(q)

    def blocked(self, name: str, address: str) -> bool:
        return (self._count("u:" + name.lower()) >= self.per_user
                or self._count("a:" + address) >= self.per_address)

    #: distinct names/addresses remembered before expired ones are swept (bounds memory)
    sweep_at: int = 10_000

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        if len(self._fails) >= self.sweep_at:
            for key in [k for k in self._fails if not self._count(k)]:
                del self._fails[key]
        self._fails["u:" + name.lower()].append(now)
        self._fails["a:" + address].append(now)

    def succeeded(self, name: str) -> None:
        self._fails.pop("u:" + name.lower(), None)
