"""systemd notify protocol (READY=1, WATCHDOG=1, STATUS=...) without dependencies.

A datagram to ``$NOTIFY_SOCKET``; a leading ``@`` means an abstract socket.
Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
"""
from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)

#: systemd truncates nothing, but a STATUS= line is meant to be short
MAX_STATUS = 200
#: messages that must arrive may wait this long for room in the socket queue
IMPORTANT_WAIT = 2.0
IMPORTANT = ("READY=1", "STOPPING=1", "RELOADING=1")


def notify(message: str) -> bool:
    """Send ``message`` (e.g. ``READY=1``) to the service manager; False if none or dropped.

    Called from the event loop, so it must not block: when the manager's
    queue is full, WATCHDOG/STATUS messages are dropped (the next one follows
    soon) and READY/STOPPING wait at most :data:`IMPORTANT_WAIT` seconds.
    """
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    elif not address.startswith("/"):
        log.debug("sd_notify: unsupported NOTIFY_SOCKET %r", address)
        return False
    if message.startswith("STATUS=") and len(message) > MAX_STATUS:
        message = message[:MAX_STATUS]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(IMPORTANT_WAIT if message.startswith(IMPORTANT) else 0.0)
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
        return True
    except OSError as exc:
        log.debug("sd_notify failed: %s", exc)
        return False


def watchdog_interval() -> float | None:
    """Seconds between two WATCHDOG=1 pings (half of $WATCHDOG_USEC), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    if value <= 0:
        return None
    return max(value / 1_000_000 / 2, 0.5)
