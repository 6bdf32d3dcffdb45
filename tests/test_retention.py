"""Retention: dismissed findings and never-flagged posts purged, confirmed evidence kept."""
from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest

from alerts.timeutil import utc_now
from review_fixtures import finding_for, pipeline_findings, start_site
from scraper.custody import ChainLog
from scraper.evidence import custody_log, verify_evidence
from scraper.retention import fix_permissions, purge
from scraper.review import Reviewer
from scraper.store import AccountShard, PostStore, storage_layout


@pytest.fixture
def world(tmp_path):
    site = start_site()
    try:
        config, store = pipeline_findings(tmp_path, site, screenshot=False)
    finally:
        site.stop()
    return config, store, storage_layout(config.storage_dir)


def _posts(layout):
    [shard_file] = PostStore(layout["root"]).shard_files()
    return AccountShard(shard_file).posts()


def test_old_dismissal_is_purged_with_its_evidence_and_logged(world):
    config, store, layout = world
    now = utc_now()
    dismissed, confirmed = finding_for(store, "104"), finding_for(store, "102")
    Reviewer(config.storage_dir, clock=lambda: now - timedelta(days=91)).dismiss(dismissed["id"], by="Rina")
    Reviewer(config.storage_dir, clock=lambda: now - timedelta(days=400)).confirm(confirmed["id"], by="Rina")
    assert (layout["evidence"] / dismissed["id"]).is_dir()

    dry = purge(config, now, dry_run=True)
    assert dry.findings == [dismissed["id"]] and dry.evidence_dirs == 1 and dry.evidence_bytes > 0
    assert dry.kept_confirmed == 1
    assert store.get(dismissed["id"]) is not None and (layout["evidence"] / dismissed["id"]).is_dir()
    assert "[uji coba]" in str(dry)

    report = purge(config, now, dry_run=False)
    assert report.findings == [dismissed["id"]]
    assert store.get(dismissed["id"]) is None
    assert not (layout["evidence"] / dismissed["id"]).exists()
    assert store.get(confirmed["id"])["status"] == "confirmed"
    assert (layout["evidence"] / confirmed["id"] / "manifest.json").is_file()

    purged = [e for e in custody_log(layout["evidence"]).entries(dismissed["id"]) if e["action"] == "purged"]
    assert len(purged) == 1
    assert purged[0]["artefacts"]["manifest.json"] == dismissed["evidence"]["manifest_sha256"]
    assert purged[0]["details"]["dismissed_by"] == "Rina"
    assert [e["action"] for e in ChainLog(layout["audit"]).entries(dismissed["id"])] == ["dismissed", "purged"]
    # the dismissed post keeps only a hash of its text; its finding only its id
    post = _posts(layout)["104"]
    assert post["text"] == "" and post["text_sha256"] and post["media"] == []
    assert dismissed["id"] in store.ids()
    # what remains verifies; the purged finding is not reported missing
    assert verify_evidence(layout["evidence"], store.all(), extra_logs=[ChainLog(layout["audit"])]).ok
    assert purge(config, now).findings == []  # nothing left to do


def test_recent_dismissal_and_new_findings_are_kept(world):
    config, store, layout = world
    now = utc_now()
    fid = finding_for(store, "104")["id"]
    Reviewer(config.storage_dir, clock=lambda: now - timedelta(days=89)).dismiss(fid, by="Rina")
    report = purge(config, now + timedelta(days=0))
    assert report.findings == [] and store.get(fid) is not None
    later = purge(config, now + timedelta(days=2))
    assert later.findings == [fid]
    assert finding_for(store, "102")["status"] == "new"  # never reviewed: kept whatever its age
    assert purge(config, now + timedelta(days=5000)).findings == []


def test_posts_without_findings_purged_after_posts_days_and_flagged_posts_never(world):
    config, store, layout = world
    before = _posts(layout)
    assert set(before) == {"101", "102", "104"}
    assert not before["101"].get("findings") and before["102"]["findings"]
    now = utc_now()
    assert purge(config, now + timedelta(days=59)).posts == 0
    dry = purge(config, now + timedelta(days=61), dry_run=True)
    assert dry.posts == 1 and set(_posts(layout)) == {"101", "102", "104"}
    assert purge(config, now + timedelta(days=61)).posts == 1
    assert set(_posts(layout)) == {"102", "104"}
    # even after their findings are long gone from the findings file, flagged posts stay
    assert purge(config, now + timedelta(days=5000)).posts == 0


def test_permissions_opened_to_others_are_reported_and_fixed(world):
    config, store, layout = world
    loose_file = layout["findings"]
    loose_dir = layout["evidence"] / finding_for(store, "102")["id"]
    os.chmod(loose_file, 0o644)
    os.chmod(loose_dir, 0o755)
    dry = fix_permissions(layout["root"], dry_run=True)
    assert set(dry) >= {"findings.json", os.path.relpath(loose_dir, layout["root"])}
    assert stat.S_IMODE(loose_file.stat().st_mode) == 0o644
    report = purge(config, utc_now())
    assert "findings.json" in report.permissions_fixed
    assert stat.S_IMODE(loose_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(loose_dir.stat().st_mode) == 0o700
    assert fix_permissions(layout["root"]) == []


def test_purge_on_missing_storage_does_nothing(tmp_path):
    from scraper.config import config_from_dict

    config = config_from_dict({"storage": {"dir": "tidak-ada"}}, tmp_path / "config.toml")
    report = purge(config, utc_now())
    assert report.findings == [] and report.posts == 0 and not (tmp_path / "tidak-ada").exists()
