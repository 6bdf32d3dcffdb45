"""Pantau against urlwatch on the same loopback pages: wall time, CPU and peak RSS.

One simulated platform (DemoSite in its own process) serves N Telegram-style
channel pages (``/s/<name>``) or N RSS feeds, each answering after L seconds.
Both tools fetch C pages at a time: urlwatch with its worker pool raised to C,
``pantau once`` with ``concurrency = per_host_concurrency = C`` and
``min_delay = "0s"`` and ``[scan] first_scan_pages = 1`` (a new account's first
scan otherwise also reads older pages, which urlwatch never does). Each round runs every tool cold (empty state) and then
warm (same state, nothing changed on the site); the order of the tools
alternates between rounds. Prints the medians, the latency bound N*L/C and the
ratios Pantau / urlwatch, with the CPU time (user + system) and peak RSS of
each run (``wait4`` of the tool's process).

    python bench/peer_compare.py [--pages 500] [--kind telegram|rss] [--latency 0.2]
                                 [--concurrency 16] [--rounds 2] [--posts 5]

urlwatch is installed from PyPI into its own virtualenv on first use
(``--urlwatch-venv``, default ``~/.cache/pantau-bench/urlwatch-venv``; pinned
``--urlwatch-version``); nothing is committed and Pantau's own environment is
not touched.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import ROOT, SiteProcess, header, median, write_setup  # noqa: E402

DEFAULT_VENV = Path.home() / ".cache" / "pantau-bench" / "urlwatch-venv"

URLWATCH_CONFIG = """display:
  new: true
  error: true
  unchanged: false
  empty-diff: false
report:
  text:
    line_length: 75
    details: true
    footer: false
    minimal: false
  stdout:
    enabled: true
    color: false
  html:
    diff: unified
  markdown:
    details: true
    footer: false
    minimal: false
  email:
    enabled: false
