"""The whole review loop and a watchlist replacement in a real Chromium (Playwright).

One browser for the module. Set PANTAU_CONSOLE_PNG=DIR to keep screenshots of
the main pages (used by docs/panduan.md).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from web_harness import ADMIN, ADMIN_PW, BAD_CSV, GOOD_CSV, REVIEWER, REVIEWER_PW, LiveServer, console_env

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from review_fixtures import start_site

    site = start_site()
    try:
        yield console_env(tmp_path_factory.mktemp("webui"), site, screenshot=True)
    finally:
        site.stop()


@pytest.fixture(scope="module")
def live(env):
    from scraper.web.app import create_app

    with LiveServer(create_app(env.config)) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium or None, headless=True, args=args)
        yield b
        b.close()


def shot(page, name: str, tmp_path: Path) -> None:
    folder = os.environ.get("PANTAU_CONSOLE_PNG")
    page.screenshot(path=str(Path(folder) / f"console-{name}.png" if folder else tmp_path / f"{name}.png"),
                    full_page=True)


def log_in(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/temuan")
    assert "/masuk" in page.url  # refused until logged in
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/temuan$"))


def test_review_loop_in_the_browser(env, live, browser, tmp_path):
    from scraper.app import decide, open_stores

    decide(open_stores(env.config), env.hostile_id, "dismissed", by="petugas-lain", note="bukan ajakan")
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live.url, REVIEWER, REVIEWER_PW)
        shot(page, "masuk-temuan", tmp_path)
        rows = page.locator("table.list tbody tr")
        total = rows.count()
        assert total == len(env.store.all()) >= 3
        assert "Ditolak: 1" in page.locator(".counts").inner_text()
        page.select_option("select[name=status]", "new")
        page.select_option("select[name=severity]", "high")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r"status=new.*severity=high"))
        high = [f for f in env.store.all() if f["severity"] == "high" and f["status"] == "new"]
        assert 0 < rows.count() == len(high) < total
        shot(page, "temuan", tmp_path)

        page.click(f"a[href='/temuan/{high[0]['id']}']")
        page.wait_for_url(re.compile(high[0]["id"]))
        image = page.locator("img#bukti")
        image.wait_for()
        assert page.evaluate("document.querySelector('img#bukti').naturalWidth") > 100
        assert "Bukti UTUH" in page.locator("#keutuhan").inner_text()
        assert page.locator("blockquote.text mark").count() >= 1
        shot(page, "detail", tmp_path)

        page.fill("textarea[name=note]", "Ajakan memilih paslon; dicek petugas.")
        page.click("button[value=confirmed]")
        page.wait_for_url(re.compile(r"pesan=dikonfirmasi"))
        assert "Dikonfirmasi" in page.locator("h1 .badge").first.inner_text()
        stored = env.store.get(high[0]["id"])
        assert stored["status"] == "confirmed" and stored["reviewed_by"] == REVIEWER
        assert stored["review_note"] == "Ajakan memilih paslon; dicek petugas."

        with page.expect_download() as info:
            page.click("a[href$='laporan.pdf']")
        pdf = Path(info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        with page.expect_download() as info:
            page.click("a[href$='laporan.docx']")
        assert Path(info.value.path()).read_bytes().startswith(b"PK")  # the editable Word report
        assert info.value.suggested_filename == f"laporan-{high[0]['id']}.docx"
        with page.expect_download() as info:
            page.click("a[href$='bukti.zip']")
        import zipfile

        names = zipfile.ZipFile(info.value.path()).namelist()
        assert any(n.endswith("manifest.json") for n in names) and any(n.endswith("screenshot.png") for n in names)
    finally:
        context.close()
    from scraper.review import audit_log

    actions = [(e["action"], e["actor"]) for e in audit_log(env.config.storage_dir).entries(high[0]["id"])]
    for action in ("viewed", "confirmed", "report", "download"):
        assert (action, REVIEWER) in actions, action


def test_admin_replaces_a_watchlist_only_when_it_is_valid(env, live, browser, tmp_path):
    folder = env.config.path.parent / "people"
    (tmp_path / "pantau.csv").write_text(BAD_CSV, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live.url, ADMIN, ADMIN_PW)
        page.click("nav a[href='/daftar-pantauan']")
        page.set_input_files("input[name=berkas]", str(tmp_path / "pantau.csv"))
        page.click("form.upload button[type=submit]")
        error = page.locator(".box.bad")
        error.wait_for()
        text = error.inner_text()
        assert "TIDAK dipasang" in text and "pantau.csv" in text and "row 2" in text and "nip" in text.lower()
        assert not (folder / "pantau.csv").exists()
        shot(page, "daftar-pantauan-galat", tmp_path)

        (tmp_path / "pantau.csv").write_text(GOOD_CSV, encoding="utf-8")
        page.set_input_files("input[name=berkas]", str(tmp_path / "pantau.csv"))
        page.click("form.upload button[type=submit]")
        page.locator(".box.ok").wait_for()
        assert "1 orang, 1 akun" in page.locator(".box.ok").inner_text()
        assert (folder / "pantau.csv").read_text(encoding="utf-8") == GOOD_CSV
        shot(page, "daftar-pantauan", tmp_path)

        # a second upload replaces it and keeps the previous file
        (tmp_path / "pantau.csv").write_text(GOOD_CSV.replace("Analis Kebijakan", "Analis Data"), encoding="utf-8")
        page.set_input_files("input[name=berkas]", str(tmp_path / "pantau.csv"))
        page.click("form.upload button[type=submit]")
        page.locator(".box.ok").wait_for()
        backups = list(folder.glob("pantau.csv.sebelumnya-*"))
        assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == GOOD_CSV
        assert "Analis Data" in (folder / "pantau.csv").read_text(encoding="utf-8")

        page.click("nav a[href='/orang']")
        assert "Citra Lestari (fiktif)" in page.content()
        shot(page, "orang", tmp_path)
        page.click("nav a[href='/status']")
        assert "Outbox peringatan" in page.content()
        shot(page, "status", tmp_path)
    finally:
        context.close()


def test_a_tampered_evidence_image_is_refused_and_flagged(env, live):
    """Last in the module: it alters evidence on purpose."""
    import httpx

    from web_harness import login as form_login

    fid = next(f["id"] for f in env.store.all() if (f.get("evidence") or {}).get("artefacts", {}).get("screenshot.png"))
    path = env.config.storage_dir / "evidence" / fid / "screenshot.png"
    with httpx.Client(base_url=live.url, timeout=60) as c:
        form_login(c, REVIEWER, REVIEWER_PW)
        assert c.get(f"/temuan/{fid}/gambar").headers["content-type"] == "image/png"
        path.write_bytes(path.read_bytes() + b"x")
        r = c.get(f"/temuan/{fid}/gambar")
        assert r.status_code == 409 and "TIDAK UTUH" in r.text
        page = c.get(f"/temuan/{fid}").text
        assert "Bukti TIDAK UTUH" in page and "screenshot.png" in page
