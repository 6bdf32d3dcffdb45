"""Pages and accounts by hand: ``parse`` (a saved page), ``probe`` (one account now), ``login``."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import typer

from ..config import Config
from ..errors import PantauError
from . import common
from .text import explain_error


def parse(
    file: Path = typer.Argument(..., help="Halaman tersimpan (HTML, XML atau JSON)."),
    platform: str = typer.Option(..., "--platform", "-p", help="Nama platform, mis. telegram."),
    url: Optional[str] = typer.Option(None, "--url", help="URL asal halaman (untuk tautan relatif)."),
    options: Optional[str] = typer.Option(None, "--options", help='Opsi akun sebagai JSON, mis. \'{"selectors": {"post": "article"}}\'.'),
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON."),
) -> None:
    """Urai halaman tersimpan tanpa jaringan (exit 0: ada postingan, 3: vonis kesehatan)."""
    from ..parsing import format_result, parse_file

    try:
        result = parse_file(platform, file, url=url, options=common.json_options(options))
    except OSError as exc:  # missing, a folder, unreadable
        raise common.fail(f"{file}: berkas tidak bisa dibaca ({exc.strerror or exc})")
    except (KeyError, ValueError) as exc:
        raise common.fail(f"{file}: {exc.args[0] if exc.args else exc}")
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1) if as_json else format_result(result))
    raise typer.Exit(result.exit_code)


def probe(
    url: str = typer.Argument(..., help="URL akun yang akan diambil sekarang."),
    platform: Optional[str] = typer.Option(None, "--platform", "-p", help="Nama platform (default: dari host)."),
    options: Optional[str] = typer.Option(None, "--options", help="Opsi akun sebagai JSON (mis. selektor untuk web)."),
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON."),
) -> None:
    """Ambil satu akun sekarang dan tampilkan postingan atau vonis kesehatannya."""
    from ..parsing import format_result

    common.setup_logging(common.verbose(), interactive=True)
    config = common.get_config()
    try:
        result = asyncio.run(_probe(config, url, platform, common.json_options(options)))
    except PantauError as exc:  # an invalid account entry, or the network failed
        raise common.fail(f"{url}: {explain_error(str(exc))}")
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1) if as_json else format_result(result))
    raise typer.Exit(result.exit_code)


async def _probe(config: Config, url: str, platform: Optional[str], options: Optional[dict] = None):
    from ..app import open_runtime
    from ..parsing import probe as probe_url

    async with open_runtime(config, people=[], browser=True) as rt:
        return await probe_url(url, platform, rt.services.http, rt.services.browser, options=options)


def login(
    platform: str = typer.Argument(..., help="facebook, instagram, tiktok atau x."),
    import_file: Optional[Path] = typer.Option(
        None, "--import", help="Berkas sesi (storage state) yang disimpan di komputer desktop; untuk server tanpa layar."),
) -> None:
    """Login sekali dengan akun pemantau (browser terlihat, atau --import berkas sesi); sesi disimpan 0600."""
    from ..login import LOGIN_URLS, LoginError, has_screen, import_session, is_no_screen_error, no_screen_message
    from ..platforms import ADAPTERS
    from ..store import prepare_storage

    config = common.get_config()
    if platform not in ADAPTERS or not ADAPTERS[platform].needs_session:
        raise common.fail(f"platform {platform!r} tidak memakai sesi login; pilihan: {', '.join(sorted(LOGIN_URLS))}")
    if import_file is not None:
        try:
            path, cookies = import_session(platform, import_file, prepare_storage(config.storage_dir)["sessions"])
        except LoginError as exc:
            raise common.fail(f"Gagal: {exc}")
        typer.echo(f"Sesi {platform} ({cookies} cookie) disimpan di {path} (hanya dapat dibaca pengguna layanan).")
        return
    if not has_screen():
        raise common.fail(no_screen_message(platform))
    typer.echo("Browser akan terbuka. Login dengan akun pemantau khusus, lalu TUTUP jendela browser.")
    try:
        path = asyncio.run(_login(config, platform, LOGIN_URLS[platform]))
    except Exception as exc:
        if is_no_screen_error(exc):
            raise common.fail(no_screen_message(platform))
        first = (str(exc).splitlines() or [""])[0]
        raise common.fail(f"Login {platform} gagal: {first or type(exc).__name__}")
    typer.echo(f"Sesi {platform} disimpan di {path} (hanya dapat dibaca pengguna layanan).")


async def _login(config: Config, platform: str, url: str) -> Path:
    from ..fetch.browser import Browser
    from ..store import prepare_storage

    layout = prepare_storage(config.storage_dir)
    browser = Browser(executable=config.browser.executable, headless=False, sessions_dir=layout["sessions"])
    try:
        return await browser.login(platform, url)
    finally:
        await browser.close()


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    for fn in (parse, probe, login):
        app.command()(fn)
