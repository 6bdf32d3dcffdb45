"""Deadlines that remind, and the closer watch while a case is open.

Real parts: the outbox on disk delivering to a real HTTP gateway on
127.0.0.1, real TinyDB stores, the daemon's own scheduler, the demo site.
Time is injected (no sleeps): the reminder is computed at given instants.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from alerts.outbox import Outbox
from alerts.timeutil import deadline, iso
from alerts_servers import Gateway
from daemon_harness import nip_for, write_config, write_watchlist
from scraper.app import load_people
from scraper.cases import enqueue_reminders, is_overdue
from scraper.config import load_config
from scraper.daemon import Daemon
from scraper.status import build_status, format_status
from scraper.store import FindingStore, storage_layout

T0 = datetime(2024, 11, 20, 2, 0, tzinfo=timezone.utc)


def finding(fid: str, nip: str, *, status: str = "new", first_seen: datetime = T0) -> dict:
    return {"id": fid, "account_key": "k", "account_url": "https://t.me/budi", "platform": "telegram",
            "person": {"name": "Budi (fiktif)", "nip": nip, "position": "Staf", "unit": "Dinas Uji (fiktif)"},
            "nip": nip, "post_id": "1", "post_url": "https://t.me/budi/1", "published": iso(first_seen),
            "first_seen": iso(first_seen), "deadline": iso(deadline(first_seen)), "severity": "medium",
            "score": 0.5, "matches": [], "terms": [], "elections": [], "text": "Ayo coblos", "excerpt": "Ayo coblos",
            "status": status, "review": [], "post_deleted_at": None, "evidence": None}


@pytest.fixture
def gateway():
    gw = Gateway().start()
    yield gw
    gw.stop()


def test_reminder_arrives_once_before_the_deadline_also_across_restarts(tmp_path, gateway):
    config = load_config(write_config(tmp_path, alert_urls=[f"json://127.0.0.1:{gateway.port}/review"]))
    layout = storage_layout(config.storage_dir)
    layout["findings"].parent.mkdir(parents=True, exist_ok=True)
    store = FindingStore(layout["findings"])
    store.add_new([finding("a" * 16, nip_for(0)), finding("b" * 16, nip_for(1), status="dismissed")])

    def outbox(now):  # a fresh Outbox is what a restarted daemon builds
        return Outbox(layout["outbox"], config.alerts, clock=lambda: now)

    early = T0 + timedelta(days=5)
    assert enqueue_reminders(outbox(early), store.all(), early) == []
    due = deadline(T0) - timedelta(hours=20)
    box = outbox(due)
    assert enqueue_reminders(box, store.all(), due) == ["a" * 16]  # the dismissed one is decided
    box.deliver_due(due)
    assert enqueue_reminders(box, store.all(), due + timedelta(minutes=1)) == []
    later = due + timedelta(hours=2)
    restarted = outbox(later)
    assert enqueue_reminders(restarted, store.all(), later) == []
    restarted.deliver_due(later)
    bodies = [b.decode() for b in gateway.ok_bodies("/review")]
    assert len(bodies) == 1
    text = json.loads(bodies[0])
    assert "PENGINGAT" in json.dumps(text, ensure_ascii=False) and "aaaaaaaa" in json.dumps(text)

    past = deadline(T0) + timedelta(hours=1)
    assert is_overdue(store.all()[0], past) and not is_overdue(store.all()[1], past)


def test_overdue_finding_shows_in_status(tmp_path):
    config = load_config(write_config(tmp_path))
    layout = storage_layout(config.storage_dir)
    layout["findings"].parent.mkdir(parents=True, exist_ok=True)
    FindingStore(layout["findings"]).add_new([finding("c" * 16, nip_for(0), first_seen=T0)])  # deadline long past
    status = build_status(config, [])
    assert status["findings"]["overdue"] == 1
    assert "LEWAT BATAS PENANGANAN: 1 temuan" in format_status(status)


def _intervals(daemon: Daemon) -> dict[str, float]:
    return {j.id: j.trigger.interval.total_seconds() for j in daemon.scheduler._s.get_jobs()
            if j.id.startswith("account:")}


def test_an_open_case_shortens_the_interval_of_that_persons_accounts(tmp_path):
    path = write_config(tmp_path, interval="1h")
    write_watchlist(tmp_path / "watchlists" / "people.toml",
                    [("Budi (fiktif)", [("telegram", "budi_a"), ("rss", "budi_b")]),
                     ("Siti (fiktif)", [("telegram", "siti_a")])], "http://127.0.0.1:9")
    config = load_config(path)
    people = load_people(config)
    layout = storage_layout(config.storage_dir)
    layout["findings"].parent.mkdir(parents=True, exist_ok=True)
    store = FindingStore(layout["findings"])
    daemon = Daemon(path)
    daemon.config = config
    daemon.runtime = SimpleNamespace(people=people, services=SimpleNamespace(
        findings=store, open_cases=set(), outbox=Outbox(layout["outbox"], config.alerts)))
    budi = {a.key for a in people[0].accounts}

    async def run():
        daemon._refresh_cases()
        daemon._apply_people(people)
        before = _intervals(daemon)
        assert set(before.values()) == {3600.0}
        store.add_new([finding("d" * 16, people[0].nip, status="confirmed", first_seen=datetime.now(timezone.utc))])
        await daemon.cases()
        during = _intervals(daemon)
        store.update("d" * 16, lambda doc: doc.update(case={"status": "closed"}))
        await daemon.cases()
        return during, _intervals(daemon)

    during, after = asyncio.run(run())
    assert {k.removeprefix("account:"): v for k, v in during.items() if k.removeprefix("account:") in budi} == \
        {k: 900.0 for k in budi}  # [schedule] case_interval default 15 minutes
    assert [v for k, v in during.items() if k.removeprefix("account:") not in budi] == [3600.0]
    assert set(after.values()) == {3600.0}
    assert daemon.runtime.services.open_cases == set()


def test_a_deleted_post_of_a_person_with_an_open_case_is_alerted_at_once(tmp_path, gateway):
    from scraper.app import run_once
    from scraper.demo.site import DemoSite
    from scraper.review import Reviewer

    site = DemoSite().start()
    try:
        site.add_account("budi_a", "Budi (fiktif)")
        site.add_post("budi_a", 1, "Ayo coblos nomor 2! Prabowo-Gibran satu putaran", T0)
        site.add_post("budi_a", 2, "Selamat pagi warga", T0 + timedelta(hours=1))
        site.add_post("budi_a", 3, "Rapat koordinasi hari ini", T0 + timedelta(hours=2))
        path = write_config(tmp_path, alert_urls=[f"json://127.0.0.1:{gateway.port}/review"])
        write_watchlist(tmp_path / "watchlists" / "people.toml", [("Budi (fiktif)", [("telegram", "budi_a")])],
                        site.base_url)
        config = load_config(path)
        asyncio.run(run_once(config))
        [found] = FindingStore(storage_layout(config.storage_dir)["findings"]).all()
        site.delete_post("budi_a", 2)  # no case yet: only marked, no alert
        asyncio.run(run_once(config))
        assert not [b for b in gateway.ok_bodies("/review") if b"selama kasus" in b]
        Reviewer(config.storage_dir).confirm(found["id"], by="Ani")
        site.delete_post("budi_a", 3)
        asyncio.run(run_once(config))
        deleted = [json.loads(b) for b in gateway.ok_bodies("/review") if "selama kasus" in b.decode()]
        assert len(deleted) == 1 and "Budi (fiktif)" in json.dumps(deleted[0], ensure_ascii=False)
        # the alert links the deleted post (it used to show only its id: the stored link was not read)
        shard = next(storage_layout(config.storage_dir)["posts"].glob("*.json"))
        from scraper.store import AccountShard

        link = AccountShard(shard).posts()["3"]["url"]
        from alerts.queue import AlertQueue

        queue = AlertQueue(storage_layout(config.storage_dir)["outbox"], config.alerts)
        [alert] = [r["alert"] for r in queue.archived() if r["alert"]["id"].startswith("case-deleted:")]
        assert link.startswith("http") and alert["context"]["post_url"] == link
    finally:
        site.stop()


def test_digest_lists_overdue_findings():
    from alerts.digest import build_digest
    from alerts.render import Renderer
    from scraper.cases import overdue

    late = finding("e" * 16, nip_for(0))
    now = deadline(T0) + timedelta(days=2)
    alert = build_digest([late], [], {}, now - timedelta(days=1), now, overdue=overdue([late], now))
    assert alert.context["overdue_count"] == 1
    for style in ("long", "short"):
        text = Renderer("").render_alert(alert, style)
        assert "LEWAT BATAS" in text.body, style
    assert "eeeeeeee" in Renderer("").render_alert(alert, "long").body


def test_post_links_name_their_account_and_match_listed_spellings():
    from scraper.models import Account, Person
    from scraper.platforms.post_links import post_link
    from scraper.tips import locate

    assert post_link("https://t.me/Kabar_Desa/123", "telegram").post_id == "123"
    assert post_link("https://x.com/budi_ppu/status/1790000000000000000", "x").account_url == "https://x.com/budi_ppu"
    assert post_link("https://www.tiktok.com/@budi.ppu/video/7300000000000000000", "tiktok").post_id
    assert post_link("https://bsky.app/profile/budi.bsky.social/post/3kabc", "bluesky").account_url.endswith(
        "/profile/budi.bsky.social")
    assert post_link("https://t.me/kanal", "telegram") is None  # an account, not a post
    people = [Person("Budi", nip_for(0), "Staf", "Dinas", (Account("telegram", "https://t.me/s/kabar_desa"),
                                                            Account("x", "https://twitter.com/Budi_PPU"))),
              Person("Siti", nip_for(1), "Staf", "Dinas", (Account("telegram", "https://t.me/siti"),))]
    hits, link = locate("https://t.me/Kabar_Desa/123", people, {})
    assert [h.person.name for h in hits] == ["Budi"] and hits[0].post_id == "123"
    hits, _ = locate("https://x.com/budi_ppu/status/99", people, {})
    assert [h.account.platform for h in hits] == ["x"]
    hits, link = locate("https://t.me/orang_lain/5", people, {})
    assert hits == [] and link.account_url == "https://t.me/orang_lain"
