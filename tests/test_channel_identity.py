"""Issue 11 items 8 and 9: a channel is its name, not its URL; secrets with URL-reserved
characters; masking of secrets of any length. Real SMTP (aiosmtpd, with AUTH) on loopback."""
from __future__ import annotations

import json
import logging
import threading

import pytest
from aiosmtpd.smtp import AuthResult
from typer.testing import CliRunner

from alerts.outbox import Alert, Outbox
from alerts.secrets import MaskingFilter, mask, register_secret
from alerts.settings import AlertsSettings, simple_channel_name
from scraper.cli import app
from scraper.config import check_config, load_config
from tests.alerts_servers import SmtpSink, free_port

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "p@ss/w:rd#1?&%+ x"


class AuthSmtp(SmtpSink):
    """SmtpSink that requires AUTH LOGIN/PLAIN (without TLS, loopback only)."""

    def __init__(self, password: str) -> None:
        super().__init__()
        self.password = password
        self.logins: list[tuple[str, str]] = []
        self._auth_lock = threading.Lock()

    def _auth(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8")
        password = auth_data.password.decode("utf-8")
        with self._auth_lock:
            self.logins.append((login, password))
        return AuthResult(success=login == "pantau" and password == self.password)

    def start(self) -> "AuthSmtp":
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=self._auth,
                                      auth_require_tls=False, auth_required=True)
        self._controller.start()
        return self


def smtp_url(port: int, password: str = "${PANTAU_SMTP_PASS}") -> str:
    return f"mailto://pantau:{password}@127.0.0.1:{port}?from=pantau@example.org&to=staf@example.org"


def write_config(folder: Path, alerts: str) -> Path:
    cfg = folder / "config.toml"
    cfg.write_text(f'[storage]\ndir = "data"\n[lexicon]\npaths = ["{REPO}/watchlists/lexicon/*.toml"]\n'
                   f'[watchlists]\npaths = []\n[alerts]\nretry_initial = "1s"\n{alerts}', encoding="utf-8")
    return cfg


def finding(n: int = 1) -> Alert:
    return Alert(id=f"finding:uji:{n}", kind="finding", severity="high", unit="Dinas",
                 context={"person": {"name": "Budi (fiktif)"}, "platform": "rss", "excerpt": "Ayo coblos 2",
                          "post_url": "https://example.org/p/1", "terms": ["coblos"]})


@pytest.fixture()
def smtp():
    server = AuthSmtp(PASSWORD).start()
    yield server
    server.stop()


# -- item 9: reserved characters in secrets -------------------------------------
def test_password_with_reserved_characters_reaches_the_smtp_server_intact(tmp_path, smtp, monkeypatch):
    monkeypatch.setenv("PANTAU_SMTP_PASS", PASSWORD)
    cfg = write_config(tmp_path, f'urls = ["{smtp_url(smtp.port)}"]\n')
    from scraper.app import check_everything

    assert check_everything(cfg) == []
    config = load_config(cfg)
    outbox = Outbox(tmp_path / "outbox", config.alerts)
    results = outbox.send_test()
    assert [r["ok"] for r in results] == [True], results
    assert smtp.logins == [("pantau", PASSWORD)]
    assert len(smtp.messages) == 1


def test_whole_url_secret_is_used_as_is_and_check_names_the_channel(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_WA_URL", "whatsapp://")  # apprise refuses it
    cfg = write_config(tmp_path, '[[alerts.channels]]\nname = "wa-rusak"\nurl = "${PANTAU_WA_URL}"\n')
    from scraper.app import check_everything

    problems = check_everything(cfg)
    assert [p.entry for p in problems] == ["alerts channel wa-rusak"]


def test_short_and_encoded_secrets_are_masked_in_logs(caplog):
    register_secret("k9")
    register_secret(PASSWORD)
    from urllib.parse import quote

    assert mask("token k9 dipakai") == "token **** dipakai"
    assert mask("k9x tetap") == "k9x tetap"  # part of a longer word: not the secret
    assert "p@ss" not in mask(f"url mailto://u:{quote(PASSWORD, safe='')}@h gagal")
    assert quote(PASSWORD, safe="") not in mask(f"gagal: {quote(PASSWORD, safe='')}")
    assert PASSWORD not in mask(f"gagal: {PASSWORD}")
    logger = logging.getLogger("alerts.uji")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="alerts.uji"):
        logger.info("kirim dengan %s dan %s", quote(PASSWORD, safe=""), "k9")
    assert "****" in caplog.text and "k9" not in caplog.text and "p%40ss" not in caplog.text


