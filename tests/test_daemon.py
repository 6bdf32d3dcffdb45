"""``pantau run`` as a real subprocess under a stand-in systemd NOTIFY_SOCKET,
over a loopback DemoSite: READY/WATCHDOG/STATUS, SIGTERM within 10 s (also
mid-run against a slow site), SIGHUP and file-change reloads, broken files
rejected while the last good list keeps running, status from disk, secrets
masked in the daemon's log even when a channel fails."""
from __future__ import annotations

import json
import logging
import signal
import time
from pathlib import Path

import pytest

from scraper.demo.site import DemoSite

from tests.alerts_servers import Gateway, free_port
from tests.daemon_harness import (CAMPAIGN_TEXTS, NEUTRAL_TEXTS, NotifySocket, pantau_cli, start_daemon, stop,
                             utc, wait_until, write_config, write_watchlist)

pytestmark = pytest.mark.slow  # starts real daemons as subprocesses: left out of `make check-fast`


class LoggingSite(DemoSite):
    """DemoSite that remembers every requested path."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.paths: list[str] = []

    def _serve(self, req):
        self.paths.append(req.path)
        super()._serve(req)

    def hits(self, name: str) -> int:
        return sum(1 for p in list(self.paths) if p.rstrip("/").split("/")[-1].removesuffix(".xml") == name)


def _site(names: list[str], latency: float = 0.0, campaign: bool = False) -> LoggingSite:
    site = LoggingSite(latency=latency).start()
    site._server.handle_error = lambda *args: None  # a client gone at SIGTERM breaks its pipe: expected
    for n, name in enumerate(names):
        site.add_account(name, f"Akun {name}")
        site.add_post(name, 1, NEUTRAL_TEXTS[n % len(NEUTRAL_TEXTS)], utc(60))
        if campaign:
            site.add_post(name, 2, CAMPAIGN_TEXTS[n % len(CAMPAIGN_TEXTS)], utc(30))
    return site


@pytest.fixture
def notify_socket():
    sock = NotifySocket()
    yield sock
    sock.close()


@pytest.fixture
def procs():
    started = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def _shards(folder: Path) -> list[Path]:
    return sorted((folder / "data" / "posts").glob("*.json"))


def _stored_post_count(folder: Path) -> int:
    return sum(len(json.loads(p.read_text()).get("posts", {})) for p in _shards(folder))


def _all_state_loads(folder: Path) -> None:
    for path in (folder / "data").rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_ready_watchdog_status_sigterm(tmp_path, notify_socket, procs):
    site = _site(["satu", "dua", "tiga"])
    try:
        cfg = write_config(tmp_path)
        write_watchlist(tmp_path / "watchlists" / "uji.toml",
                        [("Ani (fiktif)", [("telegram", "satu")]), ("Budi (fiktif)", [("rss", "dua")]),
                         ("Citra (fiktif)", [("telegram", "tiga")])], site.base_url)
        proc = start_daemon(cfg, tmp_path / "stderr.log", notify=notify_socket, watchdog_usec=2_000_000)
        procs.append(proc)
        assert notify_socket.wait_for("READY=1", 30), (tmp_path / "stderr.log").read_text()
        ready_at = notify_socket.messages.index("READY=1")
        assert notify_socket.wait_for("WATCHDOG=1", 5, after=ready_at + 1), notify_socket.messages
        status_line = notify_socket.wait_for("STATUS=", 5)
        assert status_line and "3 akun" in status_line
        # the watchdog keeps coming while the daemon runs (half of WATCHDOG_USEC)
        first = notify_socket.count("WATCHDOG=1")
        assert wait_until(lambda: notify_socket.count("WATCHDOG=1") >= first + 2, 10), notify_socket.messages

        assert wait_until(lambda: _stored_post_count(tmp_path) == 3, 20), (tmp_path / "stderr.log").read_text()
        # the health book is written once the pass over all accounts is done
        assert wait_until(lambda: (tmp_path / "data" / "health.json").exists(), 10)
        out = pantau_cli(cfg, "status", "--json")
        assert out.returncode == 0, out.stderr
        status = json.loads(out.stdout)
        assert status["daemon"]["running"] is True and status["daemon"]["pid"] == proc.pid
        assert status["daemon"]["state"] == "running" and status["daemon"]["started"]
        assert status["version"]
        assert status["next_cycle"]
        assert {a["person"] for a in status["accounts"]} == {"Ani (fiktif)", "Budi (fiktif)", "Citra (fiktif)"}
        assert all(a["state"] == "ok" for a in status["accounts"])
        assert status["accounts_by_health"] == {"ok": 3}
        assert "pending" in status["outbox"] and "dead" in status["outbox"]

        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - t0 < 10
        assert notify_socket.wait_for("STOPPING=1", 1)
        _all_state_loads(tmp_path)
        status = json.loads(pantau_cli(cfg, "status", "--json").stdout)
        assert status["daemon"]["running"] is False and status["daemon"]["state"] == "stopped"
        # a daemon-side pass over every account was recorded as last_cycle
        assert status["last_cycle"]["accounts"] >= 3 and status["last_cycle"]["failed"] == 0
        text = pantau_cli(cfg, "status")
        assert "tidak berjalan" in text.stdout and "ok 3" in text.stdout
    finally:
        site.stop()


@pytest.mark.browser
def test_sigterm_while_runs_hang_on_a_slow_site(tmp_path, notify_socket, procs, chromium):
    site = _site(["lambat1", "lambat2", "lambat3", "lambat4"], latency=30.0)
    try:
        cfg = write_config(tmp_path, concurrency=4)
        write_watchlist(tmp_path / "watchlists" / "uji.toml",
                        [("Dedi (fiktif)", [("telegram", "lambat1"), ("rss", "lambat2")]),
                         ("Eka (fiktif)", [("web", "lambat3"), ("telegram", "lambat4")])], site.base_url)
        log = tmp_path / "stderr.log"
        proc = start_daemon(cfg, log, notify=notify_socket)
        procs.append(proc)
        assert notify_socket.wait_for("READY=1", 60), log.read_text()
        # every account (the web one through Chromium) is waiting on the slow site
        assert wait_until(lambda: site.requests >= 4, 20), (site.paths, log.read_text())
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(12)
        elapsed = time.monotonic() - t0
        assert code == 0, log.read_text()
        assert elapsed < 10, f"stopped after {elapsed:.1f}s"
        text = log.read_text()
        assert "cancelling 4 account run(s)" in text
        assert "Traceback" not in text
        _all_state_loads(tmp_path)
        assert _stored_post_count(tmp_path) == 0  # nothing half-written: runs cut short stored nothing
    finally:
        site.stop()


def test_sighup_picks_up_a_watchlist_change(tmp_path, notify_socket, procs):
    site = _site(["lama", "baru"])
    try:
        cfg = write_config(tmp_path)
        wl = tmp_path / "watchlists" / "uji.toml"
        write_watchlist(wl, [("Fajar (fiktif)", [("telegram", "lama")])], site.base_url)
        log = tmp_path / "stderr.log"
        proc = start_daemon(cfg, log, notify=notify_socket)
        procs.append(proc)
        assert notify_socket.wait_for("READY=1", 30), log.read_text()
        assert wait_until(lambda: site.hits("lama") >= 1, 10)
        assert site.hits("baru") == 0
        write_watchlist(wl, [("Fajar (fiktif)", [("telegram", "lama")]),
                             ("Gita (fiktif)", [("rss", "baru")])], site.base_url)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: site.hits("baru") >= 1, 10), log.read_text()
        took = time.monotonic() - t0
        text = log.read_text()
        assert "SIGHUP received: reloading" in text and "reloaded: 2 accounts of 2 people" in text
        assert took < 5, f"new account fetched {took:.1f}s after SIGHUP"  # before the 5 s file poll
        assert wait_until(lambda: _stored_post_count(tmp_path) == 2, 10)
        assert proc.poll() is None
        assert stop(proc) == 0
    finally:
        site.stop()


def test_broken_files_are_rejected_and_the_last_good_list_keeps_running(tmp_path, notify_socket, procs,
                                                                         monkeypatch):
    monkeypatch.setenv("PANTAU_MIN_INTERVAL", "1s")  # a 2 s interval (below the 1 min floor of check)
    site = _site(["tetap", "tambahan"])
    try:
        cfg = write_config(tmp_path, interval="2s", jitter="1s")
        wl = tmp_path / "watchlists" / "uji.toml"
        write_watchlist(wl, [("Hadi (fiktif)", [("telegram", "tetap")])], site.base_url)
        log = tmp_path / "stderr.log"
        proc = start_daemon(cfg, log, notify=notify_socket)
        procs.append(proc)
        assert notify_socket.wait_for("READY=1", 30), log.read_text()
        assert wait_until(lambda: site.hits("tetap") >= 1, 10)

        # a broken watchlist (no SIGHUP: the file watcher notices)
        wl.write_text(wl.read_text() + '\n[[person]]\nname = "Rusak"\nnip = "12345"\n', encoding="utf-8")
        assert wait_until(lambda: "reload rejected" in log.read_text(), 12), log.read_text()
        text = log.read_text()
        assert any(str(wl) in line and "reload rejected" in line for line in text.splitlines()), text
        assert "the last good configuration keeps running" in text
        before = site.hits("tetap")
        assert wait_until(lambda: site.hits("tetap") >= before + 2, 10), "the old list stopped running"
        assert proc.poll() is None
        # status shows the list in force and the rejection with its reasons (issue 11 item 11)
        out = pantau_cli(cfg, "status", "--json")
        assert out.returncode == 0, out.stderr
        status = json.loads(out.stdout)
        assert status["watched_accounts"] == 1 and status["list_source"] == "daemon"
        rejection = status["reload_rejected"]
        assert rejection and rejection["count"] >= 1
        assert all(p["file"] == str(wl) for p in rejection["problems"])
        assert any("Rusak" in p["where"] and "nip" in p["where"] for p in rejection["problems"])
        text = pantau_cli(cfg, "status").stdout
        assert "Akun dipantau: 1" in text and "PERUBAHAN DITOLAK" in text and str(wl) in text

        # a broken config.toml, with SIGHUP
        good_cfg = cfg.read_text()
        cfg.write_text(good_cfg.replace("concurrency = 4", 'concurrency = "banyak"'), encoding="utf-8")
        mark = len(log.read_text())
        proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload rejected" in log.read_text()[mark:], 10), log.read_text()[mark:]
        assert any(str(cfg) in line and "concurrency" in line for line in log.read_text()[mark:].splitlines())
        before = site.hits("tetap")
        assert wait_until(lambda: site.hits("tetap") >= before + 1, 10)
        assert proc.poll() is None
        out = pantau_cli(cfg, "status", "--json")  # config.toml itself is broken: exit 1, still shown
        assert out.returncode == 1
        status = json.loads(out.stdout)
        assert status["watched_accounts"] == 1
        assert any(p["file"] == str(cfg) and "concurrency" in p["where"]
                   for p in status["reload_rejected"]["problems"])

        # both fixed, and a person added: picked up without a signal
        cfg.write_text(good_cfg, encoding="utf-8")
        write_watchlist(wl, [("Hadi (fiktif)", [("telegram", "tetap")]),
                             ("Intan (fiktif)", [("rss", "tambahan")])], site.base_url)
        assert wait_until(lambda: site.hits("tambahan") >= 1, 15), log.read_text()[mark:]
        assert "reloaded: 2 accounts of 2 people" in log.read_text()
        status = json.loads(pantau_cli(cfg, "status", "--json").stdout)
        assert status["reload_rejected"] is None and status["watched_accounts"] == 2
        assert stop(proc) == 0
    finally:
        site.stop()


def test_secret_in_a_failing_alert_url_never_reaches_the_log(tmp_path, notify_socket, procs):
    secret = "s3kr1t-Gateway-Token-7781"
    smtp_secret = "Sandi-Surel-55123"
    gateway = Gateway().start()
    gateway.fail.add("/kirim")
    site = _site(["kampanye"], campaign=True)
    try:
        cfg = write_config(tmp_path, alert_urls=[
            f"json://pantau:${{PANTAU_GW_TOKEN}}@127.0.0.1:{gateway.port}/kirim",
            f"mailto://pantau:${{PANTAU_SMTP_PASS}}@127.0.0.1:{free_port()}?from=a@example.org&to=b@example.org",
        ], delivery_interval="1s")
        write_watchlist(tmp_path / "watchlists" / "uji.toml", [("Joko (fiktif)", [("telegram", "kampanye")])],
                        site.base_url)
        log = tmp_path / "stderr.log"
        proc = start_daemon(cfg, log, notify=notify_socket, verbose=True,
                            env={"PANTAU_GW_TOKEN": secret, "PANTAU_SMTP_PASS": smtp_secret})
        procs.append(proc)
        assert notify_socket.wait_for("READY=1", 30), log.read_text()
        # the channel really was tried, with the secret, and failed (more than once: retries)
        assert wait_until(lambda: len(gateway.requests) >= 2, 20), log.read_text()
        assert all(r["failed"] for r in gateway.requests)
        assert wait_until(lambda: "failed (attempt 2)" in log.read_text(), 10), log.read_text()
        assert stop(proc) == 0
        text = log.read_text()
        assert "Authorization" in str(gateway.requests[0]["headers"])  # the secret was sent to the gateway
        assert secret not in text and smtp_secret not in text
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert secret.encode() not in data and smtp_secret.encode() not in data, path
        status = pantau_cli(cfg, "status", "--json", )
        assert secret not in status.stdout + status.stderr
    finally:
        site.stop()
        gateway.stop()


def test_account_context_filter_names_account_and_person():
    from scraper.daemon import _ACCOUNT, AccountContext

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(AccountContext())
    logger = logging.getLogger("test.daemon.context")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside %s", "any job")
        token = _ACCOUNT.set(("https://t.me/contoh", "Budi (fiktif)"))
        try:
            logger.warning("retrying after %d s", 5)
            logger.warning("account %s: already named", "https://t.me/contoh")
        finally:
            _ACCOUNT.reset(token)
    finally:
        logger.removeHandler(handler)
    assert records == ["outside any job",
                       "retrying after 5 s [account https://t.me/contoh (Budi (fiktif))]",
                       "account https://t.me/contoh: already named"]


def test_sweep_removes_only_old_temp_files(tmp_path):
    from scraper.daemon import sweep_temp_files

    old = tmp_path / "posts" / ".a.json.x1.tmp"
    new = tmp_path / ".b.json.x2.tmp"
    keep = tmp_path / "a.json"
    for p in (old, new, keep):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    import os

    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert sweep_temp_files(tmp_path) == 1
    assert not old.exists() and new.exists() and keep.exists()


def test_notify_never_blocks_the_loop_when_the_manager_lags(monkeypatch):
    """A full notify queue drops WATCHDOG/STATUS instead of stalling the event loop."""
    import socket
    import tempfile

    from scraper.systemd import notify

    folder = tempfile.mkdtemp(prefix="sdn", dir="/tmp")
    path = f"{folder}/n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(path)  # nobody reads it
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        results = [notify("WATCHDOG=1") for _ in range(2000)]
        assert results[0] is True
        assert results[-1] is False  # queue full: dropped, not blocked
        assert receiver.recv(100) == b"WATCHDOG=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert notify("READY=1") is False  # outside systemd: a no-op
