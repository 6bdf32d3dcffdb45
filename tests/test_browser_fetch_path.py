"""The one fetch path in real Chromium: captured GraphQL answers, and 429s that never stall a job."""
from __future__ import annotations

import asyncio
import json
from http.server import BaseHTTPRequestHandler

import pytest

from scraper.errors import RateLimited
from scraper.fetch.browser import Browser
from scraper.fetch.page import fetch_account_page
from scraper.fetch.politeness import HostGate
from scraper.models import Account
from scraper.parsing import read_posts
from scraper.platforms import get_adapter
from loopback import LoopbackServer

USER_TWEETS = {"data": {"user": {"result": {"__typename": "User", "timeline": {"timeline": {"instructions": [
    {"type": "TimelineAddEntries", "entries": [{"entryId": "tweet-1900000000000000001", "content": {
        "entryType": "TimelineTimelineItem", "itemContent": {"tweet_results": {"result": {
            "__typename": "Tweet", "rest_id": "1900000000000000001",
            "core": {"user_results": {"result": {"core": {"screen_name": "xdev"}}}},
            "legacy": {"full_text": "Ayo coblos nomor 2 https://t.co/abc", "created_at": "Fri Jul 31 21:34:08 +0000 2026",
                       "entities": {"urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.id/x"}]}},
        }}}}}]}]}}}}}}

# The profile page loads its timeline the way x.com does: a GraphQL XHR, then renders.
PROFILE = """<html><head><title>xdev / X</title></head><body><div data-testid="primaryColumn"></div><script>
fetch('/i/api/graphql/Q1w2/UserTweets?variables=%7B%7D').then(r => r.json()).then(() => {
  document.querySelector('[data-testid=primaryColumn]').innerHTML =
    '<article data-testid="tweet"><a href="/xdev/status/1900000000000000001"><time datetime="2026-07-31T21:34:08.000Z">' +
    'Jul 31</time></a><div data-testid="tweetText">teks DOM terpotong…</div></article>';
});
</script></body></html>"""


class Site:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                if path == "/limited":
                    status, ctype, body, extra = 429, "text/html", b"<h1>Too Many Requests</h1>", {"Retry-After": "600"}
                elif path.endswith("/UserTweets"):
                    status, ctype, body, extra = 200, "application/json", json.dumps(USER_TWEETS).encode(), {}
                else:
                    status, ctype, body, extra = 200, "text/html", PROFILE.encode(), {}
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.loopback = LoopbackServer(Handler)
        self.url = self.loopback.url

    def stop(self) -> None:
        self.loopback.stop()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.stop()


def test_x_graphql_answer_is_captured_during_the_fetch_and_preferred(site, chromium, tmp_path):
    (tmp_path / "x.json").write_text('{"cookies": [], "origins": []}')
    adapter, account = get_adapter("x"), Account("x", site.url + "/xdev")

    async def main():
        browser = Browser(executable=chromium or "", page_timeout=15, sessions_dir=tmp_path)
        try:
            return await fetch_account_page(adapter, account, adapter.fetch_url(account, {}), http=None,
                                            browser=browser)
        finally:
            await browser.close()

    page = asyncio.run(main())
    assert [url.split("?")[0] for url, _ in page.responses] == [site.url + "/i/api/graphql/Q1w2/UserTweets"]
    [post] = read_posts(adapter, page, account)
    assert post.post_id == "1900000000000000001"
    assert post.text == "Ayo coblos nomor 2 https://example.id/x"  # X's own answer, not the DOM's
    assert post.extra["source"] == "graphql"


def test_browser_429_sets_the_cooldown_and_later_fetches_fail_fast(site, chromium):
    gate = HostGate(per_host_concurrency=1, min_delay=0, jitter=0)

    async def main():
        browser = Browser(executable=chromium or "", page_timeout=10, gate=gate)
        try:
            with pytest.raises(RateLimited) as first:
                await browser.fetch_page(site.url + "/limited")
            assert first.value.retry_after == 600
            assert gate.cooling_until(site.url) is not None
            # while the host cools down: a rate_limited verdict at once, nothing sent, no slot held
            with pytest.raises(RateLimited, match="cooling down"):
                await browser.fetch_page(site.url + "/xdev")
            assert gate.active(site.url) == 0
        finally:
            await browser.close()

    asyncio.run(main())
    assert site.hits.get("/limited") == 1 and "/xdev" not in site.hits
