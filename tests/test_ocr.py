"""OCR with the real Tesseract on images the tests draw (never downloaded).

Posters in several fonts, sizes, slight rotations and noise on photo-like
backgrounds must be read well enough for the real detector and lexicon to
alert; a harmless poster must not. Fetching goes through a real loopback
HTTP server and the real politeness gate.
"""
from __future__ import annotations

import asyncio
import io
import stat
from pathlib import Path

import pytest

from alerts.detect import Detector, severity_at_least
from alerts.lexicon import load_lexicon
from ocr_images import ImageServer, available_fonts, poster, require_tesseract, twibbon
from scraper import ocr
from scraper.config import OcrSettings
from scraper.fetch.politeness import HostGate
from scraper.errors import FetchError, RateLimited
from scraper.ocr import ImageError, ImageFetcher, OcrCache, OcrReader, open_image
from scraper.ocr_fetch import image_refusal

pytestmark = pytest.mark.slow  # real Tesseract on every image: left out of `make check-fast`

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = ["COBLOS NOMOR 2", "ANDI HARAHAP - DAYANG DONNA"]


@pytest.fixture(scope="module")
def tesseract():
    require_tesseract()


@pytest.fixture(scope="module")
def detector():
    return Detector(load_lexicon(sorted((REPO / "watchlists" / "lexicon").glob("*.toml"))))


def alerts(detection) -> bool:
    """What staff would be told about (the default min_severity)."""
    return severity_at_least(detection.severity, "medium")


def reader(tmp_path, fetcher=None, **settings) -> OcrReader:
    return OcrReader(OcrSettings(**settings), tmp_path / "ocr", fetcher)


def read(r: OcrReader, data: bytes) -> ocr.OcrResult:
    return asyncio.run(r.read_bytes(data))


def test_fonts_are_installed():
    # .ci/run installs fonts-dejavu-core and fonts-liberation; without them the
    # posters below would all be drawn in one font.
    if len(available_fonts()) < 4:
        pytest.fail(f"need several TrueType fonts, found {available_fonts()}")


# fonts x (size, rotation in degrees, noise, format): every poster different
VARIANTS = [(40, 1.5, 20, "PNG"), (64, -2.5, 30, "JPEG"), (28, 0.8, 15, "PNG"), (24, -1.5, 35, "PNG")]


@pytest.mark.parametrize("font_index,variant", [(f, (f + k) % len(VARIANTS)) for f in range(6) for k in (0, 2)])
def test_campaign_poster_is_read_well_enough_to_alert(tesseract, detector, tmp_path, font_index, variant):
    fonts = available_fonts()
    font = fonts[font_index % len(fonts)]
    size, angle, noise, fmt = VARIANTS[variant]
    data = poster(CAMPAIGN, font=font, size=size, angle=angle, noise=noise, fmt=fmt, seed=font_index * 7 + size)
    result = read(reader(tmp_path), data)
    assert "COBLOS NOMOR 2" in result.text.upper(), (font.name, VARIANTS[variant], result.text)
    detection = detector.detect(result.text, None)
    assert alerts(detection), (font.name, result.text, detection)
    assert "pilbup-ppu-2024" in detection.elections


def test_harmless_poster_is_read_and_does_not_alert(tesseract, detector, tmp_path):
    data = poster(["Selamat pagi semua", "Semoga sehat selalu"], size=48, angle=-2, seed=2, fmt="JPEG")
    result = read(reader(tmp_path), data)
    assert "Selamat pagi" in result.text
    assert detector.detect(result.text, None).severity == "none"


def test_twibbon_frame_text_on_a_profile_picture(tesseract, detector, tmp_path):
    result = read(reader(tmp_path), twibbon(["RELAWAN 02", "ANDI - DONNA"]))
    assert "RELAWAN 02" in result.text
    assert alerts(detector.detect(result.text, None))


def test_transparent_and_animated_images_are_read(tesseract, tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(available_fonts()[0]), 48)
    frames = []
    for word in ("COBLOS NOMOR 2", "something else"):
        frame = Image.new("RGBA", (700, 160), (0, 0, 0, 0))
        ImageDraw.Draw(frame).text((20, 40), word, font=font, fill=(0, 0, 0, 255))
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=200)
    assert "COBLOS NOMOR 2" in read(reader(tmp_path), out.getvalue()).text  # the first frame


def test_an_image_is_read_once_then_comes_from_the_cache(tesseract, tmp_path, monkeypatch):
    r = reader(tmp_path)
    data = poster(CAMPAIGN, size=48, seed=5)
    first = read(r, data)
    assert not first.cached and first.sha256 == __import__("hashlib").sha256(data).hexdigest()
    monkeypatch.setattr(ocr, "ocr_image", lambda *a, **k: pytest.fail("Tesseract ran twice for one image"))
    again = read(reader(tmp_path), data)  # a new reader: the cache is on disk
    assert again.cached and again.text == first.text and again.image == data
    entry = tmp_path / "ocr" / f"{first.sha256}.json"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "ocr").stat().st_mode) == 0o700
    assert not list((tmp_path / "ocr").glob(".*.tmp"))


