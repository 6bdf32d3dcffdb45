"""``pantau demo``: the whole loop on this machine, no internet needed.

Starts the local demo site (fictional civil servants on a Telegram-like
channel, an RSS feed and a JavaScript web page), a local mail server and a
local WhatsApp-gateway stand-in, then runs Pantau's real cycle over them:
first scan, a quiet second cycle, then a new post, an edit and a deletion.
Every alert that arrives is printed and saved under the demo folder.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import shutil
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from .site import DemoSite, account_entry_toml

REPO_ROOT = Path(__file__).resolve().parents[2]
WITA = timezone(timedelta(hours=8))

PEOPLE = [
    {"name": "Budi Santoso (fiktif)", "nip": "198503122010011003", "position": "Kepala Seksi Pelayanan",
     "unit": "Kecamatan Waru (fiktif)", "account": ("telegram", "kabar_budi_demo")},
    {"name": "Siti Rahmawati (fiktif)", "nip": "199002142015032001", "position": "Penyuluh Kesehatan",
     "unit": "Dinas Kesehatan (fiktif)", "account": ("rss", "siti_demo")},
    {"name": "Andi Pratama (fiktif)", "nip": "198811052012121002", "position": "Guru Ahli Pertama",
     "unit": "Dinas Pendidikan (fiktif)", "account": ("web", "andi_demo")},
]

POSTS = {
    "kabar_budi_demo": [
        (101, "Selamat pagi warga Waru, jangan lupa sarapan dan tetap semangat bekerja 🙏", "2024-11-18 07:10"),
        (102, "Ayo coblos nomor 2! Prabowo-Gibran satu putaran ✌️ #PrabowoGibran2024", "2024-01-20 19:45"),
        (103, "Aamiin ya Allah, semoga kita semua diberi kesehatan.", "2024-11-19 05:30"),
    ],
    "siti_demo": [
        (201, "Rapat koordinasi kampanye imunisasi campak di Puskesmas Waru hari ini.", "2024-11-12 09:00"),
        (202, "Dukung terus Mudyat Noor - Abdul Waris Muin, PPU makin hebat! Jangan lupa coblos nomor 1 "
              "tanggal 27 November 👆", "2024-11-20 20:15"),
    ],
    "andi_demo": [
        (301, "Pengumuman: antrean pelayanan rapor nomor 2 silakan menuju ruang guru.", "2024-11-15 10:00"),
        (302, "Ingat, ASN wajib netral dalam Pilkada. Jangan ikut kampanye, jaga profesionalisme!", "2024-11-16 08:00"),
    ],
}
NEW_POST = ("andi_demo", 303, "Salam tiga jari! Ganjar-Mahfud sat set tas tes 🤟 #GanjarMahfud", "2024-02-01 21:00")
EDIT = ("kabar_budi_demo", 101, "Selamat pagi warga Waru, jangan lupa sarapan dan minum air putih 🙏")
DELETE = ("siti_demo", 202)


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=WITA).astimezone(timezone.utc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects what the local mail server and gateway receive."""

    def __init__(self, folder: Path, echo: Callable[[str], None]):
        self.folder = folder
        self.echo = echo
        self.items: list[tuple[str, str, str]] = []  # (channel, subject, body)
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, channel: str, subject: str, body: str, raw: bytes, html: str = "") -> None:
        with self._lock:
            n = len(self.items) + 1
            self.items.append((channel, subject, body))
            ext = "eml" if channel == "email" else "json"
            (self.folder / f"{n:03d}-{channel}.{ext}").write_bytes(raw)
            if html:  # the email as a mail client shows it (inline image included)
                (self.folder / f"{n:03d}-{channel}.html").write_text(html, encoding="utf-8")
        lines = [line for line in body.strip().splitlines() if line.strip()]
        self.echo(f"\n┌─ [{channel.upper()}] {subject}\n" + "\n".join("│ " + line for line in lines[:14])
                  + ("\n│ …" if len(lines) > 14 else "") + "\n└─")

    def count(self) -> int:
        with self._lock:
            return len(self.items)


def _start_smtp(inbox: Inbox, port: int) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            part = msg.get_body(preferencelist=("plain", "html"))
            body = part.get_content() if part is not None else ""
            inbox.add("email", str(msg.get("Subject", "")), body, envelope.content, _viewable_html(msg))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _viewable_html(msg: Any) -> str:
    """The email's HTML part with its ``cid:`` images made data: URIs (opens in any browser)."""
    import base64

    part = msg.get_body(preferencelist=("html",))
    if part is None:
        return ""
    html = part.get_content()
    for sub in msg.walk():
        cid = (sub.get("Content-ID") or "").strip("<>")
        if cid and f"cid:{cid}" in html:
            data = base64.b64encode(sub.get_payload(decode=True)).decode("ascii")
            html = html.replace(f"cid:{cid}", f"data:{sub.get_content_type()};base64,{data}")
    return html


def _show_pages(workdir: Path, echo: Callable[[str], None]) -> None:
    """Render the received emails to PNG (a phone width) and list them with the evidence images."""
    pages = sorted((workdir / "kotak-masuk").glob("*-email.html"))
    shots = sorted((workdir / "data" / "evidence").glob("*/screenshot.png"))
    try:
        asyncio.run(_render_pngs(pages))
    except Exception as exc:  # the demo still shows the HTML files
        echo(f"  (surel tidak dapat dirender ke PNG: {exc})")
    echo("Surel HTML yang diterima (buka di peramban; PNG = tampilan di ponsel):")
    for page in pages:
        png = page.with_suffix(".png")
        echo(f"  {page}" + (f"\n  {png}" if png.is_file() else ""))
    echo("Gambar bukti (satu unggahan per gambar, dengan cap URL, waktu, dan SHA-256):")
    for shot in shots:
        echo(f"  {shot}")


