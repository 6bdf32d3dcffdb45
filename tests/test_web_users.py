"""``pantau users ...``: the users file (argon2 hashes, 0600, no default user) and its commands."""
from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from scraper.cli import app


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[storage]\ndir = "data"\n[watchlists]\npaths = ["people/*.toml"]\n', encoding="utf-8")
    return path


def run(config_path, *args, stdin: str | None = None):
    return CliRunner().invoke(app, ["--config", str(config_path), "users", *args], input=stdin)


@pytest.mark.slow  # argon2 hashing in several CLI runs
def test_add_list_passwd_disable_token(config_path):
    users_file = config_path.parent / "data" / "users.json"
    r = run(config_path, "list")
    assert r.exit_code == 0 and "Belum ada pengguna" in r.output  # no default user
    r = run(config_path, "add", "Ani", "--role", "admin", "--password-stdin", stdin="rahasia-ani-2024\n")
    assert r.exit_code == 0, r.output
    assert oct(os.stat(users_file).st_mode & 0o777) == "0o600"
    text = users_file.read_text()
    assert "rahasia-ani-2024" not in text and "$argon2id$" in text
    assert run(config_path, "add", "ani", "--role", "reviewer", "--password-stdin",
               stdin="rahasia-lain-2024\n").exit_code == 1
    r = run(config_path, "add", "budi", "--role", "boss", "--password-stdin", stdin="rahasia-budi-2024\n")
    assert r.exit_code == 1 and "peran 'boss' tidak dikenal" in r.output
    r = run(config_path, "add", "budi", "--role", "reviewer", "--password-stdin", stdin="pendek\n")
    assert r.exit_code == 1 and "minimal 10" in r.output
    assert run(config_path, "add", "../x", "--role", "reviewer", "--password-stdin",
               stdin="rahasia-budi-2024\n").exit_code == 1
    run(config_path, "add", "budi", "--role", "reviewer", "--password-stdin", stdin="rahasia-budi-2024\n")
    listed = json.loads(run(config_path, "list", "--json").output)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("ani", "admin", False),
                                                                        ("budi", "reviewer", False)]

    from scraper.web.users import UserStore

    store = UserStore(users_file)
    assert store.authenticate("budi", "rahasia-budi-2024").name == "budi"
    before = store.get("budi").generation
    assert run(config_path, "passwd", "budi", "--password-stdin", stdin="sandi-baru-2024\n").exit_code == 0
    assert store.authenticate("budi", "rahasia-budi-2024") is None
    assert store.authenticate("budi", "sandi-baru-2024") is not None
    assert store.get("budi").generation == before + 1  # open sessions end

    r = run(config_path, "token", "budi")
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("pantau_") and token not in users_file.read_text()
    assert store.by_token(token).name == "budi"
    assert run(config_path, "disable", "budi").exit_code == 0
    assert store.by_token(token) is None and store.authenticate("budi", "sandi-baru-2024") is None
    assert "NONAKTIF" in run(config_path, "list").output
    r = run(config_path, "passwd", "siapa", "--password-stdin", stdin="sandi-baru-2024\n")
    assert r.exit_code == 1 and "tidak ada" in r.output


def test_secret_key_is_made_once_and_private(tmp_path):
    from scraper.web.auth import load_secret_key

    path = tmp_path / "state" / "web-secret.key"
    first = load_secret_key(path)
    assert len(first) >= 32 and load_secret_key(path) == first
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_roles_are_permission_sets():
    from scraper.web.users import PERMISSIONS, ROLES, User

    assert set().union(*ROLES.values()) <= set(PERMISSIONS)
    reviewer = User(name="r", role="reviewer", password_hash="")
    admin = User(name="a", role="admin", password_hash="")
    assert reviewer.can("findings.decide") and not reviewer.can("watchlists.manage")
    assert admin.can("watchlists.manage") and admin.can("users.manage")
    admin.disabled = True
    assert not admin.can("findings.view")


def test_login_limiter_window_and_memory_bound():
    from scraper.web.auth import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(per_user=2, per_address=3, window=60, clock=lambda: now[0], sweep_at=5)
    limiter.failed("ani", "10.0.0.1")
    assert not limiter.blocked("ani", "10.0.0.1")
    limiter.failed("ANI", "10.0.0.2")
    assert limiter.blocked("ani", "10.0.0.9")  # per user, whatever the address
    assert not limiter.blocked("budi", "10.0.0.1")
    limiter.failed("budi", "10.0.0.1")
    limiter.failed("cici", "10.0.0.1")
    assert limiter.blocked("dedi", "10.0.0.1")  # per address, whatever the name
    now[0] = 61.0
    assert not limiter.blocked("ani", "10.0.0.1")  # the window has passed
    for i in range(20):
        limiter.failed(f"tamu{i}", f"10.1.0.{i}")
    assert len(limiter._fails) <= 2 * 20 + 5  # expired entries were swept
    limiter.succeeded("tamu3")
    assert not limiter.blocked("tamu3", "10.9.9.9")


@pytest.mark.slow  # starts the web server as a subprocess
def test_pantau_web_serves_on_the_given_port_and_warns_without_users(config_path):
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from web_harness import REPO_ROOT, free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "scraper.cli", "--config", str(config_path), "web",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/masuk", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "pantau web did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and "Masuk ke konsol Pantau" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/findings").status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert "belum ada pengguna" in out and f"127.0.0.1:{port}" in out
    assert oct(os.stat(config_path.parent / "data" / "web-secret.key").st_mode & 0o777) == "0o600"
