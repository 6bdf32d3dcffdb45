"""`pantau login` on a server without a screen: a clear Indonesian message instead of a
traceback, and `--import FILE` of a storage state saved on a desktop, which the real
Chromium then uses (issue #14)."""
from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli import app

REPO = Path(__file__).resolve().parents[1]
STATE = {"cookies": [{"name": "c_user", "value": "100012345", "domain": ".facebook.com", "path": "/",
                      "expires": 2000000000, "httpOnly": False, "secure": True, "sameSite": "None"},
                     {"name": "xs", "value": "rahasia%3A1", "domain": ".facebook.com", "path": "/",
                      "expires": 2000000000, "httpOnly": True, "secure": True, "sameSite": "None"}],
         "origins": []}


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path / "data"}"\n[lexicon]\npaths = ["{REPO}/watchlists/lexicon/*.toml"]\n'
                    '[watchlists]\npaths = []\n')
    return path


def run(cfg, *args):
    return CliRunner().invoke(app, ["--config", str(cfg), *args])


def test_login_without_a_screen_explains_what_to_do(cfg):
    result = run(cfg, "login", "facebook")
    assert result.exit_code == 1
    assert "Tidak ada layar (X server)" in result.output and "--import" in result.output
    assert "ssh -X" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_import_storage_state_headless_and_chromium_uses_it(cfg, tmp_path, chromium):
    saved = tmp_path / "facebook.json"
    saved.write_text(json.dumps(STATE))
    result = run(cfg, "login", "facebook", "--import", str(saved))
    assert result.exit_code == 0, result.output
    target = tmp_path / "data" / "sessions" / "facebook.json"
    assert "2 cookie" in result.output and str(target) in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["cookies"] == STATE["cookies"]

    from scraper.fetch.browser import Browser

    async def cookies():
        browser = Browser(sessions_dir=target.parent)
        try:
            async with browser.context(session_platform="facebook") as ctx:
                return await ctx.cookies("https://www.facebook.com/")
        finally:
            await browser.close()
    got = {c["name"]: c["value"] for c in asyncio.run(cookies())}
    assert got == {"c_user": "100012345", "xs": "rahasia%3A1"}


@pytest.mark.parametrize("content,needle", [
    ("{bukan json", "bukan berkas sesi JSON"),
    (json.dumps({"origins": []}), "tidak berisi daftar \"cookies\""),
    (json.dumps({"cookies": [{"name": "a", "value": "b", "domain": ".instagram.com"}]}), "tidak ada cookie untuk facebook.com"),
])
def test_bad_session_files_are_named_and_refused(cfg, tmp_path, content, needle):
    bad = tmp_path / "sesi.json"
    bad.write_text(content)
    result = run(cfg, "login", "facebook", "--import", str(bad))
    assert result.exit_code == 1 and needle in result.output and str(bad) in result.output
    assert not (tmp_path / "data" / "sessions" / "facebook.json").exists()
    missing = run(cfg, "login", "facebook", "--import", str(tmp_path / "tidak-ada.json"))
    assert missing.exit_code == 1 and "tidak ditemukan" in missing.output
    other = run(cfg, "login", "telegram", "--import", str(bad))
    assert other.exit_code == 1 and "tidak memakai sesi login" in other.output


def test_login_urls_live_on_the_adapters():
    from scraper.login import DOMAINS, LOGIN_URLS
    from scraper.platforms import ADAPTERS

    session = {name for name, a in ADAPTERS.items() if a.needs_session}
    assert session == set(LOGIN_URLS) == set(DOMAINS) == {"facebook", "instagram", "tiktok", "x"}
    for name in session:
        assert LOGIN_URLS[name].startswith("https://") and DOMAINS[name]
        assert any(d in LOGIN_URLS[name] for d in DOMAINS[name]), name
