"""OCR speed and memory: images per second with the real Tesseract, and what a cycle costs.

Usage (from the repository root):
    python bench/ocr_speed.py [--images 12] [--runs 3] [--accounts 1000]
        [--posts-per-cycle 0.2] [--image-share 0.4] [--images-per-post 1.3] [--first-scan-posts 20]

Draws ``--images`` distinct posters (1080x1080 and 1200x675, several fonts, rotation,
noise, photo-like backgrounds; tests/ocr_images.py), then reads them through
:class:`scraper.ocr.OcrReader` with an empty cache, one and two Tesseract processes at
a time (the daemon uses :data:`scraper.ocr.PARALLEL`). Prints the median images/s of
``--runs`` runs, the peak memory of one Tesseract child and of this process, the cost
of a cache hit, and the OCR time of one cycle over ``--accounts`` accounts under the
stated assumptions (new posts per account per cycle, share of posts with images,
images per such post), and of the first scan (``--first-scan-posts`` posts an account).
Fetching is not included: images come from the platform at the politeness rate.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from _sim import _kb, header, median, tree  # noqa: E402
from ocr_images import available_fonts, poster, twibbon  # noqa: E402
from scraper import ocr  # noqa: E402
from scraper.config import OcrSettings  # noqa: E402

LINES = [["COBLOS NOMOR 2", "ANDI HARAHAP - DAYANG DONNA"], ["Selamat pagi semua", "Semoga sehat selalu"],
         ["Rapat koordinasi", "Puskesmas Penajam 08.00 WITA"], ["Jangan lupa 27 November", "PILIH NOMOR 4"]]


def draw(count: int) -> list[bytes]:
    images = []
    fonts = available_fonts()
    for i in range(count):
        if i % 5 == 4:
            images.append(twibbon(["RELAWAN 02", "ANDI - DONNA"], seed=i))
            continue
        width, height = (1080, 1080) if i % 2 else (1200, 675)
        images.append(poster(LINES[i % len(LINES)], font=fonts[i % len(fonts)], size=40 + 8 * (i % 4),
                             angle=(-1) ** i * 1.5, seed=100 + i, width=width, height=height,
                             fmt="JPEG" if i % 3 else "PNG"))
    return images


class ChildPeak:
    """Samples the peak RSS (VmHWM) of this process's Tesseract children every 10 ms.

    (``RUSAGE_CHILDREN`` would report the Python process's own RSS, which a
    forked child shares until it execs.)"""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.01):
            for pid in tree(me)[1:]:
                try:
                    with open(f"/proc/{pid}/comm") as fh:
                        if fh.read().strip() != "tesseract":
                            continue
                except OSError:
                    continue
                self.peak_kb = max(self.peak_kb, _kb(f"/proc/{pid}/status", "VmHWM:"))

    def __enter__(self) -> "ChildPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def read_all(images: list[bytes], parallel: int, cache_dir: Path) -> float:
    """Seconds to read every image with an empty cache, ``parallel`` at a time."""
    ocr.PARALLEL = parallel
    reader = ocr.OcrReader(OcrSettings(), cache_dir, status=(True, "bench"))
    start = time.perf_counter()
    results = await asyncio.gather(*(reader.read_bytes(data) for data in images))
    elapsed = time.perf_counter() - start
    assert not any(r.cached for r in results)
    return elapsed


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--posts-per-cycle", type=float, default=0.2,
                    help="new posts per account per cycle (0.2 = about 5 a day at a 1 h interval)")
    ap.add_argument("--image-share", type=float, default=0.4, help="share of posts with at least one image")
    ap.add_argument("--images-per-post", type=float, default=1.3, help="images read per post with images")
    ap.add_argument("--first-scan-posts", type=int, default=20, help="posts on an account's first page")
    args = ap.parse_args(argv[1:])
    header(["bench/ocr_speed.py", *argv[1:]], vars(args))
    ok, message = ocr.tesseract_status("ind+eng")
    print(f"tesseract: {message}")
    if not ok:
        raise SystemExit(1)
    images = draw(args.images)
    print(f"images: {len(images)} drawn, median {median([len(i) for i in images]) / 1024:.0f} KB")
    rates = {}
    sampler = ChildPeak().__enter__()
    cpu_start = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_start = resource.getrusage(resource.RUSAGE_SELF)
    reads = 0
    for parallel in (1, 2):
        times = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                times.append(asyncio.run(read_all(images, parallel, Path(tmp))))
                reads += len(images)
        rates[parallel] = len(images) / median(times)
        print(f"parallel={parallel}: median {median(times):.2f} s for {len(images)} images = "
              f"{rates[parallel]:.2f} images/s ({1000 * median(times) / len(images):.0f} ms/image)")
    sampler.__exit__()
    cpu_end, self_end = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    child_cpu = (cpu_end.ru_utime + cpu_end.ru_stime - cpu_start.ru_utime - cpu_start.ru_stime) / reads
    own_cpu = (self_end.ru_utime + self_end.ru_stime - self_start.ru_utime - self_start.ru_stime) / reads
    cpu_rate = 2 / (child_cpu + own_cpu)
    print(f"CPU per image: {child_cpu:.2f} s in Tesseract + {own_cpu:.2f} s in Python (decode, grey, scale, "
          f"PGM file for the child) = at most {cpu_rate:.2f} images/s on 2 free cores (load-independent)")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: one Tesseract process {sampler.peak_kb / 1024:.0f} MB (VmHWM, up to "
          f"{ocr.PARALLEL} at once), this Python process {self_mb:.0f} MB (drawing the images included)")
    with tempfile.TemporaryDirectory() as tmp:
        reader = ocr.OcrReader(OcrSettings(), Path(tmp), status=(True, "bench"))
        asyncio.run(reader.read_bytes(images[0]))
        start = time.perf_counter()
        for _ in range(200):
            asyncio.run(reader.read_bytes(images[0]))
        print(f"cache hit: {1000 * (time.perf_counter() - start) / 200:.2f} ms/image (hash + one small JSON read)")
    rate = rates[2]
    print(f"(figures below use the measured wall-clock rate {rate:.2f} images/s; on an idle machine the "
          f"CPU bound {cpu_rate:.2f} images/s applies)")
    per_cycle = args.accounts * args.posts_per_cycle * args.image_share * args.images_per_post
    first = args.accounts * args.first_scan_posts * args.image_share * args.images_per_post
    print(f"cycle of {args.accounts} accounts: {per_cycle:.0f} images "
          f"({args.posts_per_cycle} new posts/account x {args.image_share:.0%} with images x "
          f"{args.images_per_post} images) = {per_cycle / rate:.0f} s of OCR at {rate:.2f} images/s")
    print(f"first scan of {args.accounts} accounts: {first:.0f} images = {first / rate / 60:.1f} min of OCR "
          f"(once; afterwards the cache and the post diff keep it to new posts)")


if __name__ == "__main__":
    main(sys.argv)
