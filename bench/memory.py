"""Peak memory of the whole process tree (Python + Playwright driver + Chromium)
while ``pantau once`` runs a cycle with browser accounts.

Starts the real CLI as a child process over a simulated platform (DemoSite in
its own process) with ``--http`` feed/Telegram accounts and ``--web`` accounts
that need Chromium, and samples /proc every 100 ms: the sum of RSS (shared
pages counted once per process) and of PSS (shared pages divided among the
processes: the tree's real share of RAM). Prints peak and median, per cycle.

    python bench/memory.py [--http 200] [--web 40] [--concurrency 4] [--cycles 2] [--max-pages 200]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import ROOT, SiteProcess, header, median, totals, tree_sample, write_setup  # noqa: E402


def run_once(config: Path) -> tuple[float, list[tuple[float, float, float, int]], str, list]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = ["pantau", "--config", str(config), "once"]
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; from scraper.cli import main; sys.argv={argv!r}; main()"],
                            cwd=str(config.parent), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float, float, int]] = []
    at_peak: list = []
    t0 = time.perf_counter()

    def sample() -> None:
        while proc.poll() is None:
            rows = tree_sample(proc.pid)  # one pass: the breakdown at the peak adds up to the peak
            rss, pss, n = totals(rows)
            if n:
                if pss > max((s[2] for s in samples), default=0):
                    at_peak[:] = [(name, round(p / 1024)) for name, _r, p in rows]
                samples.append((time.perf_counter() - t0, rss, pss, n))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode:
        print(err[-2000:])
    return time.perf_counter() - t0, samples, out.strip(), at_peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--http", type=int, default=200)
    ap.add_argument("--web", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--cycles", type=int, default=2)
    ap.add_argument("--max-pages", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    header(sys.argv, vars(args))
    names = [f"m{i:04d}" for i in range(args.http + args.web)]
    accounts = [("web" if i < args.web else ("telegram" if i % 2 else "rss"), n) for i, n in enumerate(names)]
    site = SiteProcess(names, posts=10, latency=args.latency)
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-mem-") as tmp:
            config = write_setup(Path(tmp), site.base_url, accounts, concurrency=args.concurrency,
                                 max_pages=args.max_pages)
            peaks = []
            for c in range(1, args.cycles + 1):
                wall, samples, summary, at_peak = run_once(config)
                rss = [s[1] for s in samples]
                pss = [s[2] for s in samples]
                procs = max((s[3] for s in samples), default=0)
                peaks.append(max(pss, default=0))
                print(f"cycle {c}: {wall:.1f} s, {len(samples)} samples; tree PSS peak {max(pss, default=0):.0f} MB "
                      f"(median {median(pss):.0f}); tree RSS peak {max(rss, default=0):.0f} MB "
                      f"(median {median(rss):.0f}); up to {procs} processes")
                print(f"   pantau once: {summary}")
                print("   at the peak (process, PSS MB): " + ", ".join(f"{n} {m}" for n, m in at_peak))
            print(f"peak tree PSS over {args.cycles} cycle(s): {max(peaks):.0f} MB")
    finally:
        site.stop()


if __name__ == "__main__":
    main()
