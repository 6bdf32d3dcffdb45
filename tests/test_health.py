"""HealthBook: one alert per run of failures, one note on recovery, safe on disk."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from scraper.health import AccountHealth, HealthBook, empty_result_reason

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
KEY = "facebook-facebook-com-camat-waru-0123456789"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_failing_event_exactly_once_at_threshold(tmp_path):
    book = HealthBook(tmp_path / "health.json", threshold=3)
    events = [book.record_failure(KEY, "login_wall", "dialihkan ke /login", at(i * 60)) for i in range(6)]
    assert events[:2] == [None, None]
    assert events[3:] == [None, None, None]
    ev = events[2]
    assert ev is not None and ev.kind == "failing"
    assert (ev.account_key, ev.state, ev.reason, ev.failures) == (KEY, "login_wall", "dialihkan ke /login", 3)
    assert ev.since == at(0)
    h = book.get(KEY)
    assert h.state == "login_wall" and h.failures == 6 and h.since == at(0) and h.last_attempt == at(300)


def test_recovered_only_after_an_alert(tmp_path):
    book = HealthBook(tmp_path / "health.json", threshold=2)
    assert book.record_failure(KEY, "network", "timeout", at(0)) is None
    # one failure then success: staff never heard of it, so no recovery note
    assert book.record_success(KEY, at(10), posts=4) is None
    assert book.get(KEY).state == "ok" and book.get(KEY).failures == 0
    book.record_failure(KEY, "network", "timeout", at(20))
    failing = book.record_failure(KEY, "layout_changed", "tidak ada artikel", at(30))
    assert failing.kind == "failing" and failing.state == "layout_changed" and failing.since == at(20)
    rec = book.record_success(KEY, at(40), posts=2)
    assert rec is not None and rec.kind == "recovered"
    assert rec.state == "layout_changed" and rec.since == at(20) and rec.failures == 2
    assert book.record_success(KEY, at(50), posts=2) is None
    # a new run of failures alerts again
    book.record_failure(KEY, "blocked", "x", at(60))
    assert book.record_failure(KEY, "blocked", "x", at(70)).kind == "failing"


def test_state_fields_and_persistence(tmp_path):
    path = tmp_path / "state" / "health.json"
    book = HealthBook(path, threshold=3)
    book.record_success(KEY, at(0), posts=5)
    book.record_success("other", at(1), posts=0)
    book.record_failure(KEY, "not_found", "HTTP 404", at(5))
    assert HealthBook(path).get(KEY) is None  # in memory until the flush (once per cycle)
    assert book.flush() and book.writes == 1
    again = HealthBook(path, threshold=3)  # a fresh process reading the file
    h = again.get(KEY)
    assert h == AccountHealth(key=KEY, state="not_found", reason="HTTP 404", since=at(5), failures=1,
                              last_ok=at(0), last_attempt=at(5), last_posts=5, ever_had_posts=True)
    other = again.get("other")
    assert other.ok and other.last_posts == 0 and not other.ever_had_posts
    assert [a.key for a in again.all()] == sorted([KEY, "other"])
    assert [a.key for a in again.failing()] == [KEY]
    assert again.get("nobody") is None
    raw = json.loads(path.read_text())
    assert raw["accounts"][KEY]["since"] == "2026-11-20T01:05:00+00:00"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    js = again.to_json()
    assert js["threshold"] == 3 and len(js["accounts"]) == 2


def test_empty_result_reason():
    assert empty_result_reason(None, 0) is None
    fresh = AccountHealth(key=KEY, last_posts=0)
    assert empty_result_reason(fresh, 0) is None
    had = AccountHealth(key=KEY, last_posts=7, ever_had_posts=True)
    assert empty_result_reason(had, 3) is None
    assert "7" in empty_result_reason(had, 0)


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError):
        HealthBook(tmp_path / "h.json", threshold=0)
    with pytest.raises(ValueError):
        HealthBook(tmp_path / "h.json").record_failure(KEY, "ok", "", at(0))


def _hammer(path: str, key: str, n: int) -> None:
    book = HealthBook(path, threshold=1000)
    for i in range(n):
        book.record_failure(key, "network", f"try {i}", at(i))
        if i % 5 == 4:
            book.flush()
    book.flush()


def test_concurrent_processes_lose_no_update(tmp_path):
    path = tmp_path / "health.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(str(path), f"acct-{p}", 25)) for p in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    book = HealthBook(path)
    assert sorted((h.key, h.failures) for h in book.all()) == [(f"acct-{p}", 25) for p in range(3)]


def test_updates_stay_in_memory_until_flush_and_events_are_journaled(tmp_path):
    path = tmp_path / "health.json"
    book = HealthBook(path, threshold=2)
    for i in range(50):
        book.record_success(f"acct-{i}", at(i), 5)
    assert not path.exists() and book.writes == 0  # no write per account
    assert book.flush() and book.writes == 1
    assert book.flush() and book.writes == 1  # nothing changed: no write
    assert len(HealthBook(path).all()) == 50
    assert book.record_failure("acct-1", "network", "x", at(60)) is None
    event = book.record_failure("acct-1", "network", "x", at(61))
    assert event is not None and event.kind == "failing"
    # the announcement is on disk at once (journal), before any flush: a kill
    # now does not make the next process announce this run of failures again
    killed = HealthBook(path, threshold=2)
    assert killed.get("acct-1").alerted
    assert killed.record_failure("acct-1", "network", "x", at(62)) is None
    book.flush()
    assert not book.journal.exists() and HealthBook(path).get("acct-1").alerted
    raw = path.read_text()
    assert "\n" not in raw and ": " not in raw  # compact machine JSON


def test_retracted_failing_event_is_raised_again_and_recovery_not_announced(tmp_path):
    book = HealthBook(tmp_path / "health.json", threshold=1)
    event = book.record_failure("a", "network", "x", at(0))
    assert event.kind == "failing"
    book.retract(event)  # its alert could not be queued (full disk)
    assert book.record_success("a", at(1), 3) is None  # no recovery for an unannounced failure
    assert book.record_failure("a", "network", "x", at(2)).kind == "failing"
    again = book.record_failure("a", "network", "y", at(3))
    assert again is None
    rec = book.record_success("a", at(4), 3)
    assert rec.kind == "recovered"
    book.retract(rec)
    assert book.get("a").alerted  # still announced as failing: the recovery comes next time
    assert book.record_success("a", at(5), 3).kind == "recovered"


def test_flush_merges_accounts_written_by_another_process(tmp_path):
    path = tmp_path / "health.json"
    ours, theirs = HealthBook(path), HealthBook(path)
    ours.record_success("a", at(0), 1)
    theirs.record_success("b", at(0), 2)
    theirs.flush()
    ours.flush()
    assert sorted(h.key for h in HealthBook(path).all()) == ["a", "b"]
    ours.forget("b")
    ours.flush()
    assert [h.key for h in HealthBook(path).all()] == ["a"]
