"""TinyDB stores: one small shard per watched account, plus the findings file.

Layout under ``[storage] dir``::

    posts/<account_key>.json   posts of one account (+ its fetch memo)
    findings.json              findings (one document per finding)
    health.json                per-account health (scraper.health)
    outbox/                    alert outbox (alerts.outbox)
    evidence/                  captured evidence (scraper.evidence)
    sessions/                  saved browser logins (0600)
    state.json                 what the daemon is doing (pantau status)

Each account's changes of one fetch are written in ONE atomic write of its
shard, so a crash leaves the shard as it was before or after that fetch.
TinyDB's file format is kept (tables of documents keyed by id), written
through :class:`alerts.storage.AtomicJSONStorage`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from alerts.storage import atomic_write_json, ensure_private_dir, file_lock, open_db, read_json
from alerts.timeutil import iso, parse_iso

from .diff import Changes, StoredPost, text_digest
from .models import Account, Post

log = logging.getLogger(__name__)


def storage_layout(root: Path) -> dict[str, Path]:
    root = Path(root)
    return {
        "root": root,
        "posts": root / "posts",
        "findings": root / "findings.json",
        "health": root / "health.json",
        "outbox": root / "outbox",
        "evidence": root / "evidence",
        "sessions": root / "sessions",
        "state": root / "state.json",
        "audit": root / "audit.log",
    }


def prepare_storage(root: Path) -> dict[str, Path]:
    """Create the storage folders, owner-only."""
    layout = storage_layout(root)
    ensure_private_dir(layout["root"])
    for name in ("posts", "outbox", "evidence", "sessions"):
        ensure_private_dir(layout[name])
    return layout


class AccountShard:
    """The posts of one account, read and written as one document.

    The account's own job is its only regular writer; retention (a worker
    thread or the ``pantau purge`` process) also writes, so every
    read-modify-write holds the shard's file lock.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = open_db(self.path)
        # A fetch's write loses nothing on a power cut that the next fetch does
        # not re-derive (the shard is the last thing a run writes), so it pays
        # one fsync (the data), not two (data and folder).
        self._db.storage.durable = False

    def _raw(self) -> dict[str, Any]:
        return self._db.storage.read() or {}

    def posts(self) -> dict[str, dict[str, Any]]:
        """post_id -> stored document."""
        return {doc["post_id"]: doc for doc in self._raw().get("posts", {}).values()}

    def _peek(self) -> dict[str, Any]:
        """The stored document without the storage's defensive copy: read it, never change it."""
        return self._db.storage.peek() or {}

    def meta(self) -> dict[str, Any]:
        # a copy of the memo only, not of the whole shard (issue #17: every account reads it)
        return json.loads(json.dumps(self._peek().get("meta", {}).get("1", {})))

    def stored_for_diff(self) -> dict[str, StoredPost]:
        return {
            pid: StoredPost(
                post_id=pid,
                text=doc.get("text", ""),
                published=parse_iso(doc.get("published")),
                first_seen=parse_iso(doc["first_seen"]),
                deleted=doc.get("status") == "deleted",
                text_sha256=doc.get("text_sha256"),
                url=doc.get("url") or "",
            )
            for pid, doc in self.posts().items()
        }

    def listed_count(self) -> int:
        return sum(1 for d in self._peek().get("posts", {}).values() if d.get("status") != "deleted")

    def apply(self, account: Account, changes: Changes, now: datetime,
              meta_update: dict[str, Any], flagged: dict[str, list[str]] | None = None) -> None:
        """Record ``changes`` and the fetch memo in one atomic write."""
        flagged = flagged or {}
        with file_lock(self.path):
            self._apply(account, changes, now, meta_update, flagged)

    def _apply(self, account: Account, changes: Changes, now: datetime,
               meta_update: dict[str, Any], flagged: dict[str, list[str]]) -> None:
        raw = self._raw()
        docs: dict[str, dict[str, Any]] = raw.get("posts", {})
        by_pid = {doc["post_id"]: key for key, doc in docs.items()}
        next_key = max((int(k) for k in docs), default=0) + 1
        stamp = iso(now)

        for post in changes.new:
            docs[str(next_key)] = _post_doc(account, post, stamp)
            by_pid[post.post_id] = str(next_key)
            next_key += 1
        for post, _old in changes.edited:
            doc = docs[by_pid[post.post_id]]
            if doc.get("text_sha256"):  # a purged text is not brought back into the history
                doc.pop("text_sha256")
            else:
                doc.setdefault("history", []).append({"text": doc.get("text", ""), "replaced_at": stamp})
            doc["text"] = post.text
            doc["media"] = list(post.media)
            doc["edited_at"] = stamp
        for post in changes.restored:
            doc = docs[by_pid[post.post_id]]
            doc["status"] = "listed"
            doc.pop("deleted_at", None)
        for old in changes.deleted:
            doc = docs[by_pid[old.post_id]]
            doc["status"] = "deleted"
            doc["deleted_at"] = stamp
        for post in changes.unchanged + [p for p, _ in changes.edited]:
            docs[by_pid[post.post_id]]["last_seen"] = stamp
        for pid, finding_ids in flagged.items():
            doc = docs.get(by_pid.get(pid, ""))
            if doc is not None:
                doc["findings"] = sorted(set(doc.get("findings", [])) | set(finding_ids))

        meta = raw.get("meta", {}).get("1", {})
        meta.update(meta_update)
        meta.update({"account_url": account.url, "platform": account.platform, "last_fetch": stamp})
        self._db.storage.write({"posts": docs, "meta": {"1": meta}})

    def update_meta(self, update: dict[str, Any]) -> None:
        with file_lock(self.path):
            raw = self._raw()
            meta = raw.get("meta", {}).get("1", {})
            meta.update(update)
            raw["meta"] = {"1": meta}
            raw.setdefault("posts", {})
            self._db.storage.write(raw)

    def tombstone(self, post_ids: set[str]) -> int:
        """Drop the text, history and media of these posts, keeping a hash.

        Used when a dismissed finding is purged: the post must not be alerted
        on again (the hash still tells an unchanged post from an edit), but
        its content is no longer kept.
        """
        with file_lock(self.path):
            raw = self._raw()
            n = 0
            for doc in raw.get("posts", {}).values():
                if doc["post_id"] in post_ids and not doc.get("text_sha256"):
                    doc["text_sha256"] = text_digest(doc.get("text", ""))
                    doc["text"] = ""
                    doc["media"] = []
                    doc.pop("history", None)
                    n += 1
            if n:
                _forget_digest(raw)
                self._write_durably(raw)
            return n

    def purge(self, keep: Callable[[dict[str, Any]], bool]) -> int:
        """Drop post documents for which ``keep`` is false; returns how many."""
        with file_lock(self.path):
            raw = self._raw()
            docs = raw.get("posts", {})
            kept = {k: d for k, d in docs.items() if keep(d)}
            removed = len(docs) - len(kept)
            if removed:
                raw["posts"] = kept
                _forget_digest(raw)
                self._write_durably(raw)
            return removed

    def _write_durably(self, raw: dict[str, Any]) -> None:
        """Retention's writes are not re-derived by a fetch: fsync the folder too."""
        storage = self._db.storage
        storage.durable = True
        try:
            storage.write(raw)
        finally:
            storage.durable = False


