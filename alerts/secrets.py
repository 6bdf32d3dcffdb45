"""Secret masking for logs, errors and printed URLs.

Config loading registers every value that came from ``${ENV}`` or a systemd
credential; :class:`MaskingFilter` then replaces them in every log record.
Apprise URLs are also masked structurally (password, token, query secrets).
"""
from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "****"


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`mask` hides it everywhere."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def _mask_registered(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def mask(text: str) -> str:
    """Return ``text`` with every registered secret and URL credential hidden."""
    if not text:
        return text
    text = _URL_CRED.sub(lambda m: m.group(1) + MASK + "@", _mask_registered(text))
    text = _TOKEN_PORT.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, text)


# scheme://user:password@  or scheme://token@ (apprise puts tokens there)
_URL_CRED = re.compile(r"(\b[a-z][a-z0-9+.-]*://)(?:[^\s/@:?#]*:)?[^\s/@?#]+@", re.IGNORECASE)
# scheme://123456:TOKEN/... (a bot token where a port would be)
_TOKEN_PORT = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/@?#:]+:(?=[^\s/@?#]*[^\d\s/@?#])[^\s/@?#]+", re.IGNORECASE)
_SECRET_QUERY = re.compile(r"([?&](?:pass|password|token|key|apikey|secret|auth)=)[^&\s]+", re.IGNORECASE)


def mask_url(url: str) -> str:
    """A URL safe to print: credentials, tokens and secret query values hidden."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        shown = f"{parts.scheme}://"
        if parts.username or parts.password:
            shown += f"{MASK}@"
    except ValueError:
        # e.g. tgram://123:BOT-TOKEN/chat: the "port" is a token; hide the whole authority
        host, shown = MASK, f"{parts.scheme}://"
    shown += host + parts.path
    if parts.query:
        shown += "?" + parts.query
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, _mask_registered(shown))


class MaskingFilter(logging.Filter):
    """Logging filter that masks secrets in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - let logging report it
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
