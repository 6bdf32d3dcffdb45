"""Text in images (OCR): fetch an image politely, read it with Tesseract once.

* Fetch (:class:`ImageFetcher`): through the same per-host politeness gate
  and User-Agent as page fetches (a host cooling down after HTTP 429 is not
  asked for images either, and a 429 on an image cools the host down), with
  a byte cap (``[ocr] max_bytes``, checked on Content-Length and while
  streaming) and a time limit (``[ocr] timeout``). Only ``http(s)`` URLs,
  never a loopback/private/link-local address from a public site
  (:func:`image_refusal`, also for every redirect hop).
* Preprocess (:func:`preprocess`): first frame, EXIF orientation,
  transparency flattened on white, grey, scaled so text is large enough (and
  no larger than Tesseract needs); then Sauvola's local threshold (inside
  Tesseract, see :func:`preprocess` for why not a global one). A
  decompression bomb (more than :data:`MAX_PIXELS`) is refused.
* Read (:class:`OcrReader`): Tesseract through ``pytesseract``. It runs the
  Debian ``tesseract`` program in a child process: a hostile image that
  crashes or hangs Tesseract costs that child, never the daemon; the time
  limit kills the child; its memory is returned after every image (the
  daemon runs for months). The price, loading the language model per image,
  is measured in ``bench/ocr_speed.py``. At most :data:`PARALLEL` readers run
  at once (2-core machines), each with one OpenMP thread.
* Cache (:class:`OcrCache`): by the image's SHA-256, one JSON file per image
  under ``<storage>/ocr/`` (atomic, 0600), so an image shared by many posts
  or accounts is read once.

A missing Tesseract (or its ``ind`` language) never stops Pantau: OCR is off
with one clear warning at start-up, and ``pantau check`` prints a note.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.storage import atomic_write_json, ensure_private_dir, read_json
from alerts.timeutil import iso, utc_now

from .errors import FetchError
from .ocr_fetch import ImageError, ImageFetcher

log = logging.getLogger(__name__)

#: bump when preprocessing changes: cached texts of older versions are read again
PREP_VERSION = 1
#: refuse images larger than this many pixels (decompression bombs)
MAX_PIXELS = 40_000_000
#: Tesseract reads best with capital letters ~30 px high; small images are scaled up
#: to this width, big ones down to it (time grows with the pixel count)
TARGET_WIDTH = 1600
MIN_SCALE, MAX_SCALE = 0.25, 3.0
#: LSTM engine, automatic page segmentation, Sauvola local threshold (Tesseract 5)
TESSERACT_CONFIG = "--oem 1 --psm 3 -c thresholding_method=2"
#: at most this many Tesseract processes at once (2-core machines)
PARALLEL = 2
#: at most this many characters of text kept from one image
MAX_TEXT = 4000
_WORD = re.compile(r"[0-9A-Za-zÀ-ÿ]{2,}|\d")


@dataclass(frozen=True)
class OcrResult:
    """What one image said: its text, SHA-256 and bytes (kept for evidence)."""

    url: str
    sha256: str
    text: str
    image: bytes = field(repr=False, default=b"")
    content_type: str = ""
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        """The manifest/finding form (without the bytes)."""
        return {"url": self.url, "sha256": self.sha256, "text": self.text,
                "content_type": self.content_type, "bytes": len(self.image)}


# -- Tesseract availability ---------------------------------------------------

def tesseract_status(languages: str) -> tuple[bool, str]:
    """(usable, message): is Tesseract installed with every language in ``languages``?"""
    try:
        import pytesseract
    except ImportError:
        return False, "paket Python pytesseract tidak terpasang (pip install pytesseract); OCR dimatikan"
    try:
        version = str(pytesseract.get_tesseract_version())
        have = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # TesseractNotFoundError, a broken install
        return False, (f"Tesseract tidak ditemukan ({type(exc).__name__}); teks pada gambar tidak dibaca. "
                       "Pasang: apt-get install tesseract-ocr tesseract-ocr-ind")
    missing = [lang for lang in languages.split("+") if lang and lang not in have]
    if missing:
        return False, (f"bahasa Tesseract {', '.join(missing)} tidak terpasang; teks pada gambar tidak dibaca. "
                       f"Pasang: apt-get install {' '.join('tesseract-ocr-' + m for m in missing)}")
    return True, f"Tesseract {version} ({languages})"


def check_notes(settings: Any) -> list[str]:
    """Notes for ``pantau check`` (not errors: Pantau runs without OCR)."""
    if not settings.enabled:
        return []
    ok, message = tesseract_status(settings.languages)
    return [] if ok else [f"catatan: OCR: {message}"]


# -- preprocessing --------------------------------------------------------------

def open_image(data: bytes) -> Any:
    """The first frame of an image file as a Pillow image (bombs and non-images refused)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise ImageError(f"gambar terlalu besar: {width}x{height} piksel")
        img.seek(0)  # first frame of an animation
        img.load()
        img = ImageOps.exif_transpose(img)
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageError(f"bukan gambar yang bisa dibaca: {type(exc).__name__}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or malformed files
        raise ImageError(f"gambar rusak: {type(exc).__name__}: {exc}") from None
    return img


def preprocess(img: Any) -> Any:
    """Grey copy of ``img`` on white, scaled to :data:`TARGET_WIDTH` (within MIN/MAX_SCALE).

    The threshold is Sauvola's local method, run by Leptonica inside Tesseract
    (:data:`TESSERACT_CONFIG`): on posters with photo-like backgrounds a global
    (Otsu) threshold in Pillow lost the text of 6 of 18 test images, a median
    filter plus autocontrast 8 of 24; Sauvola read all 24 (see docs/ocr.md).
    """
    from PIL import Image, ImageOps

    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        backdrop = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(backdrop, img)
    grey = ImageOps.grayscale(img.convert("RGB"))
    scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_WIDTH / max(1, grey.width)))
    if abs(scale - 1.0) > 0.05:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.LANCZOS)
    return grey


