"""The opt-in debug log (`wizard.debuglog`): off by default, 0600, every credential redacted."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from wizard.debuglog import (REDACTED, RedactingFilter, debug_handler, default_path, disable_debug_log,
                             enable_debug_log, redact)

JWT = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ."
       "eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiJ4In0."
       "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmU")
SECRET = "abc8Q~defghijklmnopqrstuvwxyz-_.~0123456"  # Microsoft's published example shape
OPAQUE = "1.AQEAxyz0123456789abcdefOPAQUErefreshTOKEN_-value"


@pytest.fixture(autouse=True)
def no_debug_log_left():
    yield
    disable_debug_log()


@pytest.mark.parametrize(("text", "gone"), [
    (f"Authorization: Bearer {JWT}", JWT),
    (f"{{'Authorization': 'Bearer {OPAQUE}'}}", OPAQUE),
    (f"headers={{'authorization': 'bearer {OPAQUE}', 'accept': 'application/json'}}", OPAQUE),
    (f"sending token {JWT} to graph", JWT),
    (f"POST /token client_secret={SECRET}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default", SECRET),
    (f"client_id=x&client_secret=plain-secret-value-123&grant_type=client_credentials", "plain-secret-value-123"),
    (f'{{"secretText": "{SECRET}", "keyId": "k"}}', SECRET),
    ('{"secretText": "with \\"escaped\\" quotes and more"}', "escaped"),
    (f"{{'refresh_token': '{OPAQUE}', 'token_type': 'Bearer'}}", OPAQUE),
    (f"grant_type=refresh_token&refresh_token={OPAQUE}", OPAQUE),
    (f'{{"access_token": "{OPAQUE}", "expires_in": 3599}}', OPAQUE),
    ("GET /callback?code=0.AXYZ-authcode_value&state=abc", "0.AXYZ-authcode_value"),
    ("device_code=GAQABAAEAAAB-devicecode-value&client_id=x", "GAQABAAEAAAB-devicecode-value"),
    ('{"device_code": "GAQABAAEAAAB-devicecode-value", "user_code": "R8PRNMDWU"}', "GAQABAAEAAAB-devicecode-value"),
    (f"AppSecret={SECRET};", SECRET),
    (f"the secret is {SECRET}", SECRET),
])
def test_redact_removes_each_kind_of_credential(text, gone):
    out = redact(text)
    assert gone not in out
    assert REDACTED in out


@pytest.mark.parametrize("text", [
    "GET /v1.0/applications(uniqueName='m365-wizard-pexip-dd83974e') -> 200 request-id=e2127b39-41bf-4fac-8e50-7bc47d3fd443",
    "To sign in, open https://microsoft.com/devicelogin and enter the code R8PRNMDWU",
    "user_code=R8PRNMDWU",
    "AADSTS7000215: Invalid client secret provided.",
    "keyId bf41654c-672c-4d26-9b3f-ed56c8b553ac hint abc",
])
def test_what_support_needs_is_kept(text):
    assert redact(text) == text


def test_enable_writes_a_0600_file_and_redacts_records_args_and_tracebacks(tmp_path):
    (tmp_path / "logs").mkdir(mode=0o700)
    path = enable_debug_log(tmp_path / "logs" / "debug.log")
    assert path == tmp_path / "logs" / "debug.log"
    log = logging.getLogger("wizard.test")
    log.debug("token %s for %s", JWT, "graph")
    log.info("body %r", {"client_secret": SECRET, "client_id": "abc"})
    logging.getLogger("msal.token_cache").debug("event=%s", {"refresh_token": OPAQUE, "device_code": "dc-value-123456"})
    logging.getLogger("httpx").info("HTTP Request: POST https://login/x/oauth2/v2.0/token \"HTTP/1.1 200 OK\"")
    try:
        raise ValueError(f"Bearer {OPAQUE}")
    except ValueError:
        log.exception("failed")
    disable_debug_log()
    text = path.read_text("utf-8")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    for value in (JWT, SECRET, OPAQUE, "dc-value-123456"):
        assert value not in text
    assert "HTTP Request: POST https://login/x/oauth2/v2.0/token" in text
    assert "client_id" in text and "Traceback" in text and "ValueError" in text


def test_literal_secret_values_can_be_added(tmp_path):
    path = enable_debug_log(tmp_path / "d.log")
    handler = debug_handler()
    assert handler is not None
    redactor = next(f for f in handler.filters if isinstance(f, RedactingFilter))
    redactor.add_secret("an-odd-shaped-secret")
    logging.getLogger("wizard").warning("value an-odd-shaped-secret here")
    disable_debug_log()
    assert "an-odd-shaped-secret" not in path.read_text()


def test_off_by_default_and_default_path_in_the_user_log_dir(tmp_path, monkeypatch):
    assert debug_handler() is None
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path))
    path = default_path(now=0)
    assert str(path).startswith(str(tmp_path)) and "m365-wizard" in str(path) and path.suffix == ".log"
    before = logging.getLogger("msal").level
    made = enable_debug_log()
    assert made.exists() and str(made).startswith(str(tmp_path))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
    again = enable_debug_log(tmp_path / "other.log")  # replaces, never duplicates, the handler
    handlers = [h for h in logging.getLogger("wizard").handlers if h is debug_handler()]
    assert len(handlers) == 1 and again.exists()
    disable_debug_log()
    assert debug_handler() is None
    assert logging.getLogger("msal").level == before


def test_an_existing_world_readable_file_is_tightened(tmp_path):
    path = tmp_path / "debug.log"
    path.write_text("earlier\n")
    os.chmod(path, 0o644)
    enable_debug_log(path)
    disable_debug_log()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