def test_cache_entry_of_other_languages_or_damaged_is_read_again(tmp_path):
    cache = OcrCache(tmp_path / "ocr")
    sha = "a" * 64
    cache.put(sha, "ind+eng", "teks")
    assert cache.get(sha, "ind+eng") == "teks"
    assert cache.get(sha, "ind") is None
    (tmp_path / "ocr" / f"{sha}.json").write_text("{torn")
    assert cache.get(sha, "ind+eng") is None
    assert cache.get("../../etc/passwd", "ind") is None
    with pytest.raises(ValueError):
        cache.put("../../etc/passwd", "ind", "x")


def test_bombs_and_non_images_are_refused_without_crashing(tmp_path):
    from PIL import Image

    big = io.BytesIO()
    Image.new("1", (10000, 5000)).save(big, format="PNG")  # 50 M pixels, a small file
    with pytest.raises(ImageError, match="terlalu besar"):
        open_image(big.getvalue())
    with pytest.raises(ImageError):
        open_image(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    with pytest.raises(ImageError):
        open_image(poster(["X"], size=20)[:300])  # truncated PNG


# -- fetching within politeness rules -----------------------------------------------

@pytest.fixture
def server():
    s = ImageServer().start()
    yield s
    s.stop()


def fetcher(**kw) -> ImageFetcher:
    kw.setdefault("user_agent", "Pantau-test/1")
    kw.setdefault("gate", HostGate(min_delay=0, jitter=0))
    return ImageFetcher(**kw)


async def _read_url(r: OcrReader, url: str):
    try:
        return await r.read_url(url)
    finally:
        await r.aclose()


def test_read_url_fetches_with_the_user_agent_and_reads(tesseract, tmp_path, server):
    data = poster(CAMPAIGN, size=48, seed=9, fmt="JPEG")
    server.routes["/img/1.jpg"] = (200, "image/jpeg", data, 0.0)
    result = asyncio.run(_read_url(reader(tmp_path, fetcher()), f"{server.base_url}/img/1.jpg"))
    assert result is not None and "COBLOS NOMOR 2" in result.text and result.image == data
    assert result.content_type == "image/jpeg"
    assert server.agents == ["Pantau-test/1"]


def test_an_image_url_read_once_is_not_fetched_again_until_evidence_needs_its_bytes(tesseract, tmp_path, server):
    first_bytes = poster(CAMPAIGN, size=48, seed=21)
    server.routes["/img/a.png"] = (200, "image/png", first_bytes, 0.0)
    url = f"{server.base_url}/img/a.png"

    async def go(r):
        try:
            one = await r.read_url(url)
            two = await r.read_url(url)  # an edited caption, a replayed run
            assert server.hits["/img/a.png"] == 1
            assert two.cached and two.image == b"" and two.sha256 == one.sha256 and two.text == one.text
            [full] = await r.with_bytes([two])  # a finding's evidence wants the file
            assert full.image == first_bytes and server.hits["/img/a.png"] == 2
            # the file changed at the same URL: read again, and remembered
            server.routes["/img/a.png"] = (200, "image/png", poster(["Selamat pagi"], size=48, seed=22), 0.0)
            [changed] = await r.with_bytes([two])
            assert changed.sha256 != one.sha256 and "Selamat pagi" in changed.text
            assert (await r.read_url(url)).sha256 == changed.sha256
        finally:
            await r.aclose()

    asyncio.run(go(reader(tmp_path, fetcher())))


@pytest.mark.parametrize("chunked", [False, True])
def test_images_over_the_byte_cap_are_not_read(tmp_path, server, chunked):
    server.routes["/big.png"] = (200, "image/png", b"\x89PNG" + b"0" * 300_000, 0.0)
    if chunked:
        server.chunked.add("/big.png")
    r = reader(tmp_path, fetcher(max_bytes=100_000), max_bytes=100_000)
    with pytest.raises(ImageError, match="batas 100000 byte"):
        asyncio.run(r.fetcher.fetch(f"{server.base_url}/big.png"))


def test_slow_image_hits_the_time_limit(tmp_path, server):
    server.routes["/slow.png"] = (200, "image/png", b"x", 3.0)
    with pytest.raises(FetchError, match="1 detik"):
        asyncio.run(fetcher(timeout=1.0).fetch(f"{server.base_url}/slow.png"))


def test_non_images_and_other_schemes_are_not_fetched(tmp_path, server):
    server.routes["/page"] = (200, "text/html", b"<html>", 0.0)
    with pytest.raises(ImageError, match="bukan gambar"):
        asyncio.run(fetcher().fetch(f"{server.base_url}/page"))
    with pytest.raises(ImageError, match="bukan http"):
        asyncio.run(fetcher().fetch("file:///etc/passwd"))
    quiet = OcrReader(OcrSettings(), tmp_path / "ocr", fetcher(), status=(True, "ok"))
    assert asyncio.run(_read_url(quiet, f"{server.base_url}/page")) is None  # logged, not raised


def test_image_urls_from_hostile_pages_never_reach_private_addresses(server):
    async def why(account_url, url):
        return await image_refusal(account_url, url)

    public = "https://t.me/budi_ppu"
    assert asyncio.run(why(public, "https://93.184.215.14/file/a.jpg")) is None  # a public address literal
    for bad in ("http://127.0.0.1:6379/x.png", "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/a.png",
                "http://localhost/a.png", "http://[::1]/a.png", "ftp://cdn.example/a.png"):
        assert asyncio.run(why(public, bad)) is not None, bad
    local = f"{server.base_url}/s/budi"
    assert asyncio.run(why(local, f"{server.base_url}/img/a.png")) is None
    assert asyncio.run(why(local, "http://127.0.0.1:1/img/a.png")) is not None  # another port, another site


def test_redirects_are_followed_by_hand_and_checked_each_hop(tmp_path, server):
    data = poster(["X"], size=30)
    server.routes["/r1"] = (302, "text/plain", b"", 0.0)
    server.routes["/img.png"] = (200, "image/png", data, 0.0)
    server.routes["/evil"] = (302, "text/plain", b"", 0.0)
    server.locations = {"/r1": "/img.png", "/evil": "http://127.0.0.1:1/secret.png"}
    account = f"{server.base_url}/s/budi"
    got, ctype = asyncio.run(fetcher().fetch(f"{server.base_url}/r1", account))
    assert got == data and ctype == "image/png"
    with pytest.raises(ImageError, match="di luar situs akun"):
        asyncio.run(fetcher().fetch(f"{server.base_url}/evil", account))


def test_429_cools_the_host_down_for_images_and_pages(tmp_path, server):
    server.routes["/a.png"] = (429, "text/plain", b"slow down", 0.0)
    gate = HostGate(min_delay=0, jitter=0)
    f = fetcher(gate=gate)
    with pytest.raises(RateLimited):
        asyncio.run(f.fetch(f"{server.base_url}/a.png"))
    assert gate.cooling_until(server.base_url) is not None
    with pytest.raises(RateLimited):
        asyncio.run(f.fetch(f"{server.base_url}/other.png"))
    assert server.hits == {"/a.png": 1}  # the cooling host was not asked again


# -- switches and a missing Tesseract --------------------------------------------------

def test_ocr_can_be_switched_off_per_platform_and_globally(tmp_path):
    on = OcrReader(OcrSettings(platforms_off=["tiktok"]), tmp_path / "o", status=(True, "ok"))
    assert on.enabled_for("telegram") and not on.enabled_for("tiktok")
    off = OcrReader(OcrSettings(enabled=False), tmp_path / "o", status=(True, "ok"))
    assert not off.enabled_for("telegram")
    assert asyncio.run(off.read_post_images("telegram", ["http://127.0.0.1:9/x.png"])) == []


def test_unknown_platform_in_platforms_off_names_the_key(tmp_path):
    from scraper.config import check_config

    path = tmp_path / "config.toml"
    path.write_text('[ocr]\nplatforms_off = ["telegarm"]\n')
    config, problems = check_config(path)
    assert config is None
    assert any(p.entry.startswith("ocr.platforms_off") and "telegarm" in p.message for p in problems), problems


def test_missing_tesseract_is_a_warning_and_a_check_note_never_a_crash(tmp_path, monkeypatch, caplog):
    import pytesseract
    from typer.testing import CliRunner

    from scraper.cli import app

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    ok, message = ocr.tesseract_status("ind+eng")
    assert not ok and "apt-get install tesseract-ocr tesseract-ocr-ind" in message
    r = OcrReader(OcrSettings(), tmp_path / "ocr", fetcher())
    assert not r.available and "Tesseract tidak ditemukan" in r.warning
    assert "OCR off" in caplog.text
    assert asyncio.run(_read_url(r, "http://127.0.0.1:9/x.png")) is None
    config = REPO / "config.toml"
    result = CliRunner().invoke(app, ["--config", str(config), "check"])
    assert "catatan: OCR: Tesseract tidak ditemukan" in result.output


def test_a_cache_that_cannot_be_written_costs_the_entry_not_the_text(tesseract, tmp_path, monkeypatch):
    import errno

    r = reader(tmp_path)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(r.cache, "put", full)
    result = read(r, poster(CAMPAIGN, size=48, seed=31))
    assert "COBLOS NOMOR 2" in result.text and not result.cached


def test_settings_apply_again_on_reload(tmp_path):
    r = OcrReader(OcrSettings(), tmp_path / "ocr", fetcher(), status=(True, "ok"))
    assert r.enabled_for("tiktok")
    r.configure(OcrSettings(platforms_off=["tiktok"], max_bytes=20_000, timeout="5s"), status=(True, "ok"))
    assert not r.enabled_for("tiktok") and r.enabled_for("telegram")
    assert (r.fetcher.max_bytes, r.fetcher.timeout) == (20_000, 5.0)
    r.configure(OcrSettings(enabled=False))
    assert not r.available and r.warning == "OCR dimatikan di konfigurasi"
