"""A full disk (issue #11 item 7), on a real full filesystem: a small tmpfs
mounted over the storage folder and filled up. Skipped where mounting is not
permitted (not root, no tmpfs).

- ``once`` finishes the cycle, prints one clear line and exits 75, no traceback;
- ``status`` says the storage is full; ``alerts retry`` does not crash;
- no "recovered" notice for a failure staff were never told about;
- the daemon logs one line about it, not one per write;
- a send that succeeded while its result could not be written is not sent
  again, and is recorded once space returns.
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from alerts.outbox import Outbox
from alerts.settings import AlertsSettings
from alerts.storage import DISK
from tests.alerts_servers import SmtpSink
from tests.daemon_harness import (pantau_cli, start_daemon, stop, wait_until, write_config,
                                  write_watchlist)
from tests.test_outbox import Clock, finding

pytestmark = pytest.mark.slow  # fills a real small filesystem and runs the daemon: left out of `make check-fast`


class SmallDisk:
    """A tmpfs of ``size`` mounted at ``path``; :meth:`fill` takes every free byte."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fillers: list[Path] = []

    def fill(self) -> None:
        n = len(self.fillers)
        for chunk in (1 << 16, 4096, 1):
            while True:
                f = self.path / f".filler-{n}"
                n += 1
                try:
                    with open(f, "wb") as fh:
                        self.fillers.append(f)
                        fh.write(b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
        assert os.statvfs(self.path).f_bavail == 0

    def free(self) -> None:
        for f in self.fillers:
            f.unlink(missing_ok=True)
        self.fillers = []


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "data"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    DISK.success()  # a fresh start for this process's tracker
    try:
        yield SmallDisk(mnt)
    finally:
        DISK.success()
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _site(names):
    from scraper.demo.site import DemoSite

    site = DemoSite().start()
    for i, name in enumerate(names):
        site.add_account(name, f"Akun {name}")
        site.add_post(name, 1, f"Rapat koordinasi pelayanan {name}", _ago(60 + i))
    return site


def _ago(minutes):
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone.utc) - timedelta(minutes=minutes)


def _ids(tmp_path) -> list[str]:
    log = tmp_path / "data" / "outbox" / "ids.log"
    return log.read_text().split() if log.exists() else []


def test_once_status_and_retry_on_a_full_disk(tmp_path, small_disk):
    site = _site(["satu", "dua", "hilang"])
    try:
        # mail goes to a port where nothing listens: alerts stay pending
        cfg = write_config(tmp_path, alert_urls=[SmtpSink().url()], extra="[health]\nfailure_threshold = 1\n")
        write_watchlist(tmp_path / "watchlists" / "uji.toml",
                        [("Ani (fiktif)", [("telegram", "satu"), ("telegram", "hilang")]),
                         ("Budi (fiktif)", [("rss", "dua"), ("telegram", "lain")])], site.base_url)
        first = pantau_cli(cfg, "once", "--json")
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["failed"] == 1  # "lain": its failing notice waits in the outbox
        assert [i for i in _ids(tmp_path) if i.startswith("health:")]

        hidden = site.accounts.pop("hilang")  # now 404: a failure, with its "failing" notice due
        site.add_post("satu", 2, "Posyandu buka pukul 08.00", _ago(5))
        small_disk.fill()
        full = pantau_cli(cfg, "once", "--json")
        assert full.returncode == 75, full.stderr
        assert "Traceback" not in full.stderr, full.stderr
        assert "PENYIMPANAN PENUH" in full.stderr
        summary = json.loads(full.stdout)
        assert summary["accounts"] == 4  # the whole cycle ran
        states = {e["account"].rsplit("/", 1)[-1]: e["error"] for e in summary["errors"]}
        assert states["satu"].startswith("storage_full")  # its new post could not be stored
        assert states["hilang"].startswith("not_found") or "404" in states["hilang"]

        status = pantau_cli(cfg, "status")
        assert status.returncode == 0 and "PENYIMPANAN PENUH" in status.stdout, status.stdout + status.stderr
        status_json = json.loads(pantau_cli(cfg, "status", "--json").stdout)
        assert status_json["storage"]["full"] is True

        retry = pantau_cli(cfg, "alerts", "retry")
        assert "Traceback" not in retry.stderr and retry.returncode == 75, retry.stderr

        # space returns and the account is back: no "recovered" for a failure never announced
        small_disk.free()
        site.accounts["hilang"] = hidden
        after = pantau_cli(cfg, "once", "--json")
        assert after.returncode == 0, after.stderr
        summary = json.loads(after.stdout)
        assert summary["failed"] == 1 and summary["new"] == 1  # satu's post stored now
        ids = _ids(tmp_path)
        assert not [i for i in ids if i.endswith(":recovered") or ":recovered:" in i], ids
        assert not pantau_cli(cfg, "status", "--json").stdout.count('"full": true')
    finally:
        site.stop()


def test_daemon_logs_one_line_while_the_disk_is_full(tmp_path, small_disk):
    site = _site(["satu", "dua"])
    try:
        cfg = write_config(tmp_path, interval="1h", jitter="1s")
        write_watchlist(tmp_path / "watchlists" / "uji.toml",
                        [("Ani (fiktif)", [("telegram", "satu"), ("rss", "dua"), ("telegram", "tidakada")])],
                        site.base_url)
        assert pantau_cli(cfg, "once").returncode == 0
        site.add_post("satu", 2, "Posyandu buka pukul 08.00", _ago(5))
        site.add_post("dua", 2, "Rapat pagi", _ago(5))
        small_disk.fill()
        log = tmp_path / "stderr.log"
        proc = start_daemon(cfg, log, watchdog_usec=None)
        try:
            assert wait_until(lambda: "storage full" in log.read_text(), 30), log.read_text()
            time.sleep(4)  # every account ran; more writes failed
            text = log.read_text()
            assert text.count("storage full") == 1, text
            assert "Traceback" not in text, text
            small_disk.free()
        finally:
            assert stop(proc) == 0
        text = log.read_text()
        assert "Traceback" not in text, text
        assert "storage writable again" in text
        health = json.loads((tmp_path / "data" / "health.json").read_text())
        assert "tidakada" in " ".join(health["accounts"])  # written at shutdown once space returned
    finally:
        site.stop()


class FillingSink(SmtpSink):
    """An SMTP server that fills the disk right after it accepted a message."""

    def __init__(self, disk: SmallDisk) -> None:
        super().__init__()
        self.disk = disk

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self.disk.fill()
        return answer


def test_sent_but_unrecorded_is_kept_in_memory_and_never_sent_twice(tmp_path, small_disk):
    smtp = FillingSink(small_disk).start()
    try:
        clock = Clock()
        s = AlertsSettings(channels=[{"name": "email", "url": smtp.url(), "min_severity": "low",
                                      "min_interval": "0s"}], quiet_hours="",
                           retry_initial="1s", retry_max="2s")
        folder = small_disk.path / "outbox"
        box = Outbox(folder, s, clock=clock)
        assert box.enqueue(finding(1))
        report = box.deliver_due()
        assert report.sent == 1 and len(smtp.messages) == 1
        for _ in range(3):  # the claim expires meanwhile: without the memory it would be sent again
            clock.advance(minutes=10)
            box.deliver_due(force=True)
        assert len(smtp.messages) == 1
        small_disk.free()
        clock.advance(minutes=1)
        box.deliver_due()
        assert len(smtp.messages) == 1
        fresh = Outbox(folder, s, clock=clock)
        assert fresh.pending() == [] and fresh.counts()["sent"] == 1
        clock.advance(minutes=30)
        fresh.deliver_due(force=True)
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()
