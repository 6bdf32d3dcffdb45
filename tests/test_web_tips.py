"""Tips and cases in the console over HTTP (uvicorn on 127.0.0.1, real stores, the loopback demo site):
the pkd role (tip form, own tips only, nothing else), the case API through every state, the public
tip page (off by default, CSRF, listed accounts only, rate limit per address)."""
from __future__ import annotations

import json
import re

import httpx
import pytest

from review_fixtures import CHANNEL
from web_harness import REVIEWER, REVIEWER_PW, LiveServer, console_env, csrf_of, login

PKD, PKD_PW = "desi", "sandi-pkd-desa-123"
PKD2, PKD2_PW = "eko", "sandi-pkd-desa-456"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from review_fixtures import start_site
    from scraper.config import load_config
    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    site = start_site()
    site.add_account("orang_luar_demo", "Orang luar (fiktif)")
    from review_fixtures import at
    site.add_post("orang_luar_demo", 501, "Foto kegiatan kemarin", at("2024-11-19 09:00"))
    site.add_post(CHANNEL, 106, "Jadwal posyandu minggu depan di balai desa", at("2024-11-22 08:00"))
    site.add_post(CHANNEL, 107, "Terima kasih atas kehadiran bapak ibu", at("2024-11-22 09:00"))
    try:
        e = console_env(tmp_path_factory.mktemp("tips"), site, screenshot=False)
        users = UserStore(users_path(e.config))
        users.add(PKD, "pkd", PKD_PW)
        users.add(PKD2, "pkd", PKD2_PW)
        path = e.config.path
        path.write_text(path.read_text() + "\n[web]\npublic_tips = true\npublic_tips_per_hour = 2\n")
        e.config = load_config(path)
        e.site = site
        yield e
    finally:
        site.stop()


@pytest.fixture(scope="module")
def live(env):
    from scraper.web.app import create_app

    with LiveServer(create_app(env.config)) as server:
        yield server


def client(live) -> httpx.Client:
    return httpx.Client(base_url=live.url, follow_redirects=False, timeout=120)


def audit(env) -> list[dict]:
    return [json.loads(line) for line in (env.config.storage_dir / "audit.log").read_text().splitlines() if line]


def test_pkd_submits_a_tip_and_sees_only_their_own(env, live):
    url = f"{env.site.base_url}/{CHANNEL}/106"
    with client(live) as c:
        r = login(c, PKD, PKD_PW)
        assert r.status_code == 303 and r.headers["location"] == "/laporan"
        for path in ("/temuan", f"/temuan/{env.hostile_id}", "/orang", "/status", "/daftar-pantauan"):
            assert c.get(path).status_code == 403, path
        assert c.get("/api/findings").status_code == 403
        page = c.get("/laporan")
        assert page.status_code == 200 and "Laporkan unggahan" in page.text
        assert env.store.all()[0]["person"]["nip"] not in page.text  # nothing of other findings
        r = c.post("/laporan", data={"csrf": csrf_of(page.text), "url": url, "note": "laporan warga Desa Babulu"})
        assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
        mine = c.get(r.headers["location"])
        assert "Laporan diterima" in mine.text and url in mine.text and "laporan warga Desa Babulu" in mine.text
        no_token = c.post("/laporan", data={"url": url})
        assert no_token.status_code == 403
    tip = next(f for f in env.store.all() if f.get("source") == "laporan" and f["post_id"] == "106")
    assert tip["tips"][0]["by"] == PKD and tip["tips"][0]["channel"] == "konsol"
    assert tip["evidence"]["manifest_sha256"]
    with client(live) as c:
        login(c, PKD2, PKD2_PW)
        assert url not in c.get("/laporan").text  # another supervisor's tips stay theirs


def test_pkd_unlisted_account_needs_a_reason_which_is_audited(env, live):
    url = f"{env.site.base_url}/orang_luar_demo/501"
    with client(live) as c:
        login(c, PKD, PKD_PW)
        page = c.get("/laporan")
        r = c.post("/laporan", data={"csrf": csrf_of(page.text), "url": url})
        asked = c.get(r.headers["location"])
        assert "tidak ada di daftar pantauan" in asked.text and 'name="unlisted"' in asked.text
        r = c.post("/laporan", data={"csrf": csrf_of(asked.text), "url": url,
                                     "unlisted": "ASN baru, belum masuk daftar"})
        assert "ok=" in r.headers["location"], r.headers["location"]
    entry = [e for e in audit(env) if e["action"] == "tip" and e["details"]["url"] == url]
    assert entry and entry[-1]["actor"] == PKD and entry[-1]["details"]["unlisted_reason"] == "ASN baru, belum masuk daftar"


