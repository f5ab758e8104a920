"""Server text is untrusted: escape sequences never reach the terminal, and a real cloud's
device code is shown only with one of Microsoft's device-login addresses."""

from __future__ import annotations

import json

import httpx
import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from wizard import cli
from wizard.clock import FakeClock
from wizard.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_SIGNIN, SignInError
from wizard.signin import SignIn
from wizard.simtenant import FaultPlan
from wizard.target import Target
from wizard.untrusted import clean, device_login_ok

PEXIP = ["--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"]
HOSTILE = ("\x1b[2J\x1b[H"                      # clear the screen, cursor home
           "\x1b]52;c;cm0gLXJmIH4K\x07"         # OSC 52: write the clipboard
           "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
           "\x9b31m\x9d0;title\x9c"             # 8-bit CSI and OSC
           "\u202eevil\u202c\u200b\x07\x08\r")  # bidi override, zero width, BEL, BS, CR
BAD = ("\x1b", "\x9b", "\x9d", "\x07", "\u202e", "\u200b", "\x08")


def test_clean_strips_every_kind_of_sequence_and_keeps_the_text():
    text = clean(f"Sign in {HOSTILE} now")
    assert not any(ch in text for ch in BAD)
    assert "cm0gLXJmIH4K" not in text and "title" not in text  # the payloads go with their sequences
    assert text.startswith("Sign in ") and text.endswith(" now") and "link" in text and "evil" in text
    assert clean("a\nb") == "a b" and clean("a\nb", newlines=True) == "a\nb"
    assert clean("é ü 日本 – ok") == "é ü 日本 – ok"
    assert len(clean("x" * 5000, limit=100)) == 100


@pytest.mark.parametrize(("url", "cloud", "ok"), [
    ("https://microsoft.com/devicelogin", "global", True),
    ("https://www.microsoft.com/devicelogin/", "global", True),
    ("https://login.microsoft.com/device", "global", True),
    ("https://microsoft.com/deviceloginus", "usgov", True),
    ("https://microsoft.com/deviceloginchina", "china", True),
    ("https://microsoft.com/devicelogin", "usgov", False),
    ("http://microsoft.com/devicelogin", "global", False),
    ("https://microsoft.com.evil.example/devicelogin", "global", False),
    ("https://user@microsoft.com/devicelogin", "global", False),
    ("https://microsoft.com:8443/devicelogin", "global", False),
    ("https://microsoft.com/devicelogin?next=https://evil.example", "global", False),
    ("https://evil.example/devicelogin", "global", False),
])
def test_device_login_addresses_per_cloud(url, cloud, ok):
    assert device_login_ok(url, cloud) is ok


def _identity(verification_uri: str, message: str, user_code: str = "ABCD-EFGH"):
    host = "https://login.fake.test"

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={
                "issuer": f"{host}/t/v2.0", "authorization_endpoint": f"{host}/t/oauth2/v2.0/authorize",
                "token_endpoint": f"{host}/t/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{host}/t/oauth2/v2.0/devicecode"})
        return httpx.Response(200, json={"user_code": user_code, "device_code": "d", "verification_uri": verification_uri,
                                         "expires_in": 900, "interval": 5, "message": message})

    return host, httpx.MockTransport(handler)


@pytest.mark.parametrize("cloud", ["global", "usgov"])
def test_a_real_cloud_shows_no_code_with_an_address_that_is_not_microsofts(cloud):
    host, transport = _identity("https://evil.example/devicelogin",
                                "To sign in, open https://evil.example/devicelogin and enter ABCD-EFGH.")
    target = Target(host, "https://graph.fake.test", transport=transport, cloud=cloud)
    signin = SignIn(target, target.http_client(), FakeClock(), ["User.Read"])
    with pytest.raises(SignInError) as info:
        signin.start()
    assert info.value.exit_code == EXIT_SIGNIN and "not Microsoft's device-login page" in info.value.message


def test_a_real_clouds_device_code_is_cleaned_and_a_message_naming_another_address_is_replaced():
    host, transport = _identity("https://microsoft.com/devicelogin",
                                f"Open https://evil.example/x {HOSTILE} and enter the code", user_code=f"AB{HOSTILE}CD")
    target = Target(host, "https://graph.fake.test", transport=transport, cloud="global")
    code = SignIn(target, target.http_client(), FakeClock(), ["User.Read"]).start()
    assert code.verification_uri == "https://microsoft.com/devicelogin"
    assert "evil.example" not in code.message and "https://microsoft.com/devicelogin" in code.message
    assert not any(ch in code.message + code.user_code for ch in BAD)


def test_a_device_code_answer_with_escape_sequences_prints_none_of_them(capsys, monkeypatch, tmp_path):
    """Acceptance: the whole headless run, the simulated tenant's device-code answer poisoned."""
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    clock = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: clock)
    sim = simtenant.SimTenant(scenario="demo", clock=clock, faults=FaultPlan(), auto_approve_after=0)
    served = sim.handle

    def poisoned(request: httpx.Request) -> httpx.Response:
        response = served(request)
        if request.url.path.endswith("/devicecode"):
            body = response.json()
            body["message"] = HOSTILE + body["message"] + HOSTILE
            body["user_code"] = body["user_code"] + "\x1b[8m"
            return httpx.Response(200, json=body)
        if request.url.path.endswith("/v1.0/organization") or "/v1.0/me" in request.url.path:
            body = json.loads(response.content or b"{}")
            if isinstance(body, dict) and body.get("displayName"):
                body["displayName"] += HOSTILE
            return httpx.Response(response.status_code, json=body)
        return response

    monkeypatch.setattr(sim, "transport", lambda: httpx.MockTransport(poisoned))
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    code = cli.main(["--demo", "apply", *PEXIP])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert "To sign in" in captured.err  # the code was shown…
    assert not any(ch in captured.err + captured.out for ch in BAD)  # …without a single escape


@pytest.mark.parametrize("url", ["https://relay.example.com", "https://10.0.0.5:8443", "https://127.0.0.1.evil.example"])
def test_a_simtenant_that_is_not_on_loopback_needs_the_explicit_flag(capsys, url):
    code = cli.main(["--simtenant", url, "plan", *PEXIP, "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert json.loads(captured.out)["error"]["type"] == "InputError"
    assert "--simtenant-remote" in captured.err and "Traceback" not in captured.err


def test_simtenant_remote_warns_that_the_sign_in_is_not_microsofts(capsys, monkeypatch):
    from wizard.cli import build_parser, check_global_options

    args = build_parser().parse_args(["--simtenant", "https://sim.lab.example:8443", "--simtenant-remote", "plan"])
    check_global_options(args)
    assert "NOT to Microsoft" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["https://127.0.0.1:8443", "https://localhost:9000", "https://[::1]:8443"])
def test_loopback_simtenants_need_no_flag(url):
    from wizard.target import check_simtenant_url

    assert check_simtenant_url(url, remote=False) == ""
    assert check_simtenant_url(url.replace("https", "http"), remote=False)  # https only
