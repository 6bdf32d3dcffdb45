"""The console over real findings: the real pipeline on the loopback demo site,
real TinyDB files, a real users file, and uvicorn serving on 127.0.0.1."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from review_fixtures import CHANNEL, at, pipeline_findings
from scraper.config import Config, load_config
from scraper.store import FindingStore

REPO_ROOT = Path(__file__).resolve().parents[1]
ADMIN, ADMIN_PW = "ani", "sandi-admin-123"
REVIEWER, REVIEWER_PW = "budi", "sandi-peninjau-123"
HOSTILE = "<script>alert('xss')</script> Ayo coblos nomor 2! Prabowo-Gibran satu putaran"
GOOD_CSV = ("name,nip,position,unit,platform,url\n"
            "Citra Lestari (fiktif),199105052019032001,Analis Kebijakan,Bappeda (fiktif),telegram,"
            "https://t.me/citra_demo\n")
BAD_CSV = ("name,nip,position,unit,platform,url\n"
           "Citra Lestari (fiktif),12345,Analis Kebijakan,Bappeda (fiktif),telegram,https://t.me/citra_demo\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread on a loopback port."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Env:
    config: Config
    store: FindingStore
    hostile_id: str


def console_env(tmp_path: Path, site, *, screenshot: bool) -> Env:
    """Real findings (one with a hostile post), CSV watchlists enabled, two users."""
    from scraper.web.app import users_path
    from scraper.web.users import UserStore

    site.add_post(CHANNEL, 105, HOSTILE, at("2024-11-21 08:00"))
    config, store = pipeline_findings(tmp_path, site, screenshot=screenshot)
    path = config.path
    path.write_text(path.read_text(encoding="utf-8").replace(
        'paths = ["people/*.toml"]', 'paths = ["people/*.toml", "people/*.csv"]'), encoding="utf-8")
    config = load_config(path)
    users = UserStore(users_path(config))
    users.add(ADMIN, "admin", ADMIN_PW)
    users.add(REVIEWER, "reviewer", REVIEWER_PW)
    hostile = next(f for f in store.all() if f["post_id"] == "105")
    return Env(config=config, store=store, hostile_id=hostile["id"])


def login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Log in through the real form (login CSRF cookie + token); returns the response."""
    import re

    page = client.get("/masuk")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/masuk", data={"name": name, "password": password, "csrf": token, "lanjut": "/temuan"})


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
