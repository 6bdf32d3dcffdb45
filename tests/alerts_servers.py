"""Real loopback servers for the alert tests: an SMTP sink (aiosmtpd) and an
HTTP gateway (ThreadingHTTPServer) that records bodies and can answer 500."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd on 127.0.0.1:port; ``messages`` holds parsed email.message objects."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(msg)
        return "250 OK"

    def start(self) -> "SmtpSink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    def url(self, to: str = "staf@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=pantau@example.org&to={to}"

    def texts(self) -> list[str]:
        out = []
        with self._lock:
            for msg in self.messages:
                part = msg.get_body(preferencelist=("plain", "html"))
                out.append(str(msg["subject"]) + "\n" + (part.get_content() if part else ""))
        return out


class Gateway:
    """HTTP gateway on 127.0.0.1:port recording (path, headers, body); paths in
    ``fail`` answer 500, ``delay`` seconds are slept before answering."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[dict] = []
        self.fail: set[str] = set()
        self.delay = 0.0
        self._server: ThreadingHTTPServer | None = None
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                received = time.monotonic()
                if gw.delay:
                    threading.Event().wait(gw.delay)
                failing = self.path.split("?")[0] in gw.fail
                gw.requests.append({"path": self.path.split("?")[0], "body": body,
                                    "headers": dict(self.headers), "failed": failing,
                                    "received": received, "answered": time.monotonic()})
                try:
                    self.send_response(500 if failing else 200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": "boom"}' if failing else b'{"ok": true}')
                except (BrokenPipeError, ConnectionResetError):  # the sender was killed
                    pass

            def log_message(self, *args):
                pass

        self._handler = Handler

    def start(self) -> "Gateway":
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ok_bodies(self, path: str) -> list[bytes]:
        return [r["body"] for r in self.requests if r["path"] == path and not r["failed"]]

    def ok_json(self, path: str) -> list[dict]:
        return [json.loads(b) for b in self.ok_bodies(path)]
