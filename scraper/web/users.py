"""Console users: names, roles, argon2 password hashes, API tokens.

One JSON file (``<storage>/users.json``, 0600) written atomically under its
file lock, so ``pantau users ...`` and a running ``pantau web`` never lose
each other's changes. There is no default user: the first admin is made with
``pantau users add NAME --role admin``.

Roles are sets of permissions (:data:`ROLES`); a route asks for a permission,
never for a role, so a new role (e.g. a village supervisor who may only
submit tips) is one more entry here.

Each user has a ``generation`` that changes whenever the password is changed
or the user is disabled: sessions carry the generation they were made with,
so those changes end every open session at once.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from alerts.storage import atomic_write_json, file_lock, read_json
from alerts.timeutil import iso, utc_now

from ..errors import PantauError

#: what each permission allows (routes ask for these)
PERMISSIONS = {
    "findings.view": "melihat temuan, bukti dan laporan",
    "findings.decide": "mengonfirmasi atau menolak temuan",
    "people.view": "melihat orang, akun dan status",
    "watchlists.manage": "mengganti daftar pantauan",
    "users.manage": "mengelola pengguna",
    "tips.submit": "mengirim laporan unggahan dan melihat laporan sendiri",
}
_REVIEWER = frozenset({"findings.view", "findings.decide", "people.view", "tips.submit"})
#: role -> permissions; add a role here (and to ROLE_ID) and the routes follow
ROLES: dict[str, frozenset[str]] = {
    "reviewer": _REVIEWER,
    "admin": _REVIEWER | {"watchlists.manage", "users.manage"},
    #: village supervisor (pengawas kelurahan/desa): submits tips, sees only their own
    "pkd": frozenset({"tips.submit"}),
}
ROLE_ID = {"reviewer": "peninjau", "admin": "admin", "pkd": "PKD (pengawas desa)"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "pantau_"


class UserError(PantauError):
    """A user operation that cannot be done (message in Indonesian, for staff)."""


@dataclass
class User:
    name: str
    role: str
    password_hash: str
    disabled: bool = False
    generation: int = 1
    created: str = ""
    token_sha256: str = ""
    token_created: str = ""

    def can(self, permission: str) -> bool:
        return not self.disabled and permission in ROLES.get(self.role, frozenset())

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "User":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "disabled": self.disabled, "created": self.created,
                "has_token": bool(self.token_sha256)}


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise UserError(f"nama pengguna {name!r} tidak valid: 2-32 karakter huruf kecil, angka, titik, "
                        "garis bawah atau tanda hubung, diawali huruf/angka")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"kata sandi terlalu pendek: minimal {MIN_PASSWORD} karakter")
    return password


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class UserStore:
    """The users file; every change re-reads it under the lock."""

    path: Path
    clock: Callable[[], Any] = utc_now
    hasher: PasswordHasher = field(default_factory=PasswordHasher)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._dummy_hash = ""

    @property
    def _dummy(self) -> str:
        """A hash to verify against for unknown names, so timing does not tell names apart."""
        if not self._dummy_hash:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    # -- reading -------------------------------------------------------------
    def _read(self) -> dict[str, User]:
        raw = read_json(self.path, default={}) or {}
        return {name: User.from_json(doc) for name, doc in (raw.get("users") or {}).items()}

    def all(self) -> list[User]:
        return sorted(self._read().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._read().get((name or "").strip().lower())

    # -- writing -------------------------------------------------------------
    def _change(self, name: str, change: Callable[[dict[str, User]], User]) -> User:
        with file_lock(self.path):
            users = self._read()
            user = change(users)
            users[user.name] = user
            atomic_write_json(self.path, {"version": 1, "users": {n: u.to_json() for n, u in sorted(users.items())}})
            return user

    def add(self, name: str, role: str, password: str) -> User:
        name = check_name(name)
        if role not in ROLES:
            raise UserError(f"peran {role!r} tidak dikenal; pilihan: {', '.join(ROLES)}")
        hashed = self.hasher.hash(check_password(password))

        def change(users: dict[str, User]) -> User:
            if name in users:
                raise UserError(f"pengguna {name!r} sudah ada (ganti kata sandi: pantau users passwd {name})")
            return User(name=name, role=role, password_hash=hashed, created=iso(self.clock()) or "")
        return self._change(name, change)

    def _existing(self, users: dict[str, User], name: str) -> User:
        user = users.get((name or "").strip().lower())
        if user is None:
            raise UserError(f"pengguna {name!r} tidak ada (lihat: pantau users list)")
        return user

    def set_password(self, name: str, password: str) -> User:
        hashed = self.hasher.hash(check_password(password))

        def change(users: dict[str, User]) -> User:
            user = self._existing(users, name)
            user.password_hash, user.generation = hashed, user.generation + 1
            return user
        return self._change(name, change)

    def set_disabled(self, name: str, disabled: bool = True) -> User:
        def change(users: dict[str, User]) -> User:
            user = self._existing(users, name)
            user.disabled, user.generation = disabled, user.generation + 1
            if disabled:
                user.token_sha256 = ""
            return user
        return self._change(name, change)

    def end_sessions(self, name: str) -> User:
        """Log ``name`` out everywhere (the console's "Keluar")."""
        def change(users: dict[str, User]) -> User:
            user = self._existing(users, name)
            user.generation += 1
            return user
        return self._change(name, change)

    def new_token(self, name: str) -> tuple[User, str]:
        """A new API token for ``name`` (replaces the previous one); only its hash is stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)

        def change(users: dict[str, User]) -> User:
            user = self._existing(users, name)
            if user.disabled:
                raise UserError(f"pengguna {user.name!r} dinonaktifkan; aktifkan dulu sebelum membuat token")
            user.token_sha256, user.token_created = _token_digest(token), iso(self.clock()) or ""
            return user
        return self._change(name, change), token

    # -- authentication ------------------------------------------------------
    def authenticate(self, name: str, password: str) -> User | None:
        """The user if ``password`` is right and the user is active, else None."""
        user = self.get(name)
        try:
            if user is None:
                self.hasher.verify(self._dummy, password or "")
                return None
            self.hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        return None if user.disabled else user

    def by_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = _token_digest(token)
        for user in self._read().values():
            if user.token_sha256 and hmac.compare_digest(user.token_sha256, digest) and not user.disabled:
                return user
        return None