# -- item 8: channel identity is the name ---------------------------------------
def test_fixing_port_and_password_keeps_queued_alerts(tmp_path, smtp, monkeypatch):
    dead_port = free_port()  # nothing listens here: the alert stays queued
    monkeypatch.setenv("PANTAU_SMTP_PASS", "sandi-lama")
    before = load_config(write_config(tmp_path, f'urls = ["{smtp_url(dead_port)}"]\n'))
    outbox = Outbox(tmp_path / "outbox", before.alerts)
    assert outbox.enqueue(finding())
    report = outbox.deliver_due()
    assert report.failed == 1 and report.sent == 0

    monkeypatch.setenv("PANTAU_SMTP_PASS", PASSWORD)  # new password, right port
    after = load_config(write_config(tmp_path, f'urls = ["{smtp_url(smtp.port)}"]\n'))
    assert [c.name for c in after.alerts.all_channels()] == [c.name for c in before.alerts.all_channels()] == ["mailto"]
    report = Outbox(tmp_path / "outbox", after.alerts).deliver_due(force=True)
    assert report.sent == 1, report.results
    assert len(smtp.messages) == 1 and "Budi" in smtp.texts()[0]


def test_records_with_old_url_based_keys_migrate_to_the_name(tmp_path, smtp, monkeypatch, caplog):
    monkeypatch.setenv("PANTAU_SMTP_PASS", PASSWORD)
    old_url = smtp_url(free_port(), "sandi-lama")  # what the record was keyed by before
    config = load_config(write_config(tmp_path, f'urls = ["{smtp_url(smtp.port)}"]\n'))
    outbox = Outbox(tmp_path / "outbox", config.alerts)
    assert outbox.enqueue(finding())
    # rewrite the record as the old code stored it: keyed <scheme>-<sha256(url)[:8]>
    (path,) = (tmp_path / "outbox" / "hot").glob("*.json")
    record = json.loads(path.read_text())
    record["deliveries"] = {simple_channel_name(old_url): record["deliveries"]["mailto"]}
    path.write_text(json.dumps(record))
    with caplog.at_level(logging.INFO, logger="alerts.outbox"):
        migrated = Outbox(tmp_path / "outbox", config.alerts)
    assert "now goes to channel mailto" in caplog.text
    assert [r["channel"] for r in migrated.pending()] == ["mailto"]
    assert migrated.deliver_due().sent == 1
    assert len(smtp.messages) == 1


def test_renamed_channel_is_listed_and_moved_with_a_command(tmp_path, smtp, monkeypatch):
    monkeypatch.setenv("PANTAU_SMTP_PASS", PASSWORD)
    url = smtp_url(smtp.port)
    cfg = write_config(tmp_path, f'[[alerts.channels]]\nname = "surel-lama"\nurl = "{url}"\nmin_interval = "0s"\n')
    assert Outbox(tmp_path / "data" / "outbox", load_config(cfg).alerts).enqueue(finding())
    cfg = write_config(tmp_path, f'[[alerts.channels]]\nname = "surel-staf"\nurl = "{url}"\nmin_interval = "0s"\n')
    runner = CliRunner()

    result = runner.invoke(app, ["--config", str(cfg), "alerts", "pending", "--json"])
    rows = json.loads(result.stdout)
    assert [(r["channel"], r["configured"]) for r in rows] == [("surel-lama", False)]
    result = runner.invoke(app, ["--config", str(cfg), "alerts", "pending"])
    assert "pantau alerts move --from surel-lama" in result.stdout

    result = runner.invoke(app, ["--config", str(cfg), "alerts", "move", "--from", "surel-lama", "--to", "tidak-ada"])
    assert result.exit_code == 1 and "tidak ada di konfigurasi" in result.output and "surel-staf" in result.output
    result = runner.invoke(app, ["--config", str(cfg), "alerts", "move", "--from", "surel-lama", "--to", "surel-staf"])
    assert result.exit_code == 0 and "1 kiriman dipindahkan" in result.stdout, result.output

    result = runner.invoke(app, ["--config", str(cfg), "alerts", "retry"])
    assert result.exit_code == 0 and "Terkirim 1" in result.stdout, result.output
    assert len(smtp.messages) == 1
    # moved once: a second move finds nothing, nothing is sent twice
    result = runner.invoke(app, ["--config", str(cfg), "alerts", "move", "--from", "surel-lama", "--to", "surel-staf"])
    assert "Tidak ada kiriman tertunda" in result.stdout


def test_names_are_derived_from_the_scheme_and_unique():
    s = AlertsSettings(urls=["mailtos://u:p@a?to=x@example.org", "json://127.0.0.1/a",
                             "mailtos://u:p@b?to=y@example.org"],
                       channels=[{"url": "whatsapp://t@1/62811"}, {"name": "mailtos-2", "url": "json://x/y"}])
    assert [c.name for c in s.all_channels()] == ["mailtos", "json", "mailtos-3", "whatsapp", "mailtos-2"]
    with pytest.raises(ValueError):
        AlertsSettings(channels=[{"name": "a", "url": "json://x"}, {"name": "a", "url": "json://y"}])
