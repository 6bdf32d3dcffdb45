"""The ``pantau`` command line (staff-facing messages in Indonesian).

Contract (other tools rely on these names): ``pantau [--config PATH] COMMAND``
with ``check``, ``once [--json]``, ``run``, ``detect``, ``findings list [--json]``
and the commands added by later issues.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from alerts.problems import ProblemsError
from alerts.secrets import MaskingFilter, mask
from alerts.storage import LockTimeout

from . import __version__
from .cli_text import explain_error, usage_error_id
from .config import Config, default_config_path, load_config
from .errors import PantauError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Pantau: pemantauan netralitas ASN di media sosial untuk Bawaslu.")
findings_app = typer.Typer(no_args_is_help=True, help="Temuan: daftar, tinjau, ekspor.")
alerts_app = typer.Typer(no_args_is_help=True, help="Pengiriman peringatan (outbox).")
app.add_typer(findings_app, name="findings")
app.add_typer(alerts_app, name="alerts")

log = logging.getLogger("pantau")


def setup_logging(verbose: bool = False, interactive: bool = False) -> None:
    """One line per event on stderr (journald adds the time); secrets masked.

    ``interactive`` commands (a staff member at a terminal) show only warnings
    and errors unless ``-v``; the daemon logs INFO.
    """
    root = logging.getLogger()
    if any(getattr(h, "_pantau", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._pantau = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if interactive else logging.INFO)
    for noisy in ("apscheduler", "httpx", "httpcore", "asyncio", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class State:
    config_path: Path = Path("config.toml")
    verbose: bool = False


STATE = State()


@app.callback()
def _main(
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Berkas konfigurasi (default: $PANTAU_CONFIG, lalu ./config.toml)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log lebih rinci."),
) -> None:
    STATE.config_path = config or default_config_path()
    STATE.verbose = verbose


def fail(message: str, code: int = 1) -> "typer.Exit":
    typer.echo(mask(message), err=True)
    return typer.Exit(code)


def get_config() -> Config:
    try:
        return load_config(STATE.config_path)
    except ProblemsError as exc:
        for problem in exc.problems:
            typer.echo(mask(str(problem)), err=True)
        typer.echo(f"Konfigurasi tidak valid: {len(exc.problems)} masalah. Jalankan `pantau check`.", err=True)
        raise typer.Exit(1)


def out_json(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=None))


@app.command()
def version() -> None:
    """Versi Pantau."""
    typer.echo(__version__)


@app.command()
def check() -> None:
    """Periksa konfigurasi, semua daftar pantau dan semua berkas leksikon."""
    from .app import check_everything

    notes: list[str] = []
    problems = check_everything(STATE.config_path, notes=notes)
    for problem in problems:
        typer.echo(mask(str(problem)))
    _check_notes()
    for note in notes:
        typer.echo(("" if note.startswith("PERINGATAN") else "Catatan: ") + mask(note), err=True)
    if problems:
        typer.echo(f"{len(problems)} masalah ditemukan.", err=True)
        raise typer.Exit(1)
    typer.echo("Semua berkas valid.")


def _check_notes() -> None:
    """Notes that are not errors (Pantau runs without them), e.g. a missing Tesseract."""
    from .config import check_config
    from .ocr import check_notes

    config, _ = check_config(STATE.config_path)
    if config is not None:
        for note in check_notes(config.ocr):
            typer.echo(note)


@app.command()
def once(as_json: bool = typer.Option(False, "--json", help="Cetak ringkasan sebagai JSON.")) -> None:
    """Jalankan satu siklus penuh atas semua akun sekarang, lalu keluar."""
    setup_logging(STATE.verbose, interactive=True)
    config = get_config()
    summary = asyncio.run(_once(config))
    if as_json:
        out_json(summary)
    else:
        typer.echo(
            f"Akun: {summary['accounts']} (berhasil {summary['fetched']}, gagal {summary['failed']}); "
            f"postingan baru {summary['new']}, diubah {summary['edited']}, dihapus {summary['deleted']}; "
            f"temuan {summary['findings']}; peringatan terkirim {summary['alerts_sent']}.")
        if summary.get("older_not_alerted"):
            typer.echo(f"Pindai pertama: {summary['older_not_alerted']} postingan lama (sebelum [scan] "
                       "first_scan_since) disimpan tanpa peringatan.")
        for err in summary["errors"]:
            typer.echo(f"  GAGAL {err['account']}: {mask(err['error'])}")
    _exit_if_disk_full()


#: exit code when state could not be written (full disk, a state file locked too long):
#: try again later (EX_TEMPFAIL)
EXIT_DISK_FULL = 75


def _exit_if_disk_full() -> None:
    from alerts.storage import DISK

    problem = DISK.problem()
    if problem:
        typer.echo(f"PENYIMPANAN PENUH: sebagian hasil tidak dapat disimpan ({mask(problem['error'])}). "
                   "Kosongkan disk lalu jalankan lagi; yang belum tersimpan diulang pada siklus berikutnya.",
                   err=True)
        raise typer.Exit(EXIT_DISK_FULL)


async def _once(config: Config) -> dict:
    from .app import open_runtime
    from .pipeline import run_cycle
    from .status import record_cycle

    async with open_runtime(config) as rt:
        cycle = await run_cycle(rt.services, rt.people, concurrency=config.run_concurrency)
        try:
            record_cycle(config.storage_dir, cycle, rt.services)
        except OSError as exc:
            from alerts.storage import is_disk_full

            if not is_disk_full(exc):
                raise
        return cycle.summary()


@app.command()
def run() -> None:
    """Jalankan daemon di latar depan (berhenti dengan SIGTERM/SIGINT)."""
    setup_logging(STATE.verbose)
    from .daemon import run_daemon

    code = run_daemon(STATE.config_path)
    raise typer.Exit(code)


@app.command()
def detect() -> None:
    """Baca baris JSON {"id","text"} dari stdin, tulis hasil deteksi per baris."""
    from alerts.detect import severity_at_least
    from alerts.timeutil import parse_iso

    from .app import build_detector

    config = get_config()
    detector = build_detector(config)
    minimum = config.alerts.min_severity
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        item = None
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            published = parse_iso(item.get("published")) if item.get("published") else None
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(f"stdin: baris {lineno}: bukan JSON {{\"id\", \"text\"}} yang valid ({exc})", err=True)
            post_id = item.get("id") if isinstance(item, dict) else None  # echo the id whenever it was read
            out_json({"id": post_id, "line": lineno, "error": str(exc)})
            continue
        detection = detector.detect(text, published)
        out_json({
            "id": item.get("id"),
            "alert": severity_at_least(detection.severity, minimum),
            "severity": detection.severity,
            "score": detection.score,
            "matches": [m.to_json() for m in detection.matches],
            "elections": list(detection.elections),
            "stance": detection.stance.to_json() if detection.stance else None,
        })
        sys.stdout.flush()


@findings_app.command("list")
def findings_list(
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai larik JSON."),
    status: Optional[str] = typer.Option(None, "--status",
                                         help="Hanya status ini: baru, dikonfirmasi, ditolak, direkomendasikan, diputus, selesai "
                                              "(atau new, confirmed, dismissed, recommended, decided, closed)."),
) -> None:
    """Daftar temuan: ID pendek, status, tingkat, batas penanganan, tanda unggahan dihapus."""
    from .review import ReviewError, parse_status
    from .store import FindingStore, storage_layout

    try:
        wanted = parse_status(status) if status is not None else None
    except ReviewError as exc:
        raise fail(f"Gagal: {exc}", 2)
    config = get_config()
    store = FindingStore(storage_layout(config.storage_dir)["findings"])
    from .cases import case_status

    items = [f for f in store.all() if wanted is None or f.get("status", "new") == wanted
             or case_status(f) == wanted]
    items.sort(key=lambda f: (f.get("deadline") or "", f["id"]))
    if as_json:
        out_json([finding_summary(f) for f in items])
        return
    if not items:
        typer.echo("Belum ada temuan." if wanted is None else "Tidak ada temuan dengan status itu.")
        return
    typer.echo(format_findings_table(items))


def format_findings_table(items: list[dict]) -> str:
    """The staff table of findings (Indonesian words, WITA, sorted by deadline)."""
    from alerts.timeutil import fmt_wita, parse_iso, utc_now

    from .cases import case_status
    from .review import CASE_STATUS_ID, SEVERITY_ID, STATUS_ID

    now = utc_now()
    header = ("ID", "STATUS", "TINGKAT", "BATAS PENANGANAN", "NAMA (UNIT)", "PLATFORM", "CATATAN")
    rows = [header]
    for f in items:
        p = f["person"]
        due = parse_iso(f.get("deadline"))
        marks = []
        if due and due < now and f.get("status", "new") == "new":
            marks.append("LEWAT BATAS")
        if f.get("post_deleted_at"):
            marks.append(f"DIHAPUS {fmt_wita(f['post_deleted_at'], False)}")
        if f.get("source") == "laporan":
            marks.append("LAPORAN")
        case = case_status(f)
        rows.append((f["id"][:8], CASE_STATUS_ID.get(case, "") if case and case != "confirmed"
                     else STATUS_ID.get(f.get("status", "new"), str(f.get("status"))),
                     SEVERITY_ID.get(f.get("severity"), str(f.get("severity"))),
                     fmt_wita(due) if due else "-", f"{p['name']} ({p['unit']})", f["platform"],
                     ", ".join(marks) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"{len(items)} temuan. Rincian: pantau findings show ID")
    return "\n".join(lines)


def finding_summary(f: dict) -> dict:
    from .cases import case_fields, source_of

    return {
        "id": f["id"],
        "person": f["person"]["name"],
        "nip": f["person"]["nip"],
        "position": f["person"]["position"],
        "unit": f["person"]["unit"],
        "platform": f["platform"],
        "account_url": f["account_url"],
        "post_url": f["post_url"],
        "post_id": f["post_id"],
        "published": f.get("published"),
        "severity": f["severity"],
        "score": f.get("score"),
        "matches": f.get("terms", []),
        "elections": f.get("elections", []),
        "first_seen": f["first_seen"],
        "deadline": f.get("deadline"),
        "first_scan": f.get("first_scan", False),
        "status": f["status"],
        "post_deleted_at": f.get("post_deleted_at"),
        "source": source_of(f),
        **case_fields(f),
    }


@app.command()
def demo(
    folder: Path = typer.Option(Path(".pantau-demo"), "--dir", help="Folder kerja demo (dihapus dan dibuat ulang)."),
    web: bool = typer.Option(False, "--web", help="Lalu jalankan konsol web atas data demo (login sekali pakai)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port konsol web demo (default 8080)."),
) -> None:
    """Demo lengkap tanpa internet: situs lokal, server surel lokal, tiga siklus."""
    setup_logging(STATE.verbose, interactive=True)
    logging.getLogger().setLevel(logging.WARNING if not STATE.verbose else logging.DEBUG)
    from .demo.run import run_demo

    code = run_demo(folder.resolve(), echo=typer.echo)
    if web and code == 0:
        cli_web.serve_demo(folder.resolve(), port)
    raise typer.Exit(code)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Keadaan daemon dari disk: siklus terakhir/berikutnya, kesehatan akun, outbox."""
    from .app import load_people
    from .config import fallback_config
    from .status import build_status, format_status

    config: Optional[Config] = None
    people: list = []
    problems: list = []
    config_invalid = False
    try:
        config = load_config(STATE.config_path)
        people = load_people(config)
    except ProblemsError as exc:  # still show what the daemon runs (the last good list)
        problems = exc.problems
        config_invalid = config is None
        config = config or fallback_config(STATE.config_path)
        if config is None:
            get_config()  # prints the problems and exits 1
    result = build_status(config, people, problems)
    if as_json:
        out_json(result)
    else:
        typer.echo(mask(format_status(result)))
    if problems and config_invalid:
        raise typer.Exit(1)


