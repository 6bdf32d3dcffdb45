"""Alert texts from Jinja2 templates that staff can edit (Indonesian).

One template per alert kind and channel style: ``<name>_long.j2`` (email) and
``<name>_short.j2`` (WhatsApp and chat), where ``<name>`` is ``finding``,
``health_failing``, ``health_recovered``, ``digest``, ``notice`` or ``test``.
The first non-empty line a template renders is the title (email subject), the
rest is the body. Templates in ``[alerts] templates_dir`` override the shipped
ones file by file. Rendering is pure: no clock, no I/O beyond template loading.

Emails also get an HTML body from ``<name>_email.html.j2`` (inline CSS, laid
out for a phone). Those templates render with autoescape ON: everything that
comes from a watched post is hostile and reaches HTML only escaped; links are
only ever ``http``/``https`` (:func:`safe_url`). A staff override of only the
text template still gets an HTML part: the text, escaped, with line breaks.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from alerts.problems import Problem
from alerts.secrets import mask
from alerts.timeutil import deadline, fmt_wita, iso, parse_iso

if TYPE_CHECKING:  # jinja2 (~30 ms) loads on the first render, not with every `pantau once` (issue #17)
    from jinja2 import Environment


def _undefined(value: Any) -> bool:
    """A template variable that was not given. Until jinja2 has loaded (another thread may be
    loading it right now: the class is not there yet) nothing can be one."""
    undefined = getattr(sys.modules.get("jinja2"), "Undefined", None)
    return undefined is not None and isinstance(value, undefined)

SHIPPED_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAMES = ("finding", "health_failing", "health_recovered", "digest", "notice", "case", "test")
STYLES = ("long", "short")

TINGKAT = {"high": "tinggi", "medium": "sedang", "low": "rendah", "none": "tidak ada"}
STATUS = {"pending": "menunggu", "retrying": "mengulang", "dead": "gagal permanen", "sent": "terkirim"}


#: Indonesian words for the detector's match categories (no English tags reach staff)
KATEGORI = {
    "candidate": "nama calon", "pair": "nama pasangan calon", "alias": "julukan calon",
    "ambiguous": "nama yang bisa bermakna lain", "acronym": "singkatan nama calon",
    "slogan": "slogan kampanye", "hashtag": "tagar kampanye", "party": "nama partai",
    "number": "nomor urut", "gesture": "simbol atau gestur nomor urut", "call": "ajakan memilih",
    "support": "pernyataan dukungan", "campaign": "kegiatan kampanye", "neutral": "konteks netral",
    "handle": "akun media sosial calon", "unknown": "calon di luar leksikon",
    "praise": "penilaian positif", "attack": "serangan terhadap calon", "reporting": "gaya pemberitaan",
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    html: str = ""  # the HTML email body (long style only); empty for chat styles


def _wita(value: Any, with_time: bool = True) -> str:
    if isinstance(value, (str, datetime)) and value:
        try:
            return fmt_wita(value, with_time)
        except ValueError:
            return str(value)
    return "-"


def _tingkat(value: Any) -> str:
    return TINGKAT.get(str(value), "-") if not _undefined(value) else "-"


def _clip(value: Any, limit: int = 300) -> str:
    text = "" if _undefined(value) or value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _alasan(match: Any) -> str:
    """A match's reason for staff, in Indonesian (the lexicon's reason, else the category's)."""
    if not isinstance(match, dict):
        return "-"
    reason = str(match.get("reason") or "").strip()
    return reason or KATEGORI.get(str(match.get("category") or ""), "istilah kampanye")


def safe_url(value: Any) -> str:
    """``value`` if it is a plain http(s) URL, else "" (never a javascript:/data: link)."""
    if _undefined(value) or not isinstance(value, str):
        return ""
    url = value.strip()
    if any(ord(c) < 33 or c in '"<>\\`' for c in url) or len(url) > 2000:
        return ""
    return url if url.lower().startswith(("http://", "https://")) and len(url) > 8 else ""


def short_id(value: Any) -> str:
    """The first 8 characters of a finding id: enough to find it again (``findings show``)."""
    text = "" if _undefined(value) or value is None else str(value)
    return text.split(":", 1)[-1][:8] if text else "-"


def finding_link(base_url: str, finding_id: str) -> str:
    """The staff console's page of a finding (``[web] base_url``), or "" when not set."""
    base = safe_url(base_url or "")
    return f"{base.rstrip('/')}/temuan/{finding_id}" if base and finding_id else ""


def _nl2br(value: Any) -> Markup:
    text = "" if _undefined(value) or value is None else str(value)
    return Markup("<br>\n").join(escape(line) for line in text.splitlines())


