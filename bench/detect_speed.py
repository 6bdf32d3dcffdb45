"""Detector throughput and size: posts/s in-process and through `pantau detect`, memory, model size.

Usage (from the repository root):  python bench/detect_speed.py [--runs 5] [--posts 4000]
Prints, as medians of several runs (pin it to one core: ``taskset -c 0 python bench/detect_speed.py``):
  * posts/s in-process for 200-character and 2,000-character posts (stance model included);
  * posts/s through `pantau detect` (a child process reading JSON lines, start-up included and
    excluded), and that process's peak memory (max RSS);
  * the stance model's file size;
  * shipped lexicon vs. 5,000 extra candidate names (the automaton's cost should not grow).

In-process rates are given twice: by wall-clock time and by the process's CPU time. On a shared
machine the CPU-time rate is the one that says what one core does; the load average is printed
at the start and the end so the wall-clock figures can be judged.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.detect import Detector  # noqa: E402
from alerts.lexicon import load_lexicon  # noqa: E402
from alerts.stance import MODEL_PATH  # noqa: E402

SYLLABLES = ["ba", "di", "ru", "san", "to", "wi", "ja", "ya", "har", "mo", "ni", "ko", "la", "pu", "sa",
             "te", "gu", "na", "ri", "dan", "man", "so", "ki", "lu", "wan", "da", "se", "ti", "ro", "mi"]


def _name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title() for _ in range(2))


def extra_election_files(directory: pathlib.Path, count: int, seed: int = 7) -> list[pathlib.Path]:
    """Write election files holding ``count`` generated candidate names (50 pairs a file)."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        names.add(_name(rng))
    ordered = sorted(names)
    paths = []
    per_file = 100
    for index, first in enumerate(range(0, count, per_file)):
        lines = ['kind = "election"', "[election]", f'id = "bench-extra-{index}"', 'name = "Bench"',
                 "campaign_start = 2028-11-01", "campaign_end = 2029-02-10", "voting_day = 2029-02-14"]
        chunk = ordered[first:first + per_file]
        for number, start in enumerate(range(0, len(chunk), 2), 1):
            pair = chunk[start:start + 2]
            lines += ["[[candidate]]", f"number = {number}", f"pair = {json.dumps(' - '.join(pair))}",
                      f"names = {json.dumps(pair)}"]
        path = directory / f"bench-extra-{index}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def corpus(size: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "detector_eval.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    return [texts[i % len(texts)] for i in range(size)]


