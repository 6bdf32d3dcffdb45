"""Cycle time over N latency-bound accounts with 1, 2 and 4 fetch workers (issue #18).

A simulated platform (DemoSite in its own process) answers every request after
L seconds. A real ``redis-server`` runs on 127.0.0.1 (a free port, a temp
folder). The coordinator runs cycles in this process exactly as ``pantau once``
does (``open_runtime`` + ``run_cycle``) with ``[cluster] broker`` set; the
workers are ``pantau worker`` processes, each fetching C pages at once. The
baseline is the single-machine run (no broker) with the same C, i.e. what one
machine does today. The first cycle (first scan, not timed) stores every post;
the timed cycles are steady ones (nothing new), the daemon's everyday case.

    python bench/cluster_scale.py [--accounts 1000] [--latency 0.5] [--concurrency 8]
                                  [--workers 1,2,4] [--cycles 2]

Per-host politeness is off for the loopback site (min_delay 0s,
per_host_concurrency 32; the shared Redis gate still runs): on real platforms
the politeness settings and each session's rate limit set the pace.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _sim import SiteProcess, header, median, write_setup  # noqa: E402


async def cycles(config_path: Path, count: int) -> list[tuple[float, float, dict]]:
    """(wall s, coordinator CPU s, summary) of ``count`` cycles."""
    from scraper.app import open_runtime
    from scraper.config import load_config
    from scraper.cycle import run_cycle

    config = load_config(config_path)
    out = []
    async with open_runtime(config) as rt:
        for _ in range(count):
            t0, c0 = time.perf_counter(), time.process_time()
            cycle = await run_cycle(rt.services, rt.people, concurrency=config.run_concurrency)
            out.append((time.perf_counter() - t0, time.process_time() - c0, cycle.summary()))
    return out


def with_broker(config: Path, broker: str, concurrency: int) -> Path:
    """``cluster.toml`` next to ``config``: the same setup (same stores) with a [cluster] table."""
    text = config.read_text()
    text += (f'[cluster]\nbroker = "{broker}"\nin_flight = 400\nworker_concurrency = {concurrency}\n'
             f'redeliver_after = "5m"\n')
    target = config.parent / "cluster.toml"
    target.write_text(text)
    return target


def start_workers(config: Path, count: int, folder: Path) -> list[subprocess.Popen]:
    from cluster_harness import start_worker

    procs = []
    for n in range(count):
        wdir = folder / f"worker{n}"
        wdir.mkdir(parents=True, exist_ok=True)
        wconfig = wdir / "config.toml"
        wconfig.write_text(config.read_text())  # its own storage folder (sessions), no watchlist
        procs.append(start_worker(wconfig, wdir / "worker.log", "--platforms", "telegram,rss"))
    return procs


def wait_registered(redis, count: int, timeout: float = 60) -> None:
    client = redis.client()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if client.hlen("pantau:workers") >= count:
            return
        time.sleep(0.1)
    raise SystemExit(f"only {client.hlen('pantau:workers')} of {count} workers registered")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=8, help="fetches at once per worker (and single machine)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--cycles", type=int, default=2, help="timed steady cycles per setting")
    args = ap.parse_args()
    header(sys.argv, vars(args))
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    from cluster_harness import REDIS_SERVER, RedisServer, stop_process

    if REDIS_SERVER is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    counts = [int(n) for n in args.workers.split(",")]
    names = [f"a{i:05d}" for i in range(args.accounts)]
    platforms = ["telegram" if i % 2 else "rss" for i in range(args.accounts)]
    site = SiteProcess(names, posts=5, latency=args.latency)
    rows: list[tuple[str, float, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-cluster-") as tmp:
            root = Path(tmp)
            redis = RedisServer(root / "redis").start()
            try:
                single = write_setup(root / "coord", site.base_url, list(zip(platforms, names)),
                                     concurrency=args.concurrency, per_host=32)
                # first scan (not timed): single machine, so every setting starts from the same stores
                asyncio.run(cycles(single, 1))
                res = asyncio.run(cycles(single, args.cycles))
                rows.append(("single machine", median([w for w, _, _ in res]), median([c for _, c, _ in res])))
                _check(res, args.accounts)
                clustered = with_broker(single, redis.url, args.concurrency)
                for n in counts:
                    workers = start_workers(clustered, n, root / f"w{n}")
                    try:
                        wait_registered(redis, n)
                        res = asyncio.run(cycles(clustered, args.cycles))
                    finally:
                        for w in workers:
                            stop_process(w)
                        redis.client().delete("pantau:workers")
                    _check(res, args.accounts)
                    rows.append((f"{n} worker{'s' if n > 1 else ''}", median([w for w, _, _ in res]),
                                 median([c for _, c, _ in res])))
            finally:
                redis.stop()
    finally:
        site.stop()
    report(rows, args)


def _check(results, accounts: int) -> None:
    for _, _, summary in results:
        if summary["fetched"] != accounts:
            print(f"   WARNING: {summary['fetched']} of {accounts} fetched; errors: {summary['errors'][:3]}")


def report(rows: list[tuple[str, float, float]], args) -> None:
    bound = args.accounts * args.latency / args.concurrency
    base_single = rows[0][1]
    one = next((w for name, w, _ in rows if name == "1 worker"), None)
    print(f"bound for one fetcher N*L/C = {args.accounts} * {args.latency} s / {args.concurrency} = {bound:.1f} s")
    print(f"{'setting':<16} {'cycle (median)':>15} {'vs 1 worker':>12} {'vs single':>10} {'coordinator CPU':>16}")
    for name, wall, cpu in rows:
        vs_one = f"{one / wall:.2f}x" if one else "-"
        print(f"{name:<16} {wall:>13.2f} s {vs_one:>12} {base_single / wall:>9.2f}x {cpu:>14.2f} s")
    cpu = min(c for _, _, c in rows[1:]) if len(rows) > 1 else rows[0][2]
    print(f"coordinator CPU per account per steady cycle: {1000 * cpu / args.accounts:.1f} ms "
          f"(the ceiling of one coordinator: about {args.accounts / max(cpu, 1e-9):.0f} accounts/s of CPU)")
    print(f"machine: {os.cpu_count()} CPU(s) shared by the site, Redis, the coordinator and every worker")


if __name__ == "__main__":
    main()