def card_image(data: bytes, width: int = 560) -> str:
    """A ``data:image/jpeg`` URL of ``data`` re-encoded by Pillow at most ``width``
    px wide, for the evidence card ("" when it cannot be decoded): the watched
    file itself never reaches the renderer."""
    import base64

    try:
        img = open_image(data).convert("RGB")
    except ImageError:
        return ""
    img.thumbnail((width, width * 4))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def clean_text(text: str) -> str:
    """OCR output without noise lines (no word of two letters or a digit), capped."""
    lines = []
    for line in text.replace("\r", "").split("\n"):
        line = " ".join(line.split())
        if line and _WORD.search(line):
            lines.append(line)
    return "\n".join(lines)[:MAX_TEXT]


def ocr_image(data: bytes, languages: str, timeout: float) -> str:
    """Blocking: the text in image file ``data`` (run in a worker thread)."""
    import pytesseract

    img = preprocess(open_image(data))
    # pytesseract hands the image over in a temporary file: uncompressed PGM
    # (PPM format) is written and read far faster than its default PNG (same pixels)
    img.format = "PPM"  # Pillow writes a grey image as binary PGM (P5)
    # With PARALLEL readers on two cores, OpenMP threads inside each child only fight.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        raw = pytesseract.image_to_string(img, lang=languages, config=TESSERACT_CONFIG,
                                          timeout=max(1.0, timeout))
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        raise ImageError(f"OCR melebihi batas waktu {timeout:.0f} detik") from exc
    except pytesseract.TesseractError as exc:
        raise ImageError(f"Tesseract gagal: {exc}") from exc
    return clean_text(raw)


# -- cache ------------------------------------------------------------------------

class OcrCache:
    """OCR text by image SHA-256: ``<dir>/<sha256>.json`` (atomic, 0600)."""

    def __init__(self, folder: Path):
        self.dir = ensure_private_dir(Path(folder))

    def _path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.dir / f"{sha256}.json"

    def get(self, sha256: str, languages: str) -> str | None:
        try:
            doc = read_json(self._path(sha256))
        except (ValueError, OSError):  # a damaged entry is read again
            return None
        if not isinstance(doc, dict) or doc.get("languages") != languages or doc.get("prep") != PREP_VERSION:
            return None
        text = doc.get("text")
        return text if isinstance(text, str) else None

    def put(self, sha256: str, languages: str, text: str) -> None:
        atomic_write_json(self._path(sha256), {"sha256": sha256, "languages": languages, "prep": PREP_VERSION,
                                                "text": text, "read_at": iso(utc_now())})

    def _url_path(self, url: str) -> Path:
        return self.dir / f"url-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:40]}.json"

    def sha_of_url(self, url: str) -> str | None:
        """The SHA-256 of the image last fetched from ``url`` (None: never fetched)."""
        try:
            doc = read_json(self._url_path(url))
        except (ValueError, OSError):
            return None
        if isinstance(doc, dict) and doc.get("url") == url and re.fullmatch(r"[0-9a-f]{64}", str(doc.get("sha256"))):
            return str(doc["sha256"])
        return None

    def remember_url(self, url: str, sha256: str) -> None:
        atomic_write_json(self._url_path(url), {"url": url, "sha256": sha256})


# -- the reader ----------------------------------------------------------------------

