"""Issue 11 item 11: a daemon pass counts accounts, not runs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from scraper.status import PassTracker


@dataclass
class Result:  # the fields of pipeline.AccountResult the tracker adds up
    ok: bool = True
    new: int = 0
    edited: int = 0
    deleted: int = 0
    findings: int = 0
    older: int = 0

    def to_error(self) -> dict:
        return {"account": "x", "error": "network: down"}


def test_a_2000_account_pass_counts_2000_accounts_however_often_fast_ones_ran():
    t0 = datetime(2026, 11, 29, 1, 0, tzinfo=timezone.utc)
    keys = [f"acc{i}" for i in range(2000)]
    tracker = PassTracker()
    tracker.set_keys(set(keys))
    finished = None
    # 1,905 extra runs of quick accounts (e.g. mastodon every 30 min) while slow ones run once
    fast = keys[:127]
    for round_no in range(15):
        for key in fast:
            assert tracker.add(key, Result(ok=round_no % 2 == 0, new=1), t0) is None
    for i, key in enumerate(keys[127:]):
        finished = tracker.add(key, Result(ok=i % 10 != 0), t0 + timedelta(minutes=i)) or finished
    assert finished is not None
    assert finished["runs"] == 15 * 127 + 1873
    assert finished["accounts"] == 2000
    # the fast ones' latest run (round 14) succeeded; 188 slow ones failed
    assert finished["failed"] == 188 and finished["fetched"] == 2000 - 188
    assert len(finished["errors"]) <= 50
    assert finished["new"] == 15 * 127  # post figures still add up every run


def test_an_account_that_recovered_within_the_pass_is_not_listed_as_failed():
    t0 = datetime(2026, 11, 29, 1, 0, tzinfo=timezone.utc)
    tracker = PassTracker()
    tracker.set_keys({"a", "b"})
    tracker.add("a", Result(ok=False), t0)
    tracker.add("a", Result(ok=True), t0)
    done = tracker.add("b", Result(ok=True), t0)
    assert done["accounts"] == 2 and done["failed"] == 0 and done["errors"] == []
