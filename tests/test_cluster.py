"""Fetch workers over a real Redis (issue #18): a coordinator (`pantau once`, the same
pipeline the daemon runs) and two `pantau worker` processes over a loopback site of
200 accounts; a worker SIGKILLed mid-cycle and a Redis restart mid-cycle lose nothing.

Needs `redis-server` (Debian package redis-server; `.ci/run` installs it): skipped with a
message when absent, a failure under CI=true.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from alerts_servers import Gateway
from cluster_harness import REDIS_SERVER, RedisServer, cli_argv, env, stop_process
from daemon_harness import CAMPAIGN_TEXTS, NEUTRAL_TEXTS, utc, wait_until, write_config, write_watchlist

pytestmark = pytest.mark.slow

ACCOUNTS = 200
PASSWORD = "s3cret-Redis-pw"


@pytest.fixture(scope="module")
def redis_binary():
    if REDIS_SERVER is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (Debian package redis-server)")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    return REDIS_SERVER


class CountingSite:
    """The demo site, counting GETs per account: of its page (``hits``), and of every
    request including a first scan's read-back of older pages (``requests``)."""

    def __init__(self):
        from scraper.demo.site import DemoSite

        self.hits: dict[str, int] = {}
        self.requests: dict[str, int] = {}
        hits, requests = self.hits, self.requests
        site = DemoSite()
        original = site._serve

        def serve(req):
            path, _, query = req.path.partition("?")
            parts = path.strip("/").split("/")
            name = parts[1].removesuffix(".xml") if parts[0] in ("s", "feeds", "web") and len(parts) > 1 else parts[0]
            requests[name] = requests.get(name, 0) + 1
            if not query:
                hits[name] = hits.get(name, 0) + 1
            original(req)

        site._serve = serve
        self.site = site

    def reset(self) -> None:
        self.hits.clear()
        self.requests.clear()


@pytest.fixture(scope="module")
def world(tmp_path_factory, redis_binary):
    """One site (account keys include its address), one alert gateway, the single-machine reference."""
    root = tmp_path_factory.mktemp("cluster")
    counting = CountingSite()
    site = counting.site.start()
    names, people, campaign = [], [], set()
    for i in range(ACCOUNTS):
        name = f"akun{i:03d}"
        site.add_account(name, f"Akun {i}")
        text = CAMPAIGN_TEXTS[i % 3] if i % 10 == 0 else NEUTRAL_TEXTS[i % 3]
        site.add_post(name, 1, f"{text} ({name})", utc(30))
        site.add_post(name, 2, NEUTRAL_TEXTS[(i + 1) % 3], utc(90))
        if i % 10 == 0:
            campaign.add(name)
        names.append(name)
        people.append((f"ASN {i} (fiktif)", [("telegram", name)]))
    gateway = Gateway().start()
    single = _setup(root / "single", site, people, gateway, "single")
    result = _once(single)
    assert result["fetched"] == ACCOUNTS, result
    reference = {"findings": _findings(single), "alerts": _alert_ids(single), "by_account": _finding_accounts(single),
                 "requests": dict(counting.requests)}
    assert reference["findings"] and reference["alerts"]
    counting.reset()
    yield {"root": root, "site": site, "counting": counting, "people": people, "gateway": gateway,
           "reference": reference, "campaign": campaign}
    gateway.stop()
    site.stop()


def _setup(folder: Path, site, people, gateway, hook: str, broker: str = "", extra: str = "",
           redeliver_after: str = "90s") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cluster = ""
    if broker:
        cluster = (f'[cluster]\nbroker = "{broker}"\nin_flight = 200\nworker_concurrency = 4\n'
                   f'redeliver_after = "{redeliver_after}"\nheartbeat_timeout = "3s"\ntask_timeout = "30s"\n{extra}')
    config = write_config(folder, alert_urls=[f"json://127.0.0.1:{gateway.port}/{hook}"], concurrency=8,
                          run_timeout="120s", extra=cluster)
    write_watchlist(folder / "watchlists" / "uji.toml", people, site.base_url)
    return config


