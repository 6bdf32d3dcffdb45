"""deploy/pantau-worker.service: what `pantau worker` relies on, and the offline security score."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "pantau-worker.service"


def _directives() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_worker_unit_runs_the_worker_hardened_like_the_daemon():
    d = _directives()
    assert d["ExecStart"] == ["/opt/pantau/.venv/bin/pantau --config /etc/pantau/config.toml worker"]
    assert d["Restart"] == ["always"] and d["User"] == ["pantau"] and d["StateDirectory"] == ["pantau"]
    # the Redis password comes as a systemd credential, never from the unit or the config file
    assert d["LoadCredential"] == ["PANTAU_REDIS_PASSWORD:/etc/pantau/credentials/PANTAU_REDIS_PASSWORD"]
    assert d["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert d["ProtectSystem"] == ["strict"] and d["NoNewPrivileges"] == ["yes"] and "MemoryMax" in d
    assert any(v.startswith("HOME=/var/lib/pantau") for v in d["Environment"])
    # running fetches get 20 s after SIGTERM (scraper.cluster.worker.STOP_GRACE): systemd waits longer
    from scraper.cluster.worker import STOP_GRACE

    assert int(re.match(r"(\d+)s", d["TimeoutStopSec"][0]).group(1)) > STOP_GRACE + 10


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_worker_unit_security_score_is_at_most_2():
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0, out.stdout
