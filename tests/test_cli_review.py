"""The staff commands through the real CLI (typer CliRunner, tmp config, real files)."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from alerts.timeutil import WITA, parse_iso
from review_fixtures import finding_for, pipeline_findings, start_site
from scraper.cli import app
from scraper.store import storage_layout


@pytest.fixture
def world(tmp_path):
    site = start_site()
    try:
        config, store = pipeline_findings(tmp_path, site, screenshot=False)
    finally:
        site.stop()
    return tmp_path, config, store


def run(base, *args):
    return CliRunner().invoke(app, ["--config", str(base / "config.toml"), *args])


def test_show_confirm_dismiss(world):
    base, config, store = world
    fid = finding_for(store, "102")["id"]
    shown = run(base, "findings", "show", fid[:6])
    assert shown.exit_code == 0, shown.output
    assert "Budi Santoso (fiktif)" in shown.output and "[baru]" in shown.output
    assert json.loads(run(base, "findings", "show", fid, "--json").output)["id"] == fid

    ok = run(base, "findings", "confirm", fid[:7], "--by", "Rina", "--note", "ajakan memilih")
    assert ok.exit_code == 0 and "DIKONFIRMASI oleh Rina" in ok.output
    again = run(base, "findings", "dismiss", fid, "--by", "Agus")
    assert again.exit_code == 1 and "sudah dikonfirmasi oleh Rina" in again.output
    forced = run(base, "findings", "dismiss", fid, "--by", "Agus", "--note", "salah baca", "--force")
    assert forced.exit_code == 0 and "DITOLAK oleh Agus" in forced.output
    assert store.get(fid)["status"] == "dismissed"

    assert run(base, "findings", "confirm", fid).exit_code == 2  # --by is required
    assert run(base, "findings", "confirm", fid, "--by", " ").exit_code == 1
    short = run(base, "findings", "show", fid[:4])
    assert short.exit_code == 1 and "minimal 6" in short.output
    listed = json.loads(run(base, "findings", "list", "--json").output)
    assert {f["id"]: f["status"] for f in listed}[fid] == "dismissed"
    assert {"id", "person", "nip", "post_url", "first_seen", "deadline", "status", "post_deleted_at"} <= set(listed[0])


def test_export_csv_for_excel(world, tmp_path):
    base, config, store = world
    fid = finding_for(store, "104")["id"]
    run(base, "findings", "dismiss", fid, "--by", "Rina", "--note", "=HYPERLINK(\"x\")")
    day = parse_iso(store.all()[0]["first_seen"]).astimezone(WITA).date()
    out = tmp_path / "rekap.csv"
    result = run(base, "findings", "export", "--from", str(day), "--to", str(day), "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ID temuan;Status;Pertama terlihat (WITA);")  # ; for Indonesian Excel
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["ID temuan", "Status", "Pertama terlihat (WITA)"]
    assert len(rows) == 3
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_id[fid]["Status"] == "ditolak" and by_id[fid]["Peninjau"] == "Rina"
    assert by_id[fid]["Catatan tinjauan"] == "'=HYPERLINK(\"x\")"  # not run as a formula
    assert by_id[fid]["NIP"] == '="198503122010011003"'
    finding = store.get(fid)
    due = parse_iso(finding["deadline"]).astimezone(WITA)
    assert by_id[fid]["Batas penanganan (WITA)"] == due.strftime("%Y-%m-%d %H:%M")  # ISO: sorts as text too
    assert by_id[fid]["Tingkat"] in ("tinggi", "sedang", "rendah")
    assert by_id[fid]["Skor"] == f"{finding['score']:.2f}".replace(".", ",")

    before = run(base, "findings", "export", "--from", str(day - timedelta(days=30)), "--to", str(day - timedelta(days=1)))
    assert before.exit_code == 0 and len(list(csv.reader(io.StringIO(before.output.lstrip("\ufeff"))))) == 1
    bad = run(base, "findings", "export", "--from", "2026-13-01", "--to", str(day))
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    backwards = run(base, "findings", "export", "--from", str(day), "--to", str(day - timedelta(days=1)))
    assert backwards.exit_code == 2


def test_export_xlsx_numbers_dates_and_nip_as_text(world, tmp_path):
    from datetime import datetime

    from openpyxl import load_workbook

    base, config, store = world
    day = parse_iso(store.all()[0]["first_seen"]).astimezone(WITA).date()
    out = tmp_path / "rekap.xlsx"
    result = run(base, "findings", "export", "--from", str(day), "--to", str(day), "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["ID temuan", "Status", "Pertama terlihat (WITA)", "Batas penanganan (WITA)"]
    rows = [dict(zip(header, (c for c in r))) for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 2
    for r in rows:
        assert isinstance(r["Pertama terlihat (WITA)"].value, datetime)
        assert isinstance(r["Skor"].value, float) and r["Tingkat"].value in ("tinggi", "sedang", "rendah")
        assert r["NIP"].value == "198503122010011003" and r["NIP"].number_format == "@"
        assert r["Status"].value == "baru"
    bad = run(base, "findings", "export", "--from", str(day), "--to", str(day), "--format", "ods")
    assert bad.exit_code == 2 and "csv atau xlsx" in bad.output


def test_evidence_verify_exit_codes_and_names(world):
    base, config, store = world
    fid = finding_for(store, "102")["id"]
    ok = run(base, "evidence", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("UTUH: 2 temuan, 8 berkas bukti"), ok.output
    one = run(base, "evidence", "verify", fid[:6])
    assert one.exit_code == 0 and "UTUH: 1 temuan" in one.output
    meta = storage_layout(config.storage_dir)["evidence"] / fid / "metadata.json"
    meta.write_bytes(meta.read_bytes().replace(b"198503122010011003", b"198503122010011004"))
    bad = run(base, "evidence", "verify", "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert [(i["finding_id"], i["artefact"], i["kind"]) for i in report["issues"]] == [(fid, "metadata.json", "altered")]
    text = run(base, "evidence", "verify", fid)
    assert text.exit_code == 1 and f"RUSAK {fid}: metadata.json" in text.output and "TIDAK UTUH" in text.output
    # verified entries are written only for intact checks
    custody = (storage_layout(config.storage_dir)["evidence"] / "custody.log").read_text().splitlines()
    assert [json.loads(line)["action"] for line in custody].count("verified") == 2


def test_purge_dry_run_and_audit_of_access(world):
    base, config, store = world
    result = run(base, "purge", "--dry-run")
    assert result.exit_code == 0 and result.output.startswith("[uji coba] temuan ditolak akan dihapus: 0")
    run(base, "findings", "show", finding_for(store, "102")["id"], "--by", "Rina")
    audit = [json.loads(line) for line in storage_layout(config.storage_dir)["audit"].read_text().splitlines()]
    assert [(e["action"], e["actor"]) for e in audit] == [("viewed", "Rina")]
