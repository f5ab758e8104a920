"""Headless `--auth paste` / `--auth browser` where Conditional Access blocks the device code.

Acceptance of issue 19: on `device_code_blocked`, served over loopback TLS, `--auth paste apply
--vendor pexip` completes (exit 0) when the pasted address is the one `/authorize` redirects to,
and fails with a clear message for a wrong `state` (exit 3).
"""

from __future__ import annotations

import io
import json
import re
import ssl

import httpx
import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from wizard import cli
from wizard.clock import FakeClock

PEXIP = ["--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"]
LINK = re.compile(r"^\s+(https://\S+/oauth2/v2\.0/authorize\?\S+)$", re.M)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    return fake


@pytest.fixture(autouse=True)
def journal_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    return tmp_path


class PasteWhatAuthorizeSends(io.StringIO):
    """stdin of the wizard: reads the sign-in link it printed (stderr), opens it at the tenant's
    /authorize as a browser would, and "pastes" the address /authorize redirects to."""

    def __init__(self, capsys, http: httpx.Client, tamper=lambda address: address) -> None:
        super().__init__()
        self.capsys, self.http, self.tamper = capsys, http, tamper
        self.err = ""
        self.pasted: list[str] = []

    def readline(self, *args) -> str:
        self.err += self.capsys.readouterr().err
        link = LINK.search(self.err).group(1)
        answer = self.http.get(link)
        assert answer.status_code == 302, answer.text
        self.pasted.append(self.tamper(answer.headers["Location"]))
        return self.pasted[-1] + "\n"


@pytest.fixture
def served(clock):
    from wizard.simtenant.server import serve

    sim = simtenant.SimTenant(scenario="device_code_blocked", clock=clock, auto_approve_after=0)
    with serve(sim) as server:
        with httpx.Client(verify=ssl.create_default_context(cafile=server.ca_path)) as browser:
            yield sim, server, browser


def run(capsys, monkeypatch, stdin, *argv):
    monkeypatch.setattr("sys.stdin", stdin)
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, getattr(stdin, "err", "") + captured.err


def test_device_code_is_refused_there_and_the_next_step_is_the_paste_back(capsys, monkeypatch, served):
    sim, server, _ = served
    code, out, err = run(capsys, monkeypatch, io.StringIO(""), "--simtenant", server.authority_host,
                         "--ca-bundle", server.ca_path, "plan", *PEXIP)
    assert code == 3
    assert "Conditional Access" in err and "--auth paste" in err


def test_paste_apply_pexip_completes_on_device_code_blocked(capsys, monkeypatch, served, tmp_path):
    sim, server, browser = served
    stdin = PasteWhatAuthorizeSends(capsys, browser)
    secret = tmp_path / "secret"
    code, out, err = run(capsys, monkeypatch, stdin, "--simtenant", server.authority_host, "--ca-bundle",
                         server.ca_path, "--auth", "paste", "apply", *PEXIP, "--json", "--secret-file", str(secret))
    assert code == 0, err
    # Said in advance: the page the browser lands on cannot load, and that is expected.
    assert "This site can't be reached" in err and "that is expected" in err
    assert len(stdin.pasted) == 1 and stdin.pasted[0].startswith("http://localhost:")
    data = json.loads(out)
    assert data["signed_in_as"] == sim.demo_admin_upn and data["token_test"]["ok"] is True
    assert any(a["appId"] == data["client_id"] for a in sim.state.applications.values())
    assert not any(path.endswith("/devicecode") for _, path, _ in sim.requests)  # no device code at all


def test_paste_with_a_wrong_state_fails_clearly_with_exit_3(capsys, monkeypatch, served):
    sim, server, browser = served
    stdin = PasteWhatAuthorizeSends(capsys, browser, tamper=lambda a: re.sub(r"state=[^&]+", "state=forged", a))
    code, out, err = run(capsys, monkeypatch, stdin, "--simtenant", server.authority_host, "--ca-bundle",
                         server.ca_path, "--auth", "paste", "apply", *PEXIP, "--json", "--show-secret")
    assert code == 3
    error = json.loads(out)["error"]
    assert error["exit_code"] == 3
    assert "sign-in address" in error["message"] and "state" in error["message"]
    assert "Traceback" not in err
    assert not sim.state.applications or all(a["displayName"] != "Pexip" for a in sim.state.applications.values())


def test_paste_without_input_says_so(capsys, monkeypatch, served):
    _, server, _ = served
    code, out, err = run(capsys, monkeypatch, io.StringIO(""), "--simtenant", server.authority_host,
                         "--ca-bundle", server.ca_path, "--auth", "paste", "plan", *PEXIP)
    assert code == 3 and "sign-in address: was not given" in err


def test_demo_paste_signs_in_the_demo_admin_on_an_empty_line(capsys, monkeypatch, clock):
    sim = simtenant.SimTenant(scenario="demo", clock=clock, auto_approve_after=0)
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    code, out, err = run(capsys, monkeypatch, io.StringIO("\n"), "--demo", "--auth", "paste", "plan", *PEXIP)
    assert code == 0, err
    assert "press Enter on an empty line" in err and "Signed in as admin@contoso.onmicrosoft.com" in err


def test_demo_browser_is_refused_in_plain_words(capsys, monkeypatch, clock):
    code, out, err = run(capsys, monkeypatch, io.StringIO(""), "--demo", "--auth", "browser", "plan", *PEXIP)
    assert code == 3 and "a browser cannot reach it" in err and "--auth paste" in err


def test_browser_without_a_desktop_is_refused_in_plain_words(capsys, monkeypatch, served):
    _, server, _ = served
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "WSL_DISTRO_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    monkeypatch.setattr("sys.platform", "linux")
    code, out, err = run(capsys, monkeypatch, io.StringIO(""), "--simtenant", server.authority_host,
                         "--ca-bundle", server.ca_path, "--auth", "browser", "plan", *PEXIP)
    assert code == 3 and "SSH session" in err and "--auth paste" in err