def test_a_case_goes_through_every_state_by_the_api_and_the_console(env, live):
    fid = next(f["id"] for f in env.store.all() if f["post_id"] == "102" and f.get("source") != "laporan")
    other = next(f["id"] for f in env.store.all() if f["post_id"] == "104" and f.get("source") != "laporan")
    with client(live) as c:
        login(c, REVIEWER, REVIEWER_PW)
        token = csrf_of(c.get(f"/temuan/{fid}").text)
        h = {"x-csrf-token": token}
        early = c.post(f"/api/findings/{fid}/case", json={"step": "recommend", "letter": "1", "date": "2024-12-02"},
                       headers=h)
        assert early.status_code == 409 and "belum dikonfirmasi" in early.json()["error"]
        assert c.post(f"/api/findings/{fid}/decision", json={"decision": "confirmed"}, headers=h).status_code == 200
        steps = [{"step": "recommend", "letter": "002/PP.01/XII/2024", "date": "2024-12-02"},
                 {"step": "decide", "outcome": "Terbukti melanggar", "date": "2024-12-20", "sanction": "disiplin ringan"},
                 {"step": "close", "note": "arsip"}]
        seen = []
        for body in steps:
            r = c.post(f"/api/findings/{fid}/case", json=body, headers=h)
            assert r.status_code == 200, r.text
            seen.append(r.json()["case_status"])
        assert seen == ["recommended", "decided", "closed"]
        assert c.post(f"/api/findings/{fid}/case", json={"step": "close"}, headers=h).status_code == 409
        assert c.post(f"/api/findings/{fid}/case", json={"step": "recommend"}).status_code == 403  # no CSRF header
        row = next(x for x in c.get("/api/findings").json() if x["id"] == fid)
        assert row["case_status"] == "closed" and row["letter_number"] == "002/PP.01/XII/2024"
        assert row["decided_date"] == "2024-12-20" and row["sanction"] == "disiplin ringan" and row["source"] == "pantau"
        assert [x["id"] for x in c.get("/api/findings", params={"status": "selesai"}).json()] == [fid]
        assert [x["id"] for x in c.get("/api/findings", params={"status": "closed"}).json()] == [fid]

        # the console's own form, on another finding
        c.post(f"/temuan/{other}/keputusan", data={"csrf": token, "decision": "confirmed"})
        page = c.get(f"/temuan/{other}")
        assert "Tindak lanjut kasus" in page.text and 'value="recommend"' in page.text
        r = c.post(f"/temuan/{other}/kasus", data={"csrf": token, "step": "recommend", "letter": "003/PP/2024",
                                                    "date": "2024-12-03"})
        assert r.status_code == 303
        page = c.get(r.headers["location"])
        assert "Rekomendasi dicatat" in page.text and "003/PP/2024" in page.text and 'value="decide"' in page.text
    actions = [e["action"] for e in audit(env) if e.get("finding_id") == fid]
    assert {"case_recommended", "case_decided", "case_closed"} <= set(actions)
    assert [e["actor"] for e in audit(env) if e["action"] == "case_closed"] == [REVIEWER]


def test_public_tip_page_listed_accounts_only_with_csrf_and_rate_limit(env, live):
    with client(live) as c:
        page = c.get("/lapor")
        assert page.status_code == 200 and "Laporkan unggahan ASN" in page.text
        assert "/temuan" not in page.text and "Keluar" not in page.text
        forged = c.post("/lapor", data={"url": f"{env.site.base_url}/{CHANNEL}/107", "csrf": "x"})
        assert forged.status_code == 403  # each answer carries a fresh form token (and cookie)
        r = c.post("/lapor", data={"url": f"{env.site.base_url}/orang_luar_demo/501", "csrf": csrf_of(forged.text)})
        assert r.status_code == 422 and "tidak ada dalam daftar pantauan" in r.text
        r = c.post("/lapor", data={"url": f"{env.site.base_url}/{CHANNEL}/107", "csrf": csrf_of(r.text)})
        assert r.status_code == 200 and "Laporan diterima dengan nomor" in r.text, r.text[-500:]
        receipt = re.search(r"nomor <b><code>([0-9a-f]{8})</code>", r.text).group(1)
        assert next(f for f in env.store.all() if f["id"].startswith(receipt))["tips"][0]["by"] == "publik"
        r = c.post("/lapor", data={"url": f"{env.site.base_url}/{CHANNEL}/107", "csrf": csrf_of(r.text)})
        assert r.status_code == 429  # two per hour from this address
        for path in ("/temuan", "/api/findings", "/laporan"):
            assert c.get(path).status_code in (303, 401), path


def test_public_tip_page_is_off_unless_configured(env, tmp_path):
    from scraper.config import load_config
    from scraper.web.app import create_app

    text = env.config.path.read_text().replace("public_tips = true", "public_tips = false")
    path = env.config.path.with_name("config-off.toml")
    path.write_text(text)
    with LiveServer(create_app(load_config(path))) as server, client(server) as c:
        assert c.get("/lapor").status_code == 404
