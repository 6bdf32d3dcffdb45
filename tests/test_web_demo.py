"""``pantau demo --web``: the demo's three cycles, then the console on its data with a printed one-time login."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from web_harness import REPO_ROOT, free_port, login

pytestmark = pytest.mark.browser


def test_demo_web_serves_the_demo_findings_with_a_one_time_login(tmp_path, chromium):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "scraper.cli", "demo", "--dir", str(tmp_path / "demo"), "--web",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path, env=env)
    out: list[str] = []
    try:
        deadline = time.monotonic() + 240
        password = None
        while password is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out.append(line)
            m = re.search(r"kata sandi\s*:\s*(\S+)", line)
            password = m.group(1) if m else None
        assert password, "".join(out)
        assert any("pantau demo --web" in line for line in out)  # the demo says how to open the console
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            assert login(c, "demo", password).status_code == 303
            page = c.get("/temuan")
            assert page.status_code == 200 and page.text.count('href="/temuan/') == 3
            assert "DIHAPUS" in page.text  # the demo deletes one post after it was captured
            assert login(httpx.Client(base_url=f"http://127.0.0.1:{port}"), "demo", "demo").status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
