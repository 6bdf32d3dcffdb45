"""Peak memory of one fetch of a huge body, with and without the [http] max_body cap.

    PYTHONPATH=. .venv/bin/python bench/body_cap.py [--mb 400]

A loopback server (child process) streams an endless RSS-like body of --mb
megabytes; each measurement runs `HttpFetcher.get` in a fresh child process
and prints that process's peak RSS (ru_maxrss) and what it read. "uncapped"
sets the cap above the body size, i.e. the behaviour before the cap existed.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHUNK = 64 * 1024


def _serve(size: int, conn) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"<item>" + b"x" * (CHUNK - 13) + b"</item>"
            sent = 0
            try:
                while sent < size:
                    self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                    sent += len(block)
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    conn.send(httpd.server_address[1])
    httpd.serve_forever()


def _fetch(url: str, cap: int, conn) -> None:
    from scraper.errors import TooLarge
    from scraper.fetch.http import HttpFetcher

    async def go():
        fetcher = HttpFetcher(user_agent="PantauBench/1.0", retries=0, timeout=120, max_body=cap)
        try:
            page = await fetcher.get(url)
            return "page", len(page.body)
        except TooLarge as exc:
            return "too_large", exc.bytes_read
        finally:
            await fetcher.aclose()

    outcome, read = asyncio.run(go())
    conn.send((outcome, read, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(url: str, cap: int) -> tuple[str, int, float]:
    parent, child = mp.Pipe()
    proc = mp.Process(target=_fetch, args=(url, cap, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=400, help="body size offered by the server")
    args = ap.parse_args()
    size = args.mb * 1024 * 1024
    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(size, child), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{parent.recv()}/feed"
    try:
        for label, cap in (("cap 5 MB (default)", 5 * 1024 * 1024), ("uncapped", 2 * size)):
            outcome, read, rss = measure(url, cap)
            print(f"{args.mb} MB body, {label:18s}: {outcome:9s} read {read / 2**20:7.1f} MB, "
                  f"peak RSS {rss:7.1f} MB")
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
