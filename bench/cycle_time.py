"""Cycle time of one full pass over N accounts against the bound N * L / C.

A simulated platform (DemoSite in its own process) answers every request after
L seconds; Pantau runs one cycle exactly as ``pantau once`` does
(``open_runtime`` + ``run_cycle``) with C accounts at a time. The first cycle
stores every post (first scan); the following ones find nothing new. Prints
the wall time of each cycle, the bound and the ratio (1.0 = only waiting).

    python bench/cycle_time.py [--accounts 1000] [--latency 0.2] [--concurrency 16]
                               [--posts 5] [--web 0] [--cycles 3]

Per-host politeness is switched off for the loopback site (min_delay 0s,
per_host_concurrency = C, and the gate's random
spacing, which no config key reaches, is set to 0 unless ``--host-jitter``); on real platforms those settings, not this
bound, set the pace. ``--web N`` makes N of the accounts browser accounts.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import SiteProcess, header, median, write_setup  # noqa: E402


async def cycles(config_path: Path, count: int, host_jitter: float | None) -> list[tuple[float, dict]]:
    from scraper.app import open_runtime
    from scraper.config import load_config
    from scraper.cycle import run_cycle

    config = load_config(config_path)
    out = []
    async with open_runtime(config) as rt:
        if host_jitter is not None:
            # HostGate's random spacing (0.5 s default) is not a config key: set it here
            rt.services.http.gate.jitter = host_jitter
        for _ in range(count):
            t0 = time.perf_counter()
            cycle = await run_cycle(rt.services, rt.people, concurrency=config.schedule.concurrency)
            out.append((time.perf_counter() - t0, cycle.summary()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--posts", type=int, default=5)
    ap.add_argument("--web", type=int, default=0, help="how many of the accounts need the browser")
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--host-jitter", type=float, default=0.0,
                    help="random spacing between two starts to one host (HostGate.jitter); "
                         "-1 keeps the built-in 0.5 s")
    args = ap.parse_args()
    header(sys.argv, vars(args))
    import logging

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    names = [f"a{i:05d}" for i in range(args.accounts)]
    platforms = ["web" if i < args.web else ("telegram" if i % 2 else "rss") for i in range(args.accounts)]
    site = SiteProcess(names, posts=args.posts, latency=args.latency)
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-cycle-") as tmp:
            config = write_setup(Path(tmp), site.base_url, list(zip(platforms, names)),
                                 concurrency=args.concurrency)
            results = cycles(config, args.cycles, None if args.host_jitter < 0 else args.host_jitter)
            results = asyncio.run(results)
    finally:
        site.stop()
    bound = args.accounts * args.latency / args.concurrency
    print(f"bound N*L/C = {args.accounts} * {args.latency} s / {args.concurrency} = {bound:.2f} s")
    for i, (wall, summary) in enumerate(results, 1):
        kind = "first scan" if i == 1 else "steady"
        print(f"cycle {i} ({kind}): {wall:.2f} s, ratio {wall / bound:.2f}; fetched {summary['fetched']}, "
              f"failed {summary['failed']}, new posts {summary['new']}")
        for err in summary["errors"][:3]:
            print(f"   error: {err}")
    steady = [w for w, _ in results[1:]] or [results[0][0]]
    print(f"median steady cycle: {median(steady):.2f} s = {median(steady) / bound:.2f} x bound; "
          f"first scan {results[0][0]:.2f} s = {results[0][0] / bound:.2f} x bound")


if __name__ == "__main__":
    main()
