"""Browser soak: thousands of page loads through ``scraper.fetch.browser.Browser``.

Loads the DemoSite's JavaScript web pages (``/web/<name>``) ``--loads`` times,
``--parallel`` at a time, with the browser recycled every ``--max-pages``
pages as in production. Every ``--every`` loads it samples the memory of this
process's whole tree (Python + Playwright driver + every Chromium process) and
prints the curve, start/end/peak and the slope of a least-squares line
(MB per 1,000 loads; ~0 = flat).

    python bench/browser_soak.py [--loads 2000] [--parallel 4] [--max-pages 200] [--every 100]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import SiteProcess, header, median, tree_memory  # noqa: E402


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


async def soak(base: str, names: list[str], loads: int, parallel: int, max_pages: int, every: int):
    from scraper.fetch.browser import Browser

    browser = Browser(max_pages=max_pages, page_timeout=30)
    samples: list[tuple[int, float, float, int]] = []
    times: list[float] = []
    failures = 0
    done = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(loads):
        queue.put_nowait(i)

    async def worker() -> None:
        nonlocal done, failures
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            try:
                page = await browser.fetch_page(f"{base}/web/{names[i % len(names)]}", wait_selector="article.post")
                if "article" not in page.body:
                    failures += 1
            except Exception as exc:  # counted, the soak goes on
                failures += 1
                print(f"  load {i}: {type(exc).__name__}: {exc}")
            times.append(time.perf_counter() - t0)
            done += 1
            if done % every == 0:
                rss, pss, procs = tree_memory(os.getpid())
                samples.append((done, rss, pss, procs))
                print(f"  {done:6d} loads: tree RSS {rss:7.1f} MB, PSS {pss:7.1f} MB, {procs} processes, "
                      f"launches {browser.launches}", flush=True)

    try:
        await asyncio.gather(*(worker() for _ in range(parallel)))
    finally:
        await browser.close()
    return samples, times, failures, browser.launches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=2000)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--max-pages", type=int, default=200)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--accounts", type=int, default=50)
    args = ap.parse_args()
    header(sys.argv, vars(args))
    names = [f"w{i:03d}" for i in range(args.accounts)]
    site = SiteProcess(names, posts=10)
    t0 = time.perf_counter()
    try:
        samples, times, failures, launches = asyncio.run(
            soak(site.base_url, names, args.loads, args.parallel, args.max_pages, args.every))
    finally:
        site.stop()
    wall = time.perf_counter() - t0
    pss = [s[2] for s in samples]
    rss = [s[1] for s in samples]
    xs = [s[0] / 1000 for s in samples]
    print(f"\n{args.loads} loads in {wall:.0f} s ({args.loads / wall:.1f}/s), median load {median(times) * 1000:.0f} ms, "
          f"failures {failures}, Chromium launches {launches}")
    if samples:
        half = len(pss) // 2 or 1
        print(f"tree PSS MB: start {pss[0]:.1f}, end {pss[-1]:.1f}, peak {max(pss):.1f}, "
              f"median 1st half {median(pss[:half]):.1f}, 2nd half {median(pss[half:]):.1f}; "
              f"slope {slope(xs, pss):+.2f} MB per 1,000 loads")
        print(f"tree RSS MB: start {rss[0]:.1f}, end {rss[-1]:.1f}, peak {max(rss):.1f}; "
              f"slope {slope(xs, rss):+.2f} MB per 1,000 loads")


if __name__ == "__main__":
    main()
