"""What staff read in the terminal: one Indonesian vocabulary, the findings table with
deadline and deleted mark, no INFO noise on interactive commands, a warning when
nothing is watched (issue #14)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.timeutil import fmt_wita
from review_fixtures import finding_for, pipeline_findings, start_site
from scraper.cli import app

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def world(tmp_path):
    site = start_site()
    try:
        config, store = pipeline_findings(tmp_path, site, screenshot=False)
    finally:
        site.stop()
    return tmp_path, config, store


def run(base, *args):
    return CliRunner().invoke(app, ["--config", str(base / "config.toml"), *args])


def test_findings_list_speaks_one_vocabulary_with_deadline_and_deleted_mark(world):
    base, config, store = world
    confirmed = finding_for(store, "102")
    fresh = finding_for(store, "104")
    assert run(base, "findings", "confirm", confirmed["id"], "--by", "Rina").exit_code == 0
    store.update(fresh["id"], lambda f: f.update(post_deleted_at="2026-11-25T01:00:00+00:00"))

    listed = run(base, "findings", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split()[:5] == ["ID", "STATUS", "TINGKAT", "BATAS", "PENANGANAN"]
    row = next(line for line in lines if line.startswith(confirmed["id"][:8]))
    assert " dikonfirmasi " in row and fmt_wita(confirmed["deadline"]) in row
    assert "[new]" not in listed.output and "HIGH" not in listed.output
    assert any(w in row.split() for w in ("tinggi", "sedang", "rendah"))
    deleted = next(line for line in lines if line.startswith(fresh["id"][:8]))
    assert "DIHAPUS 25 November 2026" in deleted and " baru " in deleted

    # the same words are accepted back, in either language
    only_new = run(base, "findings", "list", "--status", "baru", "--json")
    assert [f["id"] for f in json.loads(only_new.output)] == [fresh["id"]]
    assert [f["id"] for f in json.loads(run(base, "findings", "list", "--status", "dikonfirmasi",
                                            "--json").output)] == [confirmed["id"]]
    assert len(json.loads(run(base, "findings", "list", "--status", "new", "--json").output)) == 1
    wrong = run(base, "findings", "list", "--status", "terbuka")
    assert wrong.exit_code == 2 and "baru (new)" in wrong.output and "Traceback" not in wrong.output
    shown = run(base, "findings", "show", fresh["id"][:8])
    assert "[baru]" in shown.output


def test_check_warns_when_no_account_is_watched(tmp_path):
    (tmp_path / "people").mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{REPO}/watchlists/lexicon/*.toml"]\n'
                   '[watchlists]\npaths = ["people/*.toml", "people/*.csv"]\n')
    result = CliRunner().invoke(app, ["--config", str(cfg), "check"])
    assert result.exit_code == 0, result.output
    assert "PERINGATAN: tidak ada akun yang dipantau" in result.output
    (tmp_path / "people" / "a.csv").write_text(
        "Nama;NIP;Jabatan;Unit Kerja;Platform;Tautan;Catatan\n"
        "Siti;199001012015032001;Staf;Dinas;telegram;https://t.me/siti_uji;pindah\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--config", str(cfg), "check"])
    assert result.exit_code == 0, result.output
    assert "tidak ada akun" not in result.output
    assert "Catatan: " in result.output and "'Catatan' diabaikan" in result.output
    assert result.output.strip().endswith("Semua berkas valid.")


def test_interactive_commands_show_no_info_lines_unless_verbose(tmp_path):
    from scraper.cli import common as cli

    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        for handler in [h for h in root.handlers if getattr(h, "_pantau", False)]:
            root.removeHandler(handler)
        cli.setup_logging(False, interactive=True)
        assert root.level == logging.WARNING
        for handler in [h for h in root.handlers if getattr(h, "_pantau", False)]:
            root.removeHandler(handler)
        cli.setup_logging(True, interactive=True)
        assert root.level == logging.DEBUG
        for handler in [h for h in root.handlers if getattr(h, "_pantau", False)]:
            root.removeHandler(handler)
        cli.setup_logging(False)  # the daemon
        assert root.level == logging.INFO
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


@pytest.mark.parametrize("args,needle", [
    (["findings", "confirm", "abcdef"], "Galat: opsi --by wajib diisi."),
    (["findings", "list", "--bogus"], "Galat: opsi --bogus tidak dikenal."),
    (["bukan-perintah"], "Galat: perintah 'bukan-perintah' tidak dikenal."),
])
def test_click_usage_errors_are_indonesian(args, needle, capsys):
    from scraper.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Missing" not in err and "No such" not in err and "--help" in err


def test_network_error_names_get_an_indonesian_explanation():
    from scraper.cli.text import explain_error

    assert explain_error("ConnectError: [Errno 111] Connection refused").startswith("tidak bisa terhubung ke server (")
    assert explain_error("sesuatu yang lain") == "sesuatu yang lain"
