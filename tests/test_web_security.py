"""Security of the console over HTTP (uvicorn on 127.0.0.1, real stores, real users file):
unauthenticated refusals, CSRF, escaping, path ids, disabled users, rate limit, API token."""
from __future__ import annotations

import os

import httpx
import pytest

from web_harness import (ADMIN, ADMIN_PW, HOSTILE, REVIEWER, REVIEWER_PW, LiveServer, console_env, csrf_of,
                         login)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from review_fixtures import start_site

    site = start_site()
    try:
        yield console_env(tmp_path_factory.mktemp("web"), site, screenshot=False)
    finally:
        site.stop()


@pytest.fixture(scope="module")
def live(env):
    from scraper.web.app import create_app

    with LiveServer(create_app(env.config)) as server:
        yield server


def client(live) -> httpx.Client:
    return httpx.Client(base_url=live.url, follow_redirects=False, timeout=60)


def some_id(env) -> str:
    return next(f["id"] for f in env.store.all() if f["id"] != env.hostile_id)


def test_every_page_and_api_refuses_unauthenticated(env, live):
    fid = some_id(env)
    pages = ["/temuan", f"/temuan/{fid}", f"/temuan/{fid}/gambar", f"/temuan/{fid}/laporan.pdf",
             f"/temuan/{fid}/laporan.html", f"/temuan/{fid}/bukti.zip", "/orang", "/daftar-pantauan", "/status",
             "/pengguna"]
    posts = [f"/temuan/{fid}/keputusan", "/daftar-pantauan", "/pengguna", "/keluar"]
    apis = ["/api/findings", f"/api/findings/{fid}", "/api/status"]
    with client(live) as c:
        for path in pages:
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/masuk?lanjut="), path
            assert env.store.all()[0]["person"]["nip"] not in r.text
        for path in posts:
            r = c.post(path, data={"decision": "confirmed", "csrf": "x"})
            assert r.status_code == 303 and r.headers["location"].startswith("/masuk"), path
        for path in apis:
            for headers in ({}, {"authorization": "Bearer pantau_not-a-real-token"}, {"authorization": "Basic eDp5"}):
                r = c.get(path, headers=headers)
                assert r.status_code == 401 and "error" in r.json(), (path, headers)
        r = c.post(f"/api/findings/{fid}/decision", json={"decision": "confirmed"})
        assert r.status_code == 401
    assert all(f["status"] == "new" for f in env.store.all())


def test_forms_and_cookie_api_calls_without_csrf_token_are_refused(env, live):
    fid = some_id(env)
    with client(live) as c:
        assert login(c, REVIEWER, REVIEWER_PW).status_code == 303
        page = c.get(f"/temuan/{fid}")
        assert page.status_code == 200
        token = csrf_of(page.text)
        for data in ({"decision": "confirmed"}, {"decision": "confirmed", "csrf": "salah"}):
            r = c.post(f"/temuan/{fid}/keputusan", data=data)
            assert r.status_code == 403 and "CSRF" in r.text
        r = c.post(f"/api/findings/{fid}/decision", json={"decision": "dismissed"})
        assert r.status_code == 403
        assert env.store.get(fid)["status"] == "new"
        r = c.post(f"/api/findings/{fid}/decision", json={"decision": "dismissed", "note": "uji"},
                   headers={"x-csrf-token": token})
        assert r.status_code == 200 and r.json()["status"] == "dismissed" and r.json()["reviewed_by"] == REVIEWER
        # the login form has its own CSRF token
        r = httpx.post(f"{live.url}/masuk", data={"name": REVIEWER, "password": REVIEWER_PW})
        assert r.status_code == 403 and "pantau_sesi" not in r.headers.get("set-cookie", "")


def test_hostile_post_text_is_shown_escaped(env, live):
    with client(live) as c:
        login(c, ADMIN, ADMIN_PW)
        r = c.get(f"/temuan/{env.hostile_id}")
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in r.text
    assert "<mark" in r.text  # the matched terms of the same text are highlighted
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    assert HOSTILE.startswith("<script>")


