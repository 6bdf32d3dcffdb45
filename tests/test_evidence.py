"""Evidence capture through the real pipeline + Chromium, and what verify detects."""
from __future__ import annotations

import asyncio
import json
import shutil
import stat
from pathlib import Path

import pytest

from review_fixtures import finding_for, pipeline_findings, start_site
from scraper.custody import GENESIS, ChainLog, sha256_file
from scraper.evidence import CUSTODY_LOG, EvidenceRecorder, custody_log, raw_extension, verify_evidence
from scraper.store import storage_layout

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def captured(tmp_path_factory, chromium):
    """One real cycle with screenshots; each test works on its own copy of the data."""
    base = tmp_path_factory.mktemp("evidence")
    site = start_site()
    try:
        config, store = pipeline_findings(base, site)
    finally:
        site.stop()
    return base, config


@pytest.fixture
def world(captured, tmp_path):
    base, config = captured
    data = tmp_path / "data"
    shutil.copytree(config.storage_dir, data)
    from scraper.store import FindingStore

    store = FindingStore(storage_layout(data)["findings"])
    # paths inside the stored evidence point at the module copy; verify works from ids
    return data / "evidence", store


def _verify(evidence_root: Path, store, only=None):
    return verify_evidence(evidence_root, store.all(), only=only)


