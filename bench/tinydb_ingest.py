"""TinyDB ingest through the real store API: does the time per 10,000 posts stay flat?

Two patterns, both through ``AccountShard.apply`` (one atomic write of the
account's shard per fetch, as the pipeline does):

* first scan:  every account's posts arrive in one fetch (``--per-account`` posts);
* trickle:     the same posts arrive ``--per-fetch`` at a time over many rounds,
               so each shard grows from empty to ``--per-account`` posts
               (the cost of one write grows with its shard, never with the whole store).

    python bench/tinydb_ingest.py [--accounts 2000] [--per-account 100] [--per-fetch 5] [--page 20] [--dir DIR]

Prints the seconds per block of 10,000 posts and the ratio of the last block to
the first (1.0 = flat; a single TinyDB file for everything grows quadratically).
Writes fsync like production; ``--dir`` picks the disk (default: a temp folder).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sim import TEXTS, header, median  # noqa: E402

from scraper.diff import diff_posts  # noqa: E402
from scraper.models import Account, Post  # noqa: E402
from scraper.store import PostStore  # noqa: E402

BLOCK = 10_000


def make_post(account: Account, n: int, now: datetime) -> Post:
    return Post(platform=account.platform, account_url=account.url, post_id=f"{n}",
                url=f"{account.url}/{n}", published=now - timedelta(minutes=100_000 - n),
                text=f"{TEXTS[n % len(TEXTS)]} (postingan nomor {n} dari akun ini)", media=(), raw="", extra={})


def ingest(root: Path, accounts: int, per_account: int, per_fetch: int,
           page: int) -> tuple[list[float], float, int]:
    """Returns (seconds per block of 10k posts, total seconds, largest shard bytes)."""
    store = PostStore(root)
    accs = [Account(platform="telegram", url=f"https://t.me/asn_{i:05d}", options={}, person_nip="",
                    person_name=f"ASN {i}") for i in range(accounts)]
    now = datetime.now(timezone.utc)
    visible: dict[str, list[Post]] = {a.key: [] for a in accs}
    blocks: list[float] = []
    done = 0
    block_start = t0 = time.perf_counter()
    for start in range(0, per_account, per_fetch):
        for account in accs:
            shard = store.shard(account)
            fresh = [make_post(account, n, now) for n in range(start, min(start + per_fetch, per_account))]
            # the profile page shows the newest ``page`` posts (older ones scroll out, not deleted)
            visible[account.key] = (fresh[::-1] + visible[account.key])[:max(page, len(fresh))]
            changes = diff_posts(shard.stored_for_diff(), visible[account.key], now)
            shard.apply(account, changes, now, {"scanned": True})
            done += len(changes.new)
            while done >= BLOCK * (len(blocks) + 1):
                t = time.perf_counter()
                blocks.append(t - block_start)
                block_start = t
    biggest = max(p.stat().st_size for p in store.shard_files())
    return blocks, time.perf_counter() - t0, biggest


def report(name: str, blocks: list[float], total: float, biggest: int, posts: int) -> None:
    print(f"\n{name}: {posts} posts in {total:.1f} s ({posts / total:.0f} posts/s); largest shard {biggest / 1024:.0f} KiB")
    print("  seconds per 10,000 posts: " + " ".join(f"{b:.2f}" for b in blocks))
    if len(blocks) >= 2:
        first, last = blocks[0], blocks[-1]
        half = len(blocks) // 2
        print(f"  last/first block = {last / first:.2f}; median of 2nd half / median of 1st half = "
              f"{median(blocks[half:]) / median(blocks[:half]):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--per-account", type=int, default=100)
    ap.add_argument("--per-fetch", type=int, default=5)
    ap.add_argument("--page", type=int, default=20, help="posts a profile page shows")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--pattern", choices=["both", "first-scan", "trickle"], default="both")
    args = ap.parse_args()
    header(sys.argv, vars(args))
    posts = args.accounts * args.per_account
    patterns = []
    if args.pattern in ("both", "first-scan"):
        patterns.append(("first scan (one fetch per account)", args.per_account))
    if args.pattern in ("both", "trickle"):
        patterns.append((f"trickle ({args.per_fetch} new posts per fetch, shards grow)", args.per_fetch))
    for name, per_fetch in patterns:
        root = Path(tempfile.mkdtemp(prefix="pantau-ingest-", dir=args.dir))
        try:
            blocks, total, biggest = ingest(root, args.accounts, args.per_account, per_fetch, args.page)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        report(name, blocks, total, biggest, posts)


if __name__ == "__main__":
    main()
