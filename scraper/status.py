"""What the daemon is doing, written to disk so ``pantau status`` can read it.

``pantau once`` records its cycle with :func:`record_cycle`. The daemon has
no global cycle (each account runs on its own interval), so it counts a
*pass*: the time in which every watched account ran at least once
(:class:`PassTracker`); a finished pass is stored as ``last_cycle`` in the
same shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.secrets import mask
from alerts.storage import pid_alive
from alerts.timeutil import fmt_wita, iso, utc_now

from . import __version__
from .cycle import RunTotals
from .pipeline import AccountResult
from .store import read_state, storage_layout, write_state


def record_cycle(storage_dir: Path, cycle: Any, services: Any, *, next_cycle: datetime | None = None) -> dict:
    """Merge the figures of a finished cycle into state.json."""
    path = storage_layout(storage_dir)["state"]
    state = read_state(path)
    summary = cycle.summary()
    state.update({
        "version": __version__,
        "last_cycle": {
            "started": iso(cycle.started),
            "finished": iso(cycle.finished),
            **summary,
            "errors": summary["errors"][:50],
        },
        "updated": iso(utc_now()),
    })
    if next_cycle is not None:
        state["next_cycle"] = iso(next_cycle)
    write_state(path, state)
    return state


def record_daemon(storage_dir: Path, **fields: Any) -> dict:
    """Daemon-level facts: pid, started, state (running/stopped), next_cycle, ..."""
    path = storage_layout(storage_dir)["state"]
    state = read_state(path)
    state.update({k: (iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()})
    state["version"] = __version__
    state["updated"] = iso(utc_now())
    write_state(path, state)
    return state


#: error entries kept in state.json per cycle
MAX_ERRORS = 50


@dataclass
class PassTracker:
    """Adds account results until every watched account has run once.

    Pure bookkeeping: the caller passes the clock's time and writes the
    finished pass (see :func:`record_daemon`).
    """

    keys: set[str] = field(default_factory=set)
    started: datetime | None = None
    waiting: set[str] = field(default_factory=set)
    figures: RunTotals = field(default_factory=RunTotals)
    #: per account of this pass: did its latest run succeed, and its latest error
    outcome: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    results: int = 0

    def set_keys(self, keys: set[str]) -> None:
        """The watchlist changed: wait for new accounts, forget removed ones."""
        added = set(keys) - self.keys
        self.keys = set(keys)
        self.waiting = (self.waiting & self.keys) | added if self.started else set(self.keys)

    def _begin(self, now: datetime) -> None:
        self.started, self.waiting, self.results = now, set(self.keys), 0
        self.figures = RunTotals()
        self.outcome, self.errors = {}, {}

    def add(self, key: str, result: AccountResult, now: datetime) -> dict[str, Any] | None:
        """Count one account run; the finished pass (same shape as ``last_cycle``) or None.

        ``accounts``, ``fetched`` and ``failed`` count accounts (by their latest
        run in the pass), not runs: an account on a short interval runs several
        times while a slow one runs once. ``runs`` is the number of runs.
        """
        if self.started is None:
            self._begin(now)
        self.results += 1
        ok = result.ok
        self.outcome[key] = ok
        self.figures.add(result)
        if ok:
            self.errors.pop(key, None)
        elif key in self.errors or len(self.errors) < MAX_ERRORS:
            self.errors[key] = result.to_error()
        self.waiting.discard(key)
        if self.waiting:
            return None
        fetched = sum(self.outcome.values())
        done = {"started": iso(self.started), "finished": iso(now), "accounts": len(self.outcome),
                "fetched": fetched, "failed": len(self.outcome) - fetched, "runs": self.results,
                **self.figures.figures(), "errors": list(self.errors.values())}
        self._begin(now)
        return done

    def sent(self, count: int) -> None:
        if self.started is not None:
            self.figures.alerts_sent += count


#: rejected-reload problems kept in state.json
MAX_REJECTED = 20


def in_force(people: list[Any], now: datetime) -> dict[str, Any]:
    """The list the daemon watches, for state.json (``status`` shows it, not the files)."""
    names = {a.key: [p.name, a.platform, a.url] for p in people for a in p.accounts}
    return {"loaded": iso(now), "accounts": len(names), "people": len({p.nip or p.name for p in people}),
            "names": names}


def rejected(problems: list[Any], now: datetime) -> dict[str, Any]:
    """A rejected reload, for state.json: when, and why (file, entry, message)."""
    items = []
    for p in problems[:MAX_REJECTED]:
        items.append({"file": str(getattr(p, "file", "")), "where": mask(str(getattr(p, "entry", ""))),
                      "message": mask(str(getattr(p, "message", p)))})
    return {"at": iso(now), "count": len(problems), "problems": items}


def _watched_names(force: dict | None, people: list[Any] | None) -> tuple[dict[str, tuple], int]:
    """Account key -> (person, platform, url), and how many accounts are watched: the list the
    daemon recorded as in force (``force``), else ``people`` as loaded from the files now."""
    if force is not None:
        names = {k: tuple(v) for k, v in force["names"].items()}
        return names, int(force.get("accounts", len(names)))
    names = {}
    for person in people or []:
        for account in person.accounts:
            names[account.key] = (person.name, account.platform, account.url)
    return names, len(names)


def _account_rows(book: Any, names: dict[str, tuple]) -> list[dict[str, Any]]:
    """The health of each watched account with its person/platform/url, problems first."""
    accounts = []
    for h in book.all():
        if names and h.key not in names:
            continue  # an account no longer watched
        data = h.to_json()
        name, platform, url = names.get(h.key, ("", "", ""))
        data.update({"person": name, "platform": platform, "url": url})
        accounts.append(data)
    accounts.sort(key=lambda d: (d.get("state") == "ok", d.get("person", ""), d.get("url", "")))
    return accounts


def build_status(config: Any, people: list[Any] | None = None,
                 disk_problems: list[Any] | None = None) -> dict[str, Any]:
    """Everything ``pantau status`` shows, from the files on disk only.

    While the daemon runs, the account list is the one it recorded as in force
    (a rejected reload does not change it); otherwise ``people`` as loaded from
    the files now. ``disk_problems``: why the files could not be loaded.
    """
    from alerts.queue import AlertQueue

    from .health import HealthBook

    layout = storage_layout(config.storage_dir)
    state = read_state(layout["state"])
    running = bool(state.get("state") == "running" and pid_alive(state.get("pid")))
    book = HealthBook(layout["health"], threshold=config.health.failure_threshold)
    force = state.get("in_force") if running else None
    if not (isinstance(force, dict) and isinstance(force.get("names"), dict)):
        force = None
    names, watched = _watched_names(force, people)
    accounts = _account_rows(book, names)
    try:
        outbox = AlertQueue(layout["outbox"], config.alerts).counts()
    except Exception as exc:  # status must work even if the outbox is unreadable
        outbox = {"error": str(exc)}
    pid = state.get("pid")
    return {
        "version": __version__,
        "daemon": {
            "running": running,
            "pid": pid,
            "started": state.get("started"),
            "state": state.get("state", "never started"),
        },
        "last_cycle": state.get("last_cycle"),
        "next_cycle": state.get("next_cycle"),
        "accounts": accounts,
        "accounts_by_health": _by_health(accounts),
        "watched_accounts": watched,
        "list_source": "daemon" if force else "files",
        "list_loaded": force.get("loaded") if force else None,
        "reload_rejected": state.get("reload_rejected") if running else None,
        "files_invalid": [str(p) for p in disk_problems or []][:MAX_REJECTED],
        "outbox": outbox,
        "storage": storage_status(config.storage_dir, state),
        "findings": findings_status(layout["findings"]),
        **_cluster(config),
    }


def findings_status(path: Path) -> dict[str, Any]:
    """Findings past their deadline and still not reviewed, and open cases (scraper.cases)."""
    from alerts.timeutil import utc_now

    from .cases import OPEN_CASE, case_status, overdue
    from .store import FindingStore

    try:
        findings = FindingStore(path).all() if Path(path).exists() else []
    except Exception as exc:  # status must work even if the store is unreadable
        return {"error": str(exc)}
    late = overdue(findings, utc_now())
    return {"overdue": len(late),
            "overdue_items": [{"id": f["id"], "person": f["person"]["name"], "deadline": f.get("deadline")}
                              for f in late[:20]],
            "open_cases": sum(1 for f in findings if case_status(f) in OPEN_CASE)}


def _cluster(config: Any) -> dict[str, Any]:
    """``cluster`` (queue depth, workers) when a broker is set; nothing otherwise."""
    if not config.cluster.broker:
        return {}
    from .cluster.status import cluster_status

    return {"cluster": cluster_status(config)}


#: below this many free bytes the storage counts as full (a state file no longer fits)
STORAGE_LOW = 1 << 20


def storage_status(root: Path, state: dict[str, Any]) -> dict[str, Any]:
    """Free space of the storage folder and the write failure the daemon last recorded."""
    import shutil

    try:
        free: int | None = shutil.disk_usage(root).free
    except OSError:
        free = None
    problem = state.get("storage_problem") if state.get("state") == "running" else None
    return {"free_bytes": free, "full": (free is not None and free < STORAGE_LOW) or bool(problem),
            "problem": problem}


def _by_health(accounts: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in accounts:
        counts[a.get("state", "ok")] = counts.get(a.get("state", "ok"), 0) + 1
    return counts


def format_status(status: dict[str, Any]) -> str:
    d = status["daemon"]
    lines = [f"Pantau {status['version']}",
             f"Daemon: {'berjalan' if d['running'] else 'tidak berjalan'}"
             + (f" (pid {d['pid']}, sejak {fmt_wita(d['started'])})" if d["running"] else "")]
    last = status.get("last_cycle")
    if last:
        lines.append(f"Siklus terakhir: {fmt_wita(last.get('finished'))}: {last.get('accounts', 0)} akun, "
                     f"{last.get('failed', 0)} gagal, {last.get('findings', 0)} temuan baru")
    else:
        lines.append("Siklus terakhir: belum pernah")
    lines.append(f"Siklus berikutnya: {fmt_wita(status.get('next_cycle'))}")
    storage = status.get("storage") or {}
    if storage.get("full"):
        free = storage.get("free_bytes")
        lines.append("PENYIMPANAN PENUH: data tidak dapat ditulis"
                     + (f" (sisa {free // 1024} KB)" if free is not None else "")
                     + "; hasil disimpan sementara di memori sampai ruang kosong tersedia. Kosongkan disk.")
    ob = status.get("outbox", {})
    if "error" in ob:
        lines.append(f"Outbox: tidak terbaca ({ob['error']})")
    else:
        lines.append(f"Outbox: {ob.get('pending', 0)} menunggu, {ob.get('dead', 0)} gagal permanen")
    fs = status.get("findings") or {}
    if fs.get("overdue"):
        lines.append(f"LEWAT BATAS PENANGANAN: {fs['overdue']} temuan belum ditinjau: "
                     + ", ".join(f"{i['id'][:8]} ({i['person']}, batas {fmt_wita(i['deadline'])})"
                                 for i in fs.get("overdue_items", [])[:5])
                     + ("; ..." if fs["overdue"] > 5 else ""))
    if fs.get("open_cases"):
        lines.append(f"Kasus terbuka: {fs['open_cases']} (akun orangnya dipantau lebih sering)")
    lines += _list_lines(status)
    if status.get("cluster"):
        from .cluster.status import format_cluster

        lines += format_cluster(status["cluster"])
    lines.append(f"Akun dipantau: {status.get('watched_accounts', 0)}; kesehatan: "
                 + (", ".join(f"{k} {v}" for k, v in sorted(status['accounts_by_health'].items())) or "belum ada data"))
    for a in status["accounts"]:
        if a.get("state") != "ok":
            lines.append(f"  BERMASALAH {a.get('person') or '?'} {a.get('platform')} {a.get('url') or a.get('key')}: "
                         f"{a.get('state')} sejak {fmt_wita(a.get('since'))} ({a.get('failures')}x): {a.get('reason')}")
    return "\n".join(lines)


def _list_lines(status: dict[str, Any]) -> list[str]:
    """Which list is in force, and a rejected reload with its reasons."""
    lines = []
    if status.get("list_source") == "daemon":
        lines.append(f"Daftar yang berlaku: yang dimuat daemon {fmt_wita(status.get('list_loaded'))}")
    rejected = status.get("reload_rejected")
    if rejected:
        lines.append(f"PERUBAHAN DITOLAK {fmt_wita(rejected.get('at'))}: berkas baru tidak dipakai; "
                     f"daftar dan konfigurasi terakhir yang valid tetap berjalan. "
                     f"{rejected.get('count', 0)} masalah (perbaiki lalu simpan lagi):")
        for p in rejected.get("problems", []):
            lines.append(f"  - {p.get('file')}: {p.get('where')}: {p.get('message')}")
    elif status.get("files_invalid"):
        lines.append("Berkas konfigurasi/daftar pantau tidak valid (jalankan `pantau check`):")
        lines += [f"  - {p}" for p in status["files_invalid"]]
    return lines