@app.command()
def parse(
    file: Path = typer.Argument(..., help="Halaman tersimpan (HTML, XML atau JSON)."),
    platform: str = typer.Option(..., "--platform", "-p", help="Nama platform, mis. telegram."),
    url: Optional[str] = typer.Option(None, "--url", help="URL asal halaman (untuk tautan relatif)."),
    options: Optional[str] = typer.Option(None, "--options", help='Opsi akun sebagai JSON, mis. \'{"selectors": {"post": "article"}}\'.'),
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON."),
) -> None:
    """Urai halaman tersimpan tanpa jaringan (exit 0: ada postingan, 3: vonis kesehatan)."""
    from .parsing import format_result, parse_file

    try:
        result = parse_file(platform, file, url=url, options=_json_options(options))
    except OSError as exc:  # missing, a folder, unreadable
        raise fail(f"{file}: berkas tidak bisa dibaca ({exc.strerror or exc})")
    except (KeyError, ValueError) as exc:
        raise fail(f"{file}: {exc.args[0] if exc.args else exc}")
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1) if as_json else format_result(result))
    raise typer.Exit(result.exit_code)


@app.command()
def probe(
    url: str = typer.Argument(..., help="URL akun yang akan diambil sekarang."),
    platform: Optional[str] = typer.Option(None, "--platform", "-p", help="Nama platform (default: dari host)."),
    options: Optional[str] = typer.Option(None, "--options", help="Opsi akun sebagai JSON (mis. selektor untuk web)."),
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON."),
) -> None:
    """Ambil satu akun sekarang dan tampilkan postingan atau vonis kesehatannya."""
    from .parsing import format_result

    setup_logging(STATE.verbose, interactive=True)
    config = get_config()
    try:
        result = asyncio.run(_probe(config, url, platform, _json_options(options)))
    except PantauError as exc:  # an invalid account entry, or the network failed
        raise fail(f"{url}: {explain_error(str(exc))}")
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1) if as_json else format_result(result))
    raise typer.Exit(result.exit_code)


