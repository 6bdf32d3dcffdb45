"""``pantau profile ACCOUNT_URL [--json]``: one account's profile history (staff-facing, Indonesian).

Reads ``<storage>/profiles/<account_key>.json`` (written by the pipeline,
see :mod:`scraper.profile`). Times are shown in WITA; text from the watched
page is shown without control characters (a bio cannot move the cursor or
colour the terminal).
"""
from __future__ import annotations

import json
import re
from typing import Any

import typer

from alerts.timeutil import fmt_wita

from . import common

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LABELS = {"display_name": "Nama tampilan", "bio": "Bio", "avatar": "Foto profil", "header": "Gambar sampul",
          "link": "Tautan"}


def _clean(text: Any, limit: int = 500) -> str:
    flat = _CONTROL.sub("", str(text or "")).replace("\n", " / ")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _quoted(value: str) -> str:
    return f"\"{_clean(value)}\"" if value else "(kosong)"


def find_account(config: Any, url: str) -> tuple[Any, Any] | None:
    """(person, account) on the watchlists whose URL is ``url`` (trailing slash ignored)."""
    from ..app import load_people

    want = url.strip().rstrip("/")
    for person in load_people(config):
        for account in person.accounts:
            if account.url.rstrip("/") == want:
                return person, account
    return None


def change_lines(changes: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in changes:
        label = LABELS.get(str(c.get("field")), str(c.get("field")))
        old, new = str(c.get("old") or ""), str(c.get("new") or "")
        if c.get("first"):
            lines.append(f"    {label}: {_quoted(new)}")
        elif c.get("field") in ("avatar", "header"):
            lines.append(f"    {label}: diganti ({_clean(new, 120) or 'dihapus'})")
        else:
            lines.append(f"    {label}: {_quoted(old)} -> {_quoted(new)}")
    return lines


def profile(account_url: str = typer.Argument(..., help="URL akun seperti tertulis di daftar pantau."),
            as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Riwayat profil satu akun: nama tampilan, bio, foto profil, gambar sampul, tautan."""
    from ..profile import ProfileStore

    config = common.get_config()
    found = find_account(config, account_url)
    if found is None:
        raise common.fail(f"Akun {_clean(account_url, 200)} tidak ada di daftar pantau. "
                          "Tulis URL persis seperti di berkas daftar pantau.")
    person, account = found
    path = config.storage_dir / "profiles" / f"{account.key}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        doc = None
    except ValueError:
        raise common.fail(f"Berkas profil rusak: {path}. Profil akan dibaca ulang pada siklus berikutnya.")
    if as_json:
        common.out_json({"account_url": account.url, "platform": account.platform, "person": person.name,
                         "current": (doc or {}).get("current"), "seen_at": (doc or {}).get("seen_at"),
                         "history": ProfileStore.history_of(doc)})
        return
    typer.echo(f"Profil akun {account.platform} {account.url} ({_clean(person.name, 100)})")
    if not doc:
        typer.echo("Belum ada profil tersimpan untuk akun ini; profil dibaca pada siklus berikutnya "
                   "(profil dibaca untuk telegram, bluesky, instagram, mastodon, rss dan youtube).")
        return
    typer.echo(f"Terakhir dilihat: {fmt_wita(doc.get('seen_at'))}")
    current = doc.get("current") or {}
    for key in ("display_name", "bio", "link"):
        typer.echo(f"  {LABELS[key]}: {_quoted(current.get(key, ''))}")
    for key in ("avatar", "header"):
        url, sha = current.get(f"{key}_url", ""), current.get(f"{key}_sha256", "")
        if url:
            typer.echo(f"  {LABELS[key]}: {_clean(url, 200)}" + (f" (SHA-256 {sha})" if sha else ""))
    history = ProfileStore.history_of(doc)
    typer.echo(f"Riwayat perubahan ({len(history)}, terlama dulu):")
    for entry in history:
        first = any(c.get("first") for c in entry.get("changes", []))
        typer.echo(f"  {fmt_wita(entry.get('at'))}" + ("  (pertama terlihat)" if first else ""))
        for line in change_lines(entry.get("changes", [])):
            typer.echo(line)


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    app.command("profile")(profile)
