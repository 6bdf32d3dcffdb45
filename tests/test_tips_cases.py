"""Tips (``pantau capture``) and cases (``pantau findings recommend|decide|close``) over a loopback site.

Real parts: the demo site on 127.0.0.1 (a Telegram-like channel), real
Chromium for the evidence image, real TinyDB stores and hash-chained logs,
the CLI through typer's runner.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from scraper.cli import app
from scraper.demo.run import PEOPLE, POSTS, _at, write_demo_files
from scraper.demo.site import DemoSite

BUDI = "kabar_budi_demo"
HARMLESS = 101  # "Selamat pagi warga Waru, jangan lupa sarapan ..."
STRANGER = "orang_luar_demo"


@pytest.fixture
def world(tmp_path, chromium):
    site = DemoSite().start()
    for p in PEOPLE:
        name = p["account"][1]
        site.add_account(name, p["name"])
        for post_id, text, at in POSTS[name]:
            site.add_post(name, post_id, text, _at(at))
    site.add_account(STRANGER, "Orang luar (fiktif)")
    site.add_post(STRANGER, 501, "Foto kegiatan kemarin, terima kasih semua", datetime(2024, 11, 20, tzinfo=timezone.utc))
    # no alert channels: these tests are about the stores and the logs
    config_path = write_demo_files(tmp_path, site.base_url, 9, 9)
    text = config_path.read_text().replace('  "mailto://127.0.0.1:9?from=pantau@demo.invalid&to=staf-bawaslu@demo.invalid",\n', "")
    config_path.write_text(text.replace('  "json://127.0.0.1:9/whatsapp",\n', ""))
    yield {"config_path": config_path, "site": site, "tmp": tmp_path}
    site.stop()


def pantau(world, *args: str):
    return CliRunner().invoke(app, ["--config", str(world["config_path"]), *args])


def listed(world) -> list[dict]:
    result = pantau(world, "findings", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def audit(world) -> list[dict]:
    path = world["tmp"] / "data" / "audit.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def custody(world) -> list[dict]:
    path = world["tmp"] / "data" / "evidence" / "custody.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_tip_on_a_harmless_post_of_a_listed_account_keeps_verified_evidence(world):
    url = f"{world['site'].base_url}/{BUDI}/{HARMLESS}"
    result = pantau(world, "capture", url, "--by", "Rina (PKD Waru)", "--note", "laporan warga lewat telepon")
    assert result.exit_code == 0, result.output
    assert "Laporan dicatat" in result.output and "Bukti diamankan" in result.output

    [finding] = listed(world)
    assert finding["source"] == "laporan"
    assert finding["post_id"] == str(HARMLESS) and finding["person"] == "Budi Santoso (fiktif)"
    assert finding["severity"] in ("none", "low")  # harmless text: a finding all the same
    assert finding["status"] == "new" and finding["case_status"] is None

    verify = pantau(world, "evidence", "verify", finding["id"])
    assert verify.exit_code == 0, verify.output
    assert "UTUH" in verify.output
    shown = json.loads(pantau(world, "findings", "show", finding["id"], "--json").output)
    assert shown["evidence"]["screenshot"] and shown["tips"][0]["by"] == "Rina (PKD Waru)"
    assert "Selamat pagi warga Waru" in shown["text"]

    entries = [e for e in custody(world) if e.get("finding_id") == finding["id"]]
    assert [e["action"] for e in entries][:2] == ["captured", "reported"]
    assert entries[1]["actor"] == "Rina (PKD Waru)" and entries[1]["details"]["note"] == "laporan warga lewat telepon"
    tip = [e for e in audit(world) if e["action"] == "tip"]
    assert tip and tip[0]["actor"] == "Rina (PKD Waru)" and tip[0]["details"]["listed"] is True

    again = pantau(world, "capture", url, "--by", "Joko")
    assert again.exit_code == 0 and "sudah pernah dilaporkan" in again.output
    assert len(listed(world)) == 1


def test_unlisted_account_refused_without_reason_and_accepted_with_it(world):
    url = f"{world['site'].base_url}/{STRANGER}/501"
    refused = pantau(world, "capture", url, "--by", "Rina", "--platform", "telegram")
    assert refused.exit_code == 1
    assert "tidak ada di daftar pantauan" in refused.output and "--unlisted" in refused.output
    assert listed(world) == []

    reason = "ASN baru dilantik, belum masuk daftar; laporan Panwascam"
    accepted = pantau(world, "capture", url, "--by", "Rina", "--platform", "telegram", "--unlisted", reason)
    assert accepted.exit_code == 0, accepted.output
    [finding] = listed(world)
    assert finding["source"] == "laporan" and finding["account_url"].endswith(f"/{STRANGER}")
    [entry] = [e for e in audit(world) if e["action"] == "tip"]
    assert entry["details"]["listed"] is False and entry["details"]["unlisted_reason"] == reason
    assert pantau(world, "evidence", "verify").exit_code == 0


def test_a_case_goes_through_every_state_by_cli_and_shows_in_report_export_and_json(world):
    url = f"{world['site'].base_url}/{BUDI}/102"  # the campaign post
    assert pantau(world, "capture", url, "--by", "Rina").exit_code == 0
    fid = listed(world)[0]["id"]

    early = pantau(world, "findings", "recommend", fid, "--letter", "001/PP/2024", "--date", "2024-12-02", "--by", "Ani")
    assert early.exit_code == 1 and "belum dikonfirmasi" in early.output
    assert pantau(world, "findings", "confirm", fid, "--by", "Ani").exit_code == 0
    assert listed(world)[0]["case_status"] == "confirmed"
    skip = pantau(world, "findings", "decide", fid, "--outcome", "x", "--date", "2024-12-09", "--by", "Ani")
    assert skip.exit_code == 1 and "direkomendasikan" in skip.output
    bad_date = pantau(world, "findings", "recommend", fid, "--letter", "1", "--date", "kemarin", "--by", "Ani")
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.output

    rec = pantau(world, "findings", "recommend", fid, "--letter", "001/PP.01/K.KI-13/XII/2024", "--date", "2024-12-02",
                 "--by", "Ani")
    assert rec.exit_code == 0, rec.output
    dec = pantau(world, "findings", "decide", fid, "--outcome", "Terbukti melanggar netralitas", "--date",
                 "2024-12-20", "--sanction", "disiplin sedang", "--by", "Ani")
    assert dec.exit_code == 0, dec.output
    assert pantau(world, "findings", "close", fid, "--by", "Ani").exit_code == 0

    row = listed(world)[0]
    assert row["status"] == "confirmed" and row["case_status"] == "closed"
    assert row["recommended_date"] == "2024-12-02" and row["letter_number"] == "001/PP.01/K.KI-13/XII/2024"
    assert row["recipient"] == "Badan Kepegawaian Negara (BKN)"
    assert row["decided_date"] == "2024-12-20" and row["outcome"] == "Terbukti melanggar netralitas"
    assert row["sanction"] == "disiplin sedang" and row["closed_at"]
    closed = pantau(world, "findings", "list", "--status", "selesai")
    assert fid[:8] in closed.output and "selesai" in closed.output

    actions = [e["action"] for e in audit(world) if e.get("finding_id") == fid]
    for step in ("tip", "confirmed", "case_recommended", "case_decided", "case_closed"):
        assert step in actions
    assert pantau(world, "evidence", "verify").exit_code == 0  # the case steps chain onto the custody log

    export = pantau(world, "findings", "export", "--from", "2020-01-01", "--to", "2099-12-31")
    header, line = list(csv.reader(io.StringIO(export.output.lstrip("\ufeff")), delimiter=";"))[:2]
    cols = dict(zip(header, line))
    assert cols["Sumber"] == "laporan" and cols["Status kasus"] == "selesai"
    assert cols["Tanggal rekomendasi"] == "2024-12-02" and cols["Tanggal putusan"] == "2024-12-20"
    assert cols["Kategori sanksi"] == "disiplin sedang"

    out = world["tmp"] / "laporan.html"
    report = pantau(world, "report", fid, "--format", "html", "--out", str(out))
    assert report.exit_code == 0, report.output
    html = out.read_text()
    assert "Tindak lanjut kasus" in html and "selesai" in html and "2 Desember 2024" in html
    assert "001/PP.01/K.KI-13/XII/2024" in html and "disiplin sedang" in html and "laporan (tip)" in html
    docx_path = world["tmp"] / "laporan.docx"
    assert pantau(world, "report", fid, "--format", "docx", "--out", str(docx_path)).exit_code == 0
    import docx

    cells = " ".join(c.text for t in docx.Document(str(docx_path)).tables for r in t.rows for c in r.cells)
    assert "selesai" in cells and "001/PP.01/K.KI-13/XII/2024" in cells and "20 Desember 2024" in cells


def test_a_reported_post_detected_later_stays_one_finding(world):
    """A tip first, then the daemon's own run over the same post: still one finding, no alert."""
    url = f"{world['site'].base_url}/{BUDI}/102"  # "Ayo coblos nomor 2! ..." (the detector flags it)
    assert pantau(world, "capture", url, "--by", "Rina").exit_code == 0
    [tip] = listed(world)
    once = pantau(world, "once", "--json")
    assert once.exit_code == 0, once.output
    summary = json.loads(once.output.strip().splitlines()[-1])
    findings = listed(world)
    assert [f["id"] for f in findings if f["post_id"] == "102"] == [tip["id"]]
    assert summary["findings"] == len(findings) - 1  # the run's own findings are the other posts'
