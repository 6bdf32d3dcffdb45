"""HttpFetcher's transport: TLS is set up on the first https request only, and stays verified
(issue #17). Real servers on 127.0.0.1: plain HTTP, TLS with a self-signed certificate made
by the ``openssl`` command, and a forward proxy."""
from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess

import httpx
import pytest

from scraper.errors import FetchError
from scraper.fetch.http import HttpFetcher
from tests.loopback import LoopbackServer, QuietHandler

UA = "PantauTest/1.0 (+bawaslu-ppu)"


class Feed(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.reply(b"<rss><channel><title>uji</title></channel></rss>", "application/rss+xml")


class Proxy(QuietHandler):
    """A forward proxy that answers itself: records the absolute-form request line."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def do_GET(self) -> None:
        Proxy.seen.append(self.path)
        self.reply(b"lewat proxy", "text/plain")


@pytest.fixture()
def no_proxies(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def verified_contexts(monkeypatch):
    """Every verifying TLS context httpx builds for a transport (the CA bundle load)."""
    made: list[object] = []
    real = httpx._transports.default.create_ssl_context

    def counting(verify=True, cert=None, trust_env=True):
        if verify is not False:
            made.append(verify)
        return real(verify=verify, cert=cert, trust_env=trust_env)

    monkeypatch.setattr(httpx._transports.default, "create_ssl_context", counting)
    return made


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture()
def tls_server(self_signed):
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = LoopbackServer(Feed, tls=context)
    yield server
    server.stop()


def fetch(url: str):
    async def go():
        fetcher = HttpFetcher(user_agent=UA, retries=0, timeout=5)
        try:
            return await fetcher.get(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def test_plain_http_sets_up_no_tls(no_proxies, verified_contexts):
    server = LoopbackServer(Feed)
    try:
        page = fetch(server.url + "/feed.xml")
    finally:
        server.stop()
    assert page.status == 200 and "uji" in page.body
    assert verified_contexts == []  # the CA bundle was never loaded


def test_https_is_verified_against_the_ca_bundle(no_proxies, verified_contexts, tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(FetchError) as caught:
        fetch(tls_server.url + "/feed.xml")  # a self-signed certificate: refused
    assert "CERTIFICATE_VERIFY_FAILED" in repr(caught.value.__cause__)
    assert verified_contexts == [True]


def test_https_honours_ssl_cert_file(no_proxies, tls_server, self_signed, monkeypatch):
    """As httpx's own transport does: a CA file named in SSL_CERT_FILE is trusted."""
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
    page = fetch(tls_server.url + "/feed.xml")
    assert page.status == 200 and "uji" in page.body


def test_http_and_https_share_one_client(no_proxies, verified_contexts, tls_server, self_signed, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
    plain = LoopbackServer(Feed)

    async def go():
        fetcher = HttpFetcher(user_agent=UA, retries=0, timeout=5)
        try:
            first = await fetcher.get(plain.url + "/a.xml")
            made_after_plain = len(verified_contexts)
            second = await fetcher.get(tls_server.url + "/b.xml")
            third = await fetcher.get(tls_server.url + "/c.xml")
            return first, second, third, made_after_plain
        finally:
            await fetcher.aclose()

    try:
        first, second, third, made_after_plain = asyncio.run(go())
    finally:
        plain.stop()
    assert (first.status, second.status, third.status) == (200, 200, 200)
    assert made_after_plain == 0 and len(verified_contexts) == 1  # built once, on the first https


def test_proxies_from_the_environment_are_honoured(no_proxies, monkeypatch):
    proxy = LoopbackServer(Proxy)
    Proxy.seen.clear()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    try:
        page = fetch("http://127.0.0.1:9/feed.xml")  # nothing listens there: only the proxy answers
    finally:
        proxy.stop()
    assert page.body == "lewat proxy"
    assert Proxy.seen == ["http://127.0.0.1:9/feed.xml"]

