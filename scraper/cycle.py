"""A whole cycle: every account once, then delivery; and the figures added up over runs.

``pantau once`` (through :func:`scraper.app.run_once`) runs :func:`run_cycle`; the daemon
runs accounts on their own timers (:func:`scraper.pipeline.process_account`) and shares
:func:`deliver` and :class:`RunTotals` with it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

from alerts.outbox import DeliveryReport
from alerts.storage import is_disk_full

from .models import Account, Person
from .pipeline import AccountResult, Services, process_account


@dataclass
class RunTotals:
    """Figures added up over account runs: the one counter behind ``once``'s summary,
    a daemon pass (``last_cycle``) and the daemon's running totals."""

    runs: int = 0
    failed: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    findings: int = 0
    older: int = 0
    alerts_sent: int = 0

    def add(self, result: AccountResult) -> None:
        self.runs += 1
        self.failed += 0 if result.ok else 1
        self.new += result.new
        self.edited += result.edited
        self.deleted += result.deleted
        self.findings += result.findings
        self.older += result.older

    def figures(self) -> dict[str, int]:
        """``new``, ``edited``, ``deleted``, ``findings``, ``alerts_sent`` (state.json, summaries)."""
        return {"new": self.new, "edited": self.edited, "deleted": self.deleted, "findings": self.findings,
                "alerts_sent": self.alerts_sent}


@dataclass
class CycleResult:
    results: list[AccountResult] = field(default_factory=list)
    alerts_sent: int = 0
    started: datetime | None = None
    finished: datetime | None = None

    def summary(self) -> dict[str, Any]:
        """``pantau once``'s summary (a JSON contract)."""
        totals = RunTotals(alerts_sent=self.alerts_sent)
        for r in self.results:
            totals.add(r)
        return {
            "accounts": totals.runs,
            "fetched": totals.runs - totals.failed,
            "failed": totals.failed,
            "new": totals.new,
            "edited": totals.edited,
            "deleted": totals.deleted,
            "findings": totals.findings,
            "older_not_alerted": totals.older,
            "alerts_sent": totals.alerts_sent,
            "errors": [r.to_error() for r in self.results if not r.ok],
        }


#: accounts in progress per fetch slot: while ``concurrency`` accounts wait on the network,
#: as many more are parsed, detected and written, so the fetch slots never idle behind that
#: work (issue #17: one slot per whole account run left them idle in waves)
IN_PROGRESS_PER_SLOT = 2


def accounts_at_once(concurrency: int) -> int:
    """Account runs in progress at once for ``concurrency`` fetches at once."""
    return concurrency * IN_PROGRESS_PER_SLOT


async def run_cycle(services: Services, people: list[Person], *, concurrency: int = 4,
                    on_result: Callable[[AccountResult], None] | None = None) -> CycleResult:
    """Every account of every person once, then deliver: ``concurrency`` page fetches at a
    time (``services.fetch_gate``) and :func:`accounts_at_once` account runs in progress.

    ``on_result`` is called after each account (``pantau once``'s progress bar).
    """
    cycle = CycleResult(started=services.clock())
    # this cycle's own gates: made in the running loop (a semaphore binds to the loop it first
    # waits in, and a caller may run cycles in several loops with the same services)
    outer_fetch_gate, services.fetch_gate = services.fetch_gate, asyncio.Semaphore(concurrency)
    gate = asyncio.Semaphore(accounts_at_once(concurrency))

    async def one(person: Person, account: Account) -> AccountResult:
        async with gate:
            result = await process_account(services, person, account)
        if on_result is not None:
            on_result(result)
        return result

    tasks = [one(p, a) for p in people for a in p.accounts]
    try:
        cycle.results = list(await asyncio.gather(*tasks))
    finally:
        services.fetch_gate = outer_fetch_gate
    services.health.flush()  # the one write of the health book in a cycle
    cycle.alerts_sent = await deliver(services)
    cycle.finished = services.clock()
    return cycle


async def deliver(services: Services,
                  run_blocking: Callable[[Callable[[], DeliveryReport]], Awaitable[DeliveryReport]] | None = None,
                  ) -> int:
    """Send what is due in the outbox off the event loop; how many were sent.

    ``run_blocking`` runs the blocking send (default: a worker thread; the daemon
    passes its delivery thread). A full disk is not an error here: it is logged
    once a minute by :data:`alerts.storage.DISK` and what was sent is recorded later.
    """
    try:
        report = await (run_blocking or asyncio.to_thread)(services.outbox.deliver_due)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        return 0  # logged by alerts.storage.DISK; what was sent is retried or recorded later
    return report.sent
