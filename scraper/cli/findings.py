"""``pantau findings list``: the staff table and the JSON list (the other findings commands
live in :mod:`scraper.cli.review` and :mod:`scraper.cli.cases`)."""
from __future__ import annotations

from typing import Optional

import typer

from ..finding import finding_summary
from . import common


def findings_list(
    as_json: bool = typer.Option(False, "--json", help="Cetak sebagai larik JSON."),
    status: Optional[str] = typer.Option(None, "--status",
                                         help="Hanya status ini: baru, dikonfirmasi, ditolak, direkomendasikan, diputus, selesai "
                                              "(atau new, confirmed, dismissed, recommended, decided, closed)."),
) -> None:
    """Daftar temuan: ID pendek, status, tingkat, batas penanganan, tanda unggahan dihapus."""
    from ..app import open_stores
    from ..review import ReviewError, parse_status

    try:
        wanted = parse_status(status) if status is not None else None
    except ReviewError as exc:
        raise common.fail(f"Gagal: {exc}", 2)
    config = common.get_config()
    store = open_stores(config).findings
    from ..cases import case_status

    items = [f for f in store.all() if wanted is None or f.get("status", "new") == wanted
             or case_status(f) == wanted]
    items.sort(key=lambda f: (f.get("deadline") or "", f["id"]))
    if as_json:
        common.out_json([finding_summary(f) for f in items])
        return
    if not items:
        typer.echo("Belum ada temuan." if wanted is None else "Tidak ada temuan dengan status itu.")
        return
    typer.echo(format_findings_table(items))


def format_findings_table(items: list[dict]) -> str:
    """The staff table of findings (Indonesian words, WITA, sorted by deadline)."""
    from alerts.timeutil import fmt_wita, parse_iso, utc_now

    from ..cases import case_status
    from ..review import CASE_STATUS_ID, SEVERITY_ID, STATUS_ID

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


def register(app: typer.Typer, findings_app: typer.Typer) -> None:
    findings_app.command("list")(findings_list)