def _json_options(text: Optional[str]) -> Optional[dict]:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise fail(f"--options: bukan JSON yang valid ({exc})")
    if not isinstance(value, dict):
        raise fail('--options: harus objek JSON, mis. {"selectors": {"post": "article"}}')
    return value


async def _probe(config: Config, url: str, platform: Optional[str], options: Optional[dict] = None):
    from .app import open_runtime
    from .parsing import probe as probe_url

    async with open_runtime(config, people=[], browser=True) as rt:
        return await probe_url(url, platform, rt.services.http, rt.services.browser, options=options)


@app.command()
def login(
    platform: str = typer.Argument(..., help="facebook, instagram, tiktok atau x."),
    import_file: Optional[Path] = typer.Option(
        None, "--import", help="Berkas sesi (storage state) yang disimpan di komputer desktop; untuk server tanpa layar."),
) -> None:
    """Login sekali dengan akun pemantau (browser terlihat, atau --import berkas sesi); sesi disimpan 0600."""
    from .login import LOGIN_URLS, LoginError, has_screen, import_session, is_no_screen_error, no_screen_message
    from .platforms import ADAPTERS
    from .store import prepare_storage

    config = get_config()
    if platform not in ADAPTERS or not ADAPTERS[platform].needs_session:
        raise fail(f"platform {platform!r} tidak memakai sesi login; pilihan: {', '.join(sorted(LOGIN_URLS))}")
    if import_file is not None:
        try:
            path, cookies = import_session(platform, import_file, prepare_storage(config.storage_dir)["sessions"])
        except LoginError as exc:
            raise fail(f"Gagal: {exc}")
        typer.echo(f"Sesi {platform} ({cookies} cookie) disimpan di {path} (hanya dapat dibaca pengguna layanan).")
        return
    if not has_screen():
        raise fail(no_screen_message(platform))
    typer.echo("Browser akan terbuka. Login dengan akun pemantau khusus, lalu TUTUP jendela browser.")
    try:
        path = asyncio.run(_login(config, platform, LOGIN_URLS[platform]))
    except Exception as exc:
        if is_no_screen_error(exc):
            raise fail(no_screen_message(platform))
        first = (str(exc).splitlines() or [""])[0]
        raise fail(f"Login {platform} gagal: {first or type(exc).__name__}")
    typer.echo(f"Sesi {platform} disimpan di {path} (hanya dapat dibaca pengguna layanan).")


