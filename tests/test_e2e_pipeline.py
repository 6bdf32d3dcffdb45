"""The whole loop, end to end, with real parts only.

A local platform site (Telegram-like channel, RSS feed, JavaScript web page
rendered by a real Chromium), a real SMTP server and a real HTTP webhook on
loopback, real TinyDB files. Each cycle opens a fresh runtime, as a restart
of the daemon would.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts_servers import Gateway, SmtpSink
from scraper.app import run_once
from scraper.cli import app
from scraper.config import load_config
from scraper.demo.run import NEW_POST, PEOPLE, POSTS, _at, write_demo_files
from scraper.demo.site import DemoSite
from scraper.store import AccountShard, FindingStore, storage_layout

CAMPAIGN = {("kabar_budi_demo", 102), ("siti_demo", 202)}


def _wait(pred, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


@pytest.fixture
def world(tmp_path, chromium):
    smtp = SmtpSink().start()
    gateway = Gateway().start()
    site = DemoSite().start()
    for p in PEOPLE:
        name = p["account"][1]
        site.add_account(name, p["name"])
        for post_id, text, at in POSTS[name]:
            site.add_post(name, post_id, text, _at(at))
    config_path = write_demo_files(tmp_path, site.base_url, smtp.port, gateway.port)
    yield {"config": load_config(config_path), "config_path": config_path, "smtp": smtp,
           "gateway": gateway, "site": site, "tmp": tmp_path}
    site.stop()
    gateway.stop()
    smtp.stop()


def cycle(world) -> dict:
    return asyncio.run(run_once(world["config"]))


def outbox_idle(world) -> bool:
    """Nothing left to send: every alert of the cycles so far was delivered (or gave up).

    ``run_once`` sends before it returns and the SMTP server stores a message before it
    answers, so once this holds the inboxes are final: no waiting for stragglers.
    """
    from alerts.queue import AlertQueue

    counts = AlertQueue(storage_layout(world["config"].storage_dir)["outbox"], world["config"].alerts).counts()
    return counts["pending"] == 0 and counts["dead"] == 0


def whatsapp(world) -> list[str]:
    return [b.decode() for b in world["gateway"].ok_bodies("/whatsapp")]


def test_first_cycle_alerts_on_campaign_posts_only_then_nothing_twice(world):
    first = cycle(world)
    assert first["errors"] == []
    assert first["accounts"] == 3 and first["fetched"] == 3 and first["failed"] == 0
    assert first["new"] == sum(len(v) for v in POSTS.values())
    assert first["findings"] == 2
    assert first["alerts_sent"] == 4  # 2 findings x (email + webhook)

    assert _wait(lambda: len(world["smtp"].messages) == 2)
    mails = world["smtp"].texts()
    hooks = whatsapp(world)
    assert len(hooks) == 2
    for text in mails + hooks:
        # Indonesian, a lead for review, names the person and links the post
        assert "ditinjau" in text.lower()
    joined = "\n".join(mails)
    assert "Budi Santoso (fiktif)" in joined and "198503122010011003" in joined
    assert "Siti Rahmawati (fiktif)" in joined and "199002142015032001" in joined
    assert f"{world['site'].base_url}/kabar_budi_demo/102" in joined
    assert "WITA" in joined
    assert "pemindaian pertama" in joined  # first scan of the account
    # The traps raised nothing: amen, health campaign, queue number, neutrality reminder
    for trap in ("Aamiin", "imunisasi", "antrean", "wajib netral"):
        assert trap not in joined

    store = FindingStore(storage_layout(world["config"].storage_dir)["findings"])
    found = {(f["account_url"].rstrip("/").split("/")[-1].removesuffix(".xml"), f["post_id"]) for f in store.all()}
    assert len(found) == 2
    assert all(f["first_scan"] for f in store.all())

    second = cycle(world)
    assert second["new"] == 0 and second["findings"] == 0 and second["alerts_sent"] == 0
    assert second["errors"] == []
    assert outbox_idle(world)
    assert len(world["smtp"].messages) == 2 and len(whatsapp(world)) == 2


def test_new_post_alerts_once_edit_and_deletion_recorded(world):
    cycle(world)
    assert _wait(lambda: len(world["smtp"].messages) == 2)

    name, post_id, text, at = NEW_POST
    world["site"].add_post(name, post_id, text, _at(at))
    world["site"].edit_post("kabar_budi_demo", 101, "Selamat pagi, edisi revisi: minum air putih 🙏")
    world["site"].delete_post("siti_demo", 202)

    third = cycle(world)
    assert third["errors"] == []
    assert (third["new"], third["edited"], third["deleted"], third["findings"]) == (1, 1, 1, 1)
    assert third["alerts_sent"] == 2
    assert _wait(lambda: len(world["smtp"].messages) == 3)
    assert "Andi Pratama (fiktif)" in world["smtp"].texts()[-1]

    fourth = cycle(world)
    assert fourth["alerts_sent"] == 0 and fourth["findings"] == 0
    assert outbox_idle(world)
    assert len(world["smtp"].messages) == 3 and len(whatsapp(world)) == 3

    layout = storage_layout(world["config"].storage_dir)
    shards = {json.loads(p.read_text())["meta"]["1"]["account_url"]: p for p in layout["posts"].glob("*.json")}
    budi = AccountShard(shards[f"{world['site'].base_url}/kabar_budi_demo"]).posts()
    assert budi["101"]["history"][0]["text"].startswith("Selamat pagi warga Waru")
    assert "edisi revisi" in budi["101"]["text"]
    siti_url = f"{world['site'].base_url}/feeds/siti_demo.xml"
    siti = AccountShard(shards[siti_url]).posts()
    deleted = [d for d in siti.values() if d["status"] == "deleted"]
    assert len(deleted) == 1 and deleted[0]["url"].endswith("/siti_demo/202")
    finding = [f for f in FindingStore(layout["findings"]).all() if f["account_url"] == siti_url][0]
    assert finding["post_deleted_at"] is not None


def test_cli_once_json_contract_and_findings_list(world):
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(world["config_path"]), "once", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("accounts", "fetched", "failed", "new", "edited", "deleted", "findings", "alerts_sent"):
        assert isinstance(summary[key], int), key
    assert summary["errors"] == []

    result = runner.invoke(app, ["--config", str(world["config_path"]), "findings", "list", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert len(items) == 2
    for item in items:
        for key in ("id", "person", "nip", "platform", "account_url", "post_url", "post_id", "severity",
                    "matches", "first_seen", "status"):
            assert key in item, key
        assert item["status"] == "new"
        assert isinstance(item["matches"], list) and item["matches"]
        assert datetime.fromisoformat(item["first_seen"]).tzinfo is not None


def test_failing_account_does_not_stop_others_and_once_exits_zero(world):
    # An account whose page is gone (404) fails; the rest still run.
    wl = world["tmp"] / "watchlists" / "demo.toml"
    wl.write_text(wl.read_text() + f'''
[[person]]
name = "Akun Hilang (fiktif)"
nip = "197912252005011004"
position = "Staf"
unit = "Sekretariat Daerah (fiktif)"
accounts = [{{ platform = "telegram", url = "{world['site'].base_url}/tidak_ada" }}]
''')
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(world["config_path"]), "once", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["accounts"] == 4 and summary["failed"] == 1 and summary["fetched"] == 3
    assert summary["findings"] == 2
    assert summary["errors"][0]["account"].endswith("/tidak_ada")


def test_check_reports_every_problem_with_file_and_entry(tmp_path):
    (tmp_path / "people").mkdir()
    bad = tmp_path / "people" / "dinas.toml"
    bad.write_text('''
[[person]]
name = "Satu"
nip = "19850312201001100"
position = "Staf"
unit = "Dinas X"
accounts = [{ url = "https://t.me/satu" }]

[[person]]
name = "Dua"
nip = "198503122010011003"
position = "Staf"
unit = "Dinas X"
accounts = [{ platform = "telegram", url = "https://t.me/satu" }]
''')
    (tmp_path / "people" / "rekap.csv").write_text(
        "name,nip,position,unit,platform,url\nTiga,198503122010011003,Guru,Dinas Y,rss,https://contoh.invalid/feed\n")
    repo = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'''
[watchlists]
paths = ["people/*.toml", "people/*.csv"]
[lexicon]
paths = ["{repo}/watchlists/lexicon/*.toml"]
[schedule]
interval = "sejam"
''')
    result = CliRunner().invoke(app, ["--config", str(cfg), "check"])
    assert result.exit_code == 1
    out = result.stdout
    # the config problem is reported alone first (the rest needs a valid config)
    assert f"{cfg}: schedule.interval:" in out
    cfg.write_text(cfg.read_text().replace('interval = "sejam"', 'interval = "1h"'))
    result = CliRunner().invoke(app, ["--config", str(cfg), "check"])
    assert result.exit_code == 1
    lines = [l for l in result.stdout.splitlines() if l.strip()]
    assert any(l.startswith(f"{bad}: person[1] (Satu)") and "nip" in l.lower() for l in lines), lines
    # the same account listed twice, naming both places
    assert any("person[2] (Dua)" in l and "t.me/satu" in l.lower() for l in lines), lines
    # an NIP on two different people (across files)
    assert any("rekap.csv" in l and "198503122010011003" in l for l in lines), lines


def test_detect_contract(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{repo}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n')
    lines = "\n".join(json.dumps(x) for x in [
        {"id": 1, "text": "Ayo coblos nomor 2, Prabowo-Gibran satu putaran! ✌️"},
        {"id": "b", "text": "Aamiin, semoga lancar ujiannya nak"},
    ])
    result = CliRunner().invoke(app, ["--config", str(cfg), "detect"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(l) for l in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert out[0]["alert"] is True and out[0]["severity"] in ("medium", "high") and out[0]["score"] > 0
    for m in out[0]["matches"]:
        assert {"term", "category", "start", "end", "reason"} <= set(m)
    assert out[1]["alert"] is False and out[1]["severity"] in ("none", "low")


def test_broken_account_gives_one_health_alert_shows_in_status_and_recovers(world):
    config = world["config"]
    assert config.health.failure_threshold == 3
    cycle(world)
    assert _wait(lambda: len(world["smtp"].messages) == 2)
    site = world["site"]
    removed = site.accounts.pop("kabar_budi_demo")  # the channel now answers 404

    for _ in range(4):
        summary = cycle(world)
        assert summary["failed"] == 1 and summary["fetched"] == 2
    assert _wait(lambda: len(world["smtp"].messages) == 3)
    assert outbox_idle(world)
    health_mails = [t for t in world["smtp"].texts()[2:]]
    assert len(health_mails) == 1  # one health alert for the run of failures, not one per attempt
    assert "Budi Santoso (fiktif)" in health_mails[0] and "not_found" in health_mails[0]

    result = CliRunner().invoke(app, ["--config", str(world["config_path"]), "status", "--json"])
    status = json.loads(result.stdout)
    broken = [a for a in status["accounts"] if a["state"] != "ok"]
    assert [(a["url"], a["state"], a["failures"]) for a in broken] == [
        (f"{site.base_url}/kabar_budi_demo", "not_found", 4)]
    assert status["accounts_by_health"] == {"not_found": 1, "ok": 2}

    site.accounts["kabar_budi_demo"] = removed
    summary = cycle(world)
    assert summary["failed"] == 0 and summary["findings"] == 0
    assert _wait(lambda: len(world["smtp"].messages) == 4)
    assert "pulih" in world["smtp"].texts()[-1].lower() or "kembali" in world["smtp"].texts()[-1].lower()


def test_once_shows_a_progress_bar_of_the_accounts(world):
    import io

    from scraper.cli.common import ProgressBar

    class Recorder(ProgressBar):
        def __init__(self, stream):
            super().__init__(stream=stream, force=True)
            self.total, self.done = None, 0

        def start(self, total):
            self.total = total
            super().start(total)

        def advance(self, result):
            self.done += 1
            super().advance(result)

    out = io.StringIO()
    bar = Recorder(out)
    summary = asyncio.run(run_once(world["config"], progress=bar))
    bar.stop()
    assert bar.total == summary["accounts"] == bar.done > 0
    assert "Akun" in out.getvalue() and f"{bar.total}/{bar.total}" in out.getvalue()
    # not a terminal (CliRunner, pipes, systemd): no bar, stdout is the summary alone
    assert not ProgressBar(stream=io.StringIO()).enabled
