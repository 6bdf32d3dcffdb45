"""Telegram parses with lxml directly (issue #17); its text must stay the one DOM-to-text
function's: ``lxml_element_text`` equals ``element_text`` on every element of every capture,
and a post's raw fragment is the one bs4 serialises."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from alerts.timeutil import utc_now
from scraper.models import Account
from scraper.platforms import get_adapter
from scraper.platforms.base import Page
from scraper.platforms.telegram import _lxml_root
from scraper.platforms.text import element_text, lxml_element_text

HERE = Path(__file__).parent
CAPTURES = sorted((HERE / "fixtures" / "platforms" / "telegram").glob("*.html")) + \
    sorted(Path("/work/shared/fixtures/real/telegram").glob("*.html"))
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
