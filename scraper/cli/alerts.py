"""``pantau alerts test|pending|retry|move``: the outbox from the command line."""
from __future__ import annotations

import typer

from alerts.secrets import mask

from ..config import Config
from . import common
from .text import explain_error


def _outbox(config: Config):
    from ..app import open_outbox

    return open_outbox(config)


def alerts_test() -> None:
    """Kirim pesan uji ke setiap kanal dan laporkan hasil masing-masing."""
    common.setup_logging(common.verbose(), interactive=True)
    config = common.get_config()
    results = _outbox(config).send_test()
    failed = 0
    for r in results:
        failed += 0 if r["ok"] else 1
        typer.echo(f"{'OK   ' if r['ok'] else 'GAGAL'} {r['channel']}"
                   + ("" if r["ok"] else f": {explain_error(mask(str(r.get('error'))))}"))
    if not results:
        typer.echo("Belum ada kanal peringatan di [alerts] config.toml.")
    raise typer.Exit(1 if failed or not results else 0)


def alerts_pending(as_json: bool = typer.Option(False, "--json", help="Cetak sebagai JSON.")) -> None:
    """Daftar peringatan yang menunggu dikirim, per kanal."""
    from alerts.outbox import format_pending

    config = common.get_config()
    rows = _outbox(config).pending()
    if as_json:
        common.out_json(rows)
    else:
        typer.echo(format_pending(rows))


def alerts_retry(
    dead: bool = typer.Option(False, "--dead", help="Coba lagi juga kiriman yang sudah gagal permanen."),
) -> None:
    """Kirim sekarang semua peringatan yang menunggu (tanpa menunggu jeda percobaan ulang)."""
    common.setup_logging(common.verbose(), interactive=True)
    config = common.get_config()
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
        typer.echo(f"Terkirim {report.sent}, gagal {report.failed}, gagal permanen {report.dead}.")
    common.exit_if_disk_full()


def alerts_move(
    old: str = typer.Option(..., "--from", help="Nama kanal lama (yang diganti nama atau dihapus)."),
    new: str = typer.Option(..., "--to", help="Nama kanal tujuan di config.toml."),
) -> None:
    """Pindahkan peringatan yang menunggu kanal lama ke kanal lain (kanal diganti nama/dihapus)."""
    common.setup_logging(common.verbose())
    config = common.get_config()
    try:
        counts = _outbox(config).move(old, new)
    except ValueError as exc:
        raise common.fail(str(exc))
    typer.echo(f"{counts['moved']} kiriman dipindahkan dari {old} ke {new}"
               + (f"; {counts['already']} sudah menuju {new} (tidak dikirim dua kali)" if counts["already"] else "")
               + (f"; {counts['busy']} sedang dikirim, coba lagi sebentar" if counts["busy"] else "") + ".")
    if not any(counts.values()):
        typer.echo(f"Tidak ada kiriman tertunda untuk kanal {old}.")


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    alerts_app = typer.Typer(no_args_is_help=True, help="Pengiriman peringatan (outbox).")
    alerts_app.command("test")(alerts_test)
    alerts_app.command("pending")(alerts_pending)
    alerts_app.command("retry")(alerts_retry)
    alerts_app.command("move")(alerts_move)
    app.add_typer(alerts_app, name="alerts")