def text_to_html(title: str, body: str) -> str:
    """The HTML part for a text-only template: escaped, with line breaks kept."""
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '</head><body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;'
            f'font-size:15px;line-height:1.5;color:#1a1a1a"><p style="margin:0">{_nl2br(body)}</p>'
            '</body></html>')


def template_name(kind: str, context: dict) -> str:
    if kind == "health":
        return "health_recovered" if context.get("event") == "recovered" else "health_failing"
    if kind == "notice" and context.get("event") in ("reminder", "case_deleted"):
        return "case"  # deadline reminders and deletions during a case (scraper.cases)
    if kind in TEMPLATE_NAMES:
        return kind
    raise ValueError(f"no template for alert kind {kind!r}")


class Renderer:
    """Renders alerts; ``templates_dir`` (may be "") overrides shipped templates."""

    def __init__(self, templates_dir: str | Path = "", base_url: str = "") -> None:
        self.templates_dir = str(templates_dir or "")
        self.base_url = base_url

    @cached_property
    def env(self) -> Environment:
        """Text and chat: no HTML anywhere."""
        return self._environment(autoescape=False)

    @cached_property
    def html_env(self) -> Environment:
        """Email HTML: escape everything."""
        return self._environment(autoescape=True)

    def _environment(self, autoescape: bool) -> Environment:
        from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader

        loaders = []
        if self.templates_dir:
            loaders.append(FileSystemLoader(self.templates_dir))
        loaders.append(FileSystemLoader(str(SHIPPED_DIR)))
        env = Environment(
            loader=ChoiceLoader(loaders), undefined=ChainableUndefined, autoescape=autoescape,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
        )
        env.filters.update(wita=_wita, tingkat=_tingkat, clip=_clip, alasan=_alasan,
                           safe_url=safe_url, short_id=short_id, nl2br=_nl2br)
        return env

    def render(self, kind: str, severity: str, context: dict, style: str,
               extra: dict | None = None) -> Message:
        """Render one alert in ``style`` ("long" or "short")."""
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}")
        name = f"{template_name(kind, context)}_{style}.j2"
        values = dict(context)
        values.setdefault("severity", severity)
        values["kind"] = kind
        if kind == "finding" and not values.get("deadline") and values.get("first_seen"):
            try:
                values["deadline"] = iso(deadline(parse_iso(values["first_seen"])))
            except ValueError:
                pass
        values.update(extra or {})
        fid = str(values.get("finding_id") or "")
        values.setdefault("finding_url", finding_link(self.base_url, fid) if kind in ("finding", "notice") else "")
        values.setdefault("short_id", short_id(fid) if fid else "")
        text = split_title(self.env.get_template(name).render(**values))
        if style != "long":
            return text
        return Message(text.title, text.body, self._html(kind, context, values, text))

    def _html(self, kind: str, context: dict, values: dict, text: Message) -> str:
        name = f"{template_name(kind, context)}_email.html.j2"
        long_name = f"{template_name(kind, context)}_long.j2"
        overridden = self.templates_dir and (Path(self.templates_dir) / long_name).is_file() \
            and not (Path(self.templates_dir) / name).is_file()
        if overridden:  # staff changed the text only: keep their words in the HTML part too
            return text_to_html(text.title, text.body)
        from jinja2 import TemplateNotFound

        try:
            template = self.html_env.get_template(name)
        except TemplateNotFound:
            return text_to_html(text.title, text.body)
        shot = (values.get("evidence") or {}).get("screenshot") if isinstance(values.get("evidence"), dict) else None
        html = template.render(**values, title=text.title, screenshot_cid=Path(shot).name if shot else "")
        # no source newlines after <br>: the text/plain part apprise derives keeps clean lines
        return re.sub(r"<br>\s+", "<br>", html.strip())

    def render_alert(self, alert: Any, style: str, extra: dict | None = None) -> Message:
        more = {"alert_id": alert.id, "created": alert.created, **(extra or {})}
        return self.render(alert.kind, alert.severity, alert.context, style, more)


def split_title(text: str) -> Message:
    lines = text.strip().splitlines()
    if not lines:
        return Message("Pantau", "")
    return Message(lines[0].strip(), "\n".join(lines[1:]).strip())


def check_templates(templates_dir: str | Path = "", file_label: str = "templates") -> list[Problem]:
    """Render every template with sample data; a Problem per broken one (for ``pantau check``)."""
    problems: list[Problem] = []
    if templates_dir and not Path(templates_dir).is_dir():
        return [Problem(file_label, "templates_dir", f"folder {templates_dir} does not exist")]
    from jinja2 import TemplateError

    renderer = Renderer(templates_dir)
    for name, kind, context in SAMPLES:
        for style in STYLES:  # the long style also renders the HTML email template
            try:
                message = renderer.render(kind, context.get("severity", "high"), context, style)
            except TemplateError as exc:
                where = getattr(exc, "filename", None) or f"{name}_{style}.j2"
                problems.append(Problem(file_label, f"{Path(where).name}", f"template error: {exc}"))
                continue
            if not message.title:
                problems.append(Problem(file_label, f"{name}_{style}.j2", "renders an empty title line"))
    return problems


