"""Whole-file rewrites per cycle (issue #17): state covering all accounts is
written once per cycle, an account's shard at most once, and a cycle in which
nothing changed rewrites no shard at all. Real loopback site, real files."""
from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

import alerts.storage as storage
from scraper.app import open_runtime
from scraper.config import load_config
from scraper.cycle import run_cycle
from tests.daemon_harness import utc, write_config, write_watchlist

N = 24


@pytest.fixture
def site():
    from scraper.demo.site import DemoSite

    site = DemoSite().start()
    for i in range(N):
        site.add_account(f"akun{i:03d}", f"Akun {i}")
        for p in range(1, 4):
            site.add_post(f"akun{i:03d}", p, f"Pelayanan kependudukan hari ke-{p} ({i})", utc(60 * p))
    yield site
    site.stop()


def _cycle(config) -> None:
    async def go():
        async with open_runtime(config) as rt:
            await run_cycle(rt.services, rt.people, concurrency=4)
    asyncio.run(go())


@pytest.mark.slow  # many cycles over a real site
def test_whole_file_rewrites_per_cycle(tmp_path, site, monkeypatch):
    cfg = write_config(tmp_path)
    write_watchlist(tmp_path / "watchlists" / "uji.toml",
                    [(f"ASN {i} (fiktif)", [("telegram" if i % 2 else "rss", f"akun{i:03d}")]) for i in range(N)],
                    site.base_url)
    config = load_config(cfg)
    writes: Counter[str] = Counter()
    real = storage.atomic_write_bytes

    def counting(path, data, **kw):
        # profiles/<account_key>.json shares its name with posts/<account_key>.json
        name = Path(path).name if Path(path).parent.name != "profiles" else "profiles/" + Path(path).name
        writes[name] += 1
        return real(path, data, **kw)

    monkeypatch.setattr(storage, "atomic_write_bytes", counting)
    shards = lambda: {k: v for k, v in writes.items() if k.startswith(("telegram-", "rss-"))}  # noqa: E731
    profiles = lambda: {k: v for k, v in writes.items() if k.startswith("profiles/")}  # noqa: E731

    _cycle(config)  # first scan: every post is new
    assert writes["health.json"] == 1, writes
    assert len(shards()) == N and set(shards().values()) == {1}, shards()
    assert len(profiles()) == N // 2 and set(profiles().values()) == {1}, profiles()  # RSS channels

    writes.clear()
    _cycle(config)  # nothing changed on the site
    assert writes["health.json"] <= 1, writes
    assert shards() == {}, shards()
    assert profiles() == {}, profiles()

    writes.clear()
    site.accounts["akun001"].title = "Akun 1 (judul baru)"  # page bytes change, its posts do not
    _cycle(config)
    assert shards() == {}, shards()

    writes.clear()
    site.add_post("akun003", 9, "Posyandu buka pukul 08.00", utc(1))
    _cycle(config)  # one account changed: only its shard is rewritten
    assert list(shards().values()) == [1] and "akun003" in next(iter(shards())), shards()
    assert writes["health.json"] <= 1


@pytest.mark.slow  # two cycles over a real site
def test_a_cycle_without_findings_never_locks_the_findings_store(tmp_path, site, monkeypatch):
    """Adding no findings costs nothing: no lock and no copy of the whole findings store."""
    cfg = write_config(tmp_path)
    write_watchlist(tmp_path / "watchlists" / "uji.toml",
                    [(f"ASN {i} (fiktif)", [("telegram", f"akun{i:03d}")]) for i in range(N)], site.base_url)
    config = load_config(cfg)
    locked: Counter[str] = Counter()
    real = storage._held_lock

    def counting(path, timeout):
        locked[Path(path).name] += 1
        return real(path, timeout)

    monkeypatch.setattr(storage, "_held_lock", counting)
    _cycle(config)  # first scan: harmless posts only
    assert locked["findings.json"] == 0, locked
    assert sum(v for k, v in locked.items() if k.startswith("telegram-")) == N  # the check can fail
    site.add_post("akun005", 9, "Ayo coblos nomor 2! Prabowo-Gibran satu putaran #PrabowoGibran2024", utc(1))
    _cycle(config)
    assert locked["findings.json"] == 1, locked