async def _login(config: Config, platform: str, url: str) -> Path:
    from .fetch.browser import Browser
    from .store import prepare_storage

    layout = prepare_storage(config.storage_dir)
    browser = Browser(executable=config.browser.executable, headless=False, sessions_dir=layout["sessions"])
    try:
        return await browser.login(platform, url)
    finally:
        await browser.close()


def _outbox(config: Config):
    from alerts.outbox import Outbox

    from .app import alert_renderer
    from .store import prepare_storage

    return Outbox(prepare_storage(config.storage_dir)["outbox"], config.alerts,
                  renderer=alert_renderer(config))


@alerts_app.command("test")
def alerts_test() -> None:
    """Kirim pesan uji ke setiap kanal dan laporkan hasil masing-masing."""
    setup_logging(STATE.verbose, interactive=True)
    config = get_config()
    results = _outbox(config).send_test()
    failed = 0
    for r in results:
        failed += 0 if r["ok"] else 1
        typer.echo(f"{'OK   ' if r['ok'] else 'GAGAL'} {r['channel']}"
                   + ("" if r["ok"] else f": {explain_error(mask(str(r.get('error'))))}"))
    if not results:
        typer.echo("Belum ada kanal peringatan di [alerts] config.toml.")
    raise typer.Exit(1 if failed or not results else 0)


