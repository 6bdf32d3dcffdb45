"""The durable outbox against a real SMTP server (aiosmtpd) and a real HTTP
gateway on loopback: outages, exactly-once per channel, independence of
channels, backoff, dead letters, quiet hours, masking, archive."""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest

from alerts.outbox import Alert, Outbox, format_pending
from alerts.secrets import register_secret
from alerts.settings import AlertsSettings
from tests.alerts_servers import Gateway, SmtpSink, free_port

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # 10.00 WITA, outside quiet hours


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **kw):
        self.now += timedelta(**kw)


def finding(n: int, severity: str = "high", unit: str = "Dinas Pendidikan", attachments=()) -> Alert:
    return Alert(
        id=f"finding:f{n}", kind="finding", severity=severity, unit=unit,
        context={"finding_id": f"f{n}", "person": {"name": f"Pegawai {n}", "nip": "1985",
                 "position": "Staf", "unit": unit}, "platform": "facebook",
                 "post_url": f"https://facebook.com/p/{n}", "first_seen": "2026-11-24T02:00:00+00:00",
                 "deadline": "2026-12-01T02:00:00+00:00", "severity": severity,
                 "terms": ["coblos"], "excerpt": f"MARK-{n}-END ayo coblos", "first_scan": False},
        attachments=list(attachments), created="2026-11-24T02:00:00+00:00")


def marks(texts) -> list[int]:
    out = []
    for text in texts:
        text = text.decode() if isinstance(text, bytes) else text
        start = text.find("MARK-")
        if start >= 0:
            out.append(int(text[start + 5:text.index("-END", start)]))
    return out


def settings(channels, **kw) -> AlertsSettings:
    return AlertsSettings(channels=channels, quiet_hours=kw.pop("quiet_hours", ""), **kw)


@pytest.fixture
def gateway():
    gw = Gateway().start()
    yield gw
    gw.stop()


def test_enqueue_is_durable_and_idempotent_across_instances(tmp_path, gateway):
    s = settings([{"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/a", "min_severity": "low"}])
    box = Outbox(tmp_path, s, clock=Clock())
    assert box.enqueue(finding(1)) is True
    assert box.enqueue(finding(1)) is False
    # on disk before any send: a fresh instance sees it
    other = Outbox(tmp_path, s, clock=Clock())
    assert [r["alert_id"] for r in other.pending()] == ["finding:f1"]
    assert other.deliver_due().sent == 1
    assert list((tmp_path / "hot").glob("*.json")) == []  # moved out of the hot set
    assert len(box.archived()) == 1
    # delivered alerts are never re-queued, even by another instance
    assert Outbox(tmp_path, s, clock=Clock()).enqueue(finding(1)) is False
    assert box.deliver_due().sent == 0
    assert marks(gateway.ok_bodies("/a")) == [1]
    assert box.counts() == {"pending": 0, "dead": 0, "sent": 1}


def test_smtp_down_then_up_each_alert_exactly_once_per_channel(tmp_path, gateway):
    smtp = SmtpSink()  # port chosen, nothing listening yet: "server down"
    clock = Clock()
    s = settings([
        {"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"},
        {"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/wa", "min_severity": "low"},
    ], retry_initial="1m", retry_max="10m")
    box = Outbox(tmp_path, s, clock=clock)
    for n in range(6):
        assert box.enqueue(finding(n))
    for _ in range(4):  # several retry rounds while the mail server is down
        box.deliver_due()
        clock.advance(minutes=3)
    assert sorted(marks(gateway.ok_bodies("/wa"))) == list(range(6))  # gateway not held back
    rows = box.pending()
    assert {r["channel"] for r in rows} == {"email"} and len(rows) == 6
    # a down channel is probed with its oldest due delivery once per run; the rest wait
    assert {r["state"] for r in rows} <= {"pending", "retrying"}
    assert sum(r["attempts"] for r in rows) == 4
    assert all(r["last_error"].startswith("FAILURE") for r in rows if r["attempts"])
    smtp.start()
    try:
        for _ in range(3):
            clock.advance(minutes=15)
            box.deliver_due()
        assert sorted(marks(smtp.texts())) == list(range(6))  # exactly once each
        assert sorted(marks(gateway.ok_bodies("/wa"))) == list(range(6))
        assert box.pending() == []
        assert box.counts() == {"pending": 0, "dead": 0, "sent": 12}
    finally:
        smtp.stop()


