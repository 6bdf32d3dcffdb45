"""Where a finding's words came from: caption, text in images, shared content, profile.

The detector reads one text. A post is more than its caption: the text read
from its images (OCR), the content it shares (a repost, a forward, a quote),
and an account's profile (bio, the text on a new avatar). Each is a *field*:
:func:`detect_fields` joins the fields into one text (blank-line separated, so
a caption's "Ayo!" and an image's "NOMOR 2" are read together), runs the
detector once, and gives every match the field it fell in. A match outside
the caption says so in its reason, in the words staff read:

* ``image``: "teks pada gambar: ..."
* ``shared``: "membagikan konten: ..." (a share is the civil servant's own act)
* ``profile``: "profil akun (bio): ..." / "teks pada foto profil: ..."

:func:`annotate` then adds to the finding what the alert and the evidence
need: ``fields`` (the sources of the counted matches), ``image_only``,
``ocr`` (url, SHA-256 and text of each image read), ``share`` (kind and
original author), ``source_note`` (one Indonesian sentence for the alert) and
an excerpt taken from the field of the first counted match.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

#: prefix of a match's reason, per field (the caption has none)
FIELD_REASONS = {
    "image": "teks pada gambar",
    "shared": "membagikan konten",
    "profile": "profil akun",
    "profile_image": "teks pada gambar profil",
}
SHARE_KINDS = {
    "repost": "membagikan ulang (repost)",
    "quote": "mengutip (quote)",
    "shared": "membagikan",
    "boost": "membagikan ulang (boost)",
    "forward": "meneruskan (forward)",
}
SEPARATOR = "\n\n"
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Field:
    """One source of text: ``name`` (caption, image, shared, profile, profile_image) and its text."""

    name: str
    text: str
    label: str = ""  # e.g. "bio", "foto profil": said in the reason


def share_info(extra: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The share marks an adapter left in ``Post.extra`` (``share``, ``share_kind``,
    ``original_author``, ``original_url``), or None for the account's own post."""
    if not extra or not extra.get("share"):
        return None
    kind = str(extra.get("share_kind") or "shared")
    return {"kind": kind, "original_author": str(extra.get("original_author") or ""),
            "original_url": str(extra.get("original_url") or "")}


def post_fields(post: Any, images: Iterable[Any] = ()) -> list[Field]:
    """The fields of a post: caption (or shared content), quoted text, image texts."""
    extra = post.extra or {}
    share = share_info(extra)
    fields: list[Field] = []
    if share is not None and share["kind"] != "quote":
        fields.append(Field("shared", post.text))  # the whole post is someone else's content
    else:
        fields.append(Field("caption", post.text))
    quoted = extra.get("quoted_text") if share is not None else None
    if isinstance(quoted, str) and quoted.strip():
        fields.append(Field("shared", quoted))
    for image in images:
        if image.text.strip():
            fields.append(Field("image", image.text))
    return fields


def join_fields(fields: list[Field]) -> tuple[str, list[tuple[int, int, Field]]]:
    """The joined text and each field's (start, end) in it."""
    parts, spans, pos = [], [], 0
    for field in fields:
        if parts:
            parts.append(SEPARATOR)
            pos += len(SEPARATOR)
        parts.append(field.text)
        spans.append((pos, pos + len(field.text), field))
        pos += len(field.text)
    return "".join(parts), spans


def _field_at(spans: list[tuple[int, int, Field]], start: int) -> Field:
    for begin, end, field in spans:
        if begin <= start < end or (begin == end == start):
            return field
    return spans[-1][2] if spans else Field("caption", "")


def _reason(field: Field, reason: str) -> str:
    prefix = FIELD_REASONS.get(field.name)
    if not prefix:
        return reason
    if field.label:
        prefix = f"{prefix} ({field.label})"
    return f"{prefix}: {reason}" if reason else prefix


