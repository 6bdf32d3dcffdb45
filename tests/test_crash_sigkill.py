"""Crash safety: SIGKILL the real daemon at random moments, again and again.

A DemoSite with a few dozen accounts (new posts, some of them campaigning,
appear between the kills), an SMTP sink and a JSON gateway as channels. The
daemon fetches every account every second and delivers after each finding,
so kills land in fetches, shard writes, outbox writes and sends. After each
kill every state file must load and nothing acknowledged may have gone
(stored posts, findings, and the alert of every finding in the outbox).
A final clean run must then hold every post, each expected finding exactly
once, and each finding's alert at each channel -- at most once, except for
sends the outbox itself recorded as interrupted (a kill between the send and
its record), which are counted and printed.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from alerts.storage import open_db, read_lines
from scraper.demo.site import DemoSite
from tests.alerts_servers import Gateway, SmtpSink
from tests.daemon_harness import (CAMPAIGN_TEXTS, NEUTRAL_TEXTS, NotifySocket, start_daemon, stop, utc,
                                  wait_until, write_config, write_watchlist)

KILLS = int(os.environ.get("PANTAU_CRASH_KILLS", "55"))
ACCOUNTS = 24
POST_URL = re.compile(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]+/\d+")


def _state(data: Path) -> dict:
    """Load every state file the way Pantau does; any torn file raises here."""
    posts: dict[str, set[str]] = {}
    for shard in sorted((data / "posts").glob("*.json")):
        raw = json.loads(shard.read_text(encoding="utf-8"))
        open_db(shard).tables()  # TinyDB reads it through the atomic storage
        posts[shard.name] = {d["post_id"] for d in raw.get("posts", {}).values()}
    findings: list[dict] = []
    if (data / "findings.json").exists():
        raw = json.loads((data / "findings.json").read_text(encoding="utf-8"))
        findings = list(raw.get("findings", {}).values())
    for name in ("health.json", "state.json"):
        if (data / name).exists():
            json.loads((data / name).read_text(encoding="utf-8"))
    hot = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((data / "outbox" / "hot").glob("*.json"))]
    archived = [json.loads(line) for p in sorted((data / "outbox" / "archive").glob("*.jsonl"))
                for line in read_lines(p)]
    ids = set(read_lines(data / "outbox" / "ids.log"))
    return {"posts": posts, "findings": findings, "hot": hot, "archived": archived, "ids": ids}


def _check_after_kill(data: Path, before: dict | None) -> dict:
    now = _state(data)
    finding_ids = [f["id"] for f in now["findings"]]
    assert len(finding_ids) == len(set(finding_ids)), "a finding was stored twice"
    for f in now["findings"]:  # write order: the alert is on disk before the finding
        assert f"finding:{f['id']}" in now["ids"], f"finding {f['id']} has no alert in the outbox"
    record_ids = [r["alert"]["id"] for r in now["hot"]] + [r["alert"]["id"] for r in now["archived"]]
    assert set(record_ids) <= now["ids"] | {r["alert"]["id"] for r in now["hot"]}
    if before is not None:
        for shard, ids in before["posts"].items():
            assert ids <= now["posts"].get(shard, set()), f"stored posts of {shard} were lost"
        assert {f["id"] for f in before["findings"]} <= set(finding_ids), "a finding was lost"
        assert before["ids"] <= now["ids"], "an enqueued alert was forgotten"
        lost = {r["alert"]["id"] for r in before["hot"] + before["archived"]} - set(record_ids)
        assert not lost, f"outbox records lost: {lost}"
    return now


def _received(smtp: SmtpSink, gateway: Gateway) -> dict[str, Counter]:
    return {
        "email": Counter(u for text in smtp.texts() for u in set(POST_URL.findall(text))),
        "gateway": Counter(u for body in gateway.ok_bodies("/wa")
                           for u in set(POST_URL.findall(body.decode("utf-8", "replace")))),
    }


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MIN_INTERVAL", "1s")  # a 2 s interval (below the 1 min floor of check)
    seed = int(os.environ.get("PANTAU_CRASH_SEED", "20241127"))
    rng = random.Random(seed)
    site = DemoSite(latency=0.03).start()
    site._server.handle_error = lambda *args: None  # a killed client breaks its pipe: expected here
    smtp = SmtpSink().start()
    gateway = Gateway().start()
    notify = NotifySocket()
    names = [f"akun{i:02d}" for i in range(ACCOUNTS)]
    next_id = {n: 1 for n in names}
    campaign: set[str] = set()  # post URLs that must raise a finding
    neutral: set[str] = set()

    def add_post(name: str, is_campaign: bool) -> None:
        pid = next_id[name]
        next_id[name] += 1
        texts = CAMPAIGN_TEXTS if is_campaign else NEUTRAL_TEXTS
        site.add_post(name, pid, f"{rng.choice(texts)} (kabar {name} ke-{pid})", utc(rng.randint(5, 600)))
        (campaign if is_campaign else neutral).add(f"{site.base_url}/{name}/{pid}")

    procs = []
    try:
        for name in names:
            site.add_account(name, f"Kanal {name}")
            for _ in range(3):
                add_post(name, False)
            add_post(name, rng.random() < 0.3)
        # min_interval 0s: apprise waits 5.5 s between two emails by default (a local sink needs no throttle)
        channels = "".join(f'\n[[alerts.channels]]\nname = "{name}"\nurl = "{url}"\nmin_severity = "medium"\n'
                           f'min_interval = "0s"\n' for name, url in (
                               ("surel", smtp.url("staf@example.org")),
                               ("gateway", f"json://127.0.0.1:{gateway.port}/wa")))
        cfg = write_config(tmp_path, extra=channels, concurrency=4, interval="2s", jitter="1s", delivery_interval="1s")
        people = [(f"ASN {i} (fiktif)", [("telegram" if i % 3 else "rss", name)]) for i, name in enumerate(names)]
        write_watchlist(tmp_path / "watchlists" / "uji.toml", people, site.base_url)
        data = tmp_path / "data"
        log = tmp_path / "stderr.log"

        before = None
        busy_kills = startup_kills = 0
        t_start = time.monotonic()
        for kill in range(KILLS):
            for _ in range(rng.randint(0, 3)):  # the platform moves on between restarts
                add_post(rng.choice(names), rng.random() < 0.4)
            mark = len(notify.messages)
            requests_before = site.requests
            proc = start_daemon(cfg, log, notify=notify, watchdog_usec=2_000_000)
            procs.append(proc)
            if rng.random() < 0.1:  # now and then during start-up
                time.sleep(rng.uniform(0.2, 1.2))
                startup_kills += 1
            else:
                assert notify.wait_for("READY=1", 30, after=mark), log.read_text()[-3000:]
                time.sleep(rng.uniform(0.05, 1.5))
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(10) == -signal.SIGKILL
            busy_kills += site.requests > requests_before
            before = _check_after_kill(data, before) if data.exists() else None
        kill_time = time.monotonic() - t_start

        # the final clean run must complete everything
        mark = len(notify.messages)
        proc = start_daemon(cfg, log, notify=notify, watchdog_usec=2_000_000)
        procs.append(proc)
        assert notify.wait_for("READY=1", 30, after=mark), log.read_text()[-3000:]

        def complete() -> bool:
            if not data.exists():
                return False
            state = _state(data)
            stored = sum(len(v) for v in state["posts"].values())
            got = _received(smtp, gateway)
            pending = sum(1 for r in state["hot"] for d in r["deliveries"].values() if d["state"] != "sent")
            return (stored == len(campaign) + len(neutral) and len(state["findings"]) >= len(campaign)
                    and all(campaign <= set(c) for c in got.values()) and pending == 0)

        done = wait_until(complete, 90, interval=0.5)
        assert stop(proc) == 0
        final = _check_after_kill(data, before)
        if not done:
            got = _received(smtp, gateway)
            stored = sum(len(v) for v in final["posts"].values())
            pending = [(r["alert"]["id"], n, d["state"], d.get("last_error")) for r in final["hot"]
                       for n, d in r["deliveries"].items() if d["state"] != "sent"]
            pytest.fail(f"the clean run did not complete: stored {stored}/{len(campaign) + len(neutral)}, "
                        f"findings {len(final['findings'])}/{len(campaign)}, missing at channels "
                        f"{ {k: len(campaign - set(c)) for k, c in got.items()} }, not sent: {pending[:5]}")

        # every post the site shows is stored
        stored_urls = set()
        for shard in (data / "posts").glob("*.json"):
            raw = json.loads(shard.read_text(encoding="utf-8"))
            stored_urls |= {d["url"] for d in raw.get("posts", {}).values()}
        assert stored_urls == campaign | neutral

        # each campaign post has exactly one finding, neutral ones none
        per_post = Counter(f["post_url"] for f in final["findings"])
        assert set(per_post) == campaign, (set(per_post) ^ campaign)
        assert max(per_post.values()) == 1

        # every finding's alert reached both channels; duplicates only where a send was interrupted
        got = _received(smtp, gateway)
        records = {r["alert"]["id"]: r for r in final["archived"] + final["hot"]}
        from scraper.config import load_config

        channels = {c.name: ("email" if c.url.startswith("mailto") else "gateway")
                    for c in load_config(cfg).alerts.all_channels()}
        duplicates = {"email": 0, "gateway": 0}
        excess = []
        for f in final["findings"]:
            record = records[f"finding:{f['id']}"]
            for name, delivery in record["deliveries"].items():
                kind = channels[name]
                count = got[kind][f["post_url"]]
                assert count >= 1, f"alert of {f['post_url']} never reached {kind}"
                duplicates[kind] += count - 1
                if count - 1 > delivery.get("interrupted", 0):
                    excess.append((f["post_url"], kind, count, delivery.get("interrupted", 0)))
        interrupted = sum(d.get("interrupted", 0) for r in records.values() for d in r["deliveries"].values())
        print(f"\nSIGKILL test (seed {seed}): {KILLS} kills in {kill_time:.0f} s "
              f"({busy_kills} while fetching, {startup_kills} during start-up); "
              f"{len(campaign) + len(neutral)} posts, {len(campaign)} findings; "
              f"duplicate alerts: email {duplicates['email']}, gateway {duplicates['gateway']}; "
              f"sends the outbox marked interrupted: {interrupted}")
        assert not excess, f"duplicates without an interrupted send: {excess}"
        assert KILLS >= 50
        assert busy_kills >= KILLS // 2, "most kills should land while the daemon is working"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        notify.close()
        site.stop()
        smtp.stop()
        gateway.stop()