@pytest.mark.parametrize("path", [
    "/temuan/..%2F..%2Fetc%2Fpasswd", "/temuan/%2e%2e%2f%2e%2e%2fetc%2fpasswd/gambar",
    "/temuan/....%2F%2Fetc%2Fpasswd/bukti.zip", "/api/findings/..%2F..%2Fetc%2Fpasswd",
    "/temuan/0123456789abcdef", "/temuan/0123456789ABCDEF/laporan.pdf", "/api/findings/0123456789abcdef",
    "/static/..%2F..%2F..%2Fetc%2Fpasswd",
])
def test_ids_that_are_paths_or_unknown_give_404(env, live, path):
    with client(live) as c:
        login(c, ADMIN, ADMIN_PW)
        r = c.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "root:" not in r.text


def test_prefix_ids_are_not_accepted_by_the_console(env, live):
    fid = some_id(env)
    with client(live) as c:
        login(c, ADMIN, ADMIN_PW)
        assert c.get(f"/temuan/{fid[:8]}").status_code == 404
        assert c.get(f"/temuan/{fid}").status_code == 200


def test_disabled_user_is_locked_out_at_once(env, live):
    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    users = UserStore(users_path(env.config))
    users.add("dedi", "reviewer", "sandi-dedi-12345")
    _user, token = users.new_token("dedi")
    with client(live) as c:
        assert login(c, "dedi", "sandi-dedi-12345").status_code == 303
        assert c.get("/temuan").status_code == 200
        assert c.get("/api/findings", headers={"authorization": f"Bearer {token}"}).status_code == 200
        users.set_disabled("dedi")
        r = c.get("/temuan")
        assert r.status_code == 303 and r.headers["location"].startswith("/masuk")
        assert c.get("/api/findings", headers={"authorization": f"Bearer {token}"}).status_code == 401
        r = login(c, "dedi", "sandi-dedi-12345")
        assert r.status_code == 401 and "dinonaktifkan" in r.text


def test_reviewer_cannot_manage_watchlists_or_users(env, live):
    with client(live) as c:
        login(c, REVIEWER, REVIEWER_PW)
        page = c.get("/temuan")
        assert "Daftar pantauan" not in page.text
        for path in ("/daftar-pantauan", "/pengguna"):
            assert c.get(path).status_code == 403
            r = c.post(path, data={"csrf": csrf_of(page.text), "action": "add", "name": "x1", "role": "admin",
                                   "password": "0123456789ab"})
            assert r.status_code == 403
    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    assert UserStore(users_path(env.config)).get("x1") is None


def test_login_rate_limit_per_user_and_per_address(env):
    from scraper.web.app import create_app

    with LiveServer(create_app(env.config)) as server, client(server) as c:
        for _ in range(5):
            assert login(c, ADMIN, "salah-salah-salah").status_code == 401
        r = login(c, ADMIN, ADMIN_PW)  # right password, but the user is locked for the window
        assert r.status_code == 429 and "Terlalu banyak" in r.text
        assert "pantau_sesi" not in r.headers.get("set-cookie", "")
        for i in range(14):  # 5 + 14 = 19 failures from this address
            assert login(c, f"tamu{i}", "salah-salah-salah").status_code == 401
        assert login(c, "tamu-terakhir", "salah").status_code == 401
        assert login(c, REVIEWER, REVIEWER_PW).status_code == 429  # the address is now locked too


def test_api_with_a_token_from_the_cli(env, live):
    from typer.testing import CliRunner

    from scraper.cli import app

    result = CliRunner().invoke(app, ["--config", str(env.config.path), "users", "token", ADMIN])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    auth = {"authorization": f"Bearer {token}"}
    with client(live) as c:
        items = c.get("/api/findings", headers=auth).json()
        assert {"id", "person", "nip", "severity", "status", "deadline", "post_deleted_at"} <= set(items[0])
        fid = next(i["id"] for i in items if i["status"] == "new")
        new = c.get("/api/findings", params={"status": "baru"}, headers=auth).json()
        assert new and {i["status"] for i in new} == {"new"}
        assert len(new) == len(c.get("/api/findings?status=new", headers=auth).json()) == sum(
            i["status"] == "new" for i in items)
        assert c.get(f"/api/findings/{fid}", headers=auth).json()["id"] == fid
        assert c.post(f"/api/findings/{fid}/decision", headers=auth, json={"decision": "maybe"}).status_code == 400
        r = c.post(f"/api/findings/{fid}/decision", headers=auth, json={"decision": "confirmed", "note": "via API"})
        assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["reviewed_by"] == ADMIN
        r = c.post(f"/api/findings/{fid}/decision", headers=auth, json={"decision": "dismissed"})
        assert r.status_code == 409 and "sudah" in r.json()["error"]
        status = c.get("/api/status", headers=auth).json()
        assert "outbox" in status and "accounts_by_health" in status
    from scraper.review import audit_log

    actions = [(e["action"], e["actor"]) for e in audit_log(env.config.storage_dir).entries(fid)]
    assert ("viewed", ADMIN) in actions and ("confirmed", ADMIN) in actions


