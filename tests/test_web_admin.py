"""Admin pages over HTTP (uvicorn on 127.0.0.1, real files): an .xlsx watchlist with Indonesian headers,
users managed in the browser form, sessions that need `pantau login`, a tampered evidence image."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import httpx
import pytest

from web_harness import ADMIN, ADMIN_PW, REVIEWER, REVIEWER_PW, LiveServer, console_env, csrf_of, login


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from review_fixtures import start_site

    site = start_site()
    try:
        env = console_env(tmp_path_factory.mktemp("webadmin"), site, screenshot=False)
        path = env.config.path
        path.write_text(path.read_text(encoding="utf-8").replace(
            '"people/*.csv"]', '"people/*.csv", "people/*.xlsx"]'), encoding="utf-8")
        from scraper.config import load_config

        env.config = load_config(path)
        yield env
    finally:
        site.stop()


@pytest.fixture(scope="module")
def live(env):
    from scraper.web.app import create_app

    with LiveServer(create_app(env.config)) as server:
        yield server


def xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["Nama", "NIP", "Jabatan", "Unit Kerja", "Platform", "URL"]
ROW = ["Dewi Anggraini (fiktif)", "198707142011012004", "Bendahara", "Sekretariat Daerah (fiktif)", "facebook",
       "https://www.facebook.com/dewi.anggraini.demo"]


def upload(c: httpx.Client, name: str, data: bytes) -> httpx.Response:
    token = csrf_of(c.get("/daftar-pantauan").text)
    return c.post("/daftar-pantauan", data={"csrf": token}, files={"berkas": (name, data, "application/octet-stream")})


def test_xlsx_watchlist_with_indonesian_headers_is_checked_then_installed(env, live):
    folder = env.config.path.parent / "people"
    with httpx.Client(base_url=live.url, timeout=60) as c:
        login(c, ADMIN, ADMIN_PW)
        bad = ROW[:1] + ["1987071420110120"] + ROW[2:]
        r = upload(c, "pegawai.xlsx", xlsx([HEAD, bad]))
        assert r.status_code == 400 and "pegawai.xlsx" in r.text and "18 digit" in r.text
        assert not (folder / "pegawai.xlsx").exists()
        r = upload(c, "../../pegawai.xlsx", b"PK\x03\x04 not really a workbook")
        assert r.status_code == 400 and not (env.config.path.parent.parent / "pegawai.xlsx").exists()
        r = upload(c, "catatan.txt", b"name,nip\n")
        assert r.status_code == 400 and ".csv, .xlsx atau .toml" in r.text
        r = upload(c, "pegawai.xlsx", xlsx([HEAD, ROW]))
        assert r.status_code == 200 and "1 orang, 1 akun" in r.text
        assert (folder / "pegawai.xlsx").is_file()
        assert oct((folder / "pegawai.xlsx").stat().st_mode & 0o777) == "0o600"
        assert not list(folder.glob(".unggah-*"))  # the checked copy never lingers
        # the new account's platform needs a browser session nobody saved yet
        people = c.get("/orang").text
        assert "Dewi Anggraini (fiktif)" in people and "Sesi login perlu diperbarui" in people
        assert "pantau login facebook" in people
    from scraper.review import audit_log

    entries = [e for e in audit_log(env.config.storage_dir).entries() if e["action"] == "watchlist_replaced"]
    assert entries and entries[-1]["actor"] == ADMIN and entries[-1]["details"]["people"] == 1


def test_login_wall_shows_on_people_and_status(env, live):
    from scraper.app import load_people
    from scraper.health import HealthBook
    from scraper.store import storage_layout

    book = HealthBook(storage_layout(env.config.storage_dir)["health"], threshold=1)
    key = next(a.key for p in load_people(env.config) for a in p.accounts if a.platform == "facebook")
    book.record_failure(key, "login_wall", "halaman login Facebook", datetime.now(timezone.utc))
    book.flush()
    with httpx.Client(base_url=live.url, timeout=60) as c:
        login(c, REVIEWER, REVIEWER_PW)
        people = c.get("/orang").text
        assert "terhalang login" in people and "halaman login Facebook" in people
        status = c.get("/status").text
        assert "terhalang login" in status


def test_admin_manages_users_in_the_console(env, live):
    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    with httpx.Client(base_url=live.url, timeout=60) as c:
        login(c, ADMIN, ADMIN_PW)
        token = csrf_of(c.get("/pengguna").text)
        r = c.post("/pengguna", data={"csrf": token, "action": "add", "name": "eka", "role": "reviewer",
                                      "password": "sandi-eka-2024"})
        assert r.status_code == 303 and "pesan=" in r.headers["location"]
        assert UserStore(users_path(env.config)).get("eka").role == "reviewer"
        r = c.post("/pengguna", data={"csrf": token, "action": "add", "name": "fajar", "role": "reviewer",
                                      "password": "pendek"})
        assert "minimal" in c.get(r.headers["location"]).text
        with httpx.Client(base_url=live.url, timeout=60) as eka:
            assert login(eka, "eka", "sandi-eka-2024").status_code == 303
            c.post("/pengguna", data={"csrf": token, "action": "disable", "name": "eka"})
            assert eka.get("/temuan", follow_redirects=False).status_code == 303
        r = c.post("/pengguna", data={"csrf": token, "action": "disable", "name": ADMIN})
        assert "sendiri" in c.get(r.headers["location"]).text
        assert c.post("/pengguna", data={"action": "add", "name": "gita", "role": "admin",
                                         "password": "sandi-gita-2024"}).status_code == 403
    assert UserStore(users_path(env.config)).get("gita") is None


def test_logout_ends_the_session_for_good(env, live):
    with httpx.Client(base_url=live.url, timeout=60) as c:
        login(c, REVIEWER, REVIEWER_PW)
        old = c.cookies.get("pantau_sesi")
        page = c.get("/temuan")
        r = c.post("/keluar", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code == 303
    with httpx.Client(base_url=live.url, timeout=60, cookies={"pantau_sesi": old}) as replay:
        assert replay.get("/temuan", follow_redirects=False).status_code == 303  # a copied cookie is dead too


def test_console_decisions_and_daemon_writes_lose_nothing(env, live):
    """The daemon keeps adding findings (under the store's file lock) while staff decide in the console."""
    import threading

    from scraper.store import FindingStore, storage_layout

    template = env.store.all()[0]
    undecided = [f["id"] for f in env.store.all() if f["status"] == "new"]
    daemon_store = FindingStore(storage_layout(env.config.storage_dir)["findings"])
    added = [f"{i:016x}" for i in range(40)]

    def daemon() -> None:
        for fid in added:
            daemon_store.add_new([{**template, "id": fid, "status": "new", "review": []}])

    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    _user, token = UserStore(users_path(env.config)).new_token(REVIEWER)
    writer = threading.Thread(target=daemon)
    writer.start()
    with httpx.Client(base_url=live.url, timeout=60, headers={"authorization": f"Bearer {token}"}) as c:
        for fid in undecided + added[:10]:
            r = c.post(f"/api/findings/{fid}/decision", json={"decision": "dismissed", "note": "uji bersamaan"})
            assert r.status_code in (200, 404), r.text  # 404: the daemon has not written it yet
    writer.join()
    stored = {f["id"]: f for f in env.store.all()}
    assert set(added) <= set(stored)
    assert all(stored[fid]["status"] == "dismissed" for fid in undecided)
