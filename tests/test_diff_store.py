"""Diff (pure) and the per-account shard (atomic, one write per run)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from alerts.storage import atomic_write_bytes
from scraper.diff import StoredPost, diff_posts
from scraper.models import Account, Post
from scraper.store import AccountShard, FindingStore

T0 = datetime(2024, 11, 20, tzinfo=timezone.utc)
ACC = Account(platform="telegram", url="https://t.me/contoh")


def post(pid: str, text: str, hours: int) -> Post:
    return Post("telegram", ACC.url, pid, f"{ACC.url}/{pid}", T0 + timedelta(hours=hours), text)


def stored(pid: str, text: str, hours: int, deleted: bool = False) -> StoredPost:
    return StoredPost(pid, text, T0 + timedelta(hours=hours), T0, deleted)


def test_new_edited_unchanged():
    old = {"1": stored("1", "halo", 1), "2": stored("2", "lama", 2)}
    ch = diff_posts(old, [post("1", "halo  ", 1), post("2", "baru", 2), post("3", "x", 3)], T0)
    assert [p.post_id for p in ch.new] == ["3"]
    assert [(p.post_id, o.text) for p, o in ch.edited] == [("2", "lama")]
    assert [p.post_id for p in ch.unchanged] == ["1"]  # whitespace is not an edit
    assert ch.deleted == []


def test_deleted_only_inside_the_listed_window():
    old = {"1": stored("1", "a", 1), "2": stored("2", "b", 2), "3": stored("3", "c", 3)}
    # post 1 scrolled out of the window (older than everything listed): not deleted
    ch = diff_posts(old, [post("2", "b", 2), post("3", "c", 3)], T0)
    assert ch.deleted == []
    # post 2 is missing while the older post 1 is still listed: deleted
    ch = diff_posts(old, [post("1", "a", 1), post("3", "c", 3)], T0)
    assert [s.post_id for s in ch.deleted] == ["2"]


def test_empty_page_deletes_nothing_and_restored_posts_are_seen():
    old = {"1": stored("1", "a", 1, deleted=True), "2": stored("2", "b", 2)}
    assert diff_posts(old, [], T0).deleted == []
    ch = diff_posts(old, [post("1", "a", 1), post("2", "b", 2)], T0)
    assert [p.post_id for p in ch.restored] == ["1"]


def test_shard_records_history_deletion_and_memo_in_one_file(tmp_path):
    shard = AccountShard(tmp_path / "s.json")
    ch = diff_posts({}, [post("1", "satu", 1), post("2", "dua", 2)], T0)
    shard.apply(ACC, ch, T0, {"etag": "W/1", "scanned": True})
    assert set(shard.posts()) == {"1", "2"} and shard.meta()["etag"] == "W/1"
    later = T0 + timedelta(hours=5)
    ch = diff_posts(shard.stored_for_diff(), [post("1", "satu (revisi)", 1), post("3", "tiga", 3)], later)
    shard.apply(ACC, ch, later, {}, flagged={"3": ["f1"]})
    docs = shard.posts()
    assert docs["1"]["history"][0]["text"] == "satu" and docs["1"]["text"] == "satu (revisi)"
    assert docs["2"]["status"] == "deleted" and docs["2"]["deleted_at"]
    assert docs["3"]["findings"] == ["f1"]
    assert oct(os.stat(tmp_path / "s.json").st_mode & 0o777) == "0o600"
    # a second reader (another process) sees the same data
    assert AccountShard(tmp_path / "s.json").posts() == docs


def test_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    atomic_write_bytes(path, b'{"a": 1}')

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(path, b'{"a": 2}')
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temp file left behind


def test_findings_are_added_once_and_updated_across_instances(tmp_path):
    a, b = FindingStore(tmp_path / "findings.json"), FindingStore(tmp_path / "findings.json")
    assert len(a.add_new([{"id": "abc123", "status": "new"}, {"id": "def456", "status": "new"}])) == 2
    assert b.add_new([{"id": "abc123", "status": "new"}]) == []
    b.update("abc123", lambda d: d.update(status="confirmed"))
    assert a.get("abc123")["status"] == "confirmed"  # a re-reads the replaced file
    assert a.get("abc1")["id"] == "abc123"  # unique prefix
    assert a.remove({"def456"}) == 1
    assert [f["id"] for f in b.all()] == ["abc123"]
    # a purged finding's id is remembered (and only its id): it is never raised again
    assert b.ids() == {"abc123", "def456"}
    assert a.add_new([{"id": "def456", "status": "new"}]) == []
    assert "status" not in json.dumps(json.loads((tmp_path / "findings.json").read_text())["purged"])


def test_tombstoned_post_keeps_only_a_hash_and_is_not_new_or_edited(tmp_path):
    shard = AccountShard(tmp_path / "s.json")
    shard.apply(ACC, diff_posts({}, [post("1", "Ayo coblos nomor 2", 1), post("2", "x", 2)], T0), T0, {})
    assert shard.tombstone({"1"}) == 1
    doc = shard.posts()["1"]
    assert doc["text"] == "" and doc["text_sha256"] and "history" not in doc
    ch = diff_posts(shard.stored_for_diff(), [post("1", "Ayo  coblos nomor 2", 1), post("2", "x", 2)], T0)
    assert ch.new == [] and ch.edited == []
    ch = diff_posts(shard.stored_for_diff(), [post("1", "teks lain", 1), post("2", "x", 2)], T0)
    assert [p.post_id for p, _ in ch.edited] == ["1"]
    shard.apply(ACC, ch, T0, {})
    assert shard.posts()["1"]["text"] == "teks lain" and "history" not in shard.posts()["1"]
