"""Parts of the cluster (issue #18): the task/result codec, the Redis-backed per-host gate
(real redis-server), config validation and masking, worker platform choice, and that a
single machine imports neither Dramatiq nor Redis."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cluster_harness import REDIS_SERVER, RedisServer, cli_argv, env
from daemon_harness import write_config, write_watchlist

from scraper.cluster import codec
from scraper.errors import LayoutChanged, RateLimited, RedirectRefused, TooLarge
from scraper.models import Account, Post
from scraper.platforms.base import Page, Posts


@pytest.fixture
def redis(tmp_path):
    if REDIS_SERVER is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (Debian package redis-server)")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_result_round_trip_keeps_page_posts_and_hash():
    account = Account(platform="telegram", url="https://t.me/contoh", options={"x": 1}, person_name="Ani")
    assert codec.account_from_json(json.loads(json.dumps(codec.account_to_json(account)))) == account
    page = Page(url="https://t.me/s/contoh", final_url="https://t.me/s/contoh", status=200,
                body="<html>ñ 🤟 <b>x</b></html>", fetched_at=datetime(2026, 11, 1, 3, tzinfo=timezone.utc),
                headers={"etag": "W/1"}, content_type="text/html", title="t", responses=(("u", "{}"),))
    posts = Posts([Post(platform="telegram", account_url=account.url, post_id="7", url="https://t.me/contoh/7",
                        published=datetime(2026, 10, 31, 23, tzinfo=timezone.utc), text="Ayo coblos",
                        media=("https://cdn/x.jpg",), raw="<div>7</div>", extra={"share": True})])
    posts.skipped, posts.skip_reasons = 1, ["item 3: no id"]
    doc = json.loads(json.dumps(codec.ok_result("t1", "w1", page, posts)))
    back = codec.decode_result(doc)
    assert back.body == page.body and back.headers == page.headers and back.responses == page.responses
    assert back.fetched_at == page.fetched_at and back.sha256 == codec.body_sha256(page.body)
    assert list(back.posts) == list(posts) and back.posts.skipped == 1 and back.posts.skip_reasons == posts.skip_reasons
    # a body changed on the way is refused, not stored as evidence
    doc["page"]["body"] += " "
    with pytest.raises(Exception, match="SHA-256"):
        codec.decode_result(doc)


@pytest.mark.parametrize("exc", [
    RateLimited("HTTP 429", url="u", retry_after=30.0),
    LayoutChanged("no posts", url="u"),
    TooLarge("too big", url="u", limit=1024, bytes_read=2048),
    RedirectRefused("away", url="u", target="https://evil.example/"),
])
def test_fetch_errors_come_back_as_the_same_exception(exc):
    doc = json.loads(json.dumps(codec.error_result("t", "w", exc)))
    with pytest.raises(type(exc)) as info:
        codec.decode_result(doc)
    back = info.value
    assert str(back) == str(exc) and back.url == "u"
    for name in ("retry_after", "state", "limit", "bytes_read", "target"):
        assert getattr(back, name, None) == getattr(exc, name, None)


def test_shared_gate_spaces_starts_and_limits_concurrency_across_workers(redis):
    from scraper.cluster.broker import redis_client
    from scraper.cluster.limiter import RedisHostGate

    starts: list[float] = []
    running = {"now": 0, "max": 0}

    async def main():
        clients = [redis_client(redis.url, asyncio=True) for _ in range(2)]
        gates = [RedisHostGate(c, per_host_concurrency=2, min_delay=0.2, jitter=0.0) for c in clients]

        async def fetch(gate):
            async with gate.slot("http://host.example:8080/a"):
                starts.append(time.monotonic())
                running["now"] += 1
                running["max"] = max(running["max"], running["now"])
                await asyncio.sleep(0.5)
                running["now"] -= 1

        await asyncio.gather(*(fetch(gates[i % 2]) for i in range(6)))  # two "workers", three fetches each
        # a 429 seen by one worker stops the other one too
        gates[0].cooldown("host.example:8080", 60)
        await asyncio.sleep(0.2)
        with pytest.raises(RateLimited):
            async with gates[1].slot("http://host.example:8080/b"):
                pass
        assert gates[1].cooling_until("host.example:8080") is not None
        for c in clients:
            await c.aclose()

    asyncio.run(main())
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 6 and min(gaps) >= 0.19, gaps  # never faster than one worker's min_delay
    assert running["max"] <= 2  # per_host_concurrency over both workers together


def test_broker_must_be_redis_and_platforms_known(tmp_path):
    from scraper.config import check_config

    config = write_config(tmp_path, extra='[cluster]\nbroker = "http://10.0.0.5:6379"\nplatforms = ["telegram", "myspace"]\n')
    _, problems = check_config(config)
    text = "\n".join(str(p) for p in problems)
    assert "cluster.broker" in text and "redis://" in text
    assert "cluster.platforms" in text and "myspace" in text


def test_broker_password_from_a_credential_is_masked(tmp_path, monkeypatch):
    from alerts.secrets import mask
    from scraper.cluster.status import cluster_status
    from scraper.config import load_config

    monkeypatch.setenv("PANTAU_REDIS_PASSWORD", "p@ss/w:rd#1")
    config = load_config(write_config(tmp_path, extra='[cluster]\nbroker = "redis://:${PANTAU_REDIS_PASSWORD}@127.0.0.1:9/0"\n'))
    assert config.cluster.broker == "redis://:p%40ss%2Fw%3Ard%231@127.0.0.1:9/0"  # one password, encoded
    assert "w:rd" not in mask(f"connecting to {config.cluster.broker}") and "p%40ss" not in mask(config.cluster.broker)
    status = cluster_status(config)  # nothing listens on port 9: unreachable, said without the password
    assert status["reachable"] is False and status["error"]
    assert "p%40ss" not in json.dumps(status) and "w:rd" not in json.dumps(status)


def test_worker_without_broker_or_with_unknown_platform_says_so(tmp_path):
    config = write_config(tmp_path)
    r = subprocess.run(cli_argv(config, "worker"), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "[cluster] broker kosong" in r.stderr and "Traceback" not in r.stderr
    config = write_config(tmp_path, extra='[cluster]\nbroker = "redis://127.0.0.1:9/0"\n')
    r = subprocess.run(cli_argv(config, "worker", "--platforms", "telegram,myspace"), cwd=tmp_path, env=env(),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "myspace" in r.stderr and "Traceback" not in r.stderr


def test_worker_serves_login_platforms_only_with_a_session(tmp_path):
    from scraper.cluster.worker import serving_platforms
    from scraper.platforms import ADAPTERS

    login = sorted(n for n, a in ADAPTERS.items() if a.needs_session)
    assert login  # facebook, instagram, x ...
    served, notes = serving_platforms([], tmp_path)
    assert "telegram" in served and not set(login) & set(served) and not notes
    (tmp_path / f"{login[0]}.json").write_text("{}")
    served, notes = serving_platforms([login[0], "rss"], tmp_path)
    assert served == [login[0], "rss"]
    served, notes = serving_platforms([login[1]], tmp_path)
    assert served == [] and f"pantau login {login[1]}" in notes[0]


def test_single_machine_needs_neither_dramatiq_nor_redis(tmp_path, demo_site):
    demo_site.add_account("satu", "Satu")
    demo_site.add_post("satu", 1, "Rapat koordinasi imunisasi", datetime(2026, 11, 1, tzinfo=timezone.utc))
    config = write_config(tmp_path)
    write_watchlist(tmp_path / "watchlists" / "uji.toml", [("Ani (fiktif)", [("telegram", "satu")])],
                    demo_site.base_url)
    script = ("import asyncio, json, sys\n"
              "from scraper.config import load_config\n"
              "from scraper.app import run_once\n"
              "import scraper.daemon, scraper.status\n"
              f"summary = asyncio.run(run_once(load_config({str(config)!r})))\n"
              "print(json.dumps({'fetched': summary['fetched'], 'loaded': sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('dramatiq', 'redis'))}))\n")
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env(), capture_output=True, text=True,
                       timeout=120)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out == {"fetched": 1, "loaded": []}, r.stderr[-2000:]
