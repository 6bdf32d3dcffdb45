"""The systemd unit and the installer: directives the daemon relies on, the
offline security score, and an installer dry run that changes nothing."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "pantau.service"


def _directives() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_unit_has_what_the_daemon_relies_on():
    d = _directives()
    assert d["Type"] == ["notify"] and d["Restart"] == ["on-failure"]
    assert d["WatchdogSec"] and d["StateDirectory"] == ["pantau"] and d["User"] == ["pantau"]
    assert d["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert "MemoryMax" in d and "MemoryDenyWriteExecute" not in d and "LimitAS" not in d
    assert any(v.startswith("HOME=/var/lib/pantau") for v in d["Environment"])
    assert d["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert "--config /etc/pantau/config.toml run" in d["ExecStart"][0]
    # the daemon stops within 10 s; systemd must not kill it earlier
    assert int(re.match(r"(\d+)s", d["TimeoutStopSec"][0]).group(1)) > 10


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_security_score_is_at_most_2():
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0, out.stdout


def test_install_dry_run_changes_nothing(tmp_path):
    out = subprocess.run(["bash", str(REPO / "deploy" / "install.sh"), "--dry-run"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for step in ("useradd", "python3 -m venv", "ensure-chromium.sh", "/etc/pantau/config.toml",
                 'dir = "/var/lib/pantau/data"', "/etc/systemd/system/pantau.service", "systemctl enable"):
        assert step in text, step
    if not Path("/opt/pantau").exists():
        assert not Path("/etc/pantau").exists()


def test_install_puts_pantau_on_path_and_lets_staff_edit_people():
    out = subprocess.run(["bash", str(REPO / "deploy" / "install.sh"), "--dry-run"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "ln -sfn /opt/pantau/bin/pantau /usr/local/bin/pantau" in text
    assert 'PANTAU_CONFIG="${PANTAU_CONFIG:-/etc/pantau/config.toml}" exec /opt/pantau/.venv/bin/pantau "$@"' in text
    assert "usermod -a -G pantau-staff pantau" in text
    assert "install -d -m 2770 -o root -g pantau-staff /etc/pantau/watchlists/people" in text
    # staff can pass through /etc/pantau to reach people/, but not read config or credentials
    assert "install -d -m 0751 -o root -g pantau /etc/pantau /etc/pantau/watchlists" in text
    assert "install -d -m 0700 -o root -g root /etc/pantau/credentials" in text
