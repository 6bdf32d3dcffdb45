"""The [web] table of config.toml (owned by the console; alerts read base_url)."""
from __future__ import annotations

import pytest

from scraper.config import config_from_dict
from scraper.errors import ConfigError


def test_web_defaults_listen_on_loopback_only(tmp_path):
    web = config_from_dict({}, tmp_path / "config.toml").web
    assert (web.host, web.port, web.base_url) == ("127.0.0.1", 8080, "")
    assert web.finding_url("abc") is None


def test_base_url_gives_finding_links(tmp_path):
    web = config_from_dict({"web": {"base_url": "https://pantau.example.go.id/"}}, tmp_path / "c.toml").web
    assert web.finding_url("0123456789abcdef") == "https://pantau.example.go.id/temuan/0123456789abcdef"


@pytest.mark.parametrize("raw", [{"base_url": "pantau.example"}, {"port": 0}, {"session_lifetime": "soon"},
                                 {"hots": "x"}])
def test_bad_web_keys_are_named(tmp_path, raw):
    with pytest.raises(ConfigError) as exc:
        config_from_dict({"web": raw}, tmp_path / "config.toml")
    assert "web." in str(exc.value)
