"""Sending what the queue holds: one thread per channel, results written back.

The dispatcher gets its channels and renderer from the caller (the composition
root, :mod:`scraper.app`); it claims a delivery in the queue, renders and sends
it, and records the result right after the send. A failing or slow channel
does not hold back another. After a run it enqueues a dead-letter notice
(:mod:`alerts.notices`) and sends that at once.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Callable

from alerts.alert import Alert, DeliveryReport
from alerts.channels import Channel, SendResult, template_fields
from alerts.notices import enqueue_dead_notice
from alerts.queue import AlertQueue
from alerts.render import Renderer
from alerts.secrets import mask
from alerts.storage import is_disk_full
from alerts.timeutil import iso, utc_now

log = logging.getLogger("alerts.outbox")

#: recovery rounds per channel and run (after a success, waiting retries are sent too)
MAX_ROUNDS = 3


class Dispatcher:
    """Sends due deliveries of ``queue`` through ``channels`` (name -> Channel)."""

    def __init__(self, queue: AlertQueue, channels: dict[str, Channel], renderer: Renderer, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.queue = queue
        self.channels = channels
        self.renderer = renderer
        self.clock = clock
        #: (alert id, channel) -> (ok, error) of sends whose result the disk refused (see _remember)
        self._unrecorded: dict[tuple[str, str], tuple[bool, str]] = {}

    def deliver_due(self, now: datetime | None = None, *, force: bool = False) -> DeliveryReport:
        """Send every due delivery (``force``: ignore backoff waits); one thread per channel."""
        now = now or self.clock()
        report = DeliveryReport()
        self._record_remembered(report)
        for _ in range(2):  # a second pass sends a dead-letter notice right away
            names = self.queue.due_channels(now)
            if names:
                with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="outbox") as pool:
                    parts = list(pool.map(lambda n: self._run_channel(n, now, force), names))
                for part in parts:
                    report.add(part)
            if not enqueue_dead_notice(self.queue, now):
                break
        if report.sent or report.failed:
            log.info("outbox: %d sent, %d failed, %d dead, %d held", report.sent, report.failed,
                     report.dead, report.held)
        return report

    def _run_channel(self, name: str, now: datetime, force: bool) -> DeliveryReport:
        report = DeliveryReport()
        channel = self.channels.get(name)
        for round_no in range(MAX_ROUNDS):
            wake = force or round_no > 0  # after a success, waiting retries go too
            ids = [i for i in self.queue.due_ids(name, now, force=wake) if (i, name) not in self._unrecorded]
            successes = 0
            for alert_id in ids:
                try:
                    item = self.queue.claim(alert_id, name, now, report)
                except OSError as exc:
                    if not is_disk_full(exc):
                        raise
                    return report  # nothing sent; tried again when the disk has room
                if item is None:
                    continue
                result = self._send(channel, name, item)
                try:
                    state = self.queue.record(alert_id, name, result.ok, result.error, report)
                except OSError as exc:
                    if not is_disk_full(exc):
                        raise
                    self._remember(alert_id, name, result.ok, result.error, report)
                    return report
                report.results.append({"alert_id": alert_id, "channel": name, "ok": result.ok,
                                       "error": result.error, "state": state})
                if not result.ok:
                    return report  # channel down: the rest waits for the next run
                successes += 1
            if not successes:
                break
        return report

    def _send(self, channel: Channel | None, name: str, alert: Alert):
        if channel is None:
            return SendResult(False, f"kanal {name} tidak ada lagi di konfigurasi; pindahkan: "
                                     f"pantau alerts move --from {name} --to NAMA", "FAILURE")
        try:
            message = self.renderer.render_alert(alert, channel.style, {"channel": name})
        except Exception as exc:  # a staff-edited template broke: keep the alert queued
            return SendResult(False, mask(f"template error: {exc}"), "FAILURE")
        fields = template_fields(alert.id, alert.kind, alert.severity, alert.context,
                                 message.title, name)
        return channel.send(message.title, message.body, attachments=alert.attachments,
                            timeout=self.queue.send_timeout, fields=fields, html=message.html)

    # -- results the disk refused (issue #11 item 7) ------------------------
    def _remember(self, alert_id: str, name: str, ok: bool, error: str, report: DeliveryReport) -> None:
        """Keep a send's result in memory when the disk refused it.

        A sent alert whose "sent" could not be written would otherwise be
        sent again once its claim expires: a duplicate email. It is skipped
        by this process until :meth:`_record_remembered` writes the result.
        """
        self._unrecorded[(alert_id, name)] = (ok, error)  # (``report`` already counts it)
        log.error("delivery of %s to %s %s, but the result cannot be written (disk full); "
                  "kept in memory until it can", mask(alert_id), mask(name), "was sent" if ok else "failed")

    def _record_remembered(self, report: DeliveryReport) -> None:
        for (alert_id, name), (ok, error) in list(self._unrecorded.items()):
            try:
                self.queue.record(alert_id, name, ok, error, DeliveryReport())
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                return
            del self._unrecorded[(alert_id, name)]
            log.info("recorded the earlier result of %s to %s", mask(alert_id), mask(name))

    # -- test messages ------------------------------------------------------
    def send_test(self) -> list[dict]:
        """Send a test message to every channel now (not queued); one result per channel."""
        def one(channel: Channel) -> dict:
            alert = Alert(id="test", kind="test", severity="none", unit="",
                          context={"channel": channel.name}, created=iso(self.clock()))
            result = self._send(channel, channel.name, alert)
            return {"channel": mask(channel.name), "ok": result.ok, "error": result.error}
        channels = list(self.channels.values())
        if not channels:
            return []
        with ThreadPoolExecutor(max_workers=len(channels), thread_name_prefix="outbox-test") as pool:
            return list(pool.map(one, channels))
