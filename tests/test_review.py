"""Review workflow: confirm/dismiss with reviewer, note and time; audit trail; deleted posts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from review_fixtures import finding_for, pipeline_findings, run_cycle, start_site
from scraper.custody import ChainLog
from scraper.evidence import custody_log, verify_evidence
from scraper.review import ReviewError, Reviewer, format_finding, resolve_id
from scraper.store import storage_layout

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(tmp_path):
    site = start_site()
    try:
        config, store = pipeline_findings(tmp_path, site, screenshot=False)
        yield config, store, site
    finally:
        site.stop()


def _audit(config):
    return ChainLog(storage_layout(config.storage_dir)["audit"])


def test_confirm_records_reviewer_time_note_and_logs(world):
    config, store, _ = world
    fid = finding_for(store, "102")["id"]
    reviewer = Reviewer(config.storage_dir, clock=lambda: NOW)
    updated = reviewer.confirm(fid[:6], by="  Rina Marlina ", note="ajakan memilih jelas")
    assert updated["status"] == "confirmed"
    assert (updated["reviewed_by"], updated["reviewed_at"], updated["review_note"]) == \
        ("Rina Marlina", "2026-11-24T03:00:00+00:00", "ajakan memilih jelas")
    assert updated["review"] == [{"action": "confirmed", "by": "Rina Marlina", "at": "2026-11-24T03:00:00+00:00",
                                  "note": "ajakan memilih jelas", "previous": "new", "forced": False}]
    assert store.get(fid)["status"] == "confirmed"  # persisted, visible to another reader
    other = finding_for(store, "104")
    assert other["status"] == "new" and other["review"] == []

    audit = list(_audit(config).entries())
    assert [(e["action"], e["finding_id"], e["actor"]) for e in audit] == [("confirmed", fid, "Rina Marlina")]
    assert audit[0]["details"] == {"from": "new", "to": "confirmed", "note": "ajakan memilih jelas", "forced": False}
    custody = [e for e in custody_log(storage_layout(config.storage_dir)["evidence"]).entries(fid)]
    assert [e["action"] for e in custody] == ["captured", "confirmed"]
    assert custody[1]["artefacts"] == {"manifest.json": updated["evidence"]["manifest_sha256"]}
    assert _audit(config).verify().ok


def test_decision_is_final_unless_forced_and_history_is_kept(world):
    config, store, _ = world
    fid = finding_for(store, "104")["id"]
    reviewer = Reviewer(config.storage_dir, clock=lambda: NOW)
    reviewer.dismiss(fid, by="Rina", note="kampanye imunisasi")
    with pytest.raises(ReviewError, match="sudah ditolak oleh Rina.*--force"):
        reviewer.confirm(fid, by="Agus")
    assert store.get(fid)["status"] == "dismissed"
    assert [e["action"] for e in _audit(config).entries()] == ["dismissed"]  # refusal changes nothing

    updated = reviewer.confirm(fid, by="Agus", note="ditinjau ulang: ajakan memilih", force=True)
    assert updated["status"] == "confirmed" and updated["reviewed_by"] == "Agus"
    assert [(r["action"], r["by"], r["previous"], r["forced"]) for r in updated["review"]] == \
        [("dismissed", "Rina", "new", False), ("confirmed", "Agus", "dismissed", True)]
    assert [e["details"]["forced"] for e in _audit(config).entries()] == [False, True]


def test_reviewer_name_is_required_and_ids_resolve_by_unique_prefix(world):
    config, store, _ = world
    reviewer = Reviewer(config.storage_dir)
    fid = finding_for(store, "102")["id"]
    with pytest.raises(ReviewError, match="nama peninjau wajib"):
        reviewer.confirm(fid, by="   ")
    assert store.get(fid)["status"] == "new"
    with pytest.raises(ReviewError, match="terlalu pendek"):
        resolve_id(store, fid[:5])
    with pytest.raises(ReviewError, match="tidak ditemukan"):
        resolve_id(store, "ffffffffffff")
    assert resolve_id(store, fid[:6].upper())["id"] == fid
    twins = [dict(finding_for(store, "102"), id="abcdef0000000001"), dict(finding_for(store, "102"), id="abcdef0000000002")]
    store.add_new(twins)
    with pytest.raises(ReviewError, match="cocok dengan 2 temuan"):
        resolve_id(store, "abcdef")
    assert resolve_id(store, "abcdef0000000002")["id"] == "abcdef0000000002"


def test_show_is_audited_and_formats_in_indonesian(world):
    config, store, _ = world
    fid = finding_for(store, "102")["id"]
    reviewer = Reviewer(config.storage_dir, clock=lambda: NOW)
    finding = reviewer.show(fid[:8], by="Rina")
    text = format_finding(finding)
    assert "Budi Santoso (fiktif)" in text and "198503122010011003" in text
    assert "Batas penanganan" in text and "WITA" in text and "tinggi" in text
    assert finding["evidence"]["manifest_sha256"] in text
    assert [(e["action"], e["actor"]) for e in _audit(config).entries()] == [("viewed", "Rina")]


def test_post_deleted_after_capture_is_marked_on_its_finding(world):
    config, store, site = world
    fid = finding_for(store, "104")["id"]
    site.delete_post("kabar_budi_demo", 104)
    summary = run_cycle(config)
    assert summary["deleted"] == 1
    finding = store.get(fid)
    assert finding["post_deleted_at"] is not None
    assert finding_for(store, "102")["post_deleted_at"] is None
    assert "DIHAPUS" in format_finding(finding)
    # the evidence captured before the deletion is still intact
    assert verify_evidence(storage_layout(config.storage_dir)["evidence"], store.all()).ok


def test_altered_audit_line_is_named(world):
    config, store, _ = world
    reviewer = Reviewer(config.storage_dir, clock=lambda: NOW)
    for f in store.all():
        reviewer.dismiss(f["id"], by="Rina", note="bukan kampanye")
    path = storage_layout(config.storage_dir)["audit"]
    path.write_bytes(path.read_bytes().replace(b"bukan kampanye", b"bukan kampanyE", 1))
    report = verify_evidence(storage_layout(config.storage_dir)["evidence"], store.all(), extra_logs=[_audit(config)])
    assert not report.ok
    first = next(i for i in report.chain_issues if i.tampering)
    assert (first.log, first.line, first.kind) == ("audit.log", 1, "altered")
