"""``pantau worker``: a fetch worker for a coordinator on another machine (``[cluster]``)."""
from __future__ import annotations

from typing import Optional

import typer

from . import common


def worker(
    platforms: Optional[str] = typer.Option(
        None, "--platforms",
        help="Platform yang dilayani, dipisah koma (default: [cluster] platforms, atau semua yang bisa; "
             "platform dengan login hanya bila sesinya ada)."),
) -> None:
    """Ambil halaman untuk koordinator: antrean per platform di Redis ([cluster] broker)."""
    from ..platforms import ADAPTERS

    common.setup_logging(common.verbose())
    config = common.get_config()
    if not config.cluster.broker:
        raise common.fail(f"{common.config_path()}: [cluster] broker kosong; isi alamat Redis, mis. "
                          "broker = \"redis://:${PANTAU_REDIS_PASSWORD}@10.0.0.5:6379/0\" (lihat docs/operations.md)")
    chosen = [p.strip() for p in (platforms or "").split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(ADAPTERS))
    if unknown:
        raise common.fail(f"--platforms: platform tidak dikenal: {', '.join(unknown)}; "
                       f"yang dikenal: {', '.join(sorted(ADAPTERS))}", code=2)
    from ..cluster.worker import run_worker

    try:
        code = run_worker(config, chosen)
    except Exception as exc:  # Redis unreachable at start, bad TLS settings...
        raise common.fail(f"worker tidak dapat berjalan: {type(exc).__name__}: {exc}")
    if code == 2:
        raise common.fail("worker: tidak ada platform yang bisa dilayani (lihat pesan di atas)", code=2)
    raise typer.Exit(code)


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    app.command("worker")(worker)
