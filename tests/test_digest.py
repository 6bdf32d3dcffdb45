"""The daily digest: window, counts, low findings, health, outbox; delivered to
digest channels only, at the configured WITA time."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from alerts.digest import build_digest, next_digest_at
from alerts.outbox import Outbox
from alerts.render import SAMPLES, Renderer
from alerts.settings import AlertsSettings
from tests.alerts_servers import Gateway

UTC = timezone.utc
SINCE = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 07.00 WITA
NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


def f(n, severity, first_seen, status="new"):
    ctx = copy.deepcopy(SAMPLES[0][2])
    ctx.update(finding_id=f"f{n}", severity=severity, first_seen=first_seen, status=status,
               person={"name": f"Pegawai {n}", "unit": "Dinas"}, post_url=f"https://fb.com/{n}")
    return ctx


FINDINGS = [
    f(1, "low", "2026-11-24T01:00:00+00:00"),
    f(2, "high", "2026-11-24T05:00:00+00:00"),
    f(3, "medium", "2026-11-24T03:00:00+00:00", status="ditinjau"),
    f(4, "high", "2026-11-22T03:00:00+00:00"),  # before the window, still open
    f(5, "high", "2026-11-24T23:00:00+00:00"),  # at `now`: next digest
]
HEALTH = [{"account_url": "https://instagram.com/x", "platform": "instagram",
           "person": {"name": "Pegawai 9"}, "state": "login_wall", "reason": "minta login",
           "since": "2026-11-24T02:00:00+00:00", "failures": 4}]


def test_build_digest_window_counts_and_order():
    alert = build_digest(FINDINGS, HEALTH, {"pending": 2, "dead": 1, "sent": 30}, SINCE, NOW)
    assert alert.id == "digest:2026-11-25" and alert.kind == "digest"
    ctx = alert.context
    assert ctx["counts"] == {"high": 1, "medium": 1, "low": 1, "total": 3}
    assert [x["finding_id"] for x in ctx["findings"]] == ["f2", "f3", "f1"]
    assert [x["finding_id"] for x in ctx["low_findings"]] == ["f1"]
    assert ctx["open_findings"] == 4
    m = Renderer().render_alert(alert, "long")
    assert m.title == "[Pantau] Ringkasan harian 25 November 2026"
    for needle in ("Pegawai 2", "Pegawai 1", "Temuan tingkat rendah", "Pegawai 9", "login_wall",
                   "2 menunggu, 1 gagal permanen, 30 terkirim", "Temuan yang belum ditinjau: 4"):
        assert needle in m.body, needle
    assert "Pegawai 4" not in m.body and "Pegawai 5" not in m.body
    short = Renderer().render_alert(alert, "short")
    assert len(short.title) + len(short.body) < 1024


def test_digest_goes_to_digest_channels_once(tmp_path):
    gw = Gateway().start()
    try:
        s = AlertsSettings(quiet_hours="", channels=[
            {"name": "email", "url": f"json://127.0.0.1:{gw.port}/email", "digest": True},
            {"name": "wa", "url": f"json://127.0.0.1:{gw.port}/wa", "min_severity": "low"},
        ])
        box = Outbox(tmp_path, s)
        alert = build_digest(FINDINGS, HEALTH, box.counts(), SINCE, NOW)
        assert box.enqueue(alert) and not box.enqueue(build_digest([], [], {}, SINCE, NOW))
        box.deliver_due()
        assert len(gw.ok_bodies("/email")) == 1 and gw.ok_bodies("/wa") == []
    finally:
        gw.stop()


def test_next_digest_at_uses_wita():
    s = AlertsSettings(digest_time="07:00")
    assert next_digest_at(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), s) == NOW