def format_pending(rows: list[dict]) -> str:
    """Indonesian plain-text table of :meth:`Outbox.pending` rows (for ``pantau alerts pending``)."""
    if not rows:
        return "Tidak ada peringatan yang menunggu pengiriman."
    header = ("ID PERINGATAN", "KANAL", "STATUS", "PERCOBAAN", "COBA LAGI", "GALAT TERAKHIR")
    table = [header]
    for row in rows:
        table.append((
            _clip(row.get("alert_id", ""), 48),
            mask(str(row.get("channel", ""))),
            STATUS.get(row.get("state", ""), str(row.get("state", ""))),
            str(row.get("attempts", 0)),
            _wita(row.get("next_try")) if row.get("state") != "dead" else "-",
            _clip(mask(str(row.get("last_error") or "-")), 60),
        ))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    dead = sum(1 for r in rows if r.get("state") == "dead")
    lines.append("")
    lines.append(f"{len(rows)} pengiriman tertunda, {dead} di antaranya gagal permanen.")
    orphans = sorted({mask(str(r.get("channel"))) for r in rows if r.get("configured") is False})
    if orphans:
        count = sum(1 for r in rows if r.get("configured") is False)
        lines.append(f"{count} di antaranya menunggu kanal yang tidak ada lagi di konfigurasi "
                     f"({', '.join(orphans)}); pindahkan ke kanal yang ada dengan: "
                     f"pantau alerts move --from {orphans[0]} --to NAMA-KANAL")
    return "\n".join(lines)


_PERSON = {"name": "Budi Santoso", "nip": "198501012010011001", "position": "Kepala Seksi",
           "unit": "Dinas Pendidikan"}
SAMPLES: list[tuple[str, str, dict]] = [
    ("finding", "finding", {
        "finding_id": "f1", "person": _PERSON, "platform": "facebook",
        "account_url": "https://facebook.com/budi", "post_url": "https://facebook.com/budi/posts/1",
        "post_id": "1", "published": "2026-11-20T01:00:00+00:00",
        "first_seen": "2026-11-24T02:00:00+00:00", "deadline": "2026-12-01T02:00:00+00:00",
        "severity": "high", "score": 0.9,
        "matches": [{"term": "coblos", "category": "ajakan", "start": 0, "end": 6,
                     "reason": "ajakan memilih"}],
        "terms": ["coblos"], "excerpt": "Ayo coblos nomor 2", "first_scan": True, "change": "new",
        "elections": [{"id": "pilkada-ppu-2026", "name": "Pilkada PPU 2026"}],
        "evidence": {"screenshot": None, "sha256": None}}),
    ("health_failing", "health", {
        "event": "failing", "platform": "instagram", "account_url": "https://instagram.com/budi",
        "person": _PERSON, "state": "login_wall", "reason": "halaman meminta login",
        "since": "2026-11-24T02:00:00+00:00", "failures": 3}),
    ("health_recovered", "health", {
        "event": "recovered", "platform": "instagram", "account_url": "https://instagram.com/budi",
        "person": _PERSON, "state": "ok", "reason": "", "since": "2026-11-24T02:00:00+00:00",
        "failures": 0}),
    ("digest", "digest", {
        "since": "2026-11-23T23:00:00+00:00", "now": "2026-11-24T23:00:00+00:00",
        "counts": {"high": 1, "medium": 0, "low": 1, "total": 2}, "findings": [], "low_findings": [],
        "health": [], "outbox": {"pending": 0, "dead": 0, "sent": 3}}),
    ("notice", "notice", {"channel": "email-koordinator", "items": [
        {"alert_id": "finding:f1", "channel": "email-koordinator", "attempts": 9,
         "last_error": "koneksi ditolak", "title": "Indikasi kampanye"}]}),
    ("case", "notice", {
        "event": "reminder", "finding_id": "f1", "person": _PERSON, "platform": "facebook",
        "account_url": "https://facebook.com/budi", "post_url": "https://facebook.com/budi/posts/1",
        "first_seen": "2026-11-24T02:00:00+00:00", "deadline": "2026-12-01T02:00:00+00:00",
        "severity": "high", "excerpt": "Ayo coblos nomor 2", "source": "laporan"}),
    ("test", "test", {"channel": "email-koordinator"}),
]
