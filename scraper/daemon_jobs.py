"""The daemon's daily and periodic housekeeping jobs: digest, deadline reminders and the
closer watch of open cases, the retention purge.

A mixin of :class:`scraper.daemon.Daemon` (kept apart so the daemon module is its
lifecycle: start, signals, reload, account runs, shutdown). The jobs use the
daemon's ``runtime``, ``config``, ``people``, ``open_cases``, ``clock``,
``deliver()`` and ``_apply_people()``.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from alerts.timeutil import iso

from .cases import enqueue_reminders, open_case_nips

log = logging.getLogger("scraper.daemon")


class HousekeepingJobs:
    """Jobs the scheduler runs besides the account runs (see ``Daemon._schedule_housekeeping``)."""

    runtime: Any
    config: Any
    people: dict[str, Any]
    open_cases: set[str]

    async def digest(self) -> None:
        from alerts.digest import build_digest

        services = self.runtime.services
        now = self.clock()
        since = now - timedelta(days=1)
        try:
            findings = [f for f in services.findings.all() if f.get("first_seen", "") >= iso(since)]
            health = []
            for h in services.health.all():
                if h.state != "ok" and h.key in self.people:
                    person, account = self.people[h.key]
                    health.append({"account_url": account.url, "platform": account.platform,
                                   "person": {"name": person.name, "nip": person.nip, "position": person.position,
                                              "unit": person.unit},
                                   "state": h.state, "reason": h.reason, "since": iso(h.since),
                                   "failures": h.failures})
            from .cases import overdue

            alert = build_digest(findings, health, services.outbox.counts(), since, now,
                                 overdue=overdue(services.findings.all(), now))
            services.outbox.enqueue(alert)
        except Exception:
            log.exception("daily digest failed")
            return
        await self.deliver()

    def _refresh_cases(self) -> bool:
        """Read who has an open case; True when that changed (intervals are then re-applied)."""
        services = self.runtime.services
        nips = open_case_nips(services.findings.all())
        changed = nips != self.open_cases
        self.open_cases = nips
        services.open_cases = nips
        return changed

    async def cases(self, now: datetime | None = None) -> int:
        """Reminders of findings near their deadline (once each, through the outbox) and the closer watch."""
        try:
            if self._refresh_cases() and self.runtime.people is not None:
                log.info("open cases: %d people; their accounts are fetched every %s", len(self.open_cases),
                         self.config.schedule.case_interval)
                self._apply_people(self.runtime.people)
            services = self.runtime.services
            queued = enqueue_reminders(services.outbox, services.findings.all(), now or self.clock())
        except Exception:
            log.exception("deadline reminders failed")
            return 0
        if queued:
            log.info("deadline reminders queued for %d finding(s)", len(queued))
            await self.deliver()
        return len(queued)

    async def purge(self) -> None:
        from .retention import purge

        assert self.config is not None
        try:
            report = await asyncio.to_thread(purge, self.config, self.clock(), dry_run=False)
            log.info("daily purge: %s", report)
        except Exception:
            log.exception("daily purge failed")