def test_recovery_flushes_backlog_in_one_run(tmp_path):
    smtp = SmtpSink()
    clock = Clock()
    s = settings([{"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"}],
                 retry_initial="1m", retry_max="1h")
    box = Outbox(tmp_path, s, clock=clock)
    for n in range(3):
        box.enqueue(finding(n))
        box.deliver_due()  # each fails once; the channel trips after its first failure
        clock.advance(seconds=10)
    waits = sorted(r["next_try"] for r in box.pending())
    assert waits[-1] > clock.now.isoformat()  # some are backing off
    smtp.start()
    try:
        clock.advance(minutes=1)
        report = box.deliver_due()
        assert report.sent == 3  # a success wakes the waiting retries of that channel
        assert sorted(marks(smtp.texts())) == [0, 1, 2]
    finally:
        smtp.stop()


def test_failing_gateway_does_not_delay_another(tmp_path, gateway):
    gateway.fail.add("/slow")
    slow = Gateway().start()
    slow.fail.add("/slow")
    slow.delay = 1.5
    try:
        s = settings([
            # named to sort first: a serial sender would try it before "fast"
            {"name": "a-slow", "url": f"json://127.0.0.1:{slow.port}/slow", "min_severity": "low"},
            {"name": "fast", "url": f"form://127.0.0.1:{gateway.port}/fast", "min_severity": "low"},
        ])
        box = Outbox(tmp_path, s, clock=Clock())
        for n in range(5):
            box.enqueue(finding(n))
        report = box.deliver_due()
        fast_bodies = gateway.ok_bodies("/fast")
        assert sorted(marks(fast_bodies)) == list(range(5))
        assert report.sent == 5 and report.failed == 1  # the slow channel tripped once
        assert len(slow.requests) == 1
        # every fast delivery arrived while the slow gateway was still holding its request
        assert max(r["received"] for r in gateway.requests) < slow.requests[0]["answered"]
        assert {r["channel"] for r in box.pending()} == {"a-slow"}
    finally:
        slow.stop()


def test_backoff_dead_letter_and_single_notice(tmp_path, gateway):
    clock = Clock()
    s = settings([
        {"name": "email", "url": f"mailto://127.0.0.1:{free_port()}?from=pantau@example.org&to=staf@example.org",
         "min_severity": "low", "min_interval": "0s"},
        {"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/n", "min_severity": "low"},
    ], retry_initial="1m", retry_max="8m", dead_after="1h")
    box = Outbox(tmp_path, s, clock=clock)
    box.enqueue(finding(1))
    waits, states = [], []
    for _ in range(40):
        tried_at = clock.now
        box.deliver_due()
        row = [r for r in box.pending() if r["channel"] == "email"][0]
        states.append(row["state"])
        if row["state"] == "dead":
            break
        next_try = datetime.fromisoformat(row["next_try"])
        waits.append((next_try - tried_at).total_seconds())
        clock.now = next_try
    assert waits[:6] == [60, 120, 240, 480, 480, 480]  # 1m doubling, capped at retry_max
    assert row["attempts"] == len(states)
    assert states[-1] == "dead" and states.count("dead") == 1
    notices = [json.loads(b) for b in gateway.ok_bodies("/n") if b"gagal terkirim" in b]
    assert len(notices) == 1 and "email" in notices[0]["message"]
    box.deliver_due()
    box.deliver_due()
    assert len([b for b in gateway.ok_bodies("/n") if b"gagal terkirim" in b]) == 1
    assert [r["state"] for r in box.pending()] == ["dead"]
    assert box.counts()["dead"] == 1
    text = format_pending(box.pending())
    assert "gagal permanen" in text and "finding:f1" in text
    assert box.requeue_dead() == 1 and box.pending()[0]["state"] == "retrying"


def test_secret_never_in_errors_pending_or_logs(tmp_path, caplog):
    secret = "s3cr3tGatewayPass"
    register_secret(secret)
    port = free_port()  # nothing listens: the channel fails
    s = settings([{"name": "gw", "url": f"json://pantau:{secret}@127.0.0.1:{port}/x?token={secret}",
                   "min_severity": "low"}])
    caplog.set_level(logging.DEBUG)
    box = Outbox(tmp_path, s, clock=Clock())
    box.enqueue(finding(1))
    report = box.deliver_due()
    assert report.failed == 1 and report.results[0]["error"]
    rows = box.pending()
    assert rows[0]["last_error"]
    dumped = json.dumps([report.results, rows, box.send_test()]) + format_pending(rows)
    assert secret not in dumped
    assert all(secret not in r.getMessage() for r in caplog.records if r.name.startswith("alerts"))
    stored = "".join(p.read_text() for p in (tmp_path / "hot").glob("*.json"))
    assert secret not in stored