"""

#: runs urlwatch's CLI with its module-level worker count raised to C
URLWATCH_MAIN = ("import sys, urlwatch.worker as w; w.MAX_WORKERS = int(sys.argv.pop(1)); "
                 "from urlwatch.cli import main; sys.argv[0] = 'urlwatch'; main()")


def ensure_urlwatch(venv: Path, version: str) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import urlwatch; print(urlwatch.__version__)"]
    if python.exists() and subprocess.run(probe, capture_output=True, text=True).stdout.strip() == version:
        return python
    print(f"installing urlwatch {version} into {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"urlwatch=={version}"], check=True)
    return python


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, stderr tail) of one process run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=str(cwd), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, err[-1500:]


def tool_env(**extra: str) -> dict[str, str]:
    """The environment of a measured run: as installed tools run, with their bytecode cached.

    urlwatch's wheel was byte-compiled by pip; Pantau's sources get their
    ``__pycache__`` on the warm-up import (:func:`warm_bytecode`). Without this, a
    ``PYTHONDONTWRITEBYTECODE`` in the caller's environment made Pantau compile its
    ~100 modules on every run (~0.15 s of CPU at each start) and urlwatch not.
    """
    env = dict(os.environ, **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_bytecode() -> None:
    """Import what ``pantau once`` imports once, untimed, so the runs find their bytecode."""
    code = ("import scraper.cli, scraper.app, scraper.pipeline, scraper.status, scraper.health, "
            "scraper.fetch.http, scraper.platforms, scraper.cases")
    subprocess.run([sys.executable, "-c", code], env=tool_env(PYTHONPATH=str(ROOT)), check=True)


class Urlwatch:
    name = "urlwatch"

    def __init__(self, python: Path, folder: Path, urls: list[str], concurrency: int):
        self.python, self.folder, self.concurrency = python, folder, concurrency
        folder.mkdir(parents=True, exist_ok=True)
        jobs = "---\n".join(f"name: p{i}\nurl: {u}\n" for i, u in enumerate(urls))
        (folder / "urls.yaml").write_text(jobs, encoding="utf-8")
        (folder / "urlwatch.yaml").write_text(URLWATCH_CONFIG, encoding="utf-8")

    def reset(self) -> None:
        (self.folder / "cache.db").unlink(missing_ok=True)

    def run(self) -> tuple[float, float, float, int, str]:
        env = tool_env(HOME=str(self.folder))
        env.pop("PYTHONPATH", None)
        argv = [str(self.python), "-c", URLWATCH_MAIN, str(self.concurrency),
                "--urls", str(self.folder / "urls.yaml"), "--config", str(self.folder / "urlwatch.yaml"),
                "--cache", str(self.folder / "cache.db")]
        return timed(argv, self.folder, env)


class Pantau:
    name = "pantau"

    def __init__(self, folder: Path, base: str, kind: str, names: list[str], concurrency: int,
                 first_scan_pages: int | None = 1):
        self.folder = folder
        kinds = [kind if kind != "mixed" else ("telegram" if i % 2 else "rss") for i in range(len(names))]
        extra = f"[scan]\nfirst_scan_pages = {first_scan_pages}\n" if first_scan_pages else ""
        self.config = write_setup(folder, base, list(zip(kinds, names)), concurrency=concurrency,
                                  per_host=concurrency, extra=extra)

    def reset(self) -> None:
        import shutil

        shutil.rmtree(self.folder / "data", ignore_errors=True)

    def run(self) -> tuple[float, float, float, int, str]:
        env = tool_env(PYTHONPATH=str(ROOT))
        argv = [sys.executable, "-c", "import sys; from scraper.cli import main; "
                f"sys.argv = ['pantau', '--config', {str(self.config)!r}, 'once']; main()"]
        return timed(argv, self.folder, env)


def page_url(base: str, kind: str, name: str) -> str:
    return f"{base}/s/{name}" if kind == "telegram" else f"{base}/feeds/{name}.xml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--kind", choices=["telegram", "rss"], default="telegram")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--posts", type=int, default=5)
    ap.add_argument("--first-scan-pages", type=int, default=1,
                    help="Pantau's [scan] first_scan_pages; 1 = one page per account, as urlwatch reads "
                         "(0 = Pantau's default, which also pages back on a new account's first scan)")
    ap.add_argument("--urlwatch-version", default="2.29")
    ap.add_argument("--urlwatch-venv", type=Path, default=DEFAULT_VENV)
    args = ap.parse_args()
    header(sys.argv, vars(args))
    python = ensure_urlwatch(args.urlwatch_venv, args.urlwatch_version)
    warm_bytecode()
    names = [f"c{i:05d}" for i in range(args.pages)]
    site = SiteProcess(names, posts=args.posts, latency=args.latency)
    runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-peer-") as tmp:
            tools = [Urlwatch(python, Path(tmp) / "urlwatch",
                              [page_url(site.base_url, args.kind, n) for n in names], args.concurrency),
                     Pantau(Path(tmp) / "pantau", site.base_url, args.kind, names, args.concurrency,
                            args.first_scan_pages or None)]
            for rnd in range(args.rounds):
                order = tools if rnd % 2 == 0 else tools[::-1]
                for tool in order:
                    tool.reset()
                    for phase in ("cold", "warm"):
                        wall, cpu, rss, code, err = tool.run()
                        print(f"round {rnd + 1} {tool.name:8s} {phase}: wall {wall:6.2f} s, CPU {cpu:6.2f} s, "
                              f"peak RSS {rss:5.0f} MB" + (f"  EXIT {code}: {err}" if code else ""), flush=True)
                        runs.setdefault((tool.name, phase), []).append((wall, cpu, rss))
    finally:
        site.stop()
    bound = args.pages * args.latency / args.concurrency
    print(f"\nbound N*L/C = {args.pages} * {args.latency} s / {args.concurrency} = {bound:.2f} s "
          f"({args.kind}, {args.posts} posts a page); medians of {args.rounds} round(s):")
    print(f"{'':10s}{'cold wall':>10s}{'warm wall':>10s}{'cold CPU':>10s}{'warm CPU':>10s}{'peak RSS':>10s}")
    med = {k: [median([r[i] for r in v]) for i in range(3)] for k, v in runs.items()}
    for name in ("urlwatch", "pantau"):
        c, w = med[(name, "cold")], med[(name, "warm")]
        print(f"{name:10s}{c[0]:9.2f}s{w[0]:9.2f}s{c[1]:9.2f}s{w[1]:9.2f}s{max(c[2], w[2]):7.0f} MB")
    for i, label in ((0, "wall"), (1, "CPU")):
        cold = med[("pantau", "cold")][i] / med[("urlwatch", "cold")][i]
        warm = med[("pantau", "warm")][i] / med[("urlwatch", "warm")][i]
        print(f"{label} ratio Pantau / urlwatch: cold {cold:.2f}, warm {warm:.2f}")
    print(f"wall / bound: urlwatch cold {med[('urlwatch', 'cold')][0] / bound:.2f}, warm "
          f"{med[('urlwatch', 'warm')][0] / bound:.2f}; pantau cold {med[('pantau', 'cold')][0] / bound:.2f}, "
          f"warm {med[('pantau', 'warm')][0] / bound:.2f}")


if __name__ == "__main__":
    main()
