"""Secret masking for logs, errors and printed URLs.

Config loading registers every value that came from ``${ENV}`` or a systemd
credential (of any length, with its percent-encoded forms);
:class:`MaskingFilter` then replaces them in every log record.
Apprise URLs are also masked structurally (password, token, query secrets).
"""
from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus, urlsplit

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "****"


#: secrets shorter than this are masked only where they stand alone (not inside a word)
SHORT = 4


def register_secret(value: str | None) -> None:
    """Remember ``value`` (and its percent-encoded forms) so that :func:`mask` hides it.

    Every length counts: a short secret (under :data:`SHORT` characters) is
    masked where it is not part of a longer word or number, so "ab" hides in
    ``user:ab@host`` but "about" stays readable.
    """
    if not value:
        return
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    with _lock:
        _secrets.update(f for f in forms if f)


def _mask_registered(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret not in text:
            continue
        if len(secret) >= SHORT:
            text = text.replace(secret, MASK)
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, text)
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
