"""Screenshots of the staff console for docs/panduan.md, taken on the demo's data.

    pantau demo --web --port 8099        # in one terminal; note the printed password
    python docs/img/screenshots.py http://127.0.0.1:8099 PASSWORD docs/img

Headless Chromium (Playwright), 1100 px wide; PNGs reduced to 256 colours so
they stay small in the repository.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scraper.fetch.browser import find_chromium

BAD_CSV = ("nama,nip,jabatan,unit kerja,platform,url\n"
           "Citra Lestari (fiktif),12345,Analis Kebijakan,Bappeda (fiktif),telegram,https://t.me/citra_demo\n")


def small(path: Path) -> None:
    from PIL import Image

    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)


def main(url: str, password: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(""), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 760})

        def shot(name: str, full: bool = True) -> None:
            path = out / f"console-{name}.png"
            page.screenshot(path=str(path), full_page=full)
            small(path)

        page.goto(f"{url}/masuk")
        page.fill("input[name=name]", "demo")
        page.fill("input[name=password]", password)
        shot("masuk", full=False)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile("/temuan$"))
        shot("temuan")
        page.locator("table.list tbody tr a").first.click()
        page.locator("img#bukti").wait_for()
        page.fill("textarea[name=note]", "Ajakan memilih paslon; tautan dibuka dan dicek petugas.")
        shot("detail")
        page.click("button[value=confirmed]")
        page.wait_for_url(re.compile("pesan=dikonfirmasi"))
        shot("dikonfirmasi", full=False)
        page.goto(f"{url}/daftar-pantauan")
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "pantau-2029.csv"
            bad.write_text(BAD_CSV, encoding="utf-8")
            page.set_input_files("input[name=berkas]", str(bad))
            page.click("form.upload button[type=submit]")
            page.locator(".box.bad").wait_for()
        shot("daftar-pantauan")
        for name in ("orang", "status"):
            page.goto(f"{url}/{name}")
            shot(name)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