@alerts_app.command("pending")
def alerts_pending(as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Daftar peringatan yang menunggu dikirim, per kanal."""
    from alerts.outbox import format_pending

    config = get_config()
    rows = _outbox(config).pending()
    if as_json:
        out_json(rows)
    else:
        typer.echo(format_pending(rows))


@alerts_app.command("retry")
def alerts_retry(
    dead: bool = typer.Option(False, "--dead", help="Coba lagi juga kiriman yang sudah gagal permanen."),
) -> None:
    """Kirim sekarang semua peringatan yang menunggu (tanpa menunggu jeda percobaan ulang)."""
    setup_logging(STATE.verbose, interactive=True)
    config = get_config()
    outbox = _outbox(config)
    from alerts.storage import is_disk_full

    report = None
    try:
        if dead:
            typer.echo(f"{outbox.requeue_dead()} kiriman gagal permanen diantrekan ulang.")
        report = outbox.deliver_due(force=True)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
    if report is not None:
        typer.echo(f"Terkirim {getattr(report, 'sent', 0)}, gagal {getattr(report, 'failed', 0)}, "
                   f"gagal permanen {getattr(report, 'dead', 0)}.")
    _exit_if_disk_full()


@alerts_app.command("move")
def alerts_move(
    old: str = typer.Option(..., "--from", help="Nama kanal lama (yang diganti nama atau dihapus)."),
    new: str = typer.Option(..., "--to", help="Nama kanal tujuan di config.toml."),
) -> None:
    """Pindahkan peringatan yang menunggu kanal lama ke kanal lain (kanal diganti nama/dihapus)."""
    setup_logging(STATE.verbose)
    config = get_config()
    try:
        counts = _outbox(config).move(old, new)
    except ValueError as exc:
        raise fail(str(exc))
    typer.echo(f"{counts['moved']} kiriman dipindahkan dari {old} ke {new}"
               + (f"; {counts['already']} sudah menuju {new} (tidak dikirim dua kali)" if counts["already"] else "")
               + (f"; {counts['busy']} sedang dikirim, coba lagi sebentar" if counts["busy"] else "") + ".")
    if not any(counts.values()):
        typer.echo(f"Tidak ada kiriman tertunda untuk kanal {old}.")


from . import cli_review  # noqa: E402  (review, evidence, report, purge)

cli_review.register(app, findings_app)

from . import cli_web  # noqa: E402  (pantau web, pantau users)

cli_web.register(app, sys.modules[__name__])

from . import cli_cases  # noqa: E402  (pantau capture, findings recommend/decide/close)

cli_cases.register(app, findings_app)

from . import cli_worker  # noqa: E402  (pantau worker)

cli_worker.register(app)


def main(args: list[str] | None = None) -> None:  # console script
    """Run the CLI; click's own usage errors are shown in Indonesian (exit 2).

    Anything else that escapes a command becomes one Indonesian line naming the
    error (exit 1), never a traceback; ``-v`` adds the traceback for developers.
    """
    try:  # recent typer vendors its own copy of click
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions as click

    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="pantau", standalone_mode=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "pantau"
        print(f"Galat: {usage_error_id(exc.format_message())}.\nBantuan: {where} --help", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:  # typer's own Abort (its vendored click has none)
        print("Dibatalkan.", file=sys.stderr)
        sys.exit(1)
    except LockTimeout as exc:  # another process holds a state file: try again later
        print(f"Gagal: {mask(str(exc))}.", file=sys.stderr)
        sys.exit(EXIT_DISK_FULL)
    except ProblemsError as exc:  # pragma: no cover - last resort
        for problem in exc.problems:
            print(mask(str(problem)), file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for staff
        print(unexpected_error_line(exc), file=sys.stderr)
        if STATE.verbose:
            import traceback

            print(mask("".join(traceback.format_exception(exc))), file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def unexpected_error_line(exc: BaseException) -> str:
    """One Indonesian line for an error no command expected (secrets masked)."""
    detail = (str(exc).splitlines() or [""])[0].strip()
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return (f"Galat tak terduga: {mask(what)[:500]}. Perintah dihentikan. "
            "Jalankan lagi dengan -v untuk rincian, atau laporkan ke pengelola Pantau.")


if __name__ == "__main__":  # pragma: no cover
    main()