def sized_posts(size: int, count: int) -> list[str]:
    """``count`` posts of about ``size`` characters, made by joining labelled posts."""
    texts = corpus(400)
    out, i = [], 0
    while len(out) < count:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < size:
            parts.append(texts[i % len(texts)])
            i += 1
        out.append(" ".join(parts)[:size])
    return out


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_posts_per_second(posts: list[str], runs: int) -> tuple[float, float, float, float]:
    """(median posts/s with start-up, median start-up seconds, peak RSS MiB, median posts/s of CPU
    time net of start-up) of `pantau detect`."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = pathlib.Path(tmp) / "config.toml"
        cfg.write_text(f'[lexicon]\npaths = ["{ROOT}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n')
        lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(posts)).encode()
        cmd = [sys.executable, "-c", "import sys; from scraper.cli import main; sys.argv[0]='pantau'; main()",
               "--config", str(cfg), "detect"]
        env = {**__import__("os").environ, "PYTHONPATH": str(ROOT)}
        rates, starts, cpu_rates = [], [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), _child_cpu()
            subprocess.run(cmd, input=b'{"id": 0, "text": "x"}\n', capture_output=True, env=env, check=True)
            starts.append(time.perf_counter() - t0)
            start_cpu = _child_cpu() - c0
            t0, c0 = time.perf_counter(), _child_cpu()
            done = subprocess.run(cmd, input=lines, capture_output=True, env=env, check=True)
            rates.append(len(posts) / (time.perf_counter() - t0))
            cpu_rates.append(len(posts) / max(1e-9, _child_cpu() - c0 - start_cpu))
            assert done.stdout.count(b"\n") == len(posts)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return statistics.median(rates), statistics.median(starts), peak, statistics.median(cpu_rates)


def posts_per_second(detector: Detector, posts: list[str]) -> float:
    return rates(detector, posts)[0]


def rates(detector: Detector, posts: list[str]) -> tuple[float, float]:
    """(posts/s by wall-clock time, posts/s by this process's CPU time)."""
    start, cpu = time.perf_counter(), time.process_time()
    for text in posts:
        detector.detect(text)
    return len(posts) / (time.perf_counter() - start), len(posts) / max(1e-9, time.process_time() - cpu)


def real_posts() -> list[str]:
    """The real dev posts when they are there (read in place), else []."""
    base = pathlib.Path(os.environ.get("PANTAU_REALPOSTS", ROOT.parent / "shared" / "realposts"))
    path = base / "dev.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def calibration() -> float:
    """Nanoseconds per step of a trivial Python loop: to compare figures across machines."""
    table: dict[int, int] = {}
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for i in range(200_000):
            table.get(i)
        best = min(best, (time.process_time() - start) / 200_000 * 1e9)
    return best


def _load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--extra", type=int, default=5000)
    args = parser.parse_args(argv[1:])
    print(f"start: {_load()}; CPUs allowed: {sorted(os.sched_getaffinity(0))}")
    shipped = sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        big_paths = [*shipped, *extra_election_files(pathlib.Path(tmp), args.extra)]
        small = Detector(load_lexicon(shipped))
        big = Detector(load_lexicon(big_paths))
    posts = corpus(args.posts)
    for det in (small, big):  # warm the stem cache: steady state, as in the daemon
        posts_per_second(det, posts[:500])
    results: dict[str, list[tuple[float, float]]] = {"shipped": [], "extra": []}
    for _ in range(args.runs):  # interleave runs so both see the same machine load
        results["shipped"].append(rates(small, posts))
        results["extra"].append(rates(big, posts))
    print(f"machine: {calibration():.0f} ns per pure-Python loop step (dict.get; a recent desktop core: ~20-30)")
    print(f"posts per run: {len(posts)} (trap-set posts, cycled), runs: {args.runs}, terms: shipped "
          f"{len(small.lexicon.terms)}, with extra names {len(big.lexicon.terms)}")
    for key, label in (("shipped", "shipped lexicon:          "), ("extra", f"+{args.extra} candidate names: ")):
        runs = results[key]
        print(f"{label} median {statistics.median(r[0] for r in runs):8.0f} posts/s wall, "
              f"{statistics.median(r[1] for r in runs):8.0f} posts/s CPU time (CPU-time runs: "
              + ", ".join(f"{r[1]:.0f}" for r in runs) + ")")
    ratio = statistics.median(r[1] for r in results["extra"]) / statistics.median(r[1] for r in results["shipped"])
    print(f"ratio extra/shipped (CPU time): {ratio:.2f}")
    real = real_posts()
    if real:
        posts_per_second(small, real)
        runs = [rates(small, real) for _ in range(args.runs)]
        print(f"real dev posts (../shared/realposts/dev.jsonl, {len(real)} posts, mean "
              f"{sum(map(len, real)) / len(real):.0f} chars): median {statistics.median(r[0] for r in runs):8.0f} "
              f"posts/s wall, {statistics.median(r[1] for r in runs):8.0f} posts/s CPU time")
    for size in (200, 2000):
        sized = sized_posts(size, max(200, args.posts // (size // 200)))
        posts_per_second(small, sized[:100])
        runs = [rates(small, sized) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"in-process, {size:5}-char posts: median {wall:8.0f} posts/s wall, {cpu:8.0f} posts/s CPU time "
              f"({len(sized)} posts x {args.runs} runs; CPU-time runs: " + ", ".join(f"{r[1]:.0f}" for r in runs) + ")")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process peak RSS (two detectors loaded): {rss:.0f} MiB")
    for size in (200, 2000):
        sized = sized_posts(size, 2000 if size == 200 else 500)
        rate, start, peak, cpu_rate = cli_posts_per_second(sized, max(1, args.runs // 2))
        net = len(sized) / max(1e-9, len(sized) / rate - start)
        print(f"pantau detect, {size:5}-char posts: median {rate:8.0f} posts/s with start-up "
              f"({start:.2f} s), {net:8.0f} posts/s without (wall); {cpu_rate:8.0f} posts/s of CPU time "
              f"without start-up; peak RSS {peak:.0f} MiB")
    print(f"stance model file: {MODEL_PATH.stat().st_size / 1024:.0f} KiB ({MODEL_PATH.name})")
    print(f"end: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
