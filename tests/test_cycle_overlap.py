"""Fetch slots are held around the fetch only (issue #17): ``[schedule] concurrency``
pages are fetched at once, never more, and an account that is still being
processed (parsed, detected, written) does not keep the others from fetching.
Real loopback site with latency, real stores."""
from __future__ import annotations

import asyncio

import pytest

import scraper.pipeline as pipeline
from scraper.app import open_runtime
from scraper.config import load_config
from scraper.cycle import accounts_at_once, run_cycle
from tests.daemon_harness import utc, write_config, write_watchlist

N = 12


@pytest.fixture
def site():
    from scraper.demo.site import DemoSite

    site = DemoSite(latency=0.15).start()
    for i in range(N):
        site.add_account(f"akun{i:03d}", f"Akun {i}")
        site.add_post(f"akun{i:03d}", 1, f"Jadwal posyandu ({i})", utc(60))
    yield site
    site.stop()


def _config(tmp_path, site, concurrency: int):
    cfg = write_config(tmp_path, concurrency=concurrency,
                       extra="[scan]\nfirst_scan_pages = 1\n")
    write_watchlist(tmp_path / "watchlists" / "uji.toml",
                    [(f"ASN {i} (fiktif)", [("rss", f"akun{i:03d}")]) for i in range(N)], site.base_url)
    return load_config(cfg)


def test_fetches_at_once_are_the_concurrency(tmp_path, site):
    config = _config(tmp_path, site, concurrency=3)

    async def go():
        async with open_runtime(config) as rt:
            return await run_cycle(rt.services, rt.people, concurrency=config.run_concurrency)

    cycle = asyncio.run(go())
    assert all(r.ok for r in cycle.results), [r.to_error() for r in cycle.results if not r.ok]
    assert site.requests == N
    # 6 account runs in progress, but the site never answers more than 3 fetches at once
    assert accounts_at_once(3) > 3
    assert site.max_in_flight == 3, site.max_in_flight


def test_an_account_in_processing_does_not_hold_a_fetch_slot(tmp_path, site, monkeypatch):
    """One fetch at a time: the first account is stuck in detection until every other account
    is done. That only finishes if its fetch slot was given back when its fetch ended."""
    config = _config(tmp_path, site, concurrency=1)
    real_detect = pipeline._detect
    state: dict = {}

    async def slow_detect(services, person, account, *args, **kw):
        if account.url.endswith("akun000.xml"):
            state["waited"] = True
            try:
                await asyncio.wait_for(state["others"].wait(), 20)
            except asyncio.TimeoutError:
                state["timed_out"] = True
        return await real_detect(services, person, account, *args, **kw)

    monkeypatch.setattr(pipeline, "_detect", slow_detect)
    finished: list[str] = []

    def on_result(result):
        finished.append(result.account.url)
        if len([u for u in finished if not u.endswith("akun000.xml")]) == N - 1:
            state["others"].set()

    async def go():
        state["others"] = asyncio.Event()  # made inside the loop that waits on it
        async with open_runtime(config) as rt:
            return await run_cycle(rt.services, rt.people, concurrency=1, on_result=on_result)

    cycle = asyncio.run(go())
    assert state.get("waited") and not state.get("timed_out"), state
    assert all(r.ok for r in cycle.results)
    assert finished[-1].endswith("akun000.xml")  # it finished last, after the other eleven
    assert site.max_in_flight == 1
