"""``pantau once`` over Telegram channels and feeds loads no bs4 (issue #17): bs4 with
soupsieve costs about 90 ms of start-up, and Telegram pages and HTML fragments are read
with lxml; bs4 loads when a platform that needs it is read (web selectors, the session
platforms) or when a post's raw fragment is kept as evidence. Nor the browser's module
(~15 ms), which loads when a watched platform or screenshots need Chromium, nor the
lexicon when nothing is detected and its files passed before (scraper.checked), nor the case
modules and every finding when no post was deleted (scraper.app.OpenCases)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

from cluster_harness import env
from daemon_harness import write_config, write_watchlist

SCRIPT = """import asyncio, json, sys
from scraper.config import load_config
from scraper.app import run_once
import scraper.cli
summary = asyncio.run(run_once(load_config(sys.argv[1])))
print(json.dumps({"fetched": summary["fetched"], "new": summary["new"], "findings": summary["findings"],
                  "loaded": sorted(({m.split(".")[0] for m in sys.modules} & {"bs4", "soupsieve", "playwright"})
                                 | (set(sys.modules) & {"scraper.fetch.browser", "alerts.lexicon", "scraper.cases"}))}))
"""


def _once(config) -> dict:
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(config)], cwd=config.parent, env=env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_telegram_and_feed_cycles_load_no_bs4_until_evidence_keeps_a_fragment(tmp_path, demo_site):
    when = datetime(2026, 11, 1, tzinfo=timezone.utc)
    demo_site.add_account("satu", "Satu")
    demo_site.add_post("satu", 1, "Rapat koordinasi imunisasi balita", when)
    demo_site.add_post("satu", 2, "Ayo coblos paslon nomor 2 di pilkada, menangkan!", when)
    config = write_config(tmp_path / "tg")
    write_watchlist(tmp_path / "tg" / "watchlists" / "uji.toml", [("Ani (fiktif)", [("telegram", "satu")])],
                    demo_site.base_url)
    assert _once(config) == {"fetched": 1, "new": 2, "findings": 1, "loaded": ["alerts.lexicon"]}  # first scan
    # nothing changed: the lexicon that passed last time is not even loaded (scraper.checked)
    assert _once(config) == {"fetched": 1, "new": 0, "findings": 0, "loaded": []}

    demo_site.add_account("dua", "Dua")
    demo_site.add_post("dua", 1, "Jadwal posyandu:\nSenin pukul 08.00", when)  # <br/> in the item's HTML
    rss = write_config(tmp_path / "rss")
    write_watchlist(tmp_path / "rss" / "watchlists" / "uji.toml", [("Budi (fiktif)", [("rss", "dua")])],
                    demo_site.base_url)
    assert _once(rss) == {"fetched": 1, "new": 1, "findings": 0, "loaded": ["alerts.lexicon"]}

    # the check can fail: evidence keeps a finding's raw fragment, as bs4 serialises it
    demo_site.add_post("satu", 3, "Coblos paslon nomor 2, menangkan pilkada!", when)
    text = config.read_text(encoding="utf-8").replace("[evidence]\nenabled = false", "[evidence]\nenabled = true")
    config.write_text(text, encoding="utf-8")
    assert _once(config) == {"fetched": 1, "new": 1, "findings": 1, "loaded": ["alerts.lexicon", "bs4", "soupsieve"]}


def test_the_cli_loads_without_collections_and_leaves_the_collector_on():
    """scraper.cli turns the collector off only while its modules load (issue #17)."""
    script = ("import gc, json\n"
              "passes = []\n"
              "gc.callbacks.append(lambda phase, info: phase == 'start' and passes.append(info['generation']))\n"
              "import scraper.cli\n"
              "during = len(passes)\n"
              "gc.collect()\n"
              "print(json.dumps({'enabled': gc.isenabled(), 'during': during, 'frozen': gc.get_freeze_count() > 0}))\n")
    r = subprocess.run([sys.executable, "-c", script], env=env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    # scraper/__init__ loads before the switch: a pass or two there; some fifty without the switch
    assert out["enabled"] and out["frozen"] and out["during"] <= 2, out


GC_SCRIPT = """import gc, json, sys
passes = {"before": None, "all": 0}
gc.callbacks.append(lambda phase, info: phase == "start" and passes.__setitem__("all", passes["all"] + 1))
def hook(event, args):
    if event == "socket.connect" and passes["before"] is None:
        passes["before"] = passes["all"]
sys.addaudithook(hook)
from scraper.cli import main
sys.argv = ["pantau", "--config", sys.argv[1], "once", "--json"]
try:
    main()
finally:
    print(json.dumps({"before": passes["before"], "all": passes["all"], "enabled": gc.isenabled(),
                      "threshold": gc.get_threshold()}))
"""


def test_once_builds_its_runtime_without_collections_and_collects_less_often(tmp_path, demo_site):
    """No collector passes while ``pantau once`` loads and builds its runtime (~60 before the first
    fetch without the switch), fewer during the run, and the collector's settings put back."""
    when = datetime(2026, 11, 1, tzinfo=timezone.utc)
    people = []
    for i in range(40):
        demo_site.add_account(f"kanal{i}", f"Kanal {i}")
        demo_site.add_post(f"kanal{i}", 1, "Rapat koordinasi imunisasi balita", when)
        people.append((f"ASN {i} (fiktif)", [("telegram", f"kanal{i}")]))
    config = write_config(tmp_path)
    write_watchlist(tmp_path / "watchlists" / "uji.toml", people, demo_site.base_url)
    runs = []
    for _ in range(2):  # cold, then warm
        r = subprocess.run([sys.executable, "-c", GC_SCRIPT, str(config)], cwd=config.parent, env=env(),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    for run in runs:
        assert run["before"] is not None and run["before"] <= 10, run  # the CLI's own start, before `once`
        assert run["enabled"] and run["threshold"] == [700, 10, 10], run
    assert runs[1]["all"] <= 20, runs[1]