def _flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def test_capture_writes_every_artefact_private_and_hashed(captured):
    _base, config = captured
    from scraper.store import FindingStore

    store = FindingStore(storage_layout(config.storage_dir)["findings"])
    finding = finding_for(store, "102")
    ev = finding["evidence"]
    folder = Path(ev["dir"])
    assert folder.name == finding["id"]
    assert set(ev["artefacts"]) == {"screenshot.png", "post.html", "page.html", "metadata.json"}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name, art in ev["artefacts"].items():
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert sha256_file(path) == art["sha256"] and path.stat().st_size == art["bytes"]
    assert sha256_file(folder / "manifest.json") == ev["manifest_sha256"]
    assert (folder / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ev["screenshot"] == str(folder / "screenshot.png")
    assert ev["screenshot_sha256"] == ev["artefacts"]["screenshot.png"]["sha256"]
    assert 'data-post="kabar_budi_demo/102"' in (folder / "post.html").read_text()
    assert "kabar_budi_demo/104" not in (folder / "post.html").read_text()
    assert "kabar_budi_demo/104" in (folder / "page.html").read_text()

    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["canonical_url"] == finding["post_url"]
    assert meta["person"]["nip"] == "198503122010011003"
    assert meta["account"]["platform"] == "telegram"
    assert meta["captured_utc"].endswith("+00:00") and meta["captured_wita"].endswith("WITA")
    assert meta["published_utc"] == "2024-01-20T11:45:00+00:00"
    assert meta["pantau_version"]
    assert meta["screenshot"]["look"] == "card" and meta["screenshot"]["stamp"]["url"] == finding["post_url"]
    assert meta["fetch"]["status"] == 200 and meta["fetch"]["final_url"].endswith("/s/kabar_budi_demo")
    assert {m["term"] for m in meta["detection"]["matches"]} >= {"coblos", "Prabowo-Gibran"}

    entries = list(custody_log(config.storage_dir / "evidence").entries(finding["id"]))
    assert [e["action"] for e in entries] == ["captured"]
    assert entries[0]["artefacts"]["manifest.json"] == ev["manifest_sha256"]
    assert ev["custody_seq"] == entries[0]["seq"] and ev["custody_hash"] == entries[0]["hash"]


def test_intact_evidence_verifies(world):
    root, store = world
    report = _verify(root, store)
    assert report.ok, report.lines()
    assert len(report.checked) == 2 and report.artefacts == 10
    assert report.log_entries[CUSTODY_LOG] == 2


@pytest.mark.parametrize("name", ["screenshot.png", "post.html", "page.html", "metadata.json", "manifest.json"])
def test_one_flipped_byte_in_any_artefact_is_named(world, name):
    root, store = world
    for finding in store.all():
        fid = finding["id"]
        path = root / fid / name
        _flip(path)
        report = _verify(root, store)
        assert not report.ok
        named = [(i.finding_id, i.artefact, i.kind) for i in report.issues]
        assert named == [(fid, name, "altered")], report.lines()
        _flip(path)  # flip back: intact again
        assert _verify(root, store).ok


def test_flipped_byte_on_every_custody_line_names_that_line(world):
    root, store = world
    log_path = root / CUSTODY_LOG
    original = log_path.read_bytes()
    lines = original.split(b"\n")[:-1]
    offset = 0
    for n, line in enumerate(lines, 1):
        for pos in (0, len(line) // 3, len(line) - 1):  # JSON syntax, a value, the closing brace
            data = bytearray(original)
            data[offset + pos] ^= 0x01
            log_path.write_bytes(bytes(data))
            report = _verify(root, store)
            assert not report.ok
            first = next(i for i in report.chain_issues if i.tampering)
            assert (first.log, first.line) == (CUSTODY_LOG, n), report.lines()
        offset += len(line) + 1
    log_path.write_bytes(original)
    assert _verify(root, store).ok


def test_rewritten_entry_with_recomputed_hash_breaks_the_next_link(world):
    root, store = world
    log_path = root / CUSTODY_LOG
    lines = log_path.read_bytes().split(b"\n")[:-1]
    from scraper.custody import canonical, entry_hash

    entry = json.loads(lines[0])
    entry["artefacts"]["post.html"] = "0" * 64
    entry["hash"] = entry_hash(entry)
    lines[0] = canonical(entry)
    log_path.write_bytes(b"\n".join(lines) + b"\n")
    report = _verify(root, store)
    kinds = [(i.line, i.kind) for i in report.chain_issues]
    assert (2, "broken_link") in kinds
    # and the artefact now disagrees with the forged record
    assert any(i.artefact == "post.html" for i in report.issues)


def test_deleted_custody_line_and_truncated_log_are_detected(world):
    root, store = world
    log_path = root / CUSTODY_LOG
    lines = log_path.read_bytes().split(b"\n")[:-1]
    log_path.write_bytes(lines[1] + b"\n")  # first entry removed
    report = _verify(root, store)
    assert {(i.line, i.kind) for i in report.chain_issues} >= {(1, "broken_link"), (1, "bad_seq")}

    log_path.write_bytes(lines[0] + b"\n")  # last entry removed: only the finding's anchor shows it
    report = _verify(root, store)
    assert not report.chain_issues
    assert not report.ok
    assert any(i.artefact == "(custody)" and i.kind == "missing" for i in report.issues), report.lines()


def test_missing_artefact_and_extra_file_are_named(world):
    root, store = world
    fid = finding_for(store, "104")["id"]
    (root / fid / "page.html").unlink()
    (root / fid / "catatan.txt").write_text("ditambahkan belakangan")
    report = _verify(root, store, only=fid)
    assert report.checked == [fid]
    got = {(i.artefact, i.kind) for i in report.issues}
    assert got == {("page.html", "missing"), ("catatan.txt", "unexpected")}, report.lines()

    shutil.rmtree(root / fid)
    report = _verify(root, store)
    assert [(i.finding_id, i.artefact, i.kind) for i in report.issues] == [(fid, "(folder)", "missing")]


def test_torn_last_line_is_reported_apart_and_repaired_on_next_append(world):
    root, store = world
    log_path = root / CUSTODY_LOG
    intact = log_path.read_bytes()
    log_path.write_bytes(intact + b'{"action":"captured","actor":"pan')  # crash mid-write
    report = _verify(root, store)
    assert report.ok  # nothing committed was altered
    torn = [i for i in report.chain_issues if i.kind == "torn"]
    assert len(torn) == 1 and torn[0].line == 3 and not torn[0].tampering
    assert any(line.startswith("PERINGATAN") for line in report.lines())

    chain = ChainLog(log_path)
    entry = chain.append("verified", finding_id=None, actor="uji")
    assert entry["seq"] == 4  # 3 = the recorded repair
    data = log_path.read_bytes()
    assert data.startswith(intact) and data.endswith(b"\n")
    repair = json.loads(data.split(b"\n")[2])
    assert repair["action"] == "repaired" and repair["details"]["torn_bytes"] == 33
    assert (root / repair["details"]["saved_as"]).read_bytes() == b'{"action":"captured","actor":"pan'
    final = chain.verify()
    assert final.ok and not final.issues and final.entries == 4


def test_capture_is_idempotent_and_works_without_browser(tmp_path, world):
    root, store = world
    finding = finding_for(store, "102")
    recorder = EvidenceRecorder(root, browser=None, version="9.9")
    before = (root / CUSTODY_LOG).read_bytes()
    again = asyncio.run(recorder.capture(finding=finding, post=None, page=None, adapter=None,
                                         account=None, person=None))
    assert again["manifest_sha256"] == finding["evidence"]["manifest_sha256"]
    assert again["custody_seq"] == finding["evidence"]["custody_seq"]
    assert (root / CUSTODY_LOG).read_bytes() == before  # nothing appended

    # a partial folder (crash before the manifest) is captured again, here without a browser
    from alerts.timeutil import utc_now
    from scraper.models import Account, Person, Post
    from scraper.platforms import get_adapter
    from scraper.platforms.base import Page

    account = Account("telegram", "https://t.me/kabar_budi_demo")
    person = Person("Budi", "198503122010011003", "Kasi", "Kecamatan Waru", (account,))
    post = Post("telegram", account.url, "7", "https://t.me/kabar_budi_demo/7", None, "ayo coblos",
                raw='{"id": 7, "text": "ayo coblos"}')
    page = Page(url="https://t.me/s/kabar_budi_demo", final_url="https://t.me/s/kabar_budi_demo", status=200,
                body="<html><body>x</body></html>", fetched_at=utc_now(), content_type="text/html")
    fresh = {"id": "feedc0ffee000001", "matches": [], "terms": ["coblos"], "first_seen": None}
    (root / fresh["id"]).mkdir()
    (root / fresh["id"] / "page.html").write_text("sisa proses yang terhenti")
    ev = asyncio.run(recorder.capture(finding=fresh, post=post, page=page, adapter=get_adapter("telegram"),
                                      account=account, person=person))
    assert ev["screenshot"] is None and ev["screenshot_sha256"] is None
    assert set(ev["artefacts"]) == {"post.json", "page.html", "metadata.json"}
    meta = json.loads((root / fresh["id"] / "metadata.json").read_text())
    assert meta["screenshot"]["taken"] is False and "browser" in meta["screenshot"]["note"]
    assert meta["published_utc"] is None and meta["pantau_version"] == "9.9"
    report = verify_evidence(root, store.all() + [dict(fresh, evidence=ev)])
    assert report.ok, report.lines()


def test_chain_starts_at_genesis_and_raw_extension():
    assert raw_extension('  {"a": 1}') == "json"
    assert raw_extension("<?xml version='1.0'?><rss/>") == "xml"
    assert raw_extension("<div>x</div>") == "html"
    assert raw_extension("", "application/json") == "json"
    assert len(GENESIS) == 64
