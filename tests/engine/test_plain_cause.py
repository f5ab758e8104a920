"""`plain_cause`: why something failed in plain words, never a Python class name."""

from __future__ import annotations

import socket
import ssl

import httpx
import keyring.errors
import pytest

from wizard import cli
from wizard.explain import plain_cause

REQUEST = httpx.Request("GET", "https://login.example.net/x")


@pytest.mark.parametrize(("exc", "words"), [
    (httpx.ConnectError("[Errno 111] refused", request=REQUEST), "could not connect to login.example.net"),
    (httpx.ConnectError("[Errno 111] refused"), "could not connect"),
    (httpx.ReadTimeout("timed out", request=REQUEST), "no answer in time from login.example.net"),
    (httpx.ConnectTimeout("timed out"), "no answer in time"),
    (httpx.RemoteProtocolError("Server disconnected", request=REQUEST), "the connection to login.example.net broke off"),
    (httpx.ReadError("reset"), "the connection broke off"),
    (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     "the server's certificate was not trusted"),
    (ssl.SSLCertVerificationError("certificate verify failed: self-signed"), "the server's certificate was not trusted"),
    (keyring.errors.NoKeyringError("No recommended backend"), "no password store (keyring) on this machine"),
    (keyring.errors.PasswordSetError("locked"), "no password store (keyring) on this machine"),
    (KeyboardInterrupt(), "stopped with Ctrl+C"),
    (FileNotFoundError(2, "No such file or directory", "/tmp/x.pem"), "No such file or directory: /tmp/x.pem"),
    (PermissionError(13, "Permission denied"), "Permission denied"),
    (TimeoutError(), "no answer in time"),
    (KeyError("token=eyJ0eXAiOi"), "an unexpected error"),
    (ValueError("secret value"), "an unexpected error"),
])
def test_plain_cause(exc, words):
    said = plain_cause(exc)
    assert said == words
    assert type(exc).__name__ not in said


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_unreachable_simtenant_is_said_in_plain_words(tmp_path, monkeypatch, capsys):
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    port = free_loopback_port()
    code = cli.main(["--simtenant", f"https://127.0.0.1:{port}", "plan", "--vendor", "pexip",
                     "--set", "addin_fqdn=px01.example.com"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code != 0
    assert "could not connect to 127.0.0.1" in text, text
    for jargon in ("ConnectError", "ConnectTimeout", "Traceback", "httpx", "Errno"):
        assert jargon not in text, text
