"""Which redirects the HTTP fetcher follows: only to the account's own site.

A redirect from ``origin`` (the URL Pantau asked for) to ``target`` is
followed when

* the target is ``http`` or ``https``, and
* the origin's host is *not public* (loopback, private, link-local, ... as
  used by tests and intranet sites): the target has the very same host and
  port. Another port of ``localhost`` is another site;
* the origin's host is public: the target is on the same registrable domain
  (``m.facebook.com`` -> ``www.facebook.com``), or on one of the known hosts
  of the origin's platform (``twitter.com`` -> ``x.com``), and the target's
  host is a public address (an IP literal, or every address its name
  resolves to). A public site never sends Pantau to 169.254.169.254,
  127.0.0.1 or 10.x.

:func:`registrable_domain` is the last two labels of the host, or the last
three when the last two are a known multi-label public suffix (``go.id``,
``co.uk``, ...; :data:`MULTI_LABEL_SUFFIXES`). This is a deliberate, small
stand-in for the Public Suffix List (no download at run time); the list
covers the suffixes Pantau's watchlists use.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

#: two-label public suffixes (registrations happen one label below them)
MULTI_LABEL_SUFFIXES = frozenset({
    # Indonesia (PANDI second-level domains)
    "co.id", "go.id", "ac.id", "or.id", "web.id", "sch.id", "my.id", "biz.id", "net.id",
    "mil.id", "desa.id", "ponpes.id",
    # common elsewhere
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "com.sg",
    "com.my", "gov.my", "co.nz", "com.br", "github.io", "blogspot.com", "wordpress.com",
})


def registrable_domain(host: str) -> str:
    """``www.kominfo.go.id`` -> ``kominfo.go.id``; ``m.facebook.com`` -> ``facebook.com``."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public_address(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(addr, "ipv4_mapped", None)
    if mapped is not None:
        addr = mapped
    return addr.is_global and not addr.is_multicast


def host_is_public_literal(host: str) -> bool | None:
    """True/False for an IP literal or ``localhost``; None for a name (needs DNS)."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return False
    addr = _ip(host)
    return None if addr is None else is_public_address(addr)


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None


def _platform_hosts(host: str) -> frozenset[str]:
    """Known hosts of the platform serving ``host`` (empty for rss/web/mastodon)."""
    from ..platforms import ADAPTERS  # late: the platforms import the fetch package

    for cls in ADAPTERS.values():
        hosts = tuple(getattr(cls, "hosts", ()) or ())
        if any(host == h or host.endswith("." + h) for h in hosts):
            return frozenset(hosts)
    return frozenset()


def refusal(origin: str, target: str) -> str | None:
    """Why the redirect ``origin`` -> ``target`` is refused, or None when it may be followed.

    Name resolution of the target is done separately (:func:`resolves_public`).
    """
    o, t = urlsplit(origin), urlsplit(target)
    if t.scheme.lower() not in ("http", "https"):
        return "hanya pengalihan ke http/https yang diikuti"
    ohost, thost = (o.hostname or "").lower(), (t.hostname or "").lower()
    if not thost:
        return "pengalihan tanpa host"
    if not origin_is_public(ohost):
        if thost == ohost and _port(t) == _port(o):
            return None
        return "bukan situs akun itu sendiri: host atau port lain"
    if host_is_public_literal(thost) is False:
        return "alamat loopback, privat atau link-local"
    if registrable_domain(thost) == registrable_domain(ohost):
        return None
    family = _platform_hosts(ohost)
    if family and any(thost == h or thost.endswith("." + h) for h in family):
        return None
    return "bukan situs akun itu sendiri: domain lain"


def origin_is_public(host: str) -> bool:
    """False for loopback/private/link-local literals, ``localhost`` and dotless intranet names."""
    literal = host_is_public_literal(host)
    return literal if literal is not None else not _is_single_label(host)


async def redirect_refusal(origin: str, target: str) -> str | None:
    """:func:`refusal`, plus: from a public site, a target name must resolve to public addresses."""
    why = refusal(origin, target)
    if why is None and origin_is_public((urlsplit(origin).hostname or "").lower()):
        if not await resolves_public(target):
            why = "nama host mengarah ke alamat loopback, privat atau link-local"
    return why


def _is_single_label(host: str) -> bool:
    """An intranet name such as ``intranet`` (no dot): treated like a private address."""
    return bool(host) and "." not in host and _ip(host) is None


async def resolves_public(target: str) -> bool:
    """False when the target's host name resolves to any non-public address.

    An IP literal is judged by :func:`refusal`; a name that does not resolve is
    left to the request itself to fail.
    """
    parts = urlsplit(target)
    host = parts.hostname or ""
    if _ip(host) is not None or not host:
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, _port(parts) or 80,
                                                             type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return True
    for info in infos:
        addr = _ip(str(info[4][0]).split("%")[0])
        if addr is not None and not is_public_address(addr):
            return False
    return True
