"""What every command group shares: the global options, config loading, messages, exit codes.

The global options (``--config``, ``-v``) live in the root ``typer.Context``'s
``obj`` (an :class:`Options`), set by the app's callback; commands read them
through :func:`options` (the current click context), so no module-level state
is shared between invocations.
"""
from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import typer

from alerts.problems import ProblemsError
from alerts.secrets import MaskingFilter, mask

from ..config import Config, default_config_path, load_config

try:  # recent typer vendors its own copy of click
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import get_current_context

#: exit code when state could not be written (full disk, a state file locked too long):
#: try again later (EX_TEMPFAIL)
EXIT_DISK_FULL = 75


@dataclass
class Options:
    """``pantau [--config PATH] [-v]``: kept in the root context's ``obj``."""

    config_path: Path
    verbose: bool = False


def set_options(ctx: typer.Context, config: Optional[Path], verbose: bool) -> None:
    ctx.obj = Options(config or default_config_path(), verbose)


def options() -> Options:
    """The global options of the running command (defaults outside a command)."""
    ctx = get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, Options) else Options(default_config_path())


def config_path() -> Path:
    return options().config_path


def verbose() -> bool:
    return options().verbose


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


def fail(message: str, code: int = 1) -> "typer.Exit":
    """Print ``message`` (masked) on stderr; the caller raises the returned Exit."""
    typer.echo(mask(message), err=True)
    return typer.Exit(code)


def get_config() -> Config:
    """The configuration of ``--config``; every problem printed and exit 1 when it is invalid."""
    try:
        return load_config(config_path())
    except ProblemsError as exc:
        for problem in exc.problems:
            typer.echo(mask(str(problem)), err=True)
        typer.echo(f"Konfigurasi tidak valid: {len(exc.problems)} masalah. Jalankan `pantau check`.", err=True)
        raise typer.Exit(1)


def out_json(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=None))


def exit_if_disk_full() -> None:
    """Exit 75 with one line when some state could not be written (full disk)."""
    from alerts.storage import DISK

    problem = DISK.problem()
    if problem:
        typer.echo(f"PENYIMPANAN PENUH: sebagian hasil tidak dapat disimpan ({mask(problem['error'])}). "
                   "Kosongkan disk lalu jalankan lagi; yang belum tersimpan diulang pada siklus berikutnya.",
                   err=True)
        raise typer.Exit(EXIT_DISK_FULL)


def json_options(text: Optional[str]) -> Optional[dict]:
    """``--options`` of ``parse``/``probe``: a JSON object, or a one-line error."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise fail(f"--options: bukan JSON yang valid ({exc})")
    if not isinstance(value, dict):
        raise fail('--options: harus objek JSON, mis. {"selectors": {"post": "article"}}')
    return value


class ProgressBar:
    """``pantau once``'s progress bar (rich) on stderr: accounts done of all, failures counted.

    Shown only on a terminal (``force``: always, for tests); stdout stays the
    summary, so ``--json`` and pipes are unchanged.
    """

    def __init__(self, stream=None, force: bool = False) -> None:
        stream = stream or sys.stderr
        self.console = None
        self.enabled = False
        isatty = getattr(stream, "isatty", None)
        if force or (isatty is not None and isatty()):  # rich (~25 ms) loads only to draw
            from rich.console import Console

            self.console = Console(file=stream, force_terminal=force or None)
            self.enabled = force or self.console.is_terminal
        self.failed = 0
        self._progress = None
        self._task = None

    def start(self, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("Akun"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("gagal {task.fields[failed]}"), TimeElapsedColumn(),
                                  console=self.console, transient=True, redirect_stdout=False)
        self._task = self._progress.add_task("once", total=total, failed=0)
        self._progress.start()

    def advance(self, result) -> None:
        if self._progress is None:
            return
        self.failed += 0 if getattr(result, "ok", True) else 1
        self._progress.update(self._task, advance=1, failed=self.failed)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
