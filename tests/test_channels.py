"""Apprise channel wrapper: URL checks, result mapping, WhatsApp (Meta Cloud API
and its templates), Telegram and gateways against loopback HTTP servers."""
from __future__ import annotations

import json

import pytest
from apprise.plugins.telegram import NotifyTelegram
from apprise.plugins.whatsapp import NotifyWhatsApp

from alerts.channels import (WHATSAPP_MAXLEN, Channel, build_channels, clip_text, fill_url,
                             template_fields, to_send_result)
from alerts.secrets import register_secret
from alerts.settings import ChannelSettings
from tests.alerts_servers import Gateway, free_port

CTX = {"person": {"name": "Budi Santoso", "nip": "198501012010011001", "unit": "Dinas Pendidikan"},
       "platform": "facebook", "post_url": "https://facebook.com/budi/posts/1?a=1&b=2",
       "first_seen": "2026-11-24T02:00:00+00:00", "deadline": "2026-12-01T02:00:00+00:00",
       "terms": ["coblos", "pilih"]}


@pytest.fixture
def gateway():
    gw = Gateway().start()
    yield gw
    gw.stop()


def test_bad_urls_reported_masked_at_start_up():
    secret = "tok3nSecretValue"
    register_secret(secret)
    channels, problems = build_channels([
        ChannelSettings(name="wa", url=f"whatsapp://{secret}@notdigits/62811"),
        ChannelSettings(name="ok", url="json://127.0.0.1:9/x"),
    ])
    assert [p.entry for p in problems] == ["alerts channel wa"]
    assert secret not in str(problems[0]) and "apprise does not accept" in str(problems[0])
    result = channels["wa"].send("t", "b")
    assert not result.ok and secret not in result.error
    assert not channels["ok"].problem


def test_result_mapping_failure_carries_reason(gateway):
    gateway.fail.add("/x")
    ch = Channel(ChannelSettings(name="gw", url=f"json://127.0.0.1:{gateway.port}/x"))
    result = ch.send("judul", "isi")
    assert not result.ok and result.status == "FAILURE" and "500" in result.error
    assert to_send_result(True).ok and not to_send_result(False).ok
    down = Channel(ChannelSettings(name="d", url=f"form://127.0.0.1:{free_port()}/y")).send("a", "b")
    assert not down.ok and "Connection error" in down.error


def test_whatsapp_meta_cloud_text_is_cut_to_1024(gateway, monkeypatch):
    # the Meta Graph endpoint is replaced by the loopback gateway; apprise builds the real request
    monkeypatch.setattr(NotifyWhatsApp, "notify_url",
                        f"http://127.0.0.1:{gateway.port}/{{fb_ver}}/{{phone_id}}/messages")
    ch = Channel(ChannelSettings(name="wa", url="whatsapp://abcTOKEN123@1234567890/6281234567890"))
    assert ch.quiet and ch.style == "short" and not ch.attachments
    result = ch.send("Judul", "baris\n" * 400, attachments=["/nonexistent.png"])
    assert result.ok, result.error
    req = gateway.requests[0]
    payload = json.loads(req["body"])
    assert req["path"] == "/v21.0/1234567890/messages"
    assert req["headers"]["Authorization"] == "Bearer abcTOKEN123"
    assert payload["to"] == "+6281234567890" and payload["type"] == "text"
    assert len(payload["text"]["body"]) <= WHATSAPP_MAXLEN
    assert payload["text"]["body"].startswith("Judul\nbaris") and payload["text"]["body"].endswith("…")


def test_whatsapp_template_params_filled_from_alert(gateway, monkeypatch):
    monkeypatch.setattr(NotifyWhatsApp, "notify_url",
                        f"http://127.0.0.1:{gateway.port}/{{fb_ver}}/{{phone_id}}/messages")
    url = ("whatsapp://pantau_temuan:abcTOKEN123@1234567890/6281234567890"
           "?lang=id&:1={name}&:2={post_url}&:3={deadline}")
    ch = Channel(ChannelSettings(name="wa-tpl", url=url))
    assert not ch.problem and ch.templated
    fields = template_fields("finding:f1", "finding", "high", CTX, "Judul")
    assert ch.send("Judul", "isi", fields=fields).ok
    tpl = json.loads(gateway.requests[0]["body"])["template"]
    assert tpl["name"] == "pantau_temuan" and tpl["language"]["code"] == "id"
    params = [p["text"] for p in tpl["components"][0]["parameters"]]
    assert params == ["Budi Santoso", "https://facebook.com/budi/posts/1?a=1&b=2",
                      "1 Desember 2026 10.00 WITA"]
    # a second alert gets its own values (fresh apprise object per send)
    other = template_fields("finding:f2", "finding", "high", {"person": {"name": "Siti"}}, "J")
    assert ch.send("J", "b", fields=other).ok
    params = [p["text"] for p in json.loads(gateway.requests[1]["body"])["template"]["components"][0]["parameters"]]
    assert params[0] == "Siti" and params[1] == "-"


def test_telegram_bot_through_loopback(gateway, monkeypatch):
    monkeypatch.setattr(NotifyTelegram, "notify_url", f"http://127.0.0.1:{gateway.port}/bot")
    ch = Channel(ChannelSettings(name="tg", url="tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp/-100123"))
    assert not ch.problem and not ch.quiet and ch.style == "short"
    assert ch.send("Judul", "isi pesan").ok
    sent = [r for r in gateway.requests if r["path"].endswith("/sendMessage")]
    assert sent and "isi pesan" in json.loads(sent[0]["body"])["text"]


def test_form_gateway_gets_fields_and_attachment(gateway, tmp_path):
    shot = tmp_path / "bukti.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n")
    ch = Channel(ChannelSettings(name="gw", url=f"form://127.0.0.1:{gateway.port}/send?:phone=62811"))
    assert ch.send("Judul", "Isi", attachments=[str(shot)]).ok
    body = gateway.requests[0]["body"]
    assert b'name="phone"' in body and b"62811" in body and b'filename="bukti.png"' in body


def test_fill_url_quotes_values_and_clip_text():
    assert fill_url("json://h/x?:m={name}", {"name": "a&b c"}) == "json://h/x?:m=a%26b%20c"
    assert fill_url("json://h/x?:m={unknown}", {}) == "json://h/x?:m={unknown}"
    bad = Channel(ChannelSettings(name="x", url="json://127.0.0.1:9/x?:m={nama}"))
    assert "unknown placeholder(s) nama" in bad.problem
    text = clip_text("x" * 2000, 1024)
    assert len(text) <= 1024 and text.endswith("…")
    assert clip_text("pendek", 1024) == "pendek"
