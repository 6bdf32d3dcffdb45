"""A real ``redis-server`` on 127.0.0.1 for the cluster tests and bench (its own temp dir,
a free port, append-only file on so a restart keeps the queues), and ``pantau worker``
subprocesses."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """``redis-server`` in the foreground on loopback; ``restart()`` keeps its data (AOF)."""

    def __init__(self, folder: Path, port: int | None = None, password: str | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.password = password
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        assert REDIS_SERVER, "redis-server not installed"
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                "--logfile", str(self.folder / "redis.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start; see {self.folder / 'redis.log'}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


def cli_argv(config: Path, *args: str) -> list[str]:
    argv = ["pantau", "--config", str(config), *args]
    return [sys.executable, "-c", f"import sys; from scraper.cli import main; sys.argv={argv!r}; main()"]


def env() -> dict[str, str]:
    full = dict(os.environ)
    full["PYTHONPATH"] = str(REPO) + os.pathsep + full.get("PYTHONPATH", "")
    return full


def start_worker(config: Path, log_path: Path, *extra: str) -> subprocess.Popen:
    """``pantau worker`` as its own process (its own config folder: its own sessions)."""
    err = open(log_path, "ab")
    try:
        return subprocess.Popen(cli_argv(config, "-v", "worker", *extra), cwd=str(config.parent), env=env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    finally:
        err.close()


def stop_process(proc: subprocess.Popen, timeout: float = 30.0) -> int | None:
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return None
