"""Measured outage run of the alert outbox (real servers on loopback).

N alerts are enqueued while the SMTP server is down (the port has nothing
listening); the daemon-like loop calls deliver_due() every TICK seconds; after
DOWN seconds the SMTP server (aiosmtpd) starts on the same port; the run ends
when nothing is pending or after a time limit. Prints, per channel, how many
distinct alerts arrived, duplicates, and the median/max latency from enqueue
to arrival. Uses real time (retry_initial=2s, retry_max=8s to keep it short).

    python bench/outbox_outage.py --alerts 50 --down 20
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.outbox import Outbox  # noqa: E402
from alerts.settings import AlertsSettings  # noqa: E402
from tests.alerts_servers import Gateway, SmtpSink  # noqa: E402
from tests.outbox_child import make_alert  # noqa: E402
from tests.test_outbox import marks  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=50)
    ap.add_argument("--down", type=float, default=20.0, help="seconds the SMTP server is down")
    ap.add_argument("--tick", type=float, default=1.0, help="seconds between deliver_due() calls")
    ap.add_argument("--spread", type=float, default=10.0, help="enqueue the alerts over this many seconds")
    ap.add_argument("--limit", type=float, default=120.0)
    args = ap.parse_args()

    smtp, gw = SmtpSink(), Gateway().start()
    arrived_at: dict[tuple[str, int], float] = {}
    settings = AlertsSettings(quiet_hours="", retry_initial="2s", retry_max="8s", dead_after="1h",
                              send_timeout="5s", channels=[
        {"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"},
        {"name": "wa-gateway", "url": f"json://127.0.0.1:{gw.port}/wa", "min_severity": "low"},
    ])
    with tempfile.TemporaryDirectory() as tmp:
        box = Outbox(Path(tmp), settings)
        start = time.monotonic()
        enqueued_at: dict[int, float] = {}
        up_at = None
        ticks = 0
        while time.monotonic() - start < args.limit:
            t = time.monotonic() - start
            due_n = min(args.alerts, int(args.alerts * t / args.spread) + 1)
            for n in range(len(enqueued_at), due_n):
                box.enqueue(make_alert(n))
                enqueued_at[n] = time.monotonic()
            if up_at is None and t >= args.down:
                smtp.start()
                up_at = time.monotonic()
            box.deliver_due()
            ticks += 1
            now = time.monotonic()
            for ch, nums in (("email", marks(smtp.texts())), ("wa-gateway", marks(gw.ok_bodies("/wa")))):
                for n in nums:
                    arrived_at.setdefault((ch, n), now)
            if len(enqueued_at) == args.alerts and up_at and not box.pending():
                break
            time.sleep(args.tick)
        elapsed = time.monotonic() - start
        counts = {"email": Counter(marks(smtp.texts())), "wa-gateway": Counter(marks(gw.ok_bodies("/wa")))}
        smtp.stop()
        gw.stop()
        print(f"outbox outage run: {args.alerts} alerts enqueued over {args.spread:.0f}s, "
              f"SMTP down for the first {args.down:.0f}s, deliver_due every {args.tick:.1f}s "
              f"({ticks} calls), finished after {elapsed:.1f}s; pending at end: {len(box.pending())}")
        for ch, c in counts.items():
            lat = [arrived_at[(ch, n)] - enqueued_at[n] for n in c if (ch, n) in arrived_at]
            dupes = sum(v - 1 for v in c.values() if v > 1)
            missing = args.alerts - len(c)
            print(f"  {ch:11s} arrived {len(c)}/{args.alerts}, duplicates {dupes}, missing {missing}, "
                  f"latency median {statistics.median(lat):.1f}s max {max(lat):.1f}s")
        after_up = [arrived_at[("email", n)] - up_at for n in counts["email"] if ("email", n) in arrived_at]
        if after_up:
            print(f"  email backlog drained {max(after_up):.1f}s after the server came back")


if __name__ == "__main__":
    main()
