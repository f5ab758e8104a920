"""Text from a server is untrusted: nothing it sends may steer the admin's terminal.

A device-code message, an error description or a display name read from Graph goes
through `clean()` before it reaches a terminal or a screen. It removes:

- escape sequences: CSI (`ESC [ … final`, e.g. a screen clear), OSC (`ESC ] … BEL/ST`,
  e.g. OSC 52, a clipboard write, or OSC 8 hyperlinks), DCS/SOS/PM/APC strings and the
  two-byte ESC sequences (ECMA-48, https://ecma-international.org/publications-and-standards/standards/ecma-48/);
- C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F, including the 8-bit CSI
  U+009B and OSC U+009D); a tab becomes a space, a newline stays only where asked;
- the bidirectional overrides, embeddings and isolates that make text read differently
  from what it is (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C: the
  "Trojan Source" characters, CVE-2021-42574), and zero-width characters that hide text.

`device_login_ok(url, cloud)` says whether a verification URL is one of Microsoft's
device-login pages for that cloud; for a real cloud the wizard shows no other.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# ESC-introduced strings first (they may carry text that must go with them), then
# CSI, then any other two-character ESC sequence, then 8-bit C1 strings and CSI.
_STRING = r"\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
_CSI = r"\x1b\[[0-?]*[ -/]*[@-~]?"
_ESC2 = r"\x1b[ -/]*[0-~]?"
_C1_STRING = r"[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
_C1_CSI = r"\x9b[0-?]*[ -/]*[@-~]?"
_SEQUENCES = re.compile("|".join((_STRING, _CSI, _ESC2, _C1_STRING, _C1_CSI)))
_BIDI_AND_HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff"
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI_AND_HIDDEN + "]")


def clean(text: object, *, newlines: bool = False, limit: int = 2000) -> str:
    """`text` without escape sequences, control and bidi characters; at most `limit` characters.

    `newlines=True` keeps line breaks (a multi-line error description); otherwise a
    line break becomes a space, so one server string stays one line."""
    value = "" if text is None else str(text)
    value = _SEQUENCES.sub("", value)
    value = value.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    if not newlines:
        value = value.replace("\n", " ")
    value = _CONTROLS.sub("", value)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


def is_clean(text: str) -> bool:
    """True when `clean` would not change `text` (apart from its length)."""
    return clean(text, newlines=True, limit=len(text) + 1) == text.replace("\t", " ")


# Microsoft's device-login pages, per cloud. The global page is the one the identity platform
# names in its device-code answer (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code:
# "verification_uri … https://microsoft.com/devicelogin"); newer answers name
# https://login.microsoft.com/device. US Government: https://microsoft.com/deviceloginus (MSAL's own
# tests of the US Government cloud); China (21Vianet): https://microsoft.com/deviceloginchina
# (Azure China's documentation of device-code sign-in, e.g. Register-AzStackHCI, `az login --use-device-code`).
DEVICE_LOGIN_PAGES: dict[str, frozenset[tuple[str, str]]] = {
    "global": frozenset({("microsoft.com", "/devicelogin"), ("www.microsoft.com", "/devicelogin"),
                         ("login.microsoft.com", "/device"), ("aka.ms", "/devicelogin")}),
    "usgov": frozenset({("microsoft.com", "/deviceloginus"), ("www.microsoft.com", "/deviceloginus")}),
    "china": frozenset({("microsoft.com", "/deviceloginchina"), ("www.microsoft.com", "/deviceloginchina")}),
}


def device_login_ok(url: str, cloud: str) -> bool:
    """Is `url` one of Microsoft's device-login pages of `cloud` (https, no user info, no port)?"""
    pages = DEVICE_LOGIN_PAGES.get(cloud)
    if pages is None:
        return False
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() != "https" or parts.username or parts.password or port not in (None, 443):
        return False
    if parts.query or parts.fragment:
        return False
    host = (parts.hostname or "").lower()
    path = (parts.path or "/").rstrip("/").lower() or "/"
    return (host, path) in pages
