"""The outbox: the durable queue and its dispatcher behind one object.

The parts live in their own modules:

* :mod:`alerts.alert`: :class:`Alert` and :class:`DeliveryReport`;
* :mod:`alerts.queue`: :class:`AlertQueue`, the durable queue (on disk before
  any attempt to send; routing at enqueue time; claims and results; views);
* :mod:`alerts.dispatch`: :class:`Dispatcher`, one thread per channel, with
  the channels and renderer given to it;
* :mod:`alerts.notices`: dead-letter notices.

:class:`Outbox` composes them for callers that want both ends (the pipeline,
the daemon, ``pantau alerts``). Read-only callers (``pantau status``, the
console's status page) use :class:`AlertQueue` alone: no channels are built.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from alerts.alert import KINDS, Alert, DeliveryReport  # noqa: F401  (re-exported)
from alerts.channels import Channel, NotifierFactory, build_channels
from alerts.dispatch import MAX_ROUNDS, Dispatcher  # noqa: F401  (re-exported)
from alerts.notices import enqueue_dead_notice
from alerts.problems import Problem
from alerts.queue import AlertQueue
from alerts.render import Renderer, format_pending  # noqa: F401  (re-exported for the CLI)
from alerts.settings import AlertsSettings
from alerts.timeutil import utc_now


def build_dispatch_parts(settings: AlertsSettings, notifier_factory: NotifierFactory | None = None,
                         renderer: Renderer | None = None) -> tuple[dict[str, Channel], list[Problem], Renderer]:
    """Channels (and the problems of the ones that could not be built) and the renderer for ``settings``."""
    channels, problems = build_channels(settings.all_channels(), notifier_factory)
    return channels, problems, renderer or Renderer(settings.templates_dir)


class Outbox:
    """Durable queue of alerts plus their dispatcher (thread- and process-safe).

    ``channels``/``renderer`` are built from ``settings`` unless given.
    """

    def __init__(self, directory: Path, settings: AlertsSettings, *,
                 clock: Callable[[], datetime] = utc_now,
                 notifier_factory: NotifierFactory | None = None,
                 renderer: Renderer | None = None,
                 channels: dict[str, Channel] | None = None) -> None:
        self.queue = AlertQueue(directory, settings, clock=clock)
        self.clock = clock
        built, self.problems, renderer = build_dispatch_parts(settings, notifier_factory, renderer)
        self.dispatcher = Dispatcher(self.queue, built if channels is None else channels, renderer, clock=clock)

    def reconfigure(self, settings: AlertsSettings, renderer: Renderer | None = None,
                    notifier_factory: NotifierFactory | None = None) -> None:
        """New alert settings (a reload): same queue, new channels and renderer.

        Results a full disk refused stay remembered, so nothing is sent twice.
        """
        channels, self.problems, renderer = build_dispatch_parts(settings, notifier_factory, renderer)
        self.queue.configure(settings)
        self.dispatcher.channels, self.dispatcher.renderer = channels, renderer

    # -- the parts' attributes callers use ------------------------------------
    @property
    def directory(self) -> Path:
        return self.queue.directory

    @property
    def settings(self) -> AlertsSettings:
        return self.queue.settings

    @property
    def channels(self) -> dict[str, Channel]:
        return self.dispatcher.channels

    @property
    def renderer(self) -> Renderer:
        return self.dispatcher.renderer

    @property
    def _unrecorded(self) -> dict[tuple[str, str], tuple[bool, str]]:
        return self.dispatcher._unrecorded

    def _path(self, alert_id: str) -> Path:
        return self.queue._path(alert_id)

    # -- queue --------------------------------------------------------------
    def enqueue(self, alert: Alert, exclude: frozenset[str] = frozenset()) -> bool:
        """Store ``alert`` durably and route it; False if its id was ever enqueued before."""
        return self.queue.enqueue(alert, exclude)

    def known(self, alert_id: str) -> bool:
        return self.queue.known(alert_id)

    def move(self, old: str, new: str, now: datetime | None = None) -> dict[str, int]:
        """Give every unsent delivery for channel ``old`` to channel ``new`` (see :meth:`AlertQueue.move`)."""
        return self.queue.move(old, new, now, configured=set(self.channels))

    def requeue_dead(self, now: datetime | None = None) -> int:
        return self.queue.requeue_dead(now)

    def pending(self) -> list[dict]:
        return self.queue.pending(configured=set(self.channels))

    def counts(self) -> dict:
        return self.queue.counts()

    def archived(self) -> list[dict]:
        return self.queue.archived()

    # -- sending ------------------------------------------------------------
    def deliver_due(self, now: datetime | None = None, *, force: bool = False) -> DeliveryReport:
        return self.dispatcher.deliver_due(now, force=force)

    def dead_notices(self, now: datetime | None = None) -> str | None:
        return enqueue_dead_notice(self.queue, now or self.clock())

    def send_test(self) -> list[dict]:
        return self.dispatcher.send_test()
