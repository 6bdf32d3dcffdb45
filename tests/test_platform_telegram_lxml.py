"""Telegram parses with lxml directly (issue #17); its text must stay the one DOM-to-text
function's: ``lxml_element_text`` equals ``element_text`` on every element of every capture,
a post's raw fragment is the one bs4 serialises, and the channel profile read with lxml is
the one the CSS selectors give on the bs4 tree."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from alerts.timeutil import utc_now
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import Page
from scraper.platforms.base import abs_url
from scraper.platforms.profiles import telegram_profile
from scraper.platforms.text import element_text, lxml_element_text, lxml_root as _lxml_root
from scraper.profile import Profile

HERE = Path(__file__).parent
CAPTURES = sorted((HERE / "fixtures" / "platforms" / "telegram").glob("*.html")) + \
    sorted((HERE.resolve().parents[1] / "shared" / "fixtures" / "real" / "telegram").glob("*.html"))
TRICKY = ('<div class="x"><pre> \n\n <b>x</b>\r\n\n </pre>\r\n\r\n<span>a</span>\r \t<textarea>\n\n</textarea><ruby>漢<rt>kan<b>x</b>y</rt><rp>(</rp></ruby><rt>q<div>d</div>r</rt>a<div>@m</div> b<!--c--><div>blk</div><p>p1</p>t<br>u'
          '<img alt="😀"><img alt="photo of x" src="e.png"><img alt="ok" class="Emoji">'
          '<script>no</script><ul><li>one</li><li> two\xa0 </li></ul><span>s<div>in</div></span></div>')


@pytest.mark.parametrize("html", [p for p in CAPTURES] + [TRICKY], ids=lambda p: getattr(p, "name", "tricky"))
def test_lxml_text_equals_element_text_on_every_element(html):
    body = html.read_text(encoding="utf-8") if isinstance(html, Path) else html
    soup_tags = BeautifulSoup(body, "lxml").find_all(True)
    lxml_tags = [el for el in _lxml_root(body).iter() if isinstance(el.tag, str)]
    assert [t.name for t in soup_tags] == [el.tag for el in lxml_tags]
    for tag, el in zip(soup_tags, lxml_tags):
        for pre_wrap in (False, True):
            assert lxml_element_text(el, pre_wrap=pre_wrap) == element_text(tag, pre_wrap=pre_wrap), tag.name


def test_raw_is_the_bs4_fragment_of_the_post():
    path = HERE / "fixtures" / "platforms" / "telegram" / "channel.html"
    body = path.read_text(encoding="utf-8")
    url = "https://t.me/infosepaku"
    posts = get_adapter("telegram").parse(Page(url, url, 200, body, utc_now()), Account("telegram", url))
    fragments = {m["data-post"]: m.decode()
                 for m in BeautifulSoup(body, "lxml").find_all("div", class_="tgme_widget_message")}
    assert posts and all(p.raw == fragments[p.extra["data_post"]] for p in posts)


HEADER = ('<div class="tgme_channel_info"><div class="tgme_channel_info_header">'
          '<i class="tgme_page_photo_image"><span><img alt="no src"></span><img src="/a.jpg"></i>'
          '<div class="x tgme_channel_info_header_title\tb"><span dir="auto">Kanal <b>Uji</b> \U0001f600</span></div></div>'
          '<div class="tgme_channel_info_description">Info <a>no href</a> <a href="tg://x">tg</a>'
          '<br><a href="https://contoh.id/p?q=1&amp;r=2">situs</a> <a href="http://b.id">b</a></div></div>'
          '<div class="tgme_channel_info_description">second</div>')


def _profile_by_selectors(body: str, base: str) -> Profile | None:
    """The reference: the CSS selectors on the bs4 tree (how the profile was read before #17)."""
    info = BeautifulSoup(body, "lxml").select_one(".tgme_channel_info")
    if info is None:
        return None
    title = info.select_one(".tgme_channel_info_header_title")
    description = info.select_one(".tgme_channel_info_description")
    photo = info.select_one(".tgme_page_photo_image img[src]")
    links = [abs_url(base, a.get("href")) for a in description.select("a[href]")] if description else []
    return Profile(display_name=element_text(title) if title else "",
                   bio=element_text(description) if description else "",
                   avatar_url=abs_url(base, photo.get("src")) if photo else "",
                   link=next((h for h in links if h.startswith(("http://", "https://"))), ""))


@pytest.mark.parametrize("html", [p for p in CAPTURES] + [HEADER, TRICKY, ""],
                         ids=lambda p: getattr(p, "name", None) or (p[:12] or "empty"))
def test_profile_with_lxml_equals_the_selectors_on_bs4(html):
    body = html.read_text(encoding="utf-8") if isinstance(html, Path) else html
    url = "https://t.me/s/infosepaku"
    got = telegram_profile(Page(url, url, 200, body, utc_now()), Account("telegram", "https://t.me/infosepaku"))
    assert got == _profile_by_selectors(body, url)


def test_profile_header_read_field_by_field():
    url = "https://t.me/s/uji"
    got = telegram_profile(Page(url, url, 200, HEADER, utc_now()), Account("telegram", "https://t.me/uji"))
    assert got.display_name == "Kanal Uji \U0001f600"
    assert got.avatar_url == "https://t.me/a.jpg"  # the first img with a src under the photo
    assert got.link == "https://contoh.id/p?q=1&r=2"
    assert got.bio.startswith("Info no href tg")


def test_a_page_is_parsed_once_for_its_posts_and_its_profile(monkeypatch):
    import scraper.platforms.text as text

    calls: list[int] = []
    real = text._parse_html
    monkeypatch.setattr(text, "_parse_html", lambda body: calls.append(len(body)) or real(body))
    body = (HERE / "fixtures" / "platforms" / "telegram" / "channel.html").read_text(encoding="utf-8")
    body = body.replace("<body", HEADER.join(["<section>", "</section><body"]), 1)  # a channel header too
    url = "https://t.me/s/infosepaku"
    account = Account("telegram", "https://t.me/infosepaku")
    page = Page(url, url, 200, body, utc_now())
    posts = get_adapter("telegram").parse(page, account)
    profile = telegram_profile(page, account)
    assert posts and profile.display_name == "Kanal Uji \U0001f600" and len(calls) == 1
    other = Page(url, url, 200, body.replace("tgme_channel_info_header_title", "x"), utc_now())
    assert telegram_profile(other, account).display_name == ""  # another body: parsed again, not the cached tree
    assert len(calls) == 2


def _fragments() -> list[str]:
    """HTML fragments as adapters meet them: feed descriptions and summaries, JSON ``content``/
    ``note``/``text`` fields, and the elements of every HTML capture (test and shared ones)."""
    import html
    import json
    import re

    shared = HERE.resolve().parents[1] / "shared" / "fixtures" / "real"
    files = [p for root in (HERE / "fixtures" / "platforms", shared) for p in sorted(root.rglob("*")) if p.is_file()]
    out = ["", "plain", "a &amp; b", "x<br>y", "<p>a</p><p>b</p>", "<![CDATA[x]]>", "<!-- c -->t", "\ufeff<b>bom</b>",
           "<html><body><p>x</p></body></html>", "<script>x</script>y", "<title>t</title>z", TRICKY]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r"<(description|content|summary)[^>]*>(.*?)</\1>", text, re.S):
            out.append(html.unescape(m.group(2)))
        for m in re.finditer(r'"(?:content|note|spoiler_text|description|text)"\s*:\s*("(?:[^"\\]|\\.)*")', text):
            try:
                out.append(json.loads(m.group(1)))
            except ValueError:
                pass
        if path.suffix == ".html":
            out += [el.decode() for el in BeautifulSoup(text, "lxml").find_all(["div", "p", "span", "article"])[:80]]
    return out


def test_html_to_text_with_lxml_equals_element_text_on_bs4():
    from scraper.platforms.text import _TAG, html_to_text

    fragments = [f for f in _fragments() if _TAG.search(f)]  # the others never reach a parser
    assert len(fragments) > 1000
    assert [f for f in fragments if html_to_text(f) != element_text(BeautifulSoup(f, "lxml"))] == []
