"""Review, evidence, report, export and purge commands (staff-facing, Indonesian).

``pantau findings show|confirm|dismiss|export``, ``pantau evidence verify``,
``pantau report`` and ``pantau purge``. IDs may be a unique prefix of at
least 6 characters. Every command that reads or changes a finding is written
to the audit log (``<storage>/audit.log``).
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Optional

import typer

from . import common

from alerts.storage import atomic_write_bytes

evidence_app = typer.Typer(no_args_is_help=True, help="Bukti: periksa keutuhan berkas dan log custody.")






def _reviewer(config):
    from ..app import open_stores

    return open_stores(config).reviewer()


def _guard(fn):
    """Turn ReviewError into an Indonesian message and exit code 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ..review import ReviewError

        try:
            return fn(*args, **kwargs)
        except ReviewError as exc:
            raise common.fail(f"Gagal: {exc}")
    return wrapper


def findings_show(
    finding_id: str = typer.Argument(..., help="ID temuan (atau minimal 6 karakter awalnya)."),
    as_json: bool = typer.Option(False, "--json", help="Cetak dokumen temuan sebagai JSON."),
    by: str = typer.Option("", "--by", help="Nama petugas yang melihat (default: nama login)."),
) -> None:
    """Tampilkan satu temuan lengkap (alasan, bukti, riwayat tinjauan)."""
    from ..review import format_finding
    finding = _reviewer(common.get_config()).show(finding_id, by=by)
    if as_json:
        common.out_json(finding)
    else:
        typer.echo(format_finding(finding))


def _decide(action: str, finding_id: str, by: str, note: str, force: bool) -> None:
    from ..app import decide, open_stores

    updated = decide(open_stores(common.get_config()), finding_id, action, by=by, note=note, force=force)
    word = {"confirm": "DIKONFIRMASI", "dismiss": "DITOLAK"}[action]
    typer.echo(f"Temuan {updated['id']} {word} oleh {updated['reviewed_by']}"
               + (f" (catatan: {note})" if note else "") + ".")
    if action == "confirm":
        typer.echo(f"Buat laporan: pantau report {updated['id']} --format pdf")


def findings_confirm(
    finding_id: str = typer.Argument(..., help="ID temuan."),
    by: str = typer.Option(..., "--by", help="Nama petugas peninjau (wajib)."),
    note: str = typer.Option("", "--note", help="Catatan tinjauan."),
    force: bool = typer.Option(False, "--force", help="Ubah keputusan yang sudah ada (tetap tercatat)."),
) -> None:
    """Konfirmasi temuan sebagai dugaan pelanggaran (bukti disimpan)."""
    _decide("confirm", finding_id, by, note, force)


def findings_dismiss(
    finding_id: str = typer.Argument(..., help="ID temuan."),
    by: str = typer.Option(..., "--by", help="Nama petugas peninjau (wajib)."),
    note: str = typer.Option("", "--note", help="Alasan penolakan."),
    force: bool = typer.Option(False, "--force", help="Ubah keputusan yang sudah ada (tetap tercatat)."),
) -> None:
    """Tolak temuan (bukan pelanggaran); dihapus otomatis setelah masa retensi."""
    _decide("dismiss", finding_id, by, note, force)


def findings_export(
    date_from: str = typer.Option(..., "--from", help="Tanggal awal YYYY-MM-DD (WITA)."),
    date_to: str = typer.Option(..., "--to", help="Tanggal akhir YYYY-MM-DD (WITA), ikut dihitung."),
    out: Optional[Path] = typer.Option(None, "--out", help="Berkas hasil .csv atau .xlsx (default: CSV ke layar)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv atau xlsx (default: dari akhiran --out, lalu csv)."),
    by: str = typer.Option("", "--by", help="Nama petugas (untuk log audit; default: nama login)."),
) -> None:
    """Ekspor temuan ke CSV (pemisah ;) atau Excel .xlsx untuk rekap bulanan."""
    from ..app import open_stores
    from ..export import FORMATS, parse_day, select, to_csv, to_xlsx
    from ..review import _actor
    fmt = (fmt or (out.suffix.lstrip(".") if out is not None and out.suffix else "csv")).lower()
    if fmt not in FORMATS:
        raise common.fail(f"Gagal: format {fmt!r} tidak dikenal; pilih csv atau xlsx", 2)
    if fmt == "xlsx" and out is None:
        raise common.fail("Gagal: format xlsx perlu --out BERKAS.xlsx", 2)
    try:
        start, end = parse_day(date_from), parse_day(date_to)
        config = common.get_config()
        stores = open_stores(config)
        rows = select(stores.findings.all(), start, end)
    except ValueError as exc:
        raise common.fail(f"Gagal: {exc}", 2)
    data = to_xlsx(rows) if fmt == "xlsx" else to_csv(rows).encode("utf-8")
    stores.audit.append("export", actor=_actor(by), details={
        "from": str(start), "to": str(end), "findings": len(rows), "out": str(out) if out else "-",
        "format": fmt})
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    atomic_write_bytes(out, data)
    typer.echo(f"{len(rows)} temuan ({start} s.d. {end}) diekspor ke {out}", err=True)


