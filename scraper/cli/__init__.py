"""The ``pantau`` command line (staff-facing messages in Indonesian).

Contract (other tools rely on these names): ``pantau [--config PATH] COMMAND``
with ``check``, ``once [--json]``, ``run``, ``detect``, ``findings list [--json]``
and the commands added by later issues.

One module per command group, each with ``register(app, findings_app)``:

* :mod:`.core`: version, check, once, run, detect, demo, status
* :mod:`.probe`: parse, probe, login
* :mod:`.findings`: findings list; :mod:`.review`: findings show/confirm/dismiss/export,
  evidence verify, report, purge; :mod:`.cases`: capture, findings recommend/decide/close
* :mod:`.alerts`: alerts test/pending/retry/move
* :mod:`.web`: web, users; :mod:`.worker`: worker; :mod:`.profile`: profile (an account's profile history)
* :mod:`.common`: global options (in the typer context), config, messages, exit codes;
  :mod:`.text`: Indonesian versions of click's messages.

Commands are thin: the operations live in :mod:`scraper.app` (and the modules
it composes), so the staff console does exactly the same.
"""
from __future__ import annotations

import atexit
import gc
import sys

from ..gc_pause import PausedCollection

# The CLI's modules live as long as the process: no garbage collection while they load
# (some 120 passes, 60-90 ms of every command), and frozen out of later ones (issue #17).
with PausedCollection():
    from pathlib import Path
    from typing import Optional

    import typer

    from alerts.problems import ProblemsError
    from alerts.secrets import mask
    from alerts.storage import LockTimeout

    from . import alerts, cases, common, core, findings, probe, profile, review, web, worker
    from .common import EXIT_DISK_FULL
    from .text import usage_error_id

    gc.freeze()

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Pantau: pemantauan netralitas ASN di media sosial untuk Bawaslu.")
findings_app = typer.Typer(no_args_is_help=True, help="Temuan: daftar, tinjau, ekspor.")
app.add_typer(findings_app, name="findings")


@app.callback()
def _main(
    ctx: typer.Context,
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Berkas konfigurasi (default: $PANTAU_CONFIG, lalu ./config.toml)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log lebih rinci."),
) -> None:
    common.set_options(ctx, config, verbose)


for _group in (core, findings, probe, alerts, review, web, cases, worker, profile):
    _group.register(app, findings_app)


def main(args: list[str] | None = None) -> None:  # console script
    """Run the CLI; click's own usage errors are shown in Indonesian (exit 2).

    Anything else that escapes a command becomes one Indonesian line naming the
    error (exit 1), never a traceback; ``-v`` adds the traceback for developers.
    """
    try:  # recent typer vendors its own copy of click
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions as click

    argv = list(sys.argv[1:] if args is None else args)
    # At exit, the interpreter's last garbage collection walks every object a run made (the
    # watchlist, the lexicon, every module): 0.15-0.5 s of each `pantau once` (issue #17).
    # Everything is written and closed by then, so the objects are frozen out of it instead.
    atexit.register(gc.freeze)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="pantau", standalone_mode=False)
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
        if "-v" in argv or "--verbose" in argv:
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