def test_routing_at_enqueue_and_low_findings_only_in_archive(tmp_path, gateway):
    s = settings([
        {"name": "koordinator", "url": f"json://127.0.0.1:{gateway.port}/k", "min_severity": "high"},
        {"name": "dinas", "url": f"json://127.0.0.1:{gateway.port}/d", "min_severity": "medium",
         "units": ["Dinas Kesehatan"]},
    ])
    box = Outbox(tmp_path, s, clock=Clock())
    box.enqueue(finding(1, "high", "Dinas Kesehatan"))
    box.enqueue(finding(2, "medium", "Dinas Kesehatan"))
    box.enqueue(finding(3, "medium", "Dinas Pendidikan"))
    assert box.enqueue(finding(4, "low", "Dinas Kesehatan")) is True
    assert box.enqueue(finding(4, "low", "Dinas Kesehatan")) is False  # remembered
    box.deliver_due()
    assert marks(gateway.ok_bodies("/k")) == [1]
    assert sorted(marks(gateway.ok_bodies("/d"))) == [1, 2]


def test_quiet_hours_hold_whatsapp_like_channels_except_high(tmp_path, gateway):
    night = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # 23.00 WITA
    clock = Clock(night)
    s = AlertsSettings(quiet_hours="22:00-06:00", channels=[
        {"name": "wa", "url": f"json://127.0.0.1:{gateway.port}/wa", "min_severity": "low",
         "quiet": True},
        {"name": "email", "url": f"form://127.0.0.1:{gateway.port}/mail", "min_severity": "low"},
    ])
    box = Outbox(tmp_path, s, clock=clock)
    box.enqueue(finding(1, "high"))
    box.enqueue(finding(2, "medium"))
    box.deliver_due()
    assert marks(gateway.ok_bodies("/wa")) == [1]
    assert sorted(marks(gateway.ok_bodies("/mail"))) == [1, 2]
    held = box.pending()
    assert len(held) == 1 and held[0]["attempts"] == 0
    assert held[0]["next_try"] == "2026-11-24T22:00:00+00:00"  # 06.00 WITA
    clock.now = datetime(2026, 11, 24, 22, 0, 1, tzinfo=timezone.utc)
    box.deliver_due()
    assert sorted(marks(gateway.ok_bodies("/wa"))) == [1, 2]