async def _render_pngs(pages: list[Path]) -> None:
    from ..evidence_image import OFFLINE_CONTEXT
    from ..fetch.browser import Browser

    browser = Browser()
    try:
        for page_path in pages:
            async with browser.context(viewport={"width": 420, "height": 800}, **OFFLINE_CONTEXT) as ctx:
                page = await ctx.new_page()
                await page.set_content(page_path.read_text(encoding="utf-8"))
                await page.screenshot(path=str(page_path.with_suffix(".png")), full_page=True)
    finally:
        await browser.close()


def _start_gateway(inbox: Inbox, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                data = json.loads(raw)
                subject, body = str(data.get("title", "")), str(data.get("message", data.get("body", "")))
            except ValueError:
                subject, body = "", raw.decode("utf-8", "replace")
            inbox.add("whatsapp", subject or "(WhatsApp)", body, raw)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_demo_files(workdir: Path, site_url: str, smtp_port: int, gateway_port: int) -> Path:
    """The demo's config.toml and watchlist, so staff can read what drove it."""
    people = []
    for p in PEOPLE:
        people.append(f'''[[person]]
name = "{p['name']}"
nip = "{p['nip']}"
position = "{p['position']}"
unit = "{p['unit']}"
accounts = [{account_entry_toml(site_url, *p["account"])}]
''')
    (workdir / "watchlists").mkdir(parents=True, exist_ok=True)
    (workdir / "watchlists" / "demo.toml").write_text(
        "# Daftar pantau demo: orang dan akun FIKTIF di situs lokal.\n\n" + "\n".join(people), encoding="utf-8")
    lexicon = (REPO_ROOT / "watchlists" / "lexicon").resolve()
    config = f'''# Konfigurasi demo (dibuat oleh `pantau demo`).
[storage]
dir = "data"

[watchlists]
paths = ["watchlists/*.toml", "watchlists/*.csv", "watchlists/*.xlsx"]

[lexicon]
paths = ["{lexicon}/*.toml"]

[alerts]
urls = [
  "mailto://127.0.0.1:{smtp_port}?from=pantau@demo.invalid&to=staf-bawaslu@demo.invalid",
  "json://127.0.0.1:{gateway_port}/whatsapp",
]
min_severity = "medium"

[schedule]
concurrency = 3

[http]
min_delay = "0s"
'''
    path = workdir / "config.toml"
    path.write_text(config, encoding="utf-8")
    return path


def _wait_for(inbox: Inbox, n: int, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while inbox.count() < n and time.monotonic() < end:
        time.sleep(0.1)


def run_demo(workdir: Path, echo: Callable[[str], None] = print) -> int:
    from ..config import load_config
    from ..app import run_once

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    inbox = Inbox(workdir / "kotak-masuk", echo)
    smtp_port, gateway_port = _free_port(), _free_port()
    smtp = _start_smtp(inbox, smtp_port)
    gateway = _start_gateway(inbox, gateway_port)
    site = DemoSite().start()
    try:
        for p in PEOPLE:
            name = p["account"][1]
            site.add_account(name, p["name"])
            for post_id, text, at in POSTS[name]:
                site.add_post(name, post_id, text, _at(at))
        config = load_config(write_demo_files(workdir, site.base_url, smtp_port, gateway_port))

        def cycle(title: str) -> dict:
            echo(f"\n=== {title} ===")
            before = inbox.count()
            summary = asyncio.run(run_once(config))
            _wait_for(inbox, before + summary["alerts_sent"])
            echo(f"Ringkasan: {summary['accounts']} akun, {summary['new']} postingan baru, "
                 f"{summary['edited']} diubah, {summary['deleted']} dihapus, {summary['findings']} temuan, "
                 f"{summary['alerts_sent']} kiriman peringatan, {len(summary['errors'])} akun gagal")
            for err in summary["errors"]:
                echo(f"  GAGAL {err['account']}: {err['error']}")
            return summary

        first = cycle("Siklus 1: pemindaian pertama tiga akun fiktif")
        second = cycle("Siklus 2: tidak ada yang baru (tidak boleh ada peringatan)")
        name, post_id, text, at = NEW_POST
        site.add_post(name, post_id, text, _at(at))
        site.edit_post(*EDIT)
        site.delete_post(*DELETE)
        third = cycle("Siklus 3: satu postingan kampanye baru, satu suntingan, satu penghapusan")
        echo(f"\nSelesai. Semua berkas demo ada di {workdir}:")
        echo(f"  {workdir / 'kotak-masuk'}  (surel dan pesan WhatsApp yang diterima)")
        echo(f"  {workdir / 'data'}  (postingan, temuan, bukti, outbox)")
        echo(f"Lihat temuan: pantau --config {workdir / 'config.toml'} findings list")
        _show_pages(workdir, echo)
        echo("Tinjau di browser: pantau demo --web (konsol web atas data demo; login sekali pakai dicetak)")
        ok = (not first["errors"] and first["findings"] > 0 and second["alerts_sent"] == 0
              and third["findings"] == 1 and third["edited"] == 1 and third["deleted"] == 1)
        if not ok:
            echo("PERINGATAN: hasil demo tidak seperti yang diharapkan (lihat log di atas).")
        return 0 if ok else 1
    finally:
        site.stop()
        smtp.stop()
        gateway.shutdown()
