"""Images with text, drawn by the tests (never downloaded).

Posters like the ones civil servants share: a photo-like background
(gradient, soft blobs, grain), text in one of several installed fonts and
sizes, slightly rotated, with noise. Everything is seeded, so a failing
image can be redrawn exactly.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
#: fonts from Debian's fonts-dejavu-core and fonts-liberation (installed by .ci/run)
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "LiberationSans-Bold.ttf",
         "DejaVuSansCondensed-Bold.ttf", "LiberationSerif-Bold.ttf", "DejaVuSans.ttf")


def available_fonts() -> list[Path]:
    found = []
    for name in FONTS:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                found.append(folder / name)
                break
    return found


def photo_background(width: int, height: int, rng: random.Random) -> Image.Image:
    """A soft, photo-like background: a colour gradient, blurred blobs and grain."""
    top = tuple(rng.randint(150, 235) for _ in range(3))
    bottom = tuple(rng.randint(120, 220) for _ in range(3))
    grad = Image.linear_gradient("L").resize((width, height))
    img = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), grad)
    blobs = Image.new("RGB", (width, height))
    mask = Image.new("L", (width, height), 0)
    draw_b, draw_m = ImageDraw.Draw(blobs), ImageDraw.Draw(mask)
    for _ in range(8):
        x, y = rng.randint(0, width), rng.randint(0, height)
        r = rng.randint(width // 10, width // 4)
        colour = tuple(rng.randint(110, 255) for _ in range(3))
        draw_b.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        draw_m.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(60, 140))
    img = Image.composite(blobs, img, mask).filter(ImageFilter.GaussianBlur(width / 40))
    return add_noise(img, rng, amount=18)


def add_noise(img: Image.Image, rng: random.Random, amount: int = 25) -> Image.Image:
    """Grain: Gaussian noise of ``amount`` (0-255 scale) blended in."""
    noise = Image.effect_noise(img.size, amount).convert("RGB")
    return Image.blend(img, Image.composite(noise, img, Image.new("L", img.size, 128)), 0.5 if amount else 0)


def poster(lines: list[str], *, font: Path | None = None, size: int = 64, angle: float = 0.0,
           seed: int = 1, width: int = 1000, height: int = 700, colour: tuple[int, int, int] = (20, 20, 60),
           noise: int = 20, fmt: str = "PNG") -> bytes:
    """``lines`` drawn centred on a photo-like background; image file bytes."""
    rng = random.Random(seed)
    img = photo_background(width, height, rng)
    fonts = available_fonts()
    path = str(font or fonts[seed % len(fonts)])
    face = ImageFont.truetype(path, size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    while size > 12 and max(probe.textlength(line, font=face) for line in lines) > width * 0.9:
        size -= 2
        face = ImageFont.truetype(path, size)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    gap = size // 3
    boxes = [draw.textbbox((0, 0), line, font=face) for line in lines]
    total = sum(b[3] - b[1] for b in boxes) + gap * (len(lines) - 1)
    y = (height - total) // 2
    for line, box in zip(lines, boxes):
        x = (width - (box[2] - box[0])) // 2
        draw.text((x, y - box[1]), line, font=face, fill=colour + (255,))
        y += box[3] - box[1] + gap
    if angle:
        layer = layer.rotate(angle, resample=Image.BICUBIC, center=(width / 2, height / 2))
    img = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
    if noise:
        img = add_noise(img, rng, amount=noise)
    out = io.BytesIO()
    img.save(out, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def twibbon(lines: list[str], *, size: int = 400, seed: int = 3, band: tuple[int, int, int] = (200, 20, 30)) -> bytes:
    """A profile picture in a campaign "twibbon" frame: a face-like photo with
    a coloured band at the bottom carrying ``lines`` in white."""
    rng = random.Random(seed)
    img = photo_background(size, size, rng)
    draw = ImageDraw.Draw(img)
    draw.ellipse((size * 0.3, size * 0.12, size * 0.7, size * 0.55), fill=(224, 180, 150))  # a face
    draw.rectangle((size * 0.2, size * 0.55, size * 0.8, size), fill=(40, 60, 120))  # shoulders
    band_top = int(size * 0.66)
    draw.rectangle((0, band_top, size, size), fill=band)
    fonts = available_fonts()
    face = ImageFont.truetype(str(fonts[0]), size // 12)
    y = band_top + size // 30
    for line in lines:
        box = draw.textbbox((0, 0), line, font=face)
        draw.text(((size - (box[2] - box[0])) // 2, y - box[1]), line, font=face, fill=(255, 255, 255))
        y += box[3] - box[1] + size // 40
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def require_tesseract() -> None:
    """Skip (fail under CI) when Tesseract with Indonesian is not installed,
    like the Chromium tests: OCR tests are part of the contract."""
    import os

    import pytest

    from scraper.ocr import tesseract_status

    ok, message = tesseract_status("ind+eng")
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"Tesseract is required in CI: {message}")
        pytest.skip(message)


class ImageServer:
    """A loopback HTTP server answering from ``routes``: path -> (status, content type, body, delay).

    ``chunked`` paths are sent without Content-Length (the size is learnt only by reading)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[int, str, bytes, float]] = {}
        self.chunked: set[str] = set()
        self.locations: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        self.agents: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                import time

                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                server.agents.append(self.headers.get("User-Agent", ""))
                status, ctype, body, delay = server.routes.get(self.path, (404, "text/plain", b"nope", 0.0))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if self.path in server.locations:
                    self.send_header("Location", server.locations[self.path])
                if self.path in server.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(body), 65536):
                        part = body[i:i + 65536]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ImageServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
