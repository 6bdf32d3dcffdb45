"""Browser logins for platforms that need a session (``pantau login``), also on a server.

``pantau login PLATFORM`` opens a visible browser: it needs a screen. On a
server without one (no ``DISPLAY``/``WAYLAND_DISPLAY``, or Chromium reports
"Missing X server") staff get an Indonesian explanation instead of a
traceback, with the two ways that work there:

* ``pantau login PLATFORM --import FILE``: a Playwright storage state saved
  on a desktop (``pantau login PLATFORM`` there, or
  ``playwright codegen --save-storage=FILE URL``) is checked and stored as the
  server's session (0600);
* a remote browser window: ``ssh -X`` (X forwarding) to the server.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from alerts.storage import atomic_write_bytes

from .platforms import ADAPTERS

#: login page and cookie domains of each session platform: read from the adapters (their ``login_url``
#: and ``session_domains``), so a new session platform needs no change here
LOGIN_URLS = {name: cls.login_url for name, cls in ADAPTERS.items() if cls.needs_session}
DOMAINS = {name: cls.session_domains for name, cls in ADAPTERS.items() if cls.needs_session}
MAX_STATE_BYTES = 5_000_000


class LoginError(Exception):
    """A login that cannot be done; the message is Indonesian, for staff."""


def no_screen_message(platform: str) -> str:
    return (f"Tidak ada layar (X server) di mesin ini, jadi browser untuk login {platform} tidak bisa dibuka. "
            "Cara login di server:\n"
            f"  1. Di komputer desktop yang terpasang Pantau: jalankan `pantau login {platform}`, login, tutup "
            f"browser; salin berkas sesinya (data/sessions/{platform}.json) ke server, lalu di server:\n"
            f"     sudo -u pantau pantau login {platform} --import /path/ke/{platform}.json\n"
            "  2. Atau buka browser jarak jauh lewat SSH dengan penerusan X: `ssh -X server`, lalu "
            f"`sudo -u pantau env DISPLAY=$DISPLAY XAUTHORITY=$HOME/.Xauthority pantau login {platform}`.\n"
            "Lihat docs/panduan.md bagian login.")


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def is_no_screen_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Missing X server" in text or "$DISPLAY" in text or "cannot open display" in text.lower()


def read_storage_state(platform: str, path: Path) -> dict[str, Any]:
    """The storage state in ``path``, checked: JSON with cookies of ``platform``'s site."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise LoginError(f"{path}: berkas tidak ditemukan") from None
    except OSError as exc:
        raise LoginError(f"{path}: berkas tidak bisa dibaca ({exc.strerror or exc})") from None
    if len(raw) > MAX_STATE_BYTES:
        raise LoginError(f"{path}: berkas terlalu besar untuk sebuah sesi login ({len(raw)} bita)")
    try:
        state = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LoginError(f"{path}: bukan berkas sesi JSON ({exc}); pakai berkas dari `pantau login {platform}` "
                         "atau `playwright codegen --save-storage`") from None
    cookies = state.get("cookies") if isinstance(state, dict) else None
    if not isinstance(cookies, list) or not all(isinstance(c, dict) and "name" in c and "value" in c
                                                and "domain" in c for c in cookies):
        raise LoginError(f"{path}: tidak berisi daftar \"cookies\" (name, value, domain) sebuah sesi browser")
    mine = [c for c in cookies if str(c["domain"]).lstrip(".").lower().endswith(DOMAINS[platform])]
    if not mine:
        raise LoginError(f"{path}: tidak ada cookie untuk {', '.join(DOMAINS[platform])}; apakah ini sesi "
                         f"{platform}? Login dulu ke {LOGIN_URLS[platform]} sebelum menyimpan sesi")
    if not isinstance(state.get("origins", []), list):
        raise LoginError(f"{path}: bagian \"origins\" harus berupa daftar")
    return {"cookies": cookies, "origins": state.get("origins", [])}


def import_session(platform: str, source: Path, sessions_dir: Path) -> tuple[Path, int]:
    """Store a checked storage state as ``<sessions>/<platform>.json`` (0600); (path, cookies)."""
    state = read_storage_state(platform, source)
    target = Path(sessions_dir) / f"{platform}.json"
    atomic_write_bytes(target, json.dumps(state).encode("utf-8"))
    return target, len(state["cookies"])
