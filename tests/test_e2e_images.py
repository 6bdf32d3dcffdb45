"""End to end: text in images, shares and profile changes, with real Tesseract.

A loopback site (tests/e2e_images_site.py) plays a Telegram channel and a
Bluesky account; a real HTTP gateway on loopback receives the alerts; the
real pipeline runs cycle by cycle (a fresh runtime each, as a restart would).

* a harmless caption ("Selamat pagi semua") with a poster "COBLOS NOMOR 2" +
  the pair's name alerts, and the alert and the evidence say it came from the
  image (reason "teks pada gambar"; image, SHA-256 and OCR text in the manifest);
* a Bluesky repost of a campaign post alerts as a share ("membagikan konten");
* a bio changed to a campaign slogan, and an avatar in a twibbon frame, each
  alert once; a harmless image and a harmless profile change do not.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts_servers import Gateway, SmtpSink
from e2e_images_site import Actor, Channel, ImagesSite
from ocr_images import poster, require_tesseract, twibbon
from scraper.app import run_once
from scraper.cli import app
from scraper.config import load_config
from scraper.evidence import verify_evidence
from scraper.store import FindingStore, storage_layout

REPO = Path(__file__).resolve().parents[1]
AT = datetime(2024, 10, 10, 1, 0, tzinfo=timezone.utc)  # inside the campaign period
TG_URL_PATH = "/budi_ppu"
BSKY = "siti.test"


def write_config(tmp: Path, base: str, gateway_port: int, smtp_port: int) -> Path:
    (tmp / "watchlists").mkdir()
    (tmp / "watchlists" / "orang.toml").write_text(f'''
[[person]]
name = "Budi Santoso (fiktif)"
nip = "198503122010011003"
position = "Guru"
unit = "Dinas Pendidikan"
accounts = [{{ platform = "telegram", url = "{base}{TG_URL_PATH}" }}]

[[person]]
name = "Siti Rahma (fiktif)"
nip = "199001152015032004"
position = "Staf"
unit = "Dinas Kesehatan"
accounts = [{{ platform = "bluesky", url = "{base}/profile/{BSKY}" }}]
''', encoding="utf-8")
    path = tmp / "config.toml"
    path.write_text(f'''
[storage]
dir = "data"
[watchlists]
paths = ["watchlists/*.toml"]
[lexicon]
paths = ["{REPO / 'watchlists' / 'lexicon'}/*.toml"]
[alerts]
urls = ["json://127.0.0.1:{gateway_port}/wa",
        "mailto://127.0.0.1:{smtp_port}?from=pantau@test.invalid&to=staf@test.invalid"]
min_severity = "medium"
quiet_hours = ""
[evidence]
screenshot = false
[http]
min_delay = "0s"
''', encoding="utf-8")
    return path


@pytest.fixture
def world(tmp_path):
    require_tesseract()
    site = ImagesSite().start()
    gateway = Gateway().start()
    smtp = SmtpSink().start()
    site.channels["budi_ppu"] = Channel(title="Budi Santoso", bio="Guru SD Negeri 1 Penajam. Suka berkebun.",
                                        avatar=site.image("budi.png", twibbon([], seed=4)))
    site.actors[BSKY] = Actor(handle=BSKY, display_name="Siti Rahma", bio="Staf puskesmas. Sehat itu pilihan.")
    path = write_config(tmp_path, site.base, gateway.port, smtp.port)
    yield {"site": site, "gateway": gateway, "smtp": smtp, "config": load_config(path), "path": path}
    smtp.stop()
    gateway.stop()
    site.stop()


def _wait(pred, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end and not pred():
        time.sleep(0.05)
    return pred()


def cycle(world) -> dict:
    return asyncio.run(run_once(world["config"]))


def findings(world) -> list[dict]:
    return FindingStore(storage_layout(world["config"].storage_dir)["findings"]).all()


def alerts_text(world) -> list[str]:
    return [json.dumps(b, ensure_ascii=False) for b in world["gateway"].ok_json("/wa")]


def test_images_shares_and_profile_changes_end_to_end(world):
    site = world["site"]
    campaign = site.image("poster.jpg", poster(["COBLOS NOMOR 2", "ANDI HARAHAP - DAYANG DONNA"],
                                               size=56, angle=2.0, seed=11, fmt="JPEG"))
    harmless = site.image("pagi.png", poster(["Kerja bakti Minggu pagi", "di halaman sekolah"], size=48,
                                             angle=-1.5, seed=12))
    site.channels["budi_ppu"].posts += [(1, "Selamat pagi semua", [campaign], AT),
                                        (2, "Selamat pagi semua", [harmless], AT)]
    site.actors[BSKY].feed = [
        site.own_post(BSKY, "3own", "Jadwal posyandu Selasa pukul 08.00 WITA", AT),
        site.repost(BSKY, "andidonna.test", "3camp", "Ayo coblos nomor 2, Andi Harahap - Dayang Donna untuk PPU!", AT),
    ]

    first = cycle(world)
    assert first["errors"] == [] and first["failed"] == 0
    found = {f["post_id"]: f for f in findings(world)}
    assert set(found) == {"1", "3camp"}, found.keys()  # not the harmless image, not the posyandu post

    image = found["1"]
    assert image["image_only"] and image["fields"] == ["image"]
    assert all(m["reason"].startswith("teks pada gambar") for m in image["matches"] if m["category"] != "neutral")
    assert image["excerpt"].startswith("[teks pada gambar]") and "COBLOS NOMOR 2" in image["excerpt"]
    poster_bytes = site.images[campaign][1]
    assert image["ocr"][0]["sha256"] == hashlib.sha256(poster_bytes).hexdigest()

    # the evidence keeps the image, its SHA-256 and the OCR text in the manifest
    folder = Path(image["evidence"]["dir"])
    manifest = json.loads((folder / "manifest.json").read_text())
    [kept] = manifest["images"]
    assert kept["sha256"] == hashlib.sha256(poster_bytes).hexdigest() and "COBLOS NOMOR 2" in kept["ocr_text"]
    assert (folder / kept["file"]).read_bytes() == poster_bytes
    assert manifest["artefacts"][kept["file"]]["sha256"] == kept["sha256"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["sources"]["image_only"] and "teks pada gambar" in metadata["sources"]["source_note"]
    report = verify_evidence(world["config"].storage_dir / "evidence", findings(world))
    assert report.ok, report.lines()

    shown = CliRunner().invoke(app, ["--config", str(world["path"]), "findings", "show", image["id"]])
    assert "Sumber indikasi : Indikasi hanya ditemukan pada teks di dalam gambar" in shown.output, shown.output

    share = found["3camp"]
    assert share["share"]["kind"] == "repost" and share["share"]["original_author"] == "andidonna.test"
    assert all(m["reason"].startswith("membagikan konten") for m in share["matches"] if m["category"] != "neutral")

    sent = alerts_text(world)
    assert len(sent) == 2
    image_alert = next(t for t in sent if "COBLOS" in t)
    assert "teks pada gambar" in image_alert
    share_alert = next(t for t in sent if "andidonna.test" in t)
    assert "Membagikan konten milik andidonna.test" in share_alert
    assert _wait(lambda: len(world["smtp"].messages) == 2)
    mails = world["smtp"].texts()
    image_mail = next(m for m in mails if "COBLOS" in m)
    assert "Sumber indikasi: Indikasi hanya ditemukan pada teks di dalam gambar" in image_mail
    assert "teks pada gambar: ajakan" in image_mail  # the reason of the 'coblos' match
    share_mail = next(m for m in mails if "andidonna.test" in m)
    assert "membagikan ulang (repost) konten milik andidonna.test" in share_mail

    # cycle 2 (the posts unchanged, so only a changed profile makes it a full run):
    # a campaign bio, a twibbon avatar; and harmless changes that must not alert
    site.channels["budi_ppu"].bio = "Relawan 02 Andi-Donna. Siap menangkan!"
    site.channels["budi_ppu"].title = "Budi S."
    site.actors[BSKY].avatar = site.image("twibbon.png", twibbon(["RELAWAN 02", "ANDI - DONNA"], seed=5))
    second = cycle(world)
    assert second["errors"] == []
    new = {f["post_id"]: f for f in findings(world)}
    profile_findings = [f for pid, f in new.items() if pid.startswith("profil-")]
    assert sorted(f["profile_change"]["field"] for f in profile_findings) == ["avatar", "bio"]
    bio = next(f for f in profile_findings if f["profile_change"]["field"] == "bio")
    assert bio["fields"] == ["profile"] and "profil akun (bio)" in bio["matches"][0]["reason"]
    avatar = next(f for f in profile_findings if f["profile_change"]["field"] == "avatar")
    assert avatar["fields"] == ["profile_image"] and "RELAWAN 02" in avatar["image_text"]
    manifest = json.loads((Path(avatar["evidence"]["dir"]) / "manifest.json").read_text())
    assert manifest["images"][0]["sha256"] == hashlib.sha256(site.images["twibbon.png"][1]).hexdigest()
    sent = alerts_text(world)
    assert len(sent) == 4
    assert sum("Dari profil akun" in t for t in sent[2:]) == 2
    assert _wait(lambda: len(world["smtp"].messages) == 4)
    assert sum("Indikasi ditemukan pada profil akun" in m for m in world["smtp"].texts()) == 2

    # cycle 3: a harmless bio change -> nothing; the image post's caption edited -> the
    # image is recalled from the OCR cache (not fetched again) and the finding not repeated
    site.actors[BSKY].bio = "Staf puskesmas. Jangan lupa imunisasi anak."
    site.channels["budi_ppu"].posts[0] = (1, "Selamat pagi semua!", [campaign], AT)
    third = cycle(world)
    assert third["errors"] == [] and third["edited"] == 1 and third["findings"] == 0
    assert len(alerts_text(world)) == 4
    assert site.hits[f"/img/{campaign}"] == 1

    # staff see the profile history per account
    result = CliRunner().invoke(app, ["--config", str(world["path"]), "profile", f"{site.base}{TG_URL_PATH}"])
    assert result.exit_code == 0, result.output
    assert "Relawan 02 Andi-Donna" in result.output and "Guru SD Negeri 1 Penajam" in result.output
    assert "WITA" in result.output and "Bio:" in result.output



def test_harmless_image_and_profile_do_not_alert_and_ocr_off_reads_nothing(world):
    site = world["site"]
    campaign = site.image("poster.png", poster(["COBLOS NOMOR 2", "ANDI HARAHAP - DAYANG DONNA"], size=50, seed=3))
    site.channels["budi_ppu"].posts.append((5, "Selamat pagi semua", [campaign], AT))
    config = world["config"]
    config.ocr.platforms_off = ["telegram"]
    result = asyncio.run(run_once(config))
    assert result["errors"] == [] and result["findings"] == 0  # OCR off for telegram: caption only
    assert site.hits.get(f"/img/{campaign}") is None  # the image was not even fetched
