"""The CLI as staff and other tools use it (real files, real servers)."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli import app

runner = CliRunner()
WEB_PAGE = """<html><body><main>
<article class="p" data-id="9"><p class="t">Ayo dukung nomor 1 ya gaes</p>
<time datetime="2024-11-20T10:00:00+08:00">20-11</time></article></main></body></html>"""


def test_demo_runs_the_whole_loop_offline(tmp_path, chromium):
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "Siklus 3" in result.output
    inbox = sorted(p.name for p in (tmp_path / "demo" / "kotak-masuk").iterdir())
    # 3 findings over three cycles, each to email and the WhatsApp stand-in
    assert len([n for n in inbox if n.endswith(".eml")]) == 3
    assert len([n for n in inbox if n.endswith(".json")]) == 3


def test_parse_with_options_and_bad_options(tmp_path):
    page = tmp_path / "halaman.html"
    page.write_text(WEB_PAGE)
    options = json.dumps({"selectors": {"post": "article.p", "id": "@data-id", "text": ".t",
                                        "time": "time@datetime"}})
    result = runner.invoke(app, ["parse", "--platform", "web", str(page), "--url", "http://127.0.0.1/x",
                                 "--options", options, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["health"] is None
    assert data["posts"] == [{"id": "9", "url": "http://127.0.0.1/x", "published": "2024-11-20T02:00:00+00:00",
                              "text": "Ayo dukung nomor 1 ya gaes"}]
    # without selectors the web page is not understood: a health verdict, exit 3
    result = runner.invoke(app, ["parse", "--platform", "web", str(page), "--json"])
    assert result.exit_code == 3 and json.loads(result.stdout)["health"]["state"]
    result = runner.invoke(app, ["parse", "--platform", "web", str(page), "--options", "[1]"])
    assert result.exit_code == 1 and "--options" in result.output
    result = runner.invoke(app, ["parse", "--platform", "myspace", str(page)])
    assert result.exit_code == 1 and "telegram" in result.output


def test_invalid_config_is_named_for_every_command(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[alerts]\nmin_severity = 3\n")
    for args in (["once", "--json"], ["findings", "list"], ["status"], ["alerts", "pending"]):
        result = runner.invoke(app, ["--config", str(cfg), *args])
        assert result.exit_code == 1, args
        assert f"{cfg}: alerts.min_severity" in result.output, args


def test_status_and_pending_on_an_empty_storage(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{repo}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n')
    result = runner.invoke(app, ["--config", str(cfg), "status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["daemon"]["running"] is False and status["version"]
    result = runner.invoke(app, ["--config", str(cfg), "alerts", "pending", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_check_reports_bad_alert_urls_and_templates(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "finding_long.j2").write_text("{{ rusak")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{repo}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n'
                   '[alerts]\nurls = ["bukan-skema://apa"]\ntemplates_dir = "tpl"\n')
    result = runner.invoke(app, ["--config", str(cfg), "check"])
    assert result.exit_code == 1
    assert "bukan-skema://apa" in result.stdout
    assert "finding_long.j2" in result.stdout and str(tmp_path / "tpl") in result.stdout


def test_probe_bad_account_or_dead_host_is_a_clear_error_not_a_traceback(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{repo}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n'
                   '[http]\nretries = 0\n')
    result = runner.invoke(app, ["--config", str(cfg), "probe", "http://127.0.0.1:9/x", "--platform", "telegram"])
    assert result.exit_code == 1 and "tidak sah" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["--config", str(cfg), "probe", "http://127.0.0.1:9/kanal_uji",
                                 "--platform", "telegram"])
    assert result.exit_code == 1 and "127.0.0.1:9/kanal_uji" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_error_escaping_a_command_is_one_indonesian_line_not_a_traceback(tmp_path):
    """Regression: main() caught `click.Abort` from a module without it, so any
    unexpected error became an AttributeError traceback."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{repo}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n'
                   '[storage]\ndir = "data"\n')
    (tmp_path / "data" / "findings.json").mkdir(parents=True)  # a folder where the findings file goes
    proc = subprocess.run([sys.executable, "-m", "scraper.cli", "--config", str(cfg), "findings", "list"],
                          capture_output=True, text=True, cwd=repo, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Galat tak terduga: IsADirectoryError"), proc.stderr
    assert "findings.json" in lines[0] and "-v" in lines[0]