@evidence_app.command("verify")
def evidence_verify(
    finding_id: Optional[str] = typer.Argument(None, help="ID temuan (kosong: semua bukti dan log)."),
    as_json: bool = typer.Option(False, "--json", help="Cetak hasil sebagai JSON."),
    by: str = typer.Option("", "--by", help="Nama petugas (untuk log; default: nama login)."),
) -> None:
    """Periksa sidik SHA-256 setiap berkas bukti dan rantai log custody/audit (exit 0 = utuh)."""
    from ..app import open_stores, verify_and_record
    from ..review import ReviewError, _actor

    try:
        report = verify_and_record(open_stores(common.get_config()), finding_id, actor=_actor(by))
    except ReviewError as exc:
        raise common.fail(f"Gagal: {exc}")
    if as_json:
        common.out_json({"ok": report.ok, "checked": report.checked, "artefacts": report.artefacts,
                      "logs": report.log_entries,
                      "chain_issues": [vars(i) for i in report.chain_issues],
                      "issues": [vars(i) for i in report.issues]})
    else:
        for line in report.lines():
            typer.echo(line)
        logs = ", ".join(f"{name} {n} entri" for name, n in report.log_entries.items())
        if report.ok:
            typer.echo(f"UTUH: {len(report.checked)} temuan, {report.artefacts} berkas bukti, {logs}: "
                       "semua sidik cocok dan rantai log tidak terputus.")
        else:
            typer.echo(f"TIDAK UTUH: {len(report.issues)} masalah pada berkas bukti, "
                       f"{sum(1 for i in report.chain_issues if i.tampering)} pada log ({logs}).")
    raise typer.Exit(0 if report.ok else 1)


def report_cmd(
    finding_id: str = typer.Argument(..., help="ID temuan."),
    fmt: str = typer.Option("html", "--format", help="html, pdf, atau docx (dapat diubah di Word/LibreOffice)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Berkas hasil (default: laporan-ID.html/pdf/docx)."),
    by: str = typer.Option("", "--by", help="Nama petugas penanda tangan (default: peninjau temuan)."),
    role: str = typer.Option("", "--role", help="Jabatan penanda tangan (default: Petugas Pengawas)."),
    force: bool = typer.Option(False, "--force",
                               help="Buat juga untuk temuan yang belum ditinjau atau ditolak (dengan tanda DRAF)."),
) -> None:
    """Buat laporan temuan (bahasa Indonesia) untuk rekomendasi: HTML, PDF, atau DOCX."""
    from ..app import REPORT_FORMATS, ReportError, make_report, open_stores
    from ..review import ReviewError, _actor, resolve_id
    fmt = fmt.lower().strip()
    if fmt not in REPORT_FORMATS:
        raise common.fail(f"Gagal: format {fmt!r} tidak dikenal; pilih html, pdf, atau docx", 2)
    stores = open_stores(common.get_config())
    finding = resolve_id(stores.findings, finding_id)
    fid = finding["id"]
    out = out or Path(f"laporan-{fid}.{fmt}")
    try:
        report = asyncio.run(make_report(stores, finding, fmt, actor=_actor(by), signer=by, signer_role=role,
                                         force=force, out=str(out)))
    except ReviewError as exc:  # not confirmed: refused without --force
        raise common.fail(f"Gagal: {exc} Tambahkan --force untuk membuat draf bertanda peringatan.")
    except ReportError as exc:
        raise common.fail(str(exc))
    atomic_write_bytes(out, report.data)
    typer.echo(f"Laporan temuan {fid} ditulis ke {out}")
    if report.banner:
        typer.echo(f"PERINGATAN: {report.banner}", err=True)
    if report.evidence_ok is False:
        typer.echo("PERINGATAN: bukti temuan ini TIDAK UTUH; lihat `pantau evidence verify "
                   f"{fid}` sebelum laporan dipakai.", err=True)


def purge_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Hanya tampilkan apa yang akan dihapus."),
) -> None:
    """Hapus temuan yang ditolak dan postingan tanpa temuan setelah masa retensi; rapikan izin berkas."""
    from alerts.timeutil import utc_now

    from ..retention import purge
    config = common.get_config()
    report = purge(config, utc_now(), dry_run=dry_run)
    typer.echo(str(report))
    for fid in report.findings:
        typer.echo(f"  temuan {fid}")
    for path in report.permissions_fixed:
        typer.echo(f"  izin berkas terlalu terbuka: {path}")


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    findings_app.command("show")(_guard(findings_show))
    findings_app.command("confirm")(_guard(findings_confirm))
    findings_app.command("dismiss")(_guard(findings_dismiss))
    findings_app.command("export")(_guard(findings_export))
    app.add_typer(evidence_app, name="evidence")
    app.command("report")(_guard(report_cmd))
    app.command("purge")(purge_cmd)