def test_session_cookie_is_httponly_samesite_and_expires(env, live, monkeypatch):
    from itsdangerous import timed

    from scraper.web.app import create_app

    with client(live) as c:
        r = login(c, ADMIN, ADMIN_PW)
        cookie = r.headers["set-cookie"].lower()
        value = c.cookies.get("pantau_sesi")
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=43200" in cookie
    assert "secure" not in cookie  # plain http on loopback; https base_url turns it on (below)
    console = create_app(env.config).state.console
    assert console.sessions.identify(value).user.name == ADMIN
    now = timed.time.time()
    monkeypatch.setattr(timed.time, "time", lambda: now + 12 * 3600 + 5)
    assert console.sessions.identify(value) is None
    monkeypatch.undo()
    https = env.config.model_copy(deep=True)
    https.web.base_url = "https://pantau.example.go.id"
    https.path = env.config.path
    assert create_app(https).state.console.sessions.secure is True
    assert oct(os.stat(env.config.storage_dir / "web-secret.key").st_mode & 0o777) == "0o600"


def test_report_of_an_unconfirmed_finding_is_only_a_marked_draft(env, live):
    fid = next(f["id"] for f in env.store.all() if f["status"] == "new")
    with client(live) as c:
        login(c, REVIEWER, REVIEWER_PW)
        r = c.get(f"/temuan/{fid}/laporan.html")
        assert r.status_code == 303 and "galat=" in r.headers["location"]
        assert "Laporan tidak dibuat" in c.get(r.headers["location"]).text
        r = c.get(f"/temuan/{fid}/laporan.html?draf=1")
        assert r.status_code == 200 and "DRAF" in r.headers["content-disposition"]
        assert c.get(f"/temuan/{fid}/laporan.exe?draf=1").status_code == 404


def test_login_never_redirects_off_site(env, live):
    import re

    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        with client(live) as c:
            page = c.get("/masuk", params={"lanjut": target})
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            r = c.post("/masuk", data={"name": ADMIN, "password": ADMIN_PW, "csrf": token, "lanjut": target})
            assert r.status_code == 303 and r.headers["location"] == "/temuan", target
    with client(live) as c:
        assert c.get("/temuan/x", follow_redirects=False).headers["location"] == "/masuk?lanjut=%2Ftemuan%2Fx"


def test_finding_page_records_a_verification_once_a_day_per_user(env, live):
    """The console's evidence check is `pantau evidence verify`: recorded in custody and audit
    with the logged-in user, but a page view records at most once per user per WITA day."""
    from scraper.app import open_stores

    fid = next(f["id"] for f in env.store.all() if (f.get("evidence") or {}).get("manifest_sha256"))
    stores = open_stores(env.config)

    def recorded(log):
        return [e for e in log.entries(fid) if e.get("action") == "verified" and e.get("actor") == ADMIN]

    # (an earlier test of this module may already have opened the page as ADMIN today)
    assert len(recorded(stores.custody)) <= 1
    with client(live) as c:
        login(c, ADMIN, ADMIN_PW)
        for _ in range(3):
            assert c.get(f"/temuan/{fid}").status_code == 200
    assert len(recorded(stores.custody)) == 1 and len(recorded(stores.audit)) == 1
    assert recorded(stores.custody)[0]["details"]["scope"] == fid
    assert stores.custody.verify().ok
