"""``pantau web`` and ``pantau users ...`` (the staff console and its accounts).

Passwords are read from stdin with ``--password-stdin`` (else asked twice,
hidden); ``pantau users token NAME`` prints a new API token on its last line.
"""
from __future__ import annotations

import sys
from typing import Optional

import typer

from . import common

users_app = typer.Typer(no_args_is_help=True, help="Pengguna konsol web: tambah, ganti sandi, nonaktifkan, token.")






def _store():
    from ..web.app import users_path
    from ..web.users import UserStore

    config = common.get_config()
    from ..store import prepare_storage

    prepare_storage(config.storage_dir)
    return UserStore(users_path(config))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi")


def _guard(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ..web.users import UserError

        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            raise common.fail(f"Gagal: {exc}")
    return wrapper


@users_app.command("add")
@_guard
def users_add(
    name: str = typer.Argument(..., help="Nama pengguna (huruf kecil, angka, . _ -)."),
    role: str = typer.Option(..., "--role", help="reviewer (peninjau), admin, atau pkd (pengawas desa: hanya mengirim laporan)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Baca kata sandi dari stdin (satu baris)."),
) -> None:
    """Tambah pengguna konsol (tidak ada pengguna bawaan)."""
    user = _store().add(name, role, _password(password_stdin))
    typer.echo(f"Pengguna {user.name} ({user.role}) ditambahkan.")


@users_app.command("passwd")
@_guard
def users_passwd(
    name: str = typer.Argument(..., help="Nama pengguna."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Baca kata sandi dari stdin (satu baris)."),
) -> None:
    """Ganti kata sandi (semua sesi pengguna itu berakhir)."""
    user = _store().set_password(name, _password(password_stdin))
    typer.echo(f"Kata sandi {user.name} diganti; sesi lama berakhir.")


@users_app.command("disable")
@_guard
def users_disable(
    name: str = typer.Argument(..., help="Nama pengguna."),
    enable: bool = typer.Option(False, "--enable", help="Aktifkan kembali."),
) -> None:
    """Nonaktifkan pengguna (langsung keluar dari konsol; tokennya dicabut)."""
    user = _store().set_disabled(name, not enable)
    typer.echo(f"Pengguna {user.name} {'diaktifkan kembali' if enable else 'dinonaktifkan'}.")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Daftar pengguna konsol."""
    users = _store().all()
    if as_json:
        common.out_json([u.public() for u in users])
        return
    if not users:
        typer.echo("Belum ada pengguna. Tambah: pantau users add NAMA --role admin")
    for u in users:
        typer.echo(f"{u.name:20} {u.role:9} {'NONAKTIF' if u.disabled else 'aktif':9}"
                   f"{' token' if u.token_sha256 else ''}")


@users_app.command("token")
@_guard
def users_token(name: str = typer.Argument(..., help="Nama pengguna.")) -> None:
    """Buat token API baru (menggantikan yang lama); token dicetak di baris terakhir."""
    user, token = _store().new_token(name)
    typer.echo(f"Token API baru untuk {user.name} (simpan sekarang; tidak dapat ditampilkan lagi):")
    typer.echo(token)


def web(
    host: Optional[str] = typer.Option(None, "--host", help="Alamat (default: [web] host, 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port (default: [web] port, 8080)."),
) -> None:
    """Jalankan konsol web staf (tinjau temuan, bukti, laporan, daftar pantauan)."""
    from ..web import serve
    from ..web.app import users_path
    from ..web.users import UserStore
    common.setup_logging(common.verbose())
    config = common.get_config()
    if not UserStore(users_path(config)).all():
        typer.echo("PERINGATAN: belum ada pengguna; tambah dulu: pantau users add NAMA --role admin", err=True)
    typer.echo(f"Konsol web: http://{host or config.web.host}:{port or config.web.port}/", err=True)
    serve(config, host, port)


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    """Add ``web`` and ``users`` to the CLI."""
    app.add_typer(users_app, name="users")
    app.command("web")(web)


def serve_demo(workdir, port: Optional[int] = None) -> None:
    """``pantau demo --web``: the console on the demo's data with a fresh one-time login."""
    import secrets

    from ..config import load_config
    from ..web import serve
    from ..web.app import users_path
    from ..web.users import UserStore
    config = load_config(workdir / "config.toml")
    password = secrets.token_urlsafe(12)
    UserStore(users_path(config)).add("demo", "admin", password)
    url = f"http://127.0.0.1:{port or config.web.port}/"

    def ready(_server) -> None:
        typer.echo("\n=== Konsol web demo ===")
        typer.echo(f"Buka {url} lalu masuk dengan:")
        typer.echo("  nama pengguna: demo")
        typer.echo(f"  kata sandi   : {password}   (sekali pakai: dibuat ulang setiap kali demo dijalankan)")
        typer.echo("Hentikan dengan Ctrl+C.")

    common.setup_logging(common.verbose())
    serve(config, "127.0.0.1", port, on_ready=ready)
