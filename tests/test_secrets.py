"""Secrets never reach a log line or a printed URL."""
from __future__ import annotations

import pytest

from alerts.secrets import mask, mask_url, register_secret


@pytest.mark.parametrize("url, secret, kept", [
    ("mailtos://staf:sandi-rahasia@smtp.contoh.invalid?to=a@b.c", "sandi-rahasia", "smtp.contoh.invalid"),
    ("whatsapp://EAAGtokenrahasia@12345/6281200000000", "EAAGtokenrahasia", "12345"),
    ("tgram://123456:AAE-bot-token/987", "AAE-bot-token", "tgram://"),
    ("json://127.0.0.1:3000/kirim?token=abcd1234&to=62812", "abcd1234", "127.0.0.1:3000/kirim"),
], ids=["email-password", "whatsapp-token", "telegram-bot-token", "gateway-query-token"])
def test_mask_url_hides_credentials(url, secret, kept):
    shown = mask_url(url)
    assert secret not in shown
    assert kept in shown
    assert secret not in mask(f"gagal mengirim ke {url}: timeout")


def test_addresses_in_queries_are_not_mangled():
    url = "mailto://127.0.0.1:2525?from=pantau@contoh.invalid&to=staf@contoh.invalid"
    assert mask_url(url) == url
    assert mask(url) == url


def test_registered_secret_masked_anywhere():
    register_secret("nilai-rahasia-xyz")
    assert "nilai-rahasia-xyz" not in mask("header Authorization: Bearer nilai-rahasia-xyz")
