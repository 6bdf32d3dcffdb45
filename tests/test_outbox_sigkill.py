"""SIGKILL between enqueue and send loses nothing; a recorded success is never resent.

A child process enqueues alerts and delivers them to a real SMTP server and a
real HTTP gateway on loopback; it is SIGKILLed at random points (during
start-up, during enqueue, between enqueue and send, mid-send). A fresh Outbox
then delivers the rest. Duplicates are allowed only for deliveries whose claim
was found abandoned (the send/record window) and are counted and printed.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from alerts.outbox import Outbox
from alerts.settings import AlertsSettings
from tests.alerts_servers import Gateway, SmtpSink
from tests.test_outbox import marks

CHILD = Path(__file__).with_name("outbox_child.py")
ROUNDS = 24
PER_CHILD = 4


def _recorded_sent(box: Outbox) -> set[tuple[str, str]]:
    pairs = set()
    for rec in box.archived():
        pairs |= {(rec["alert"]["id"], ch) for ch, d in rec["deliveries"].items() if d["state"] == "sent"}
    for path in (box.directory / "hot").glob("*.json"):
        rec = json.loads(path.read_text())
        pairs |= {(rec["alert"]["id"], ch) for ch, d in rec["deliveries"].items() if d["state"] == "sent"}
    return pairs


@pytest.mark.slow
def test_sigkill_between_enqueue_and_send_loses_nothing(tmp_path):
    rng = random.Random(int(os.environ.get("PANTAU_SIGKILL_SEED", "5")))
    smtp = SmtpSink().start()
    gw = Gateway().start()
    gw.delay = 0.01  # a little time inside the send, so some kills land there
    settings = {"quiet_hours": "", "channels": [
        {"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"},
        {"name": "gw", "url": f"json://127.0.0.1:{gw.port}/wa", "min_severity": "low"},
    ]}
    arrivals_when_recorded: dict[tuple[str, str], int] = {}
    try:
        for i in range(ROUNDS):
            cfg = {"dir": str(tmp_path), "settings": settings, "start": i * PER_CHILD,
                   "count": PER_CHILD, "rounds": 2}
            child = subprocess.Popen([sys.executable, str(CHILD), json.dumps(cfg)],
                                     stdout=subprocess.PIPE, text=True)
            if i % 3:  # wait for "ENQUEUED", then kill inside the enqueue -> send window
                assert child.stdout.readline().strip() == "ENQUEUED"
                time.sleep(rng.uniform(0.0, 0.08))
            else:  # kill anywhere: start-up, enqueue, send
                time.sleep(rng.uniform(0.2, 1.2))
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
            # what is recorded as sent now must never arrive again
            box = Outbox(tmp_path, AlertsSettings(**settings))
            counts = _arrivals(smtp, gw)
            for pair in _recorded_sent(box):
                arrivals_when_recorded.setdefault(pair, counts[pair])
        box = Outbox(tmp_path, AlertsSettings(**settings))
        box.deliver_due(force=True)
        box.deliver_due(force=True)
        counts = _arrivals(smtp, gw)
        enqueued = [n for n in range(ROUNDS * PER_CHILD) if box.known(f"finding:k{n}")]
        assert len(enqueued) >= ROUNDS  # most children got their alerts on disk
        assert box.pending() == []
        for n in enqueued:
            for ch in ("email", "gw"):
                assert counts[(f"finding:k{n}", ch)] >= 1, f"lost k{n} on {ch}"
        for pair, seen in arrivals_when_recorded.items():
            assert counts[pair] == seen, f"{pair} re-sent after its success was recorded"
        interrupted = {(rec["alert"]["id"], ch): d.get("interrupted", 0)
                       for rec in box.archived() for ch, d in rec["deliveries"].items()}
        dupes = {pair: c - 1 for pair, c in counts.items() if c > 1}
        for pair in dupes:
            assert interrupted.get(pair, 0) >= 1, f"{pair} duplicated without an interrupted send"
        print(f"\nSIGKILL rounds={ROUNDS} enqueued={len(enqueued)} "
              f"interrupted_sends={sum(interrupted.values())} duplicates={sum(dupes.values())} "
              f"(email {sum(v for (a, c), v in dupes.items() if c == 'email')}, "
              f"gw {sum(v for (a, c), v in dupes.items() if c == 'gw')})")
    finally:
        smtp.stop()
        gw.stop()


def _arrivals(smtp: SmtpSink, gw: Gateway) -> Counter:
    # A killed child may have handed a whole message to a server that has not
    # processed it yet (the at-least-once window): let the servers settle first.
    stable, last = 0, None
    while stable < 3:
        now = (len(smtp.messages), len(gw.requests))
        stable = stable + 1 if now == last else 0
        last = now
        time.sleep(0.1)
    counts: Counter = Counter()
    for n in marks(smtp.texts()):
        counts[(f"finding:k{n}", "email")] += 1
    for n in marks(gw.ok_bodies("/wa")):
        counts[(f"finding:k{n}", "gw")] += 1
    return counts