def _forget_digest(raw: dict[str, Any]) -> None:
    """The next fetch compares posts in full (the shard no longer matches the page's digest)."""
    meta = raw.get("meta", {}).get("1", {})
    meta.pop("posts_digest", None)
    meta.pop("body_digest", None)


def _post_doc(account: Account, post: Post, stamp: str) -> dict[str, Any]:
    return {
        "post_id": post.post_id,
        "url": post.url,
        "published": iso(post.published),
        "text": post.text,
        "media": list(post.media),
        "first_seen": stamp,
        "last_seen": stamp,
        "status": "listed",
    }


class PostStore:
    """Hands out the shard of each account (one file per account)."""

    def __init__(self, root: Path):
        self.dir = ensure_private_dir(Path(root) / "posts")
        self._shards: dict[str, AccountShard] = {}

    def shard(self, account: Account) -> AccountShard:
        shard = self._shards.get(account.key)
        if shard is None:
            shard = self._shards[account.key] = AccountShard(self.dir / f"{account.key}.json")
        return shard

    def shard_files(self) -> list[Path]:
        return sorted(self.dir.glob("*.json"))


@dataclass
class FindingStore:
    """Findings, keyed by their deterministic id; shared with staff commands."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._db = open_db(self.path)
        self._table = self._db.table("findings")

    def all(self) -> list[dict[str, Any]]:
        return sorted((dict(d) for d in self._table.all()), key=lambda d: (d.get("first_seen", ""), d["id"]))

    def get(self, finding_id: str) -> dict[str, Any] | None:
        for doc in self._table.all():
            if doc["id"] == finding_id or (len(finding_id) >= 4 and doc["id"].startswith(finding_id)):
                return dict(doc)
        return None

    def ids(self) -> set[str]:
        """Ids of every finding ever stored, including purged ones (never alerted again)."""
        raw = self._db.storage.peek() or {}
        return {d["id"] for d in raw.get("findings", {}).values()} | set(raw.get("purged", {}).get("1", {}).get("ids", []))

    def reported_posts(self) -> set[tuple[str, str]]:
        """``(account_key, post_id)`` of the findings staff reported by hand (``source`` laporan)."""
        raw = self._db.storage.peek() or {}
        return {(d.get("account_key"), d.get("post_id")) for d in raw.get("findings", {}).values()
                if d.get("source") == "laporan"}

    def add_new(self, findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert findings whose id is not stored yet; returns those inserted."""
        findings = list(findings)
        if not findings:  # most runs: no lock, no copy of the whole store (issue #17)
            return []
        with file_lock(self.path):
            raw = self._db.storage.read() or {}
            table = raw.setdefault("findings", {})
            known = {d["id"] for d in table.values()} | set(raw.get("purged", {}).get("1", {}).get("ids", []))
            next_key = max((int(k) for k in table), default=0) + 1
            added = []
            for finding in findings:
                if finding["id"] in known:
                    continue
                table[str(next_key)] = finding
                next_key += 1
                known.add(finding["id"])
                added.append(finding)
            if added:
                self._db.storage.write(raw)
            return added

    def update(self, finding_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any] | None:
        """Apply ``change`` to one finding under the file lock; returns it."""
        with file_lock(self.path):
            raw = self._db.storage.read() or {}
            for doc in raw.get("findings", {}).values():
                if doc["id"] == finding_id:
                    change(doc)
                    self._db.storage.write(raw)
                    return dict(doc)
        return None

    def update_many(self, ids: set[str], change: Callable[[dict[str, Any]], None]) -> int:
        if not ids:
            return 0
        with file_lock(self.path):
            raw = self._db.storage.read() or {}
            n = 0
            for doc in raw.get("findings", {}).values():
                if doc["id"] in ids:
                    change(doc)
                    n += 1
            if n:
                self._db.storage.write(raw)
            return n

    def remove(self, ids: set[str]) -> int:
        if not ids:
            return 0
        with file_lock(self.path):
            raw = self._db.storage.read() or {}
            table = raw.get("findings", {})
            kept = {k: d for k, d in table.items() if d["id"] not in ids}
            removed = len(table) - len(kept)
            if removed:
                raw["findings"] = kept
                # Only the ids stay, so a purged finding is never raised again.
                purged = raw.setdefault("purged", {}).setdefault("1", {}).setdefault("ids", [])
                purged.extend(sorted(set(ids) - set(purged)))
                self._db.storage.write(raw)
            return removed


def write_state(path: Path, state: dict[str, Any]) -> None:
    atomic_write_json(path, state)


def read_state(path: Path) -> dict[str, Any]:
    return read_json(path, default={}) or {}
