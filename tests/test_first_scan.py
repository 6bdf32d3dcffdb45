"""First scan depth: read back to [scan] first_scan_since, store older posts without alerting."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from alerts.timeutil import utc_now
from scraper.app import run_once
from scraper.config import load_config
from scraper.first_scan import at_start_of_day, default_since
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import Page
from scraper.store import FindingStore, storage_layout
from loopback import LoopbackServer, QuietHandler

pytestmark = pytest.mark.slow  # pages back through a real HTTP site: left out of `make check-fast`

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = "Ayo coblos nomor 2! Prabowo-Gibran satu putaran ✌️ #PrabowoGibran2024"
NEUTRAL = "Jadwal posyandu balita hari Kamis di balai kelurahan."
# (page "before" value or None for the first page) -> [(id, time, text)], older link
PAGES = {
    None: ([(11, "2024-01-20T11:45:00+00:00", CAMPAIGN), (10, "2024-01-18T02:00:00+00:00", NEUTRAL)], 10),
    "10": ([(9, "2024-01-16T03:00:00+00:00", CAMPAIGN), (8, "2024-01-05T03:00:00+00:00", CAMPAIGN)], 8),
    "8": ([(7, "2023-12-01T03:00:00+00:00", CAMPAIGN)], None),
}


def channel_page(before: str | None) -> str:
    posts, older = PAGES[before]
    items = "".join(
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" data-post="kabar/{i}">'
        f'<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text">{text}</div>'
        f'<a class="tgme_widget_message_date" href="/kabar/{i}"><time datetime="{at}">t</time></a></div></div></div>'
        for i, at, text in reversed(posts))
    prev = f'<link rel="prev" href="/s/kabar?before={older}">' if older else ""
    return f"<html><head>{prev}</head><body><section class='tgme_channel_history'>{items}</section></body></html>"


class Channel:
    def __init__(self) -> None:
        self.paths: list[str] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.paths.append(self.path)
                before = self.path.split("before=", 1)[1] if "before=" in self.path else None
                self.reply(channel_page(before).encode(), "text/html; charset=utf-8")

        self.loopback = LoopbackServer(Handler)
        self.url = self.loopback.url

    def stop(self) -> None:
        self.loopback.stop()


@pytest.fixture
def channel():
    c = Channel()
    yield c
    c.stop()


def write_config(tmp: Path, base: str, scan: str) -> Path:
    (tmp / "watchlists").mkdir()
    (tmp / "watchlists" / "orang.toml").write_text(f'''[[person]]
name = "Budi Santoso (fiktif)"
nip = "198503122010011003"
position = "Staf"
unit = "Kecamatan Penajam"
accounts = [{{ platform = "telegram", url = "{base}/kabar" }}]
''', encoding="utf-8")
    config = tmp / "config.toml"
    config.write_text(f'''[storage]
dir = "data"
[watchlists]
paths = ["watchlists/*.toml"]
[lexicon]
paths = ["{REPO}/watchlists/lexicon/*.toml"]
[http]
min_delay = "0s"
[scan]
{scan}
''', encoding="utf-8")
    return config


def test_first_scan_reads_back_to_the_date_and_stores_older_posts_without_alerting(tmp_path, channel):
    config = load_config(write_config(tmp_path, channel.url, "first_scan_since = 2024-01-15\nfirst_scan_pages = 5"))
    summary = asyncio.run(run_once(config))
    assert summary["errors"] == []
    # page 2 already reaches back past 2024-01-15: page 3 is never asked for
    assert channel.paths == ["/s/kabar", "/s/kabar?before=10"]
    assert summary["new"] == 4 and summary["older_not_alerted"] == 1
    findings = FindingStore(storage_layout(config.storage_dir)["findings"]).all()
    assert sorted(f["post_id"] for f in findings) == ["11", "9"]  # 8 is older than the date: stored, no alert
    assert all(f["first_scan"] for f in findings)

    # the next scan reads the first page only, and older posts are not "deleted"
    channel.paths.clear()
    again = asyncio.run(run_once(config))
    assert channel.paths == ["/s/kabar"] and again["new"] == 0 and again["deleted"] == 0
    assert again["older_not_alerted"] == 0


def test_first_scan_page_count_bounds_the_paging(tmp_path, channel):
    config = load_config(write_config(tmp_path, channel.url, "first_scan_since = 2023-01-01\nfirst_scan_pages = 2"))
    summary = asyncio.run(run_once(config))
    assert channel.paths == ["/s/kabar", "/s/kabar?before=10"]
    assert summary["new"] == 4 and summary["older_not_alerted"] == 0


def test_default_date_is_the_earliest_campaign_start_in_the_lexicon():
    from alerts.lexicon import load_lexicon

    lexicon = load_lexicon(sorted((REPO / "watchlists" / "lexicon").glob("*.toml")))
    earliest = min(e.campaign_start for e in lexicon.elections)
    assert default_since(lexicon.elections) == at_start_of_day(earliest)
    assert at_start_of_day(date(2024, 9, 25)) == datetime(2024, 9, 24, 16, 0, tzinfo=timezone.utc)  # 00:00 WITA
    assert default_since([]) is None


def test_bluesky_cursor_is_the_older_page():
    sky = get_adapter("bluesky")
    account = Account("bluesky", "https://bsky.app/profile/andi.bsky.social")
    url = sky.fetch_url(account, {})
    page = Page(url, url, 200, json.dumps({"feed": [], "cursor": "2024-01-16T03:00:00.000Z"}), utc_now())
    assert sky.older_page_url(page, [], account) == url + "&cursor=2024-01-16T03%3A00%3A00.000Z"
    second = Page(url + "&cursor=x", url, 200, json.dumps({"feed": []}), utc_now())
    assert sky.older_page_url(second, [], account) is None


def test_telegram_older_page_stays_on_the_channel_host():
    tg = get_adapter("telegram")
    account = Account("telegram", "https://t.me/kabar")
    page = Page("https://t.me/s/kabar", "https://t.me/s/kabar", 200,
                '<html><head><link rel="prev" href="https://evil.example/s/kabar?before=5"></head><body>'
                '<div class="tgme_widget_message" data-post="kabar/6"><a class="tgme_widget_message_date" '
                'href="/kabar/6"><time datetime="2024-01-01T00:00:00+00:00"></time></a></div></body></html>',
                utc_now())
    posts = tg.parse(page, account)
    assert tg.older_page_url(page, posts, account) is None