def _once(config: Path, timeout: float = 120) -> dict:
    r = subprocess.run(cli_argv(config, "once", "--json"), cwd=str(config.parent), env=_env(),
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    (config.parent / "once.log").write_text(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    e = env()
    e["PANTAU_REDIS_PASSWORD"] = PASSWORD
    return e


def _findings(config: Path) -> set[str]:
    return set(_finding_accounts(config))


def _finding_accounts(config: Path) -> dict[str, str]:
    """finding id -> account URL"""
    data = json.loads((config.parent / "data" / "findings.json").read_text())
    return {doc["id"]: doc["account_url"] for table in data.values() for doc in table.values()}


def _alert_ids(config: Path) -> list[str]:
    return sorted((config.parent / "data" / "outbox" / "ids.log").read_text().split())


def _sent_findings(gateway, hook: str) -> list[str]:
    """The finding ids in the alerts a channel received (once each), from their text."""
    ids = [re.search(r"ID temuan: ([0-9a-f]{6,16})", json.loads(b)["message"]).group(1) for b in gateway.ok_bodies(hook)]
    return sorted(ids)


def _workers(world, folder: Path, redis: RedisServer, count: int) -> list[subprocess.Popen]:
    procs = []
    for n in range(count):
        wdir = folder / f"worker{n}"
        config = _setup(wdir, world["site"], [], world["gateway"], "unused", broker=_broker_ref(redis))
        log = wdir / "worker.log"
        procs.append(_start_worker(config, log))
    client = redis.client()
    assert wait_until(lambda: client.hlen("pantau:workers") >= count, 30), "workers did not register"
    return procs


def _start_worker(config: Path, log: Path) -> subprocess.Popen:
    err = open(log, "ab")
    try:
        return subprocess.Popen(cli_argv(config, "-v", "worker", "--platforms", "telegram,rss"),
                                cwd=str(config.parent), env=_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
    finally:
        err.close()


def _broker_ref(redis: RedisServer) -> str:
    # the password comes from the environment (a systemd credential in production)
    return f"redis://:${{PANTAU_REDIS_PASSWORD}}@127.0.0.1:{redis.port}/0"


@pytest.fixture
def redis(tmp_path, redis_binary):
    server = RedisServer(tmp_path / "redis", password=PASSWORD).start()
    yield server
    server.stop()


def _cluster_once_in_background(config: Path) -> subprocess.Popen:
    return subprocess.Popen(cli_argv(config, "-v", "once", "--json"), cwd=str(config.parent), env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[dict, str]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1]), err


def _assert_same_as_single_machine(world, config: Path) -> None:
    ref = world["reference"]
    assert _findings(config) == ref["findings"]
    assert _alert_ids(config) == ref["alerts"]


def test_two_workers_fetch_each_account_once_and_match_single_machine(world, redis, tmp_path):
    site, counting, gateway = world["site"], world["counting"], world["gateway"]
    counting.reset()
    config = _setup(tmp_path / "coord", site, world["people"], gateway, "cluster", broker=_broker_ref(redis))
    workers = _workers(world, tmp_path, redis, 2)
    try:
        summary = _once(config)
        assert summary["fetched"] == ACCOUNTS and summary["failed"] == 0, summary
        # every account fetched exactly once in the cycle, by one of the two workers
        assert counting.hits == {f"akun{i:03d}": 1 for i in range(ACCOUNTS)}
        # and the first scan read as far back as the single machine did (through the workers too)
        assert counting.requests == world["reference"]["requests"]
        _assert_same_as_single_machine(world, config)
        # each alert reached the channel once, the same alerts as the single machine sent
        assert len(gateway.ok_bodies("/cluster")) == len(world["reference"]["alerts"])
        sent = _sent_findings(gateway, "/cluster")
        assert sent == _sent_findings(gateway, "/single") and len(set(sent)) == len(sent)

        # a second cycle: every account once more, nothing new, no alert again
        summary = _once(config)
        assert summary["fetched"] == ACCOUNTS and summary["findings"] == 0 and summary["new"] == 0, summary
        assert set(counting.hits.values()) == {2}
        assert len(gateway.ok_bodies("/cluster")) == len(world["reference"]["alerts"])

        # queue depth and workers in `pantau status --json` (and the plain text), password masked
        r = subprocess.run(cli_argv(config, "status", "--json"), cwd=str(config.parent), env=_env(),
                           capture_output=True, text=True, timeout=60)
        status = json.loads(r.stdout)["cluster"]
        assert status["reachable"] and status["queues"]["telegram"]["waiting"] == 0
        assert status["queues"]["telegram"]["workers"] == 2 and len(status["workers"]) == 2
        text = subprocess.run(cli_argv(config, "status"), cwd=str(config.parent), env=_env(),
                              capture_output=True, text=True, timeout=60).stdout
        assert "antrean telegram: 0 menunggu" in text and "2 worker aktif" in text
        assert PASSWORD not in r.stdout + text
    finally:
        codes = [stop_process(w) for w in workers]
    assert codes == [0, 0]
    logs = "".join((tmp_path / f"worker{n}" / "worker.log").read_text() for n in range(2))
    assert "serving telegram, rss" in logs and PASSWORD not in logs
    assert PASSWORD not in (config.parent / "once.log").read_text()


def test_worker_killed_mid_cycle_loses_nothing(world, redis, tmp_path):
    site, counting = world["site"], world["counting"]
    counting.reset()
    config = _setup(tmp_path / "coord", site, world["people"], world["gateway"], "killed",
                    broker=_broker_ref(redis))
    workers = _workers(world, tmp_path, redis, 2)
    site.latency = 0.1
    try:
        once = _cluster_once_in_background(config)
        assert wait_until(lambda: sum(counting.hits.values()) >= 40, 60)
        workers[0].send_signal(signal.SIGKILL)  # mid-task: its taken messages are not acknowledged
        workers[0].wait(10)
        summary, log = _finish(once)
    finally:
        site.latency = 0.0
        for w in workers:
            stop_process(w)
    assert summary["fetched"] == ACCOUNTS and summary["failed"] == 0, summary
    assert set(counting.hits) == {f"akun{i:03d}" for i in range(ACCOUNTS)}
    _assert_same_as_single_machine(world, config)
    assert _sent_findings(world["gateway"], "/killed") == _sent_findings(world["gateway"], "/single")
    # the broker handed the dead worker's unacknowledged tasks to the other worker: the
    # coordinator never had to send one again (its redeliver_after is longer than this test)
    assert "sending the task again" not in log
    assert "0 sent again" in log


def test_redis_restart_mid_cycle_loses_nothing(world, redis, tmp_path):
    site, counting = world["site"], world["counting"]
    counting.reset()
    # A worker whose connection broke may keep messages it had prefetched but not started in
    # its ack set while it lives (Dramatiq does not run them): the coordinator's resend after
    # redeliver_after is what recovers those, so it is short here.
    config = _setup(tmp_path / "coord", site, world["people"], world["gateway"], "restart",
                    broker=_broker_ref(redis), redeliver_after="8s")
    workers = _workers(world, tmp_path, redis, 2)
    site.latency = 0.1
    try:
        once = _cluster_once_in_background(config)
        assert wait_until(lambda: sum(counting.hits.values()) >= 40, 60)
        redis.restart(down_for=1.0)  # same port, data kept in its append-only file
        summary, log = _finish(once)
    finally:
        site.latency = 0.0
        for w in workers:
            stop_process(w)
    assert summary["fetched"] == ACCOUNTS and summary["failed"] == 0, summary
    assert set(counting.hits) == {f"akun{i:03d}" for i in range(ACCOUNTS)}
    _assert_same_as_single_machine(world, config)
    assert _sent_findings(world["gateway"], "/restart") == _sent_findings(world["gateway"], "/single")
    assert "duplicate result(s) dropped" in log


def test_daemon_is_the_coordinator(world, redis, tmp_path):
    """`pantau run` with a broker: its pass over all 200 accounts goes through the workers."""
    from daemon_harness import start_daemon, stop

    site, counting = world["site"], world["counting"]
    counting.reset()
    config = _setup(tmp_path / "coord", site, world["people"], world["gateway"], "daemon",
                    broker=_broker_ref(redis))
    workers = _workers(world, tmp_path, redis, 2)
    state = config.parent / "data" / "state.json"

    def pass_done():
        try:
            return json.loads(state.read_text()).get("last_cycle", {}).get("accounts") == ACCOUNTS
        except (OSError, ValueError, AttributeError):
            return False

    daemon = start_daemon(config, tmp_path / "daemon.log", watchdog_usec=None, env=_env())
    try:
        assert wait_until(pass_done, 90), (tmp_path / "daemon.log").read_text()[-3000:]
    finally:
        code = stop(daemon)
        for w in workers:
            stop_process(w)
    assert code == 0
    last = json.loads(state.read_text())["last_cycle"]
    assert last["fetched"] == ACCOUNTS and last["failed"] == 0, last
    assert counting.hits == {f"akun{i:03d}": 1 for i in range(ACCOUNTS)}
    _assert_same_as_single_machine(world, config)
    log = (tmp_path / "daemon.log").read_text()
    assert "cluster: fetching through workers via redis://****@127.0.0.1" in log and PASSWORD not in log


def test_duplicated_tasks_give_the_same_posts_and_alert_once(world, redis, tmp_path):
    """Every task sent twice (redeliver_after shorter than a fetch): each page is fetched
    twice, the second result is dropped, findings and alerts are the single machine's."""
    site, counting = world["site"], world["counting"]
    people = world["people"][:20]
    counting.reset()
    config = _setup(tmp_path / "coord", site, people, world["gateway"], "dup", broker=_broker_ref(redis),
                    redeliver_after="1s")
    workers = _workers(world, tmp_path, redis, 1)
    site.latency = 1.5
    try:
        proc = _cluster_once_in_background(config)
        summary, log = _finish(proc)
    finally:
        site.latency = 0.0
        for w in workers:
            stop_process(w)
    assert summary["fetched"] == 20 and summary["failed"] == 0, summary
    assert all(n >= 2 for n in counting.hits.values()) and len(counting.hits) == 20  # duplicates did run
    m = re.search(r"(\d+) task\(s\) sent, (\d+) sent again, (\d+) duplicate result\(s\) dropped", log)
    assert m and int(m.group(2)) >= 20 and int(m.group(3)) >= 1, m and m.group(0)
    urls = {site.base_url + "/" + name for _, [(_, name)] in people}
    expected = {fid for fid, url in world["reference"]["by_account"].items() if url in urls}
    assert expected and _findings(config) == expected
    sent = _sent_findings(world["gateway"], "/dup")
    assert len(sent) == len(set(sent)) == len([f for f in _alert_ids(config)])


@pytest.mark.browser
def test_browser_accounts_are_fetched_by_the_workers_chromium(redis, tmp_path, chromium, demo_site):
    """`web` accounts (rendered by script) go to a worker serving only `web`: its own Chromium."""
    from alerts_servers import Gateway as _Gateway

    for name in ("satu", "dua", "tiga"):
        demo_site.add_account(name, name.title())
        demo_site.add_post(name, 1, f"Rapat koordinasi imunisasi ({name})", utc(30))
    people = [(f"ASN {n} (fiktif)", [("web", name)]) for n, name in enumerate(("satu", "dua", "tiga"))]
    gateway = _Gateway().start()
    try:
        config = _setup(tmp_path / "coord", demo_site, people, gateway, "web", broker=_broker_ref(redis))
        wdir = tmp_path / "worker"
        wconfig = _setup(wdir, demo_site, [], gateway, "unused", broker=_broker_ref(redis),
                         extra=f'platforms = ["web"]\n')
        if chromium:
            wconfig.write_text(wconfig.read_text() + f'\n[browser]\nexecutable = "{chromium}"\n')
        err = open(wdir / "worker.log", "ab")
        worker = subprocess.Popen(cli_argv(wconfig, "worker"), cwd=str(wdir), env=_env(),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        try:
            assert wait_until(lambda: redis.client().hlen("pantau:workers") >= 1, 30)
            summary = _once(config)
        finally:
            stop_process(worker)
    finally:
        gateway.stop()
    assert summary["fetched"] == 3 and summary["failed"] == 0 and summary["new"] == 3, summary
    log = (wdir / "worker.log").read_text()
    assert "serving web" in log and "Chromium launched" in log
