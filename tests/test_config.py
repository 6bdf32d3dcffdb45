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


# -- issue 11 item 12: config that passed check and then misbehaved -------------
def _cfg(tmp_path: Path, extra: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{REPO}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n'
                   + extra, encoding="utf-8")
    return cfg


@pytest.mark.parametrize("extra, entry", [
    ('[schedule]\ninterval = "0s"\n', "schedule.interval"),
    ('[schedule]\ninterval = "30s"\n', "schedule.interval"),
    ('[schedule]\nintervals = { mastodon = "1s" }\n', "schedule.intervals.mastodon"),
])
def test_check_rejects_an_interval_below_one_minute(tmp_path, monkeypatch, extra, entry):
    from scraper.app import check_everything

    monkeypatch.delenv("PANTAU_MIN_INTERVAL", raising=False)
    problems = check_everything(_cfg(tmp_path, extra))
    assert [p.entry for p in problems] == [entry]
    assert "too short" in problems[0].message and "60s" in problems[0].message


def test_one_minute_interval_is_fine(tmp_path, monkeypatch):
    from scraper.app import check_everything

    monkeypatch.delenv("PANTAU_MIN_INTERVAL", raising=False)
    assert check_everything(_cfg(tmp_path, '[schedule]\ninterval = "1m"\n')) == []


@pytest.mark.parametrize("layout", ["file", "under-a-file"])
def test_storage_dir_that_is_a_file_is_a_clear_problem(tmp_path, layout):
    from typer.testing import CliRunner

    from scraper.cli import app

    (tmp_path / "data").write_text("bukan folder")
    folder = "data" if layout == "file" else "data/pantau"
    cfg = _cfg(tmp_path, f'[storage]\ndir = "{folder}"\n')
    _config, problems = check_config(cfg)
    assert [p.entry for p in problems] == ["storage.dir"]
    assert "is a file" in problems[0].message or "a file" in problems[0].message
    runner = CliRunner()
    for args in (["check"], ["once", "--json"], ["alerts", "pending"]):
        result = runner.invoke(app, ["--config", str(cfg), *args])
        assert result.exit_code == 1, (args, result.output)
        assert "storage.dir" in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), args


def test_check_rejects_lexicon_terms_that_look_like_regular_expressions(tmp_path):
    from scraper.app import check_everything

    lex = tmp_path / "lex"
    lex.mkdir()
    (lex / "frasa.toml").write_text('kind = "phrases"\ncalls = ["coblos", "(.*)+$"]\n'
                                    'support = ["dukung [0-9]+"]\n', encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{lex}/*.toml"]\n[watchlists]\npaths = []\n', encoding="utf-8")
    problems = check_everything(cfg)
    assert {p.file for p in problems} == {str(lex / "frasa.toml")}
    assert {p.entry for p in problems} == {"calls", "support"}
    assert all("regular expression" in p.message for p in problems)
    assert any("(.*)+$" in p.message for p in problems)
