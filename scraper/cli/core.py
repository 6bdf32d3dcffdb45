"""The daemon's own commands: ``version``, ``check``, ``once``, ``run``, ``detect``, ``demo``, ``status``."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from alerts.problems import ProblemsError
from alerts.secrets import mask

from .. import __version__
from ..config import Config, load_config
from . import common


def version() -> None:
    """Versi Pantau."""
    typer.echo(__version__)


def check() -> None:
    """Periksa konfigurasi, semua daftar pantau dan semua berkas leksikon."""
    from ..app import check_everything

    notes: list[str] = []
    problems = check_everything(common.config_path(), notes=notes)
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
    from ..config import check_config
    from ..ocr import check_notes

    config, _ = check_config(common.config_path())
    if config is not None:
        for note in check_notes(config.ocr):
            typer.echo(note)


def once(as_json: bool = typer.Option(False, "--json", help="Cetak ringkasan sebagai JSON.")) -> None:
    """Jalankan satu siklus penuh atas semua akun sekarang, lalu keluar."""
    from ..gc_pause import PausedCollection

    with PausedCollection():  # the run's modules and config live as long as the process (#17)
        from ..app import run_once

        common.setup_logging(common.verbose(), interactive=True)
        config = common.get_config()
    bar = common.ProgressBar()
    try:
        summary = asyncio.run(run_once(config, progress=bar))
    finally:
        bar.stop()
    if as_json:
        common.out_json(summary)
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
    common.exit_if_disk_full()


def run() -> None:
    """Jalankan daemon di latar depan (berhenti dengan SIGTERM/SIGINT)."""
    common.setup_logging(common.verbose())
    from ..daemon import run_daemon

    code = run_daemon(common.config_path())
    raise typer.Exit(code)


def detect() -> None:
    """Baca baris JSON {"id","text"} dari stdin, tulis hasil deteksi per baris."""
    from alerts.detect import severity_at_least
    from alerts.timeutil import parse_iso

    from ..app import build_detector

    config = common.get_config()
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
            common.out_json({"id": post_id, "line": lineno, "error": str(exc)})
            continue
        detection = detector.detect(text, published)
        common.out_json({
            "id": item.get("id"),
            "alert": severity_at_least(detection.severity, minimum),
            "severity": detection.severity,
            "score": detection.score,
            "matches": [m.to_json() for m in detection.matches],
            "elections": list(detection.elections),
            "stance": detection.stance.to_json() if detection.stance else None,
        })
        sys.stdout.flush()


def demo(
    folder: Path = typer.Option(Path(".pantau-demo"), "--dir", help="Folder kerja demo (dihapus dan dibuat ulang)."),
    web: bool = typer.Option(False, "--web", help="Lalu jalankan konsol web atas data demo (login sekali pakai)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port konsol web demo (default 8080)."),
) -> None:
    """Demo lengkap tanpa internet: situs lokal, server surel lokal, tiga siklus."""
    common.setup_logging(common.verbose(), interactive=True)
    logging.getLogger().setLevel(logging.WARNING if not common.verbose() else logging.DEBUG)
    from ..demo.run import run_demo
    from .web import serve_demo

    code = run_demo(folder.resolve(), echo=typer.echo)
    if web and code == 0:
        serve_demo(folder.resolve(), port)
    raise typer.Exit(code)


def status(as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Keadaan daemon dari disk: siklus terakhir/berikutnya, kesehatan akun, outbox."""
    from ..app import load_people
    from ..config import fallback_config
    from ..status import build_status, format_status

    config: Optional[Config] = None
    people: list = []
    problems: list = []
    config_invalid = False
    try:
        config = load_config(common.config_path())
        people = load_people(config)
    except ProblemsError as exc:  # still show what the daemon runs (the last good list)
        problems = exc.problems
        config_invalid = config is None
        config = config or fallback_config(common.config_path())
        if config is None:
            common.get_config()  # prints the problems and exits 1
    result = build_status(config, people, problems)
    if as_json:
        common.out_json(result)
    else:
        typer.echo(mask(format_status(result)))
    if problems and config_invalid:
        raise typer.Exit(1)


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    for fn in (version, check, once, run, detect, demo, status):
        app.command()(fn)