def test_two_instances_in_two_threads_send_each_alert_once(tmp_path, gateway):
    gateway.delay = 0.02
    s = settings([{"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/t", "min_severity": "low"},
                  {"name": "gw2", "url": f"form://127.0.0.1:{gateway.port}/u", "min_severity": "low"}])
    a, b = Outbox(tmp_path, s), Outbox(tmp_path, s)
    for n in range(20):
        (a if n % 2 else b).enqueue(finding(n))
    threads = [threading.Thread(target=box.deliver_due) for box in (a, b, a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a.deliver_due()
    assert sorted(marks(gateway.ok_bodies("/t"))) == list(range(20))
    assert sorted(marks(gateway.ok_bodies("/u"))) == list(range(20))


def test_attachments_reach_email_and_json(tmp_path, gateway):
    shot = tmp_path / "bukti.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    smtp = SmtpSink().start()
    try:
        s = settings([{"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"},
                      {"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/j", "min_severity": "low"}])
        box = Outbox(tmp_path / "ob", s)
        alert = finding(7, attachments=[str(shot)])
        alert.context["evidence"] = {"screenshot": str(shot), "sha256": "ab" * 32}
        box.enqueue(alert)
        assert box.deliver_due().sent == 2
        msg = smtp.messages[0]
        files = [p.get_filename() for p in msg.iter_attachments()]
        assert files == ["bukti.png"]
        assert "Tangkapan layar saat terdeteksi" in smtp.texts()[0]  # shown inline (cid)
        body = gateway.ok_json("/j")[0]
        assert body["attachments"][0]["filename"] == "bukti.png"
    finally:
        smtp.stop()


def test_send_test_reports_each_channel(tmp_path, gateway):
    gateway.fail.add("/bad")
    s = settings([{"name": "ok", "url": f"json://127.0.0.1:{gateway.port}/good"},
                  {"name": "bad", "url": f"json://127.0.0.1:{gateway.port}/bad"},
                  {"name": "down", "url": f"json://127.0.0.1:{free_port()}/x"}])
    box = Outbox(tmp_path, s)
    results = {r["channel"]: r for r in box.send_test()}
    assert results["ok"]["ok"] is True and results["ok"]["error"] == ""
    assert results["bad"]["ok"] is False and "FAILURE" in results["bad"]["error"]
    assert results["down"]["ok"] is False
    assert "pesan uji" in gateway.ok_json("/good")[0]["title"].lower()
    assert box.pending() == []  # not queued


def test_simple_form_urls_still_work(tmp_path, gateway):
    s = AlertsSettings(urls=[f"json://127.0.0.1:{gateway.port}/simple"], min_severity="medium",
                       quiet_hours="")
    box = Outbox(tmp_path, s)
    box.enqueue(finding(1, "medium"))
    box.enqueue(finding(2, "low"))
    box.deliver_due()
    assert marks(gateway.ok_bodies("/simple")) == [1]


def test_finished_record_left_by_a_crash_is_archived_once_and_never_resent(tmp_path):
    """A crash after the final state is written but before the record leaves the hot set."""
    import json as _json

    from alerts.outbox import Alert, Outbox
    from alerts.settings import AlertsSettings

    settings = AlertsSettings(urls=["json://127.0.0.1:9/x"])  # nothing listens: a send would fail
    box = Outbox(tmp_path, settings)
    alert = Alert(id="finding:selesai", kind="finding", severity="high", unit="", context={},
                  created="2026-11-24T00:00:00+00:00")
    assert box.enqueue(alert)
    path = box._path(alert.id)
    record = _json.loads(path.read_text())
    for d in record["deliveries"].values():
        d["state"] = "sent"
    record["done"] = "2026-11-24T00:00:01+00:00"
    for crash_after_archive in (False, True):
        path.write_text(_json.dumps(record))
        fresh = Outbox(tmp_path, settings)
        assert fresh.pending() == [] and fresh.requeue_dead() == 0
        assert fresh.deliver_due(force=True).sent == 0  # nothing is sent again
        assert not path.exists()
    lines = [l for f in (tmp_path / "archive").glob("*.jsonl") for l in f.read_text().splitlines()]
    assert len(lines) == 1  # archived exactly once
    assert Outbox(tmp_path, settings).counts()["sent"] == 1


def test_reconfigure_keeps_the_queue_and_switches_channels(tmp_path, gateway):
    """A reload with new alert settings keeps the queue (and what a full disk refused) and sends to the new URL."""
    old = settings([{"name": "gw", "url": f"json://127.0.0.1:{free_port()}/nobody", "min_severity": "low"}])
    clock = Clock()
    box = Outbox(tmp_path, old, clock=clock)
    assert box.enqueue(finding(1))
    assert box.deliver_due().failed == 1  # nobody listens: retrying
    box._unrecorded[("finding:f9", "gw")] = (True, "")  # a result the disk refused earlier
    new = settings([{"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/a", "min_severity": "low"}])
    box.reconfigure(new)
    assert box.settings is new and box._unrecorded == {("finding:f9", "gw"): (True, "")}
    assert box.deliver_due(force=True).sent == 1
    assert marks(gateway.ok_bodies("/a")) == [1]


def test_read_only_views_need_no_channels(tmp_path, gateway):
    from alerts.queue import AlertQueue

    s = settings([{"name": "gw", "url": f"json://127.0.0.1:{free_port()}/nobody", "min_severity": "low"}])
    Outbox(tmp_path, s, clock=Clock()).enqueue(finding(2))
    queue = AlertQueue(tmp_path, s)
    assert [r["alert_id"] for r in queue.pending()] == ["finding:f2"]
    assert queue.counts() == {"pending": 1, "dead": 0, "sent": 0}


def test_kill_between_record_and_id_line_is_completed_and_never_sent_twice(tmp_path, gateway):
    """A kill after the hot record is written but before its id reaches ids.log: the rerun's
    enqueue of the same alert refuses it AND completes ids.log, so once the record is archived
    the alert still counts as enqueued (the finding stored next has its alert on record)."""
    s = settings([{"name": "gw", "url": f"json://127.0.0.1:{gateway.port}/a", "min_severity": "low"}])
    box = Outbox(tmp_path, s, clock=Clock())
    assert box.enqueue(finding(1))
    ids_log = tmp_path / "ids.log"
    ids_log.write_text("")  # the state a kill before the id line leaves behind
    rerun = Outbox(tmp_path, s, clock=Clock())
    assert rerun.enqueue(finding(1)) is False
    assert ids_log.read_text().split() == ["finding:f1"]
    assert rerun.deliver_due().sent == 1
    assert Outbox(tmp_path, s, clock=Clock()).enqueue(finding(1)) is False  # archived: still known
    assert marks(gateway.ok_bodies("/a")) == [1]
