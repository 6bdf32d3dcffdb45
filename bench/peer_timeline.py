"""Where the warm-run time goes, seen from the site: for urlwatch and ``pantau once`` on
the same loopback pages, when the first request arrives after the process starts, how
long the fetch phase lasts (first arrival to last answer) and what follows it.

Same tools, site and settings as ``bench/peer_compare.py`` (one cold run each first,
not shown); medians over the rounds. The fetch phase is what the tools' HTTP paths
and concurrency decide; the first arrival is start-up (imports, config, watchlist).

    python bench/peer_timeline.py [--pages 500] [--rounds 4] [--concurrency 16] [--latency 0.2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import SiteProcess, header, median  # noqa: E402
from peer_compare import DEFAULT_VENV, Pantau, Urlwatch, ensure_urlwatch, page_url, warm_bytecode  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.2)
    args = ap.parse_args()
    header(sys.argv, vars(args))
    python = ensure_urlwatch(DEFAULT_VENV, "2.29")
    warm_bytecode()
    names = [f"c{i:05d}" for i in range(args.pages)]
    site = SiteProcess(names, posts=5, latency=args.latency)
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-timeline-") as tmp:
            tools = [Urlwatch(python, Path(tmp) / "urlwatch", [page_url(site.base_url, "telegram", n) for n in names],
                              args.concurrency),
                     Pantau(Path(tmp) / "pantau", site.base_url, "telegram", names, args.concurrency)]
            for tool in tools:  # the cold run: state for the warm ones
                tool.reset()
                tool.run()
                site.answered()
            for rnd in range(args.rounds):
                for tool in (tools if rnd % 2 == 0 else tools[::-1]):
                    started = time.time()
                    wall, _, _, code, err = tool.run()
                    log = site.answered()
                    if code or len(log) != args.pages:
                        raise SystemExit(f"{tool.name}: exit {code}, {len(log)} requests: {err}")
                    first = min(a for a, _ in log) - started
                    last = max(b for _, b in log) - started
                    rows.setdefault(tool.name, []).append((wall, first, last - first, wall - last))
                    print(f"round {rnd + 1} {tool.name:8s} warm: wall {wall:5.2f} s; first request at {first:.3f} s, "
                          f"fetch phase {last - first:.3f} s, after the last answer {wall - last:.3f} s", flush=True)
    finally:
        site.stop()
    print(f"\nmedians of {args.rounds} warm round(s), {args.pages} pages:")
    print(f"{'':10s}{'wall':>8s}{'first req':>11s}{'phase':>8s}{'after':>8s}")
    for name, values in rows.items():
        w, f, p, a = (median([v[i] for v in values]) for i in range(4))
        print(f"{name:10s}{w:7.2f}s{f:10.3f}s{p:7.3f}s{a:7.3f}s")


if __name__ == "__main__":
    main()
