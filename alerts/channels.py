"""Delivery channels: one apprise object per configured URL.

Each channel owns exactly one ``apprise.Apprise`` holding exactly one URL, so
a retry of a failed delivery never reaches a channel that already accepted the
alert. Apprise's own retries stay off; the outbox retries.

* Results: ``AppriseResult`` (or a bare bool from a swapped factory) becomes
  :class:`SendResult` with ``ok`` and a masked ``error`` taken from the
  apprise log entries of that call.
* Attachments go only to schemes that carry files (email, json/form
  gateways, Telegram); a missing file is reported in the log, not fatal.
* WhatsApp (Meta Cloud API, ``whatsapp://``): text is cut to 1024 characters.
  Template URLs (``whatsapp://TEMPLATE:TOKEN@PHONE_ID/TARGET?lang=id&:1={name}``)
  may hold ``{placeholder}`` fields filled from the alert (see
  :data:`PLACEHOLDERS`); such a channel builds a fresh apprise object per send.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from alerts.problems import Problem
from alerts.routing import WHATSAPP_SCHEMES, is_quiet_channel, scheme_of, style_of
from alerts.secrets import MASK, mask, mask_url
from alerts.settings import ChannelSettings
from alerts.timeutil import fmt_wita

log = logging.getLogger(__name__)

#: schemes whose apprise plugins send file attachments
ATTACH_SCHEMES = frozenset({"mailto", "mailtos", "json", "jsons", "form", "forms", "tgram"})
#: schemes that get the HTML email body
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})
#: WhatsApp Cloud API text limit (also applied to other WhatsApp schemes)
WHATSAPP_MAXLEN = 1024
#: placeholders a template URL may use, e.g. ``?:1={name}&:2={post_url}``
PLACEHOLDERS = ("name", "nip", "position", "unit", "platform", "post_url", "account_url",
                "published", "first_seen", "deadline", "terms", "severity", "excerpt",
                "alert_id", "kind", "state", "reason", "title", "channel")
_FIELD = re.compile(r"\{([a-z_]+)\}")
_PARAM_MAX = 200

Notifier = Any  # apprise.Apprise or anything with add()/notify()
NotifierFactory = Callable[[], Notifier]


def default_factory() -> Notifier:
    """A fresh Apprise object: in-memory persistent store, no apprise retries."""
    import apprise  # late: ~60 ms at start, and a cycle with no channel never needs it (issue #17)

    return apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str = ""          # masked, empty on success
    status: str = "SUCCESS"  # AppriseResultStatus name (or OK/FAILURE for a bool)


def safe_mask_url(url: str) -> str:
    """:func:`alerts.secrets.mask_url`, also for URLs whose netloc is not host:port.

    ``mask_url`` raises ValueError on e.g. Telegram's ``tgram://123:TOKEN/chat``
    (the token parses as a port); then only the scheme and the masked path show.
    """
    try:
        return mask_url(url)
    except ValueError:
        parts = urlsplit(url)
        return f"{parts.scheme}://{MASK}{mask(parts.path)}"


def template_fields(alert_id: str, kind: str, severity: str, context: dict, title: str = "",
                    channel: str = "") -> dict[str, str]:
    """Flat values from an alert for ``{placeholder}`` fields in a template URL."""
    person = context.get("person") or {}
    values = {
        "name": person.get("name"), "nip": person.get("nip"), "position": person.get("position"),
        "unit": person.get("unit"), "platform": context.get("platform"),
        "post_url": context.get("post_url"), "account_url": context.get("account_url"),
        "published": fmt_wita(context.get("published")) if context.get("published") else None,
        "first_seen": fmt_wita(context.get("first_seen")) if context.get("first_seen") else None,
        "deadline": fmt_wita(context.get("deadline")) if context.get("deadline") else None,
        "terms": ", ".join(context.get("terms") or []), "severity": severity,
        "excerpt": context.get("excerpt"), "alert_id": alert_id, "kind": kind,
        "state": context.get("state"), "reason": context.get("reason"), "title": title,
        "channel": channel,
    }
    out = {}
    for key, value in values.items():
        text = " ".join(str(value).split()) if value not in (None, "") else "-"
        out[key] = text if len(text) <= _PARAM_MAX else text[: _PARAM_MAX - 1] + "…"
    return out


def fill_url(url: str, fields: dict[str, str]) -> str:
    """Replace ``{placeholder}`` fields of a template URL with URL-quoted values."""
    def one(m: re.Match) -> str:
        value = fields.get(m.group(1))
        return m.group(0) if value is None else quote(value, safe="")
    return _FIELD.sub(one, url)


def clip_text(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, preferably at a line end, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if "\n" in cut[limit // 2:]:
        cut = cut[: cut.rfind("\n")]
    return cut.rstrip() + "\n…"


class Channel:
    """One configured destination (one apprise URL)."""

    def __init__(self, settings: ChannelSettings, factory: NotifierFactory | None = None) -> None:
        self.settings = settings
        self.name = settings.name
        self.url = settings.url
        self.masked_url = safe_mask_url(settings.url)
        self.scheme = scheme_of(settings.url)
        self.style = style_of(settings)
        self.quiet = is_quiet_channel(settings)
        self.whatsapp = self.scheme in WHATSAPP_SCHEMES
        self.attachments = self.scheme in ATTACH_SCHEMES
        self.templated = bool(_FIELD.search(settings.url))
        self._factory = factory or default_factory
        self._lock = threading.Lock()
        self._notifier: Notifier | None = None
        self.problem: str = ""
        sample = fill_url(self.url, template_fields("sample", "finding", "high", {}, "Pantau"))
        unknown = sorted(set(_FIELD.findall(self.url)) - set(PLACEHOLDERS))
        notifier = self._factory()
        if unknown:
            self.problem = (f"unknown placeholder(s) {', '.join(unknown)} in the URL; "
                            f"known: {', '.join(PLACEHOLDERS)}")
        elif not notifier.add(sample):
            self.problem = f"apprise does not accept the URL {safe_mask_url(self.url)}"
        elif not self.templated:
            self._notifier = self._tuned(notifier)

    def _tuned(self, notifier: Notifier) -> Notifier:
        """Apply ``min_interval`` to the apprise plugin (its throttle between sends)."""
        if self.settings.min_interval:
            seconds = self.settings.min_interval.seconds
            for plugin in notifier:
                plugin.request_rate_per_sec = seconds
        return notifier

    def __repr__(self) -> str:
        return f"Channel({self.name!r}, {self.masked_url!r})"

    def send(self, title: str, body: str, *, attachments: list[str] = (), timeout: float = 30.0,
             fields: dict[str, str] | None = None, html: str = "") -> SendResult:
        """Send one message now; never raises for a delivery failure.

        ``body`` is plain text: apprise escapes it for channels that speak HTML.
        ``html`` (escaped by the renderer) replaces it for email, whose images
        then go inline (``cid:``) and whose text/plain part apprise derives.
        """
        if self.problem:
            return SendResult(False, self.problem, "FAILURE")
        import apprise  # late, see default_factory

        body_format = apprise.NotifyFormat.TEXT
        if html and self.scheme in EMAIL_SCHEMES:
            body, body_format = html, apprise.NotifyFormat.HTML
        if self.whatsapp:
            body = clip_text(f"{title}\n{body}" if title else body, WHATSAPP_MAXLEN)
            title = ""
        attach = None
        if self.attachments:
            files = [p for p in attachments if p and Path(p).is_file()]
            missing = [p for p in attachments if p and not Path(p).is_file()]
            if missing:
                log.warning("channel %s: attachment missing, sending without it: %s",
                            self.name, ", ".join(missing))
            attach = files or None
        try:
            with self._lock:
                notifier = self._notifier
                if notifier is None:  # template URL: fill it for this alert
                    notifier = self._factory()
                    if not notifier.add(fill_url(self.url, fields or {})):
                        return SendResult(False, "template URL rejected after filling its fields",
                                          "FAILURE")
                    self._tuned(notifier)
                if body_format == apprise.NotifyFormat.HTML:
                    for plugin in notifier:
                        plugin.inline = True  # screenshot shown in the mail (cid), not as a download
                result = notifier.notify(body=body, title=title, attach=attach, timeout=timeout,
                                         body_format=body_format)
        except Exception as exc:  # an apprise plugin bug must not stop the outbox
            return SendResult(False, mask(f"{type(exc).__name__}: {exc}"), "FAILURE")
        return to_send_result(result)


def to_send_result(result: Any) -> SendResult:
    """Map an ``AppriseResult`` (or bool) to :class:`SendResult` with a masked reason."""
    if isinstance(result, bool):
        return SendResult(result, "" if result else "channel reported failure",
                          "SUCCESS" if result else "FAILURE")
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    if bool(result):
        return SendResult(True, "", status)
    messages = []
    try:
        for entry in result.logs():
            if entry.level in ("WARNING", "ERROR", "CRITICAL") and entry.message not in messages:
                messages.append(entry.message)
    except Exception:  # pragma: no cover - logs are best effort
        pass
    reason = {"TIMEOUT": "timed out", "NOMATCH": "no service matched"}.get(status, "failed")
    detail = "; ".join(messages[-3:])
    return SendResult(False, mask(f"{status}: {detail or reason}")[:500], status)


def build_channels(settings_list: list[ChannelSettings], factory: NotifierFactory | None = None,
                   file_label: str = "config.toml") -> tuple[dict[str, Channel], list[Problem]]:
    """All channels by name, plus a Problem for each URL apprise refuses (masked)."""
    channels: dict[str, Channel] = {}
    problems: list[Problem] = []
    for cs in settings_list:
        channel = Channel(cs, factory)
        channels[cs.name] = channel
        if channel.problem:
            problems.append(Problem(file_label, f"alerts channel {cs.name}", channel.problem))
            log.error("alert channel %s disabled: %s", cs.name, channel.problem)
        else:
            log.info("alert channel %s: %s (%s form%s)", cs.name, channel.masked_url, channel.style,
                     ", quiet hours" if channel.quiet else "")
    return channels, problems