class OcrReader:
    """Fetch, hash, and read (or recall) images; the pipeline's one OCR entry point.

    ``settings`` is the ``[ocr]`` config section. When Tesseract is missing,
    :attr:`available` is False, :attr:`warning` says why (logged once when
    built) and every read returns None.
    """

    def __init__(self, settings: Any, cache_dir: Path, fetcher: ImageFetcher | None = None,
                 *, status: tuple[bool, str] | None = None):
        self.cache = OcrCache(cache_dir)
        self.fetcher = fetcher
        self._sem: asyncio.Semaphore | None = None
        self.configure(settings, status=status)

    def configure(self, settings: Any, *, status: tuple[bool, str] | None = None) -> None:
        """Apply ``[ocr]`` settings (at start and on a daemon reload). Whether Tesseract is
        usable is asked on first need (two subprocesses, ~50 ms of every ``once`` otherwise)."""
        self.settings = settings
        self._status = status if status is not None or settings.enabled else (False, "OCR dimatikan di konfigurasi")
        if self.fetcher is not None:
            self.fetcher.max_bytes, self.fetcher.timeout = settings.max_bytes, settings.timeout.seconds

    def _checked(self) -> tuple[bool, str]:
        if self._status is None:
            self._status = tesseract_status(self.settings.languages)
            if not self._status[0]:
                log.warning("OCR off: %s", self._status[1])
        return self._status

    @property
    def available(self) -> bool:
        """OCR on and Tesseract usable with ``[ocr] languages`` (a warning logged once if not)."""
        return bool(self.settings.enabled and self._checked()[0])

    @property
    def warning(self) -> str:
        return "" if self.available else self._checked()[1]

    def enabled_for(self, platform: str) -> bool:
        """OCR on, Tesseract present, and ``platform`` not in ``[ocr] platforms_off``."""
        return self.available and platform not in set(self.settings.platforms_off)

    def _gate(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(PARALLEL)
        return self._sem

    async def read_bytes(self, data: bytes, *, url: str = "", content_type: str = "") -> OcrResult:
        """The text of image ``data`` (from the cache when this image was read before)."""
        sha = hashlib.sha256(data).hexdigest()
        langs = self.settings.languages
        cached = self.cache.get(sha, langs)
        if cached is not None:
            return OcrResult(url, sha, cached, data, content_type, cached=True)
        async with self._gate():
            text = await asyncio.to_thread(ocr_image, data, langs, float(self.timeout))
        self._remember(self.cache.put, sha, langs, text)
        return OcrResult(url, sha, text, data, content_type)

    @staticmethod
    def _remember(write: Any, *args: Any) -> None:
        """A cache write; a full disk costs the cache entry, never the text just read."""
        try:
            write(*args)
        except OSError as exc:
            log.warning("OCR cache not written (%s); the image will be read again next time", exc)

    @property
    def timeout(self) -> float:
        return self.settings.timeout.seconds

    async def read_url(self, url: str, account_url: str = "") -> OcrResult | None:
        """Fetch and read one image found on a page of ``account_url``; None (logged)
        when it cannot be fetched or read."""
        if not self.available or self.fetcher is None:
            return None
        known = self.cache.sha_of_url(url)
        text = self.cache.get(known, self.settings.languages) if known else None
        if known and text is not None:
            # read before (an edited caption, a run replayed after a time-out): not fetched
            # again; the bytes are fetched only if a finding needs them (with_bytes)
            return OcrResult(url, known, text, b"", "", cached=True)
        try:
            data, ctype = await self.fetcher.fetch(url, account_url)
            result = await self.read_bytes(data, url=url, content_type=ctype)
        except (ImageError, FetchError) as exc:
            log.info("OCR skipped for %s: %s", url[:200], exc)
            return None
        self._remember(self.cache.remember_url, url, result.sha256)
        return result

    async def with_bytes(self, results: list[OcrResult], account_url: str = "") -> list[OcrResult]:
        """``results`` with the image bytes of those recalled from the cache fetched
        again (for evidence). An image that changed at the same URL is read again."""
        out = []
        for r in results:
            if r.image or self.fetcher is None:
                out.append(r)
                continue
            try:
                data, ctype = await self.fetcher.fetch(r.url, account_url)
            except (ImageError, FetchError) as exc:
                log.info("image for evidence not fetched again: %s: %s", r.url[:200], exc)
                out.append(r)
                continue
            fresh = await self.read_bytes(data, url=r.url, content_type=ctype)
            if fresh.sha256 != r.sha256:
                self._remember(self.cache.remember_url, r.url, fresh.sha256)
            out.append(fresh)
        return out

    async def read_post_images(self, platform: str, urls: list[str] | tuple[str, ...],
                               account_url: str = "") -> list[OcrResult]:
        """Read up to ``[ocr] max_images`` images of one post (in order)."""
        if not self.enabled_for(platform):
            return []
        results = []
        for url in list(dict.fromkeys(urls))[: self.settings.max_images]:
            result = await self.read_url(url, account_url)
            if result is not None:
                results.append(result)
        return results

    async def aclose(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()


def results_json(results: list[OcrResult]) -> str:
    """Compact JSON of OCR results (without bytes), for raw evidence."""
    return json.dumps([r.to_json() for r in results], ensure_ascii=False, sort_keys=True)


def build_ocr(config: Any, gate: Any, storage_root: Path) -> OcrReader:
    """The OCR reader for ``config`` (composition root helper): cache under
    ``<storage>/ocr``, the page fetches' gate and User-Agent. Logs the start-up
    warning when Tesseract is missing."""
    settings = config.ocr
    fetcher = ImageFetcher(user_agent=config.http.user_agent, gate=gate, max_bytes=settings.max_bytes,
                           timeout=settings.timeout.seconds)
    return OcrReader(settings, Path(storage_root) / "ocr", fetcher)
