"""Tips and cases on the command line (staff-facing, Indonesian).

``pantau capture URL --by NAME [--note TEXT] [--unlisted "REASON"]`` (a tip:
the post fetched now, its evidence kept, a finding with source ``laporan``),
and the case steps after a confirmation: ``pantau findings recommend|decide|close``.
The operations live in :mod:`scraper.app` (``capture_tip``, ``case_step``) so
the staff console does exactly the same.
"""
from __future__ import annotations

import asyncio
from typing import Optional

import typer

from . import common





def capture(
    url: str = typer.Argument(..., help="Tautan satu unggahan (misalnya https://t.me/kanal/123)."),
    by: str = typer.Option(..., "--by", help="Nama pelapor/petugas yang menerima laporan (wajib)."),
    note: str = typer.Option("", "--note", help="Catatan laporan (misalnya: dilaporkan warga lewat telepon)."),
    unlisted: str = typer.Option("", "--unlisted",
                                 help="Alasan mengamankan unggahan dari akun yang TIDAK ada di daftar pantauan "
                                      "(dicatat di log audit)."),
    platform: Optional[str] = typer.Option(None, "--platform",
                                           help="Platform bila tidak terbaca dari tautan (telegram, x, ...)."),
) -> None:
    """Amankan satu unggahan yang dilaporkan sekarang juga: bukti, hash, custody, temuan sumber 'laporan'."""
    from ..app import capture_tip
    from ..errors import PantauError
    from ..review import SEVERITY_ID
    config = common.get_config()
    try:
        result = asyncio.run(capture_tip(config, url, by=by, note=note, unlisted=unlisted, platform=platform))
    except PantauError as exc:
        raise common.fail(f"Gagal: {exc}")
    f = result.finding
    ev = f.get("evidence") or {}
    if not result.created:
        typer.echo(f"Unggahan ini sudah pernah dilaporkan: temuan {f['id']}. Laporan Anda ditambahkan ke temuan itu.")
        return
    typer.echo(f"Laporan dicatat: temuan {f['id']} (sumber: laporan; tingkat "
               f"{SEVERITY_ID.get(f['severity'], f['severity'])}, skor {f['score']}).")
    typer.echo(f"  Orang/akun: {f['person']['name']} ({f['platform']} {f['account_url']})")
    if "manifest_sha256" in ev:
        typer.echo(f"  Bukti diamankan: {ev['dir']} (manifest SHA-256 {ev['manifest_sha256']})")
    else:
        typer.echo(f"  PERINGATAN: bukti gagal diambil: {ev.get('error', 'tidak diketahui')}", err=True)
    if not result.listed:
        typer.echo("  Akun ini tidak ada di daftar pantauan; alasan pengamanan dicatat di log audit.")
    typer.echo(f"Tinjau: pantau findings show {f['id'][:8]}")


def _guarded(step: str, fid: str, by: str, **values: str) -> dict:
    from ..app import case_step, open_stores
    from ..review import ReviewError
    try:
        return case_step(open_stores(common.get_config()), fid, step, by=by, **values)
    except ReviewError as exc:
        raise common.fail(f"Gagal: {exc}")


def recommend(
    finding_id: str = typer.Argument(..., help="ID temuan yang sudah dikonfirmasi."),
    letter: str = typer.Option(..., "--letter", help="Nomor surat rekomendasi."),
    day: str = typer.Option(..., "--date", help="Tanggal surat YYYY-MM-DD."),
    by: str = typer.Option(..., "--by", help="Nama petugas (wajib)."),
    recipient: str = typer.Option("", "--recipient", help="Penerima (default: [report] recipient)."),
    note: str = typer.Option("", "--note", help="Catatan."),
) -> None:
    """Catat rekomendasi yang dikirim ke instansi (kasus: direkomendasikan)."""
    f = _guarded("recommend", finding_id, by, letter=letter, day=day, recipient=recipient, note=note)
    case = f["case"]
    typer.echo(f"Temuan {f['id']} DIREKOMENDASIKAN: surat {case['letter_number']} tanggal "
               f"{case['recommended_date']} kepada {case['recipient']} (oleh {by}).")
    typer.echo(f"Setelah ada putusan: pantau findings decide {f['id'][:8]} --outcome \"...\" --date YYYY-MM-DD "
               "--by \"NAMA\"")


def decide(
    finding_id: str = typer.Argument(..., help="ID temuan yang sudah direkomendasikan."),
    outcome: str = typer.Option(..., "--outcome", help="Isi putusan instansi."),
    day: str = typer.Option(..., "--date", help="Tanggal putusan YYYY-MM-DD."),
    by: str = typer.Option(..., "--by", help="Nama petugas (wajib)."),
    sanction: str = typer.Option("", "--sanction", help="Kategori sanksi (teks bebas, misalnya 'disiplin sedang')."),
    note: str = typer.Option("", "--note", help="Catatan."),
) -> None:
    """Catat putusan instansi atas rekomendasi (kasus: diputus)."""
    f = _guarded("decide", finding_id, by, outcome=outcome, day=day, sanction=sanction, note=note)
    case = f["case"]
    typer.echo(f"Temuan {f['id']} DIPUTUS tanggal {case['decided_date']}: {case['outcome']}"
               + (f" (sanksi: {case['sanction']})" if case.get("sanction") else "") + f" (oleh {by}).")
    typer.echo(f"Tutup kasus: pantau findings close {f['id'][:8]} --by \"NAMA\"")


def close(
    finding_id: str = typer.Argument(..., help="ID temuan yang sudah diputus."),
    by: str = typer.Option(..., "--by", help="Nama petugas (wajib)."),
    note: str = typer.Option("", "--note", help="Catatan."),
) -> None:
    """Tutup kasus setelah putusan (kasus: selesai); pemantauan kembali ke selang biasa."""
    f = _guarded("close", finding_id, by, note=note)
    typer.echo(f"Kasus temuan {f['id']} SELESAI (ditutup oleh {by}).")


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    app.command("capture")(capture)
    findings_app.command("recommend")(recommend)
    findings_app.command("decide")(decide)
    findings_app.command("close")(close)
