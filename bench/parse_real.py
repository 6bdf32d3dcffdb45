"""Parse time of the real captures in ../shared/fixtures/real/ (median of N runs, in-process).

    python bench/parse_real.py [runs]

Prints one line per capture: platform, file, posts or verdict, median milliseconds of
``scraper.parsing.parse_file`` (the code path of ``pantau parse`` and, after the fetch, the daemon).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scraper.parsing import parse_file  # noqa: E402

REAL = ROOT.parent / "shared" / "fixtures" / "real"
CASES = [  # (platform, file, account URL)
    ("facebook", "facebook/garcon-v2-real-page-a-text-story.html", "https://www.facebook.com/x"),
    ("facebook", "facebook/garcon-v2-real-page-b-text-story.html", "https://www.facebook.com/x"),
    ("facebook", "facebook/fbscraper-m-group-117507531664134-2021.html", "https://www.facebook.com/groups/x"),
    ("instagram", "instagram/pgrimaud-profile-robertdowneyjr-2022.pre.html", "https://www.instagram.com/robertdowneyjr/"),
    ("tiktok", "tiktok/ericlingit-recommend-item_list-2022.json", "https://www.tiktok.com/@zoey._.03.18"),
    ("x", "x/twscrape-raw_user_tweets.json", "https://x.com/XDevelopers"),
    ("x", "x/xingest-jason.html", "https://x.com/jason"),
    ("bluesky", "bluesky/dekoxd-getAuthorFeed-mkbhd-2025.json", "https://bsky.app/profile/mkbhd.com"),
    ("telegram", "telegram/full.html", "https://t.me/topwar_official"),
]


def main(runs: int) -> None:
    if not REAL.is_dir():
        print(f"no real captures at {REAL}")
        return
    for platform, rel, url in CASES:
        path = REAL / rel
        if not path.exists():
            continue
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = parse_file(platform, path, url=url)
            times.append(time.perf_counter() - start)
        outcome = f"verdict {result.health.state}" if result.health else f"{len(result.posts)} posts"
        print(f"{platform:9} {rel:58} {outcome:20} median {statistics.median(times) * 1000:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
