"""Indonesian words for what the command line shows that does not come from Pantau itself.

* :func:`usage_error_id` translates click/typer's own usage errors
  ("Missing option '--by'") for the console script (``scraper.cli.main``);
* :func:`explain_error` puts an Indonesian explanation in front of the
  English names of network errors (``ConnectError: ...``) that reach staff.
"""
from __future__ import annotations

import re

_USAGE = [
    (r"Missing option '([^']+)'.*", "opsi {0} wajib diisi"),
    (r"Missing argument '([^']+)'.*", "argumen {0} wajib diisi"),
    (r"Missing parameter: (.+)", "parameter {0} wajib diisi"),
    (r"No such option: (\S+?)\.?(?: Did you mean (\S+?)\?)?$", "opsi {0} tidak dikenal"),
    (r"No such command '([^']+)'\.?", "perintah {0!r} tidak dikenal"),
    (r"Option '([^']+)' requires an argument\.?", "opsi {0} memerlukan nilai"),
    (r"Got unexpected extra arguments? \((.+)\)", "argumen berlebih: {0}"),
    (r"Invalid value for '([^']+)': (.+)", "nilai tidak sah untuk {0}: {1}"),
]
_NETWORK = {
    "ConnectError": "tidak bisa terhubung ke server",
    "ConnectTimeout": "server tidak menjawab saat dihubungi",
    "ReadTimeout": "server tidak menjawab tepat waktu",
    "RemoteProtocolError": "server memutus sambungan",
    "Connection refused": "koneksi ditolak (tidak ada layanan di alamat itu)",
    "Name or service not known": "nama host tidak dikenal",
    "Temporary failure in name resolution": "nama host tidak bisa dicari (DNS)",
    "timed out": "waktu habis",
}


def usage_error_id(message: str) -> str:
    """click's usage error ``message`` in Indonesian (unchanged when unknown)."""
    text = message.strip()
    for pattern, template in _USAGE:
        m = re.fullmatch(pattern, text, re.S)
        if m:
            out = template.format(*[g for g in m.groups()])
            if "Did you mean" in text and m.lastindex and m.lastindex >= 2 and m.group(2):
                out += f" (maksud Anda {m.group(2)}?)"
            return out
    return text


def explain_error(text: str) -> str:
    """``text`` with an Indonesian explanation in front when it names a known network error."""
    for key, words in _NETWORK.items():
        if key in text:
            return f"{words} ({text})"
    return text
