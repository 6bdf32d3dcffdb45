"""The one DOM-to-text function and URL helpers every adapter uses."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from scraper.platforms import _session, base
from scraper.platforms.text import abs_url, element_text, html_to_text, origin


def text(html: str, **kw) -> str:
    return element_text(BeautifulSoup(html, "lxml").body, **kw)


@pytest.mark.parametrize(("html", "expected"), [
    # X wraps an @mention in a div among spans: it stays inline
    ('<div><span>I\'m joining </span><div class="r-xoduu5"><span><a href="/X">@X</a></span></div>'
     '<span> as Head of Product.</span></div>', "I'm joining @X as Head of Product."),
    ("<div>a</div><div>b</div>", "a\nb"),
    ("<p>Satu <b>dua</b></p><p>tiga</p>", "Satu dua\n\ntiga"),
    ("baris satu<br>baris   dua", "baris satu\nbaris dua"),
    ("<div>a<br></div><div>b</div>", "a\nb"),
    ('<p>Coblos <img alt="😄" src="https://abs-0.twimg.com/emoji/v2/svg/1f604.svg"> ya</p>', "Coblos 😄 ya"),
    ('<p>Foto <img alt="Foto kegiatan kampanye" src="/p.jpg"></p>', "Foto"),
    ('<p><img alt="🙂" height="16" src="https://static.xx.fbcdn.net/images/emoji.php/v9/t8a/3/16/1f642.png"></p>',
     "🙂"),
    ("<div>x<script>alert(1)</script><style>p{}</style><template>t</template></div>", "x"),
])
def test_element_text(html, expected):
    assert text(html) == expected


def test_pre_wrap_keeps_the_texts_own_line_breaks():
    html = '<div data-testid="tweetText"><span>Baris satu.\n\nBaris dua</span></div>'
    assert text(html, pre_wrap=True) == "Baris satu.\n\nBaris dua"
    assert text(html) == "Baris satu. Baris dua"


def test_deeply_nested_page_has_no_recursion_error():
    deep = "<div>" * 20000 + "dalam" + "</div>" * 20000
    assert html_to_text(deep) == "dalam"


def test_every_adapter_shares_one_extractor_and_one_set_of_url_helpers():
    assert base.element_text is element_text and _session.element_text is element_text
    assert base.abs_url is abs_url and _session.abs_url is abs_url and base.origin is _session.origin
    assert not hasattr(_session, "dom_text") and not hasattr(_session, "absolute")


def test_url_helpers_never_raise_on_hostile_links():
    assert abs_url("https://t.me/s/x", "http://[::1") == ""  # "Invalid IPv6 URL"
    assert abs_url("https://t.me/s/x", "/x/5") == "https://t.me/x/5"
    assert abs_url("https://t.me/s/x", None) == "" and abs_url("https://t.me/", "  ") == ""
    assert origin("http://127.0.0.1:8080/a?b") == "http://127.0.0.1:8080"
    assert origin("//x.com/a") == "https://x.com"
