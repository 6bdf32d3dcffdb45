"""deploy/pantau-web.service: what the console relies on, loopback only, and the offline security score."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "pantau-web.service"
DAEMON = REPO / "deploy" / "pantau.service"


def _directives(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_web_unit_runs_the_console_on_loopback_as_the_daemon_user():
    d = _directives(UNIT)
    assert "--config /etc/pantau/config.toml web --host 127.0.0.1" in d["ExecStart"][0]
    assert d["User"] == ["pantau"] and d["StateDirectory"] == ["pantau"] and d["Restart"] == ["on-failure"]
    assert d["IPAddressAllow"] == ["localhost"] and d["IPAddressDeny"] == ["any"]
    assert d["ReadWritePaths"] == ["/etc/pantau/watchlists/people"]
    assert "MemoryDenyWriteExecute" not in d  # Chromium prints the PDF reports


def test_web_unit_is_hardened_like_the_daemon():
    web, daemon = _directives(UNIT), _directives(DAEMON)
    for key in ("NoNewPrivileges", "CapabilityBoundingSet", "ProtectSystem", "ProtectHome", "PrivateTmp",
                "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                "ProtectProc", "RestrictAddressFamilies", "RestrictNamespaces", "SystemCallFilter", "UMask",
                "LockPersonality", "RestrictSUIDSGID", "SystemCallArchitectures"):
        assert web.get(key) == daemon.get(key), key


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_web_unit_security_score_is_at_most_2():
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0, out.stdout


def test_installer_installs_the_web_unit_without_starting_it():
    out = subprocess.run(["bash", str(REPO / "deploy" / "install.sh"), "--dry-run"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "/etc/systemd/system/pantau-web.service" in out.stdout
    assert "chmod 0770 /etc/pantau/watchlists/people" in out.stdout
    assert "systemctl enable pantau-web" not in out.stdout  # no user exists yet: the operator enables it
