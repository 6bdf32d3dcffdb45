"""Fetch workers on other machines (``[cluster] broker``, ``pantau worker``).

The coordinator (today's daemon, or ``pantau once``) keeps the schedule, the
stores, diff, detection, evidence and the outbox. With a broker set it does
not fetch: :class:`~scraper.cluster.remote.RemoteFetcher` sends one task per
fetch to the queue of the account's platform and waits for the result.
``pantau worker`` (:mod:`scraper.cluster.worker`) consumes those queues,
fetches through the one fetch path (:func:`scraper.fetch.page.fetch_account_page`),
parses, and returns the page as fetched, its SHA-256 and the parsed posts;
it never writes the stores.

Engine: Dramatiq over Redis (why: ``docs/architecture.md``). Nothing here
imports Dramatiq or the Redis client at module level, so a single machine
needs neither.

Modules: :mod:`.codec` (task and result JSON, pure), :mod:`.broker` (queue
names, the Dramatiq broker, queue depth, worker registry), :mod:`.limiter`
(the per-host gate shared through Redis), :mod:`.remote` (coordinator side),
:mod:`.worker` (worker side).
"""
from __future__ import annotations

#: prefix of every key Pantau itself keeps in Redis (Dramatiq's own keys use the same namespace)
NAMESPACE = "pantau"
