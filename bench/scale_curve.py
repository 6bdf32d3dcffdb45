"""Scale curve: ``pantau once`` wall time and peak RSS at growing account counts,
as a ratio to the latency bound N*L/C (flat = no cost that grows faster than N).

For each N a fresh site (N Telegram-style pages and feeds, half each) and a
fresh state folder: one cold run (first scan) and one warm run (nothing
changed), each as its own ``pantau once`` process (``wait4`` gives CPU and
peak RSS).

    python bench/scale_curve.py [--sizes 250,500,1000,2000] [--latency 0.2] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import SiteProcess, header  # noqa: E402
from peer_compare import Pantau  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250,500,1000,2000")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--posts", type=int, default=5)
    args = ap.parse_args()
    header(sys.argv, vars(args))
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        names = [f"s{i:05d}" for i in range(n)]
        site = SiteProcess(names, posts=args.posts, latency=args.latency)
        try:
            with tempfile.TemporaryDirectory(prefix="pantau-scale-") as tmp:
                tool = Pantau(Path(tmp), site.base_url, "mixed", names, args.concurrency)
                runs = [tool.run() for _phase in ("cold", "warm")]
        finally:
            site.stop()
        bound = n * args.latency / args.concurrency
        for phase, (wall, cpu, rss, code, err) in zip(("cold", "warm"), runs):
            rows.append((n, phase, wall, wall / bound, cpu, rss))
            print(f"N={n:5d} {phase}: wall {wall:6.2f} s = {wall / bound:4.2f} x bound ({bound:.2f} s), "
                  f"CPU {cpu:6.2f} s ({cpu / n * 1000:.1f} ms/account), peak RSS {rss:4.0f} MB"
                  + (f"  EXIT {code}: {err}" if code else ""), flush=True)
    print("\n    N  phase  wall/bound  CPU ms/account  peak RSS MB")
    for n, phase, wall, ratio, cpu, rss in rows:
        print(f"{n:5d}  {phase:5s}  {ratio:10.2f}  {cpu / n * 1000:14.1f}  {rss:11.0f}")


if __name__ == "__main__":
    main()
