"""The durable alert queue: an alert is on disk before any attempt to send it.

Layout under ``directory``::

    hot/<sha256(id)[:32]>.json   one record per alert with undelivered or dead deliveries
    ids.log                      every alert id ever enqueued (dedup memory, append-only)
    archive/YYYY-MM.jsonl        records whose deliveries were all sent
    outbox.lock                  inter-process lock (alerts.storage.file_lock)

Each (alert, channel) delivery moves pending -> sent, or pending -> retrying
(exponential backoff) -> sent | dead. Before a send the delivery is *claimed*
(owner, pid, expiry) in its record (:meth:`AlertQueue._claim`), and the result
is written right after the send (:meth:`AlertQueue._record`), so another
process never sends it at the same time and a restarted one knows a send may
have been interrupted. Routing (which channels, quiet hours) is decided here
from the settings, at enqueue time. Sending is :mod:`alerts.dispatch`'s job;
this module never touches the network.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Callable

from alerts import delivery as dv
from alerts.alert import Alert, DeliveryReport
from alerts.rename import legacy_map, move_delivery, rename_deliveries
from alerts.routing import hold_until, route
from alerts.secrets import mask
from alerts.settings import AlertsSettings
from alerts.storage import (append_line, atomic_write_json, ensure_private_dir, file_lock,
                            read_json, read_lines)
from alerts.timeutil import iso, parse_iso, utc_now

log = logging.getLogger("alerts.outbox")


class AlertQueue:
    """Durable queue of alerts with per-channel delivery state (thread- and process-safe)."""

    def __init__(self, directory: Path, settings: AlertsSettings, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.directory = ensure_private_dir(Path(directory))
        self.hot = ensure_private_dir(self.directory / "hot")
        self.archive_dir = ensure_private_dir(self.directory / "archive")
        self.clock = clock
        self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._tlock = threading.RLock()
        self._ids: set[str] = set()
        self._ids_size = 0
        self._archived_sent: dict[str, tuple[int, int]] = {}
        self.configure(settings)
        self._migrate_keys()

    def configure(self, settings: AlertsSettings) -> None:
        """Use (new) alert settings: channels, retry timings (a reload keeps the queue)."""
        self.settings = settings
        self.channel_settings = settings.all_channels()
        self._retry = (settings.seconds("retry_initial"), settings.seconds("retry_max"))
        self._dead_after = settings.seconds("dead_after")
        self.send_timeout = settings.seconds("send_timeout")

    # -- storage ------------------------------------------------------------
    def _lock(self):
        """The outbox's inter-process lock (re-entrant within a thread, with a timeout)."""
        return file_lock(self.directory / "outbox")

    def _path(self, alert_id: str) -> Path:
        return self.hot / (hashlib.sha256(alert_id.encode("utf-8")).hexdigest()[:32] + ".json")

    def _refresh_ids(self) -> None:
        path = self.directory / "ids.log"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        if size != self._ids_size:
            self._ids = set(read_lines(path))
            self._ids_size = size

    def _records(self) -> list[tuple[Path, dict]]:
        out = []
        for path in sorted(self.hot.glob("*.json")):
            try:
                record = read_json(path)
            except (OSError, ValueError) as exc:
                log.error("outbox record %s unreadable, skipped: %s", path.name, exc)
                continue
            if record and record.get("done") and dv.record_done(record):
                self._finish_done(path, record)
            elif record:
                out.append((path, record))
        out.sort(key=lambda pr: (pr[1]["alert"].get("created", ""), pr[1]["alert"]["id"]))
        return out

    def _save(self, path: Path, record: dict, now: datetime) -> None:
        """Write a record back; a fully sent one moves to the monthly archive.

        The final state is written to the hot file first, so a crash between
        the archive append and the unlink leaves a record that says "sent"
        (finished by :meth:`_finish_done`), never one that looks interrupted
        and would be sent again.
        """
        if record["deliveries"] and not dv.record_done(record):
            atomic_write_json(path, record)
            return
        record["done"] = iso(now)
        atomic_write_json(path, record)
        self._archive(path, record)

    def _archive(self, path: Path, record: dict) -> None:
        append_line(self._archive_file(record),
                    json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def _archive_file(self, record: dict) -> Path:
        done = parse_iso(record.get("done")) or self.clock()
        return self.archive_dir / f"{done:%Y-%m}.jsonl"

    def _finish_done(self, path: Path, record: dict) -> None:
        """A finished record left in the hot set by a crash: archive it (once) and drop it."""
        with self._tlock, self._lock():
            if not path.exists():
                return
            marker = json.dumps(record["alert"]["id"], ensure_ascii=False)
            archived = any(f'"id":{marker}' in line for line in read_lines(self._archive_file(record)))
            if archived:
                path.unlink()
            else:
                self._archive(path, record)

    def _migrate_keys(self) -> None:
        """Deliveries stored under an old URL-based channel key go to today's name."""
        with self._tlock, self._lock():
            for path, record in self._records():
                mapping = legacy_map(set(record["deliveries"]), self.settings)
                renamed = rename_deliveries(record, mapping) if mapping else []
                if renamed:
                    atomic_write_json(path, record)
                    for old, new in renamed:
                        log.info("outbox: delivery of %s for the old channel key %s now goes to "
                                 "channel %s", mask(record["alert"]["id"]), old, new)

    def move(self, old: str, new: str, now: datetime | None = None,
             configured: set[str] | frozenset[str] | None = None) -> dict[str, int]:
        """Give every unsent delivery for channel ``old`` to channel ``new``.

        For a renamed or removed channel (``pantau alerts move``). ``new`` must
        be configured; an alert ``new`` already has is not queued twice.
        Returns counts ``{"moved", "already", "busy"}``.
        """
        if configured is None:
            configured = {c.name for c in self.channel_settings}
        if new not in configured:
            known = ", ".join(sorted(configured)) or "(belum ada)"
            raise ValueError(f"kanal {new!r} tidak ada di konfigurasi; kanal yang ada: {known}")
        if old == new:
            raise ValueError("kanal asal dan tujuan sama")
        now = now or self.clock()
        cs = next(c for c in self.channel_settings if c.name == new)
        counts = {"moved": 0, "already": 0, "busy": 0}
        with self._tlock, self._lock():
            for path, record in self._records():
                alert = record["alert"]
                hold = hold_until(alert["kind"], alert["severity"], cs, now, self.settings.quiet_hours)
                outcome = move_delivery(record, old, new, now, self.owner, hold)
                if outcome:
                    counts[outcome] += 1
                if outcome in ("moved", "already"):
                    self._save(path, record, now)
        log.info("outbox: deliveries of channel %s moved to %s: %s", old, new, counts)
        return counts

    # -- enqueue ------------------------------------------------------------
    def enqueue(self, alert: Alert, exclude: frozenset[str] = frozenset()) -> bool:
        """Store ``alert`` durably and route it; False if its id was ever enqueued before."""
        now = self.clock()
        names = route(alert.kind, alert.severity, alert.unit, self.channel_settings, exclude)
        with self._tlock, self._lock():
            self._refresh_ids()
            path = self._path(alert.id)
            if alert.id in self._ids:
                return False
            if path.exists():  # a kill between the record and its id line: complete the id log
                self._remember(alert.id)
                return False
            deliveries = {}
            for name in names:
                cs = next(c for c in self.channel_settings if c.name == name)
                wait = hold_until(alert.kind, alert.severity, cs, now, self.settings.quiet_hours)
                deliveries[name] = dv.new_delivery(now, wait)
            record = {"alert": alert.to_dict(), "enqueued": iso(now), "deliveries": deliveries}
            self._save(path, record, now)  # no channel (e.g. a low finding): archived at once
            self._remember(alert.id)
        log.info("alert %s enqueued for %d channel(s)", mask(alert.id), len(names))
        return True

    def _remember(self, alert_id: str) -> None:
        """Append ``alert_id`` to ids.log (under the lock): never enqueued again, even once archived."""
        append_line(self.directory / "ids.log", alert_id)
        self._ids.add(alert_id)
        self._ids_size = (self.directory / "ids.log").stat().st_size

    def known(self, alert_id: str) -> bool:
        with self._tlock, self._lock():
            self._refresh_ids()
            return alert_id in self._ids or self._path(alert_id).exists()

    # -- what is due --------------------------------------------------------
    def due_channels(self, now: datetime) -> list[str]:
        """Channels with at least one delivery due now (waiting retries included)."""
        return sorted({name for _, rec in self._records()
                       for name, d in rec["deliveries"].items() if dv.is_due(d, now, True)})

    def due_ids(self, channel: str, now: datetime, *, force: bool = False) -> list[str]:
        """Alert ids with a delivery to ``channel`` due now, oldest first (``force``: ignore backoff)."""
        return [rec["alert"]["id"] for _, rec in self._records()
                if dv.is_due(rec["deliveries"].get(channel, {}), now, force=force)]

    # -- claims and results (the dispatcher's two writes around a send) -----
    def claim(self, alert_id: str, name: str, now: datetime, report: DeliveryReport):
        """Claim one delivery under the lock; None if it is not ours to send now."""
        with self._tlock, self._lock():
            path = self._path(alert_id)
            record = read_json(path)
            if not record or name not in record["deliveries"]:
                return None
            d = record["deliveries"][name]
            if d.get("state") not in dv.OPEN_STATES:
                return None
            owner = dv.claim_state(d, now, self.owner)
            if owner in ("held", "ours"):
                return None
            alert = Alert.from_dict(record["alert"])
            cs = next((c for c in self.channel_settings if c.name == name), None)
            wait = cs and hold_until(alert.kind, alert.severity, cs, now, self.settings.quiet_hours)
            if wait:
                record["deliveries"][name] = dv.held(d, wait)
                atomic_write_json(path, record)
                report.held += 1
                return None
            if owner == "stale":
                report.interrupted += 1
                log.warning("delivery of %s to %s was interrupted earlier; sending again",
                            mask(alert_id), mask(name))
            record["deliveries"][name] = dv.claimed(d, now, self.owner, self.send_timeout + 60,
                                                    owner == "stale")
            atomic_write_json(path, record)
            return alert

    def record(self, alert_id: str, name: str, ok: bool, error: str,
                report: DeliveryReport) -> str:
        """Persist one send result right after the send."""
        now = self.clock()
        with self._tlock, self._lock():
            path = self._path(alert_id)
            record = read_json(path)
            if not record or name not in record["deliveries"]:
                return "sent" if ok else "unknown"
            d = record["deliveries"][name]
            if ok:
                record["deliveries"][name] = dv.succeeded(d, now)
                report.sent += 1
            else:
                d = dv.failed(d, now, mask(error), *self._retry, self._dead_after)
                record["deliveries"][name] = d
                report.failed += 1
                if d["state"] == "dead":
                    report.dead += 1
                    log.error("delivery of %s to %s is dead after %d attempts: %s",
                              mask(alert_id), mask(name), d["attempts"], mask(error))
                else:
                    log.warning("delivery of %s to %s failed (attempt %d), next try %s: %s",
                                mask(alert_id), mask(name), d["attempts"], d["next_try"], mask(error))
            self._save(path, record, now)
            return record["deliveries"][name]["state"]

    # -- dead letters -------------------------------------------------------
    def dead_items(self) -> list[tuple[dict, str, dict]]:
        """(alert, channel, delivery) of dead deliveries not yet covered by a notice."""
        return [(rec["alert"], name, d) for _, rec in self._records()
                for name, d in rec["deliveries"].items() if d.get("state") == "dead" and not d.get("noticed")]

    def mark_noticed(self, keys: set[str]) -> None:
        """Mark the deliveries ``"alert id|channel"`` as covered by a dead-letter notice."""
        with self._tlock, self._lock():
            for path, rec in self._records():
                changed = False
                for name, d in rec["deliveries"].items():
                    if f"{rec['alert']['id']}|{name}" in keys:
                        d["noticed"] = True
                        changed = True
                if changed:
                    atomic_write_json(path, rec)

    def requeue_dead(self, now: datetime | None = None) -> int:
        """Put every dead delivery back in the queue (staff fixed the channel)."""
        now = now or self.clock()
        count = 0
        with self._tlock, self._lock():
            for path, rec in self._records():
                dead = [n for n, d in rec["deliveries"].items() if d.get("state") == "dead"]
                for name in dead:
                    rec["deliveries"][name] = dv.revived(rec["deliveries"][name], now)
                if dead:
                    atomic_write_json(path, rec)
                    count += len(dead)
        return count

    # -- views --------------------------------------------------------------
    def pending(self, configured: set[str] | frozenset[str] | None = None) -> list[dict]:
        """Every delivery waiting or dead, oldest alert first (masked).

        ``configured``: the channel names that can send (default: those in the settings).
        """
        if configured is None:
            configured = {c.name for c in self.channel_settings}
        rows = []
        for _, rec in self._records():
            alert = rec["alert"]
            for name, d in rec["deliveries"].items():
                if d.get("state") in dv.SHOWN_STATES:
                    rows.append({"alert_id": alert["id"], "channel": mask(name),
                                 "attempts": d.get("attempts", 0),
                                 "last_error": mask(d.get("last_error") or ""),
                                 "state": d["state"], "next_try": d.get("next_try"),
                                 "kind": alert["kind"], "severity": alert["severity"],
                                 "created": alert.get("created"),
                                 "interrupted": d.get("interrupted", 0),
                                 "configured": name in configured})
        return rows

    def counts(self) -> dict:
        pending = dead = sent = 0
        for _, rec in self._records():
            for d in rec["deliveries"].values():
                state = d.get("state")
                pending += state in dv.OPEN_STATES
                dead += state == "dead"
                sent += state == "sent"
        return {"pending": pending, "dead": dead, "sent": sent + self._archive_sent()}

    def _archive_sent(self) -> int:
        total = 0
        for path in sorted(self.archive_dir.glob("*.jsonl")):
            size = path.stat().st_size
            cached = self._archived_sent.get(path.name)
            if cached is None or cached[0] != size:
                n = 0
                for line in read_lines(path):
                    try:
                        n += sum(d.get("state") == "sent"
                                 for d in json.loads(line).get("deliveries", {}).values())
                    except ValueError:
                        continue
                cached = (size, n)
                self._archived_sent[path.name] = cached
            total += cached[1]
        return total

    def archived(self) -> list[dict]:
        """Every archived record (oldest month first); for reports and tests."""
        out = []
        for path in sorted(self.archive_dir.glob("*.jsonl")):
            out.extend(json.loads(line) for line in read_lines(path))
        return out
