"""config.toml: defaults, key paths in errors, ${VAR} secrets from env or credentials."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from alerts.secrets import MaskingFilter, mask, mask_url
from scraper.config import check_config, load_config
from scraper.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid_and_finds_the_lexicon():
    config = load_config(REPO / "config.toml")
    assert config.storage_dir == (REPO / "data").resolve()
    assert len(config.lexicon_files()) >= 4
    assert config.interval_for("telegram") == 7200
    assert config.interval_for("web") == 3600


def test_every_problem_is_reported_with_its_key_path(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[schedule]\nintervall = "1h"\njitter = "lima menit"\n[alerts]\nmin_severity = "gawat"\n'
                   '[browser]\nmax_pages = 0\n[lain]\nx = 1\n')
    config, problems = check_config(cfg)
    assert config is None
    where = {p.entry for p in problems}
    assert {"schedule.intervall", "schedule.jitter", "alerts.min_severity", "browser.max_pages", "lain"} <= where
    assert all(p.file == str(cfg) for p in problems)
    assert any("unknown key" in p.message for p in problems if p.entry == "schedule.intervall")
    assert any("15m" in p.message for p in problems if p.entry == "schedule.jitter")


def test_syntax_error_names_the_line(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[storage]\ndir = "data\n')
    _config, problems = check_config(cfg)
    assert len(problems) == 1 and "line 2" in problems[0].message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    assert "not found" in str(exc.value)


def test_secrets_from_env_and_credentials_are_expanded_and_masked(tmp_path, monkeypatch, caplog):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "WA_TOKEN").write_text("EAAG-rahasia-token-123\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    monkeypatch.setenv("SMTP_PASS", "sandi-surel-456")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[alerts]\nurls = ["mailtos://staf:${SMTP_PASS}@smtp.contoh.invalid", '
                   '"whatsapp://${WA_TOKEN}@12345/6281200000000"]\n')
    config = load_config(cfg)
    assert config.alerts.urls[0] == "mailtos://staf:sandi-surel-456@smtp.contoh.invalid"
    assert "EAAG-rahasia-token-123" in config.alerts.urls[1]
    for url in config.alerts.urls:
        shown = mask_url(url)
        assert "sandi-surel-456" not in shown and "EAAG-rahasia-token-123" not in shown
    assert "sandi-surel-456" not in mask("gagal kirim ke mailtos://staf:sandi-surel-456@smtp")
    logger = logging.getLogger("test.secret")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.secret"):
        logger.info("channel %s failed", config.alerts.urls[1])
    assert "EAAG-rahasia-token-123" not in caplog.text


def test_unset_secret_is_an_error_naming_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[alerts]\nurls = ["json://${NOT_SET_ANYWHERE}@127.0.0.1/x"]\n')
    _config, problems = check_config(cfg)
    assert [(p.entry, "NOT_SET_ANYWHERE" in p.message) for p in problems] == [("alerts.urls[0]", True)]


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "sub" / "wl").mkdir(parents=True)
    (tmp_path / "sub" / "wl" / "a.toml").write_text("")
    cfg = tmp_path / "sub" / "config.toml"
    cfg.write_text('[storage]\ndir = "state"\n[watchlists]\npaths = ["wl/*.toml"]\n')
    config = load_config(cfg)
    assert config.storage_dir == (tmp_path / "sub" / "state").resolve()
    assert config.watchlist_files() == [tmp_path / "sub" / "wl" / "a.toml"]
