"""Realistic findings for the evidence/review/report/retention tests.

The real pipeline runs over the loopback demo site (Telegram-like pages parsed
by the real telegram adapter, the shipped lexicon, real TinyDB files, real
Chromium for screenshots), so findings and their evidence are what the daemon
would produce.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scraper.config import Config, load_config
from scraper.demo.site import DemoSite
from scraper.store import FindingStore, storage_layout

REPO = Path(__file__).resolve().parents[1]
WITA = timezone(timedelta(hours=8))

PERSON = {"name": "Budi Santoso (fiktif)", "nip": "198503122010011003",
          "position": "Kepala Seksi Pelayanan", "unit": "Kecamatan Waru (fiktif)"}
CHANNEL = "kabar_budi_demo"
POSTS = [
    (101, "Selamat pagi warga Waru, jangan lupa sarapan dan tetap semangat bekerja 🙏", "2024-11-18 07:10"),
    (102, "Ayo coblos nomor 2! Prabowo-Gibran satu putaran ✌️ #PrabowoGibran2024", "2024-01-20 19:45"),
    (104, "Dukung terus Mudyat Noor - Abdul Waris Muin, PPU makin hebat! Jangan lupa coblos nomor 1 "
          "tanggal 27 November 👆", "2024-11-20 20:15"),
]


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=WITA).astimezone(timezone.utc)


def start_site() -> DemoSite:
    site = DemoSite().start()
    site.add_account(CHANNEL, PERSON["name"])
    for post_id, text, when in POSTS:
        site.add_post(CHANNEL, post_id, text, at(when))
    return site


def write_config(tmp_path: Path, site_url: str, *, screenshot: bool = True, extra: str = "") -> Path:
    (tmp_path / "people").mkdir(exist_ok=True)
    (tmp_path / "people" / "budi.toml").write_text(f'''[[person]]
name = "{PERSON['name']}"
nip = "{PERSON['nip']}"
position = "{PERSON['position']}"
unit = "{PERSON['unit']}"
accounts = [{{ platform = "telegram", url = "{site_url}/{CHANNEL}" }}]
''', encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(f'''[storage]
dir = "data"

[watchlists]
paths = ["people/*.toml"]

[lexicon]
paths = ["{REPO}/watchlists/lexicon/*.toml"]

[http]
min_delay = "0s"

[evidence]
screenshot = {"true" if screenshot else "false"}
timeout = "30s"

[report]
recipient = "Badan Kepegawaian Negara (BKN) c.q. Satgas Netralitas ASN"
office = "Bawaslu Kabupaten Penajam Paser Utara"
city = "Penajam"
{extra}''', encoding="utf-8")
    return path


def run_cycle(config: Config) -> dict:
    from scraper.app import open_runtime
    from scraper.cycle import run_cycle as cycle

    async def go() -> dict:
        async with open_runtime(config) as rt:
            return (await cycle(rt.services, rt.people, concurrency=2)).summary()

    return asyncio.run(go())


def pipeline_findings(tmp_path: Path, site: DemoSite, *, screenshot: bool = True,
                      extra: str = "") -> tuple[Config, FindingStore]:
    """Run one real cycle; returns the config and the finding store (>= 2 findings)."""
    config = load_config(write_config(tmp_path, site.base_url, screenshot=screenshot, extra=extra))
    summary = run_cycle(config)
    assert not summary["errors"], summary
    store = FindingStore(storage_layout(config.storage_dir)["findings"])
    assert len(store.all()) >= 2, store.all()
    return config, store


def finding_for(store: FindingStore, post_id: str) -> dict:
    return next(f for f in store.all() if f["post_id"] == post_id)
