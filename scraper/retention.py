"""Retention (UU 27/2022): purge what turned out not to be a violation.

``purge(config, now, dry_run=...)`` (CLI ``pantau purge``, and daily in the
daemon at ``[retention] run_at``):

* dismissed findings whose dismissal (``reviewed_at``) is older than
  ``[retention] dismissed_days`` are removed with their evidence folder. A
  ``purged`` entry goes to the custody log and the audit log FIRST (the logs
  are append-only and keep the hashes of what was destroyed), then the folder
  and the finding are removed; a crash in between is finished by the next run.
  The post behind it keeps only a hash of its text (a tombstone), and the
  findings store keeps only the finding's id, so it is never alerted again.
* stored posts that never raised a finding (no ``findings`` on the post) and
  were last seen on the platform more than ``[retention] posts_days`` ago are
  removed from their account shard.
* confirmed and new findings and their evidence are never touched.
* every file under the storage folder readable or writable by group/others
  is reported and set to 0600 (folders 0700).
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.timeutil import iso, parse_iso

from .custody import ChainLog
from .evidence import custody_log
from .finding import evidence_manifest
from .store import AccountShard, FindingStore, PostStore, storage_layout

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    dry_run: bool
    findings: list[str] = field(default_factory=list)  # dismissed findings removed
    evidence_dirs: int = 0
    evidence_bytes: int = 0
    posts: int = 0
    kept_confirmed: int = 0
    permissions_fixed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verb = "akan dihapus" if self.dry_run else "dihapus"
        fixed = "akan diperbaiki" if self.dry_run else "diperbaiki"
        return (f"{'[uji coba] ' if self.dry_run else ''}temuan ditolak {verb}: {len(self.findings)} "
                f"({self.evidence_dirs} folder bukti, {self.evidence_bytes} bita); "
                f"postingan tanpa temuan {verb}: {self.posts}; "
                f"temuan dikonfirmasi disimpan: {self.kept_confirmed}; "
                f"izin berkas {fixed}: {len(self.permissions_fixed)}")


def _dismissed_at(finding: dict[str, Any]) -> datetime | None:
    stamp = finding.get("reviewed_at")
    if not stamp:
        dismissals = [r.get("at") for r in finding.get("review", []) if r.get("action") == "dismissed"]
        stamp = dismissals[-1] if dismissals else None
    return parse_iso(stamp)


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def purge(config: Any, now: datetime, *, dry_run: bool = False) -> PurgeReport:
    storage = Path(config.storage_dir)
    layout = storage_layout(storage)
    settings = config.retention
    report = PurgeReport(dry_run=dry_run)
    if not storage.is_dir():
        return report
    findings = FindingStore(layout["findings"])
    doomed = _dismissed_before(findings, now - timedelta(days=settings.dismissed_days), report)
    _purge_findings(storage, layout, findings, doomed, settings.dismissed_days, now, report)
    _purge_posts(storage, now - timedelta(days=settings.posts_days), report)
    report.permissions_fixed = fix_permissions(storage, dry_run=dry_run)
    if report.findings or report.posts or report.permissions_fixed:
        log.info("purge%s: %s", " (dry run)" if dry_run else "", report)
    return report


def _dismissed_before(findings: FindingStore, cutoff: datetime, report: PurgeReport) -> list[dict[str, Any]]:
    """Findings dismissed before ``cutoff`` (and count the confirmed ones, which are kept)."""
    doomed = []
    for f in findings.all():
        if f.get("status") == "confirmed":
            report.kept_confirmed += 1
        if f.get("status") != "dismissed":
            continue
        when = _dismissed_at(f)
        if when is not None and when < cutoff:
            doomed.append(f)
    return doomed


def _purge_findings(storage: Path, layout: dict[str, Path], findings: FindingStore, doomed: list[dict[str, Any]],
                    days: int, now: datetime, report: PurgeReport) -> None:
    """Delete the evidence of ``doomed`` (custody and audit say so, with the hashes), tombstone
    their posts (only a hash of the text stays: no re-alert) and remove the findings."""
    custody = custody_log(layout["evidence"])
    audit = ChainLog(layout["audit"])
    for f in doomed:
        fid = f["id"]
        folder = layout["evidence"] / fid
        report.findings.append(fid)
        if folder.is_dir():
            report.evidence_dirs += 1
            report.evidence_bytes += _tree_size(folder)
        if report.dry_run:
            continue
        ev = f.get("evidence") if isinstance(f.get("evidence"), dict) else {}
        hashes = {n: a["sha256"] for n, a in (ev.get("artefacts") or {}).items()}
        if evidence_manifest(f):
            hashes["manifest.json"] = evidence_manifest(f)
        details = {"reason": f"ditolak lebih dari {days} hari",
                   "dismissed_at": iso(_dismissed_at(f)), "dismissed_by": f.get("reviewed_by")}
        custody.append("purged", finding_id=fid, actor="pantau", details=details, artefacts=hashes, now=now)
        audit.append("purged", finding_id=fid, actor="pantau", details=details, now=now)
        if folder.is_dir():
            shutil.rmtree(folder)
    if doomed and not report.dry_run:
        by_account: dict[str, set[str]] = {}
        for f in doomed:
            by_account.setdefault(f.get("account_key", ""), set()).add(f["post_id"])
        for path in PostStore(storage).shard_files():
            pids = by_account.get(path.stem)
            if pids:
                AccountShard(path).tombstone(pids)
        findings.remove({f["id"] for f in doomed})


def _purge_posts(storage: Path, cutoff: datetime, report: PurgeReport) -> None:
    """Drop stored posts that never raised a finding and were last seen before ``cutoff``."""

    def keep(doc: dict[str, Any]) -> bool:
        if doc.get("findings"):
            return True
        # last seen on the platform (a post still listed keeps being seen)
        seen = parse_iso(doc.get("last_seen") or doc.get("first_seen"))
        return seen is None or seen >= cutoff

    for path in PostStore(storage).shard_files():
        shard = AccountShard(path)
        if report.dry_run:
            report.posts += sum(1 for d in shard.posts().values() if not keep(d))
        else:
            report.posts += shard.purge(keep)


def fix_permissions(root: Path, *, dry_run: bool = False) -> list[str]:
    """Paths under ``root`` open to group/others; set to 0600/0700 unless ``dry_run``."""
    found: list[str] = []
    for base, dirs, files in os.walk(root):
        for name, want in [(d, 0o700) for d in dirs] + [(f, 0o600) for f in files]:
            path = os.path.join(base, name)
            try:
                mode = stat.S_IMODE(os.lstat(path).st_mode)
            except FileNotFoundError:
                continue
            if os.path.islink(path) or not mode & 0o077:
                continue
            found.append(os.path.relpath(path, root))
            if not dry_run:
                os.chmod(path, want & mode if mode & 0o700 else want)
    root_mode = stat.S_IMODE(os.stat(root).st_mode)
    if root_mode & 0o077:
        found.insert(0, ".")
        if not dry_run:
            os.chmod(root, 0o700)
    return found
