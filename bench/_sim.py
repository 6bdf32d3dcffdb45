"""Shared parts of the load benches: a simulated platform in its own process,
config and watchlist files for it, and memory of a whole process tree.

The DemoSite runs in a child process so that serving pages does not compete
with the code under test for the GIL.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LEXICON = ROOT / "watchlists" / "lexicon"
TEXTS = [
    "Selamat pagi warga, jangan lupa sarapan dan tetap semangat bekerja hari ini",
    "Rapat koordinasi imunisasi campak di puskesmas kecamatan bersama kader posyandu",
    "Aamiin, semoga kita semua diberi kesehatan dan kelancaran dalam bertugas",
    "Pelayanan administrasi kependudukan buka sampai pukul 15.00 WITA",
]


def _serve(names: list[str], posts: int, latency: float, conn) -> None:
    import socketserver
    from http.server import ThreadingHTTPServer

    from scraper.demo.site import DemoSite

    # Serve like a real platform's front end (nginx: backlog 511, TCP_NODELAY on), not
    # like http.server's defaults, which penalise a client that keeps connections alive
    # (issue #17): a listen backlog of 5 drops SYNs when 16 clients connect at once (each
    # drop costs a 1 s retransmit), and without TCP_NODELAY the body, written after the
    # headers, waits for the client's delayed ACK (~40 ms on every reused connection).
    # This process only serves the bench, so the class defaults are set here.
    ThreadingHTTPServer.request_queue_size = 1024  # read by listen() in the constructor
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    site = DemoSite(latency=latency)
    now = datetime.now(timezone.utc)
    for i, name in enumerate(names):
        site.add_account(name, f"Akun {name}")
        for p in range(1, posts + 1):
            site.add_post(name, p, f"{TEXTS[(i + p) % len(TEXTS)]} ({name} #{p})", now - timedelta(hours=p))
    answered: list[tuple[float, float]] = []  # (arrived, answered) wall-clock times, for "log"
    serve_one = site._serve

    def timed(req) -> None:  # noqa: ANN001
        arrived = time.time()
        serve_one(req)
        answered.append((arrived, time.time()))

    site._serve = timed
    site.start()
    conn.send(site.base_url)
    while conn.recv() == "log":  # any other message: stop
        conn.send(answered[:])
        answered.clear()
    site.stop()


class SiteProcess:
    """A DemoSite with ``names`` accounts of ``posts`` posts each, in a child process."""

    def __init__(self, names: list[str], posts: int = 5, latency: float = 0.0):
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(names, posts, latency, child), daemon=True)
        self._proc.start()
        self.base_url = self._conn.recv()

    def answered(self) -> list[tuple[float, float]]:
        """(arrived, answered) wall-clock times of the requests since the last call."""
        self._conn.send("log")
        return self._conn.recv()

    def stop(self) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()


def nip_for(i: int) -> str:
    birth = datetime(1975, 1, 1) + timedelta(days=i % 7000)
    return f"{birth:%Y%m%d}200501{1 + i % 2}{1 + i // 7000:03d}"


def write_setup(folder: Path, base: str, accounts: list[tuple[str, str]], *, concurrency: int,
                per_host: int | None = None, max_pages: int = 200, run_timeout: str = "5m",
                extra: str = "") -> Path:
    """config.toml + one watchlist (one person per account) under ``folder``."""
    from scraper.demo.site import account_entry_toml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "watchlists").mkdir(exist_ok=True)
    people = []
    for i, (platform, name) in enumerate(accounts):
        people.append(f'[[person]]\nname = "ASN {i} (fiktif)"\nnip = "{nip_for(i)}"\nposition = "Staf"\n'
                      f'unit = "Dinas Uji (fiktif)"\naccounts = [{account_entry_toml(base, platform, name)}]\n')
    (folder / "watchlists" / "bench.toml").write_text("\n".join(people), encoding="utf-8")
    config = folder / "config.toml"
    config.write_text(f'''[storage]
dir = "data"
[watchlists]
paths = ["watchlists/*.toml"]
[lexicon]
paths = ["{LEXICON}/*.toml"]
[alerts]
urls = []
[schedule]
concurrency = {concurrency}
run_timeout = "{run_timeout}"
[http]
# a loopback bench: the per-host politeness of a real platform is switched off
min_delay = "0s"
per_host_concurrency = {min(per_host or concurrency, 32)}
retries = 0
timeout = "60s"
[browser]
max_pages = {max_pages}
[evidence]
enabled = false
screenshot = false
{extra}''', encoding="utf-8")
    return config


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.append(p)
            todo += _children(p)
    return seen


def _kb(path: str, field: str) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> tuple[float, float, int]:
    """(RSS sum MB, PSS sum MB, processes) of ``pid``'s process tree.

    RSS counts pages shared between Chromium's processes once per process;
    PSS divides them among the sharers, so the PSS sum is the tree's real share.
    """
    return totals(tree_sample(pid))


def totals(rows: list[tuple[str, int, int]]) -> tuple[float, float, int]:
    """(RSS sum MB, PSS sum MB, processes) of :func:`tree_sample`'s rows."""
    return sum(r[1] for r in rows) / 1024, sum(r[2] for r in rows) / 1024, len(rows)


def tree_sample(pid: int) -> list[tuple[str, int, int]]:
    """(process name, with a Chromium child's --type and utility service; RSS kB; PSS kB) of
    each process in ``pid``'s tree, largest PSS first: one pass, so the rows add up to the
    tree's total."""
    rows = []
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/comm") as fh:
                name = fh.read().strip()
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                argv = fh.read().replace(b"\0", b" ").split()  # Chromium's children rewrite it as one string
        except OSError:
            continue
        kind = next((a[7:].decode() for a in argv if a.startswith(b"--type=")), "")
        sub = next((a[19:].decode() for a in argv if a.startswith(b"--utility-sub-type=")), "")
        if sub:  # network.mojom.NetworkService -> network
            kind += ":" + sub.split(".")[0]
        rows.append((f"{name}({kind})" if kind else name, _kb(f"/proc/{p}/status", "VmRSS:"),
                     _kb(f"/proc/{p}/smaps_rollup", "Pss:")))
    return sorted(rows, key=lambda r: -r[2])


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def header(argv: list[str], params: dict) -> None:
    print("$ python " + " ".join(argv))
    print("machine: %d CPU(s), Python %s" % (os.cpu_count() or 0, sys.version.split()[0]))
    print("parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
