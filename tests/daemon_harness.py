"""Real-process helpers for the daemon tests: config and watchlist files over a
DemoSite, a stand-in systemd NOTIFY_SOCKET, and ``pantau`` subprocesses."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
LEXICON = REPO / "watchlists" / "lexicon"

CAMPAIGN_TEXTS = [
    "Ayo coblos nomor 2! Prabowo-Gibran satu putaran ✌️ #PrabowoGibran2024",
    "Dukung terus Mudyat Noor - Abdul Waris Muin, PPU makin hebat! Jangan lupa coblos nomor 1 👆",
    "Salam tiga jari! Ganjar-Mahfud sat set tas tes 🤟 #GanjarMahfud",
]
NEUTRAL_TEXTS = [
    "Selamat pagi warga, jangan lupa sarapan dan tetap semangat bekerja",
    "Rapat koordinasi imunisasi campak di puskesmas hari ini",
    "Aamiin, semoga kita semua diberi kesehatan",
]


def nip_for(i: int) -> str:
    """A valid, unique NIP for fictional person ``i``."""
    birth = datetime(1975, 1, 1) + timedelta(days=i % 7000)
    return f"{birth:%Y%m%d}200501{1 + i % 2}{1 + i // 7000:03d}"


def person_toml(i: int, name: str, accounts: Iterable[tuple[str, str]], site_url: str) -> str:
    from scraper.demo.site import account_entry_toml

    items = [account_entry_toml(site_url, platform, acc) for platform, acc in accounts]
    return (f'[[person]]\nname = "{name}"\nnip = "{nip_for(i)}"\nposition = "Staf"\n'
            f'unit = "Dinas Uji (fiktif)"\naccounts = [{", ".join(items)}]\n')


def write_watchlist(path: Path, people: list[tuple[str, list[tuple[str, str]]]], site_url: str) -> None:
    """people: [(person name, [(platform, account name)])]; written atomically like an editor would."""
    text = "\n".join(person_toml(i, name, accs, site_url) for i, (name, accs) in enumerate(people))
    tmp = path.with_suffix(".tmp-edit")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_config(folder: Path, *, alert_urls: Iterable[str] = (), concurrency: int = 4, interval: str = "1h",
                 jitter: str = "1s", delivery_interval: str = "1m", run_timeout: str = "60s",
                 extra: str = "") -> Path:
    urls = ",\n  ".join(f'"{u}"' for u in alert_urls)
    text = f'''[storage]
dir = "data"

[watchlists]
paths = ["watchlists/*.toml"]

[lexicon]
paths = ["{LEXICON}/*.toml"]

[alerts]
urls = [
  {urls}
]
min_severity = "medium"
quiet_hours = ""
retry_initial = "1s"
retry_max = "2s"
send_timeout = "5s"

[schedule]
concurrency = {concurrency}
interval = "{interval}"
jitter = "{jitter}"
run_timeout = "{run_timeout}"
delivery_interval = "{delivery_interval}"

[http]
min_delay = "0s"
per_host_concurrency = 32
timeout = "30s"
retries = 0

[evidence]
enabled = false
screenshot = false
{extra}
'''
    (folder / "watchlists").mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


class NotifySocket:
    """A stand-in for systemd's notify socket: an AF_UNIX datagram socket read
    continuously by a thread (as systemd does)."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="sdn", dir="/tmp")  # sun_path is short
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages: list[str] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                return
            self.messages.extend(data.decode("utf-8", "replace").splitlines())

    def _drain(self) -> None:
        time.sleep(0.02)

    def wait_for(self, prefix: str, timeout: float, after: int = 0) -> str | None:
        """The first message starting with ``prefix`` at index >= ``after``."""
        end = time.monotonic() + timeout
        while True:
            for msg in list(self.messages[after:]):
                if msg.startswith(prefix):
                    return msg
            if time.monotonic() > end:
                return None
            time.sleep(0.02)

    def count(self, message: str) -> int:
        return sum(1 for m in list(self.messages) if m == message)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(1)
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def daemon_command(config: Path, *, verbose: bool = False) -> list[str]:
    argv = ["pantau", "--config", str(config)] + (["-v"] if verbose else []) + ["run"]
    return [sys.executable, "-c", f"import sys; from scraper.cli import main; sys.argv={argv!r}; main()"]


def start_daemon(config: Path, stderr_path: Path, *, notify: NotifySocket | None = None,
                 watchdog_usec: int | None = 2_000_000, env: dict[str, str] | None = None,
                 verbose: bool = False) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if notify is not None:
        full_env["NOTIFY_SOCKET"] = notify.path
    if watchdog_usec:
        full_env["WATCHDOG_USEC"] = str(watchdog_usec)
    full_env.update(env or {})
    err = open(stderr_path, "ab")
    try:
        return subprocess.Popen(daemon_command(config, verbose=verbose), cwd=str(config.parent), env=full_env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    finally:
        err.close()


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """SIGTERM and wait; SIGKILL if it does not go. Returns the exit code of the SIGTERM path."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return None


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def utc(minutes_ago: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)


def pantau_cli(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    argv = ["pantau", "--config", str(config), *args]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", f"import sys; from scraper.cli import main; sys.argv={argv!r}; main()"],
                          cwd=str(config.parent), env=env, capture_output=True, text=True, timeout=timeout)