def detect_fields(detector: Any, fields: list[Field], published: Any) -> tuple[Any, list[dict[str, Any]], list]:
    """Run the detector once over the joined fields.

    Returns the detection, its matches as JSON each with its ``field`` (and
    the reason prefixed for non-caption fields), and the field spans.
    """
    text, spans = join_fields(fields)
    detection = detector.detect(text, published)
    matches = []
    for m in detection.matches:
        doc = m.to_json()
        field = _field_at(spans, m.start)
        doc["field"] = field.name
        doc["reason"] = _reason(field, str(doc.get("reason") or ""))
        begin = next(b for b, _e, f in spans if f is field) if spans else 0
        doc["field_start"], doc["field_end"] = m.start - begin, m.end - begin
        matches.append(doc)
    return detection, matches, spans


def _excerpt(text: str, start: int | None, limit: int = EXCERPT_CHARS) -> str:
    flat = text.replace("\r", "")
    if len(flat) <= limit:
        return flat
    begin = max(0, (start or 0) - limit // 3)
    cut = flat[begin:begin + limit]
    return ("…" if begin else "") + cut + ("…" if begin + limit < len(flat) else "")


def source_note(fields_used: set[str], share: dict[str, str] | None, profile_label: str = "",
                caption: str = "", seen: str = "") -> str:
    """One or two sentences for staff: where the indication came from."""
    from alerts.timeutil import fmt_wita

    notes = []
    if share is not None:
        who = f" milik {share['original_author']}" if share.get("original_author") else ""
        notes.append(f"Akun ini {SHARE_KINDS.get(share['kind'], 'membagikan')} konten{who} "
                     "(membagikan konten adalah tindakan pemilik akun sendiri).")
    if fields_used == {"image"}:
        notes.append("Indikasi hanya ditemukan pada teks di dalam gambar (teks pada gambar, dibaca dengan OCR).")
        if caption.strip():
            short = " ".join(caption.split())
            notes.append(f"Keterangan unggahan sendiri: \"{short[:80]}{'…' if len(short) > 80 else ''}\".")
    elif "image" in fields_used:
        notes.append("Sebagian indikasi ditemukan pada teks di dalam gambar (OCR).")
    if fields_used & {"profile", "profile_image"}:
        notes.append(f"Indikasi ditemukan pada profil akun ({profile_label or 'profil'}), bukan pada unggahan.")
        if seen:
            notes.append(f"Perubahan profil terlihat {fmt_wita(seen)}; waktu perubahan sebenarnya tidak diketahui.")
    return " ".join(notes)


def source_short(fields_used: set[str], share: dict[str, str] | None, profile_label: str = "") -> str:
    """A few words for the short (chat) alert."""
    words = []
    if share is not None:
        who = f" milik {share['original_author'][:40]}" if share.get("original_author") else ""
        words.append(f"Membagikan konten{who}.")
    if fields_used == {"image"}:
        words.append("Hanya dari teks pada gambar (OCR).")
    elif "image" in fields_used:
        words.append("Sebagian dari teks pada gambar (OCR).")
    if fields_used & {"profile", "profile_image"}:
        words.append(f"Dari profil akun ({profile_label or 'profil'}).")
    return " ".join(words)


def annotate(finding: dict[str, Any], matches: list[dict[str, Any]], spans: list, *,
             images: Iterable[Any] = (), share: dict[str, str] | None = None, profile_label: str = "") -> None:
    """Add the source details to a finding built by the pipeline (in place)."""
    counted = [m for m in matches if m.get("category") != "neutral"]
    used = {m["field"] for m in counted}
    finding["matches"] = matches
    finding["fields"] = sorted(used)
    finding["image_only"] = used == {"image"}
    finding["ocr"] = [i.to_json() for i in images]
    finding["image_text"] = "\n\n".join(i.text for i in images if i.text)
    finding["share"] = share
    caption = next((f.text for _b, _e, f in spans if f.name == "caption"), "")
    seen = str(finding.get("first_seen") or "") if used & {"profile", "profile_image"} else ""
    finding["source_note"] = source_note(used, share, profile_label, caption, seen)
    finding["source_short"] = source_short(used, share, profile_label)
    joined = join_fields([f for _b, _e, f in spans])[0]
    # what the detector read: match offsets point into it (the console highlights it)
    finding["detected_text"] = joined if joined != finding.get("text") else None
    if counted:
        first = min(counted, key=lambda m: m["start"])
        text = _field_at(spans, first["start"]).text if spans else finding.get("text", "")
        excerpt = _excerpt(text, first.get("field_start"))
        prefix = {"image": "[teks pada gambar] ", "shared": "[konten yang dibagikan] ",
                  "profile": f"[profil: {profile_label or 'bio'}] ",
                  "profile_image": f"[teks pada {profile_label or 'gambar profil'}] "}.get(first["field"], "")
        finding["excerpt"] = prefix + excerpt


# -- the pipeline's entry points ------------------------------------------------------

#: media that is never an image (OCR would only spend bytes on it)
_NOT_IMAGES = (".mp4", ".m3u8", ".webm", ".mov", ".mp3", ".ogg", ".oga", ".m4a", ".pdf", ".zip", ".apk")


def image_candidates(post: Any) -> list[str]:
    """The post's media URLs that may be images (video covers and thumbnails included)."""
    out = []
    for url in post.media or ():
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        if url.startswith(("http://", "https://")) and not path.endswith(_NOT_IMAGES):
            out.append(url)
    return out


async def read_images(services: Any, post: Any, account: Any) -> list[Any]:
    """OCR results of the post's images ([] when OCR is off, or on any trouble)."""
    import asyncio
    import logging

    reader = getattr(services, "ocr", None)
    urls = image_candidates(post)
    if reader is None or not urls:
        return []
    try:
        return await reader.read_post_images(account.platform, urls, account.url)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # OCR trouble must not cost the post's caption
        logging.getLogger(__name__).warning("OCR of %s failed: %s", post.url, exc)
        return []


async def complete_images(services: Any, images: list[Any], account: Any) -> list[Any]:
    """The images with their bytes (recalled ones fetched again) for a finding's evidence."""
    import asyncio
    import logging

    reader = getattr(services, "ocr", None)
    if reader is None or all(i.image for i in images):
        return images
    try:
        return await reader.with_bytes(images, account.url)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # evidence without the image bytes rather than no alert
        logging.getLogger(__name__).warning("images for evidence not fetched: %s", exc)
        return images


def detect_post(detector: Any, person: Any, account: Any, post: Any, images: list[Any], *, now: Any,
                change: str, first_scan: bool, record_from: str) -> dict[str, Any] | None:
    """A finding for ``post`` read with its images and shared content, or None."""
    from alerts.detect import severity_at_least

    from .finding import build_finding

    detection, matches, spans = detect_fields(detector, post_fields(post, images), post.published)
    if not severity_at_least(detection.severity, record_from):
        return None
    finding = build_finding(person, account, post, detection, now=now, change=change, first_scan=first_scan)
    annotate(finding, matches, spans, images=images, share=share_info(post.extra))
    return finding


def detect_profile_item(detector: Any, person: Any, account: Any, item: Any, *, now: Any,
                        record_from: str) -> dict[str, Any] | None:
    """A finding for one profile change (scraper.profile_watch.ProfileItem), or None."""
    from alerts.detect import severity_at_least

    from .finding import build_finding

    fields = [Field(item.field_name, item.text, label=item.label)]
    detection, matches, spans = detect_fields(detector, fields, None)
    if not severity_at_least(detection.severity, record_from):
        return None
    finding = build_finding(person, account, item.post, detection, now=now, change="profile",
                            first_scan=item.change.first)
    annotate(finding, matches, spans, images=item.images, profile_label=item.label)
    finding["profile_change"] = item.change.to_json()
    return finding
