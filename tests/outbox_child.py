"""Child process for tests/test_outbox_sigkill.py and bench/outbox_outage.py.

Usage: python tests/outbox_child.py CONFIG_JSON
CONFIG_JSON: {"dir", "settings", "start", "count", "rounds"}. Enqueues alerts
start..start+count-1, prints "ENQUEUED" (flushed), then calls deliver_due()
``rounds`` times. The parent SIGKILLs it at a random moment.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.outbox import Alert, Outbox  # noqa: E402
from alerts.settings import AlertsSettings  # noqa: E402


def make_alert(n: int) -> Alert:
    return Alert(id=f"finding:k{n}", kind="finding", severity="high", unit="",
                 context={"finding_id": f"k{n}", "person": {"name": f"Pegawai {n}"},
                          "platform": "facebook", "post_url": f"https://facebook.com/p/{n}",
                          "terms": ["coblos"], "excerpt": f"MARK-{n}-END"},
                 created="2026-11-24T02:00:00+00:00")


def main() -> None:
    cfg = json.loads(sys.argv[1])
    box = Outbox(Path(cfg["dir"]), AlertsSettings(**cfg["settings"]))
    for n in range(cfg["start"], cfg["start"] + cfg["count"]):
        box.enqueue(make_alert(n))
    print("ENQUEUED", flush=True)
    for _ in range(cfg.get("rounds", 1)):
        box.deliver_due()
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
