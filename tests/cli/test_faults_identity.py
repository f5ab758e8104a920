"""Microsoft's bad day on the identity endpoints, seen through the headless CLI.

OpenID discovery, the device-code endpoint and the token endpoint (the admin's sign-in and
the token test) each meet a 5xx, a 429, an HTML page, a body cut off mid-way, a dropped
connection and an answer slower than the client waits. Every one must end with the
documented exit code (3 sign-in, 6 token test), one JSON object with an `error` in plain
words and a next step, never "unexpected internal error", never a traceback; a single
transient fault is ridden out by the one retry Microsoft's guidance allows
(wizard/identityhttp.py). `wizard.cli.main([...])` runs in-process on one FakeClock.
"""

from __future__ import annotations

import json

import httpx
import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from wizard import cli
from wizard.clock import FakeClock
from wizard.errors import EXIT_OK, EXIT_SIGNIN, EXIT_TOKEN_TEST
from wizard.simtenant import FaultPlan, FaultRule

PEXIP = ["--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# Persistent faults: (action, kwargs).
ACTIONS = [
    ("unavailable", {}),
    ("gateway_timeout", {}),
    ("throttle", {"retry_after": "2"}),
    ("html_error", {"status": 502}),
    ("garbled", {}),
    ("garbled_json", {}),
    ("drop", {}),
    ("slow", {"seconds": 70}),
]
# (name, rule selector) of the admin's sign-in.
SIGNIN_ENDPOINTS = [
    ("discovery", {"endpoint": "discovery"}),
    ("devicecode", {"endpoint": "devicecode"}),
    ("token", {"endpoint": "token", "grant_type": DEVICE_GRANT}),
]
TRANSIENT = ("unavailable", "gateway_timeout", "throttle", "html_error", "drop")


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    return fake


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)


def inject(monkeypatch, clock, rules):
    sim = simtenant.SimTenant(scenario="demo", clock=clock, faults=FaultPlan(rules=rules), auto_approve_after=0)
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    return sim


def run_json(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert "unexpected internal error" not in captured.err
    return code, json.loads(captured.out), captured.err


def graph_writes(sim) -> list:
    return [r for r in sim.requests if r[1].startswith("/v1.0") and r[0] != "GET"]


@pytest.mark.parametrize(("action", "extra"), ACTIONS, ids=[a for a, _ in ACTIONS])
@pytest.mark.parametrize(("endpoint", "selector"), SIGNIN_ENDPOINTS, ids=[e for e, _ in SIGNIN_ENDPOINTS])
def test_a_sign_in_endpoint_that_keeps_failing_ends_with_exit_3_and_a_json_error(
        capsys, clock, monkeypatch, endpoint, selector, action, extra):
    rule = FaultRule(action, **selector, **extra)
    sim = inject(monkeypatch, clock, [rule])
    before = clock.now()
    code, data, err = run_json(capsys, "--demo", "apply", *PEXIP, "--json")
    assert code == EXIT_SIGNIN, err
    error = data["error"]
    assert error["type"] == "SignInError" and error["exit_code"] == EXIT_SIGNIN
    assert error["message"].startswith("Microsoft's sign-in service") and error["next_step"]
    assert rule.seen >= 1
    assert not graph_writes(sim), "nothing may be written without a sign-in"
    # Bounded: one retry at most, and never longer than the client's timeout per request.
    assert rule.seen <= 2
    assert clock.now() - before <= 2 * 30 + 5
    if action == "slow":
        assert "did not answer in time" in error["message"]
    if action in ("garbled", "garbled_json"):
        assert "not its JSON" in error["message"]


@pytest.mark.parametrize("action", TRANSIENT)
@pytest.mark.parametrize(("endpoint", "selector"), SIGNIN_ENDPOINTS, ids=[e for e, _ in SIGNIN_ENDPOINTS])
def test_one_transient_fault_on_a_sign_in_endpoint_is_retried_once(capsys, clock, monkeypatch, endpoint, selector, action):
    rule = FaultRule(action, nth=(1,), retry_after="2", **selector)
    sim = inject(monkeypatch, clock, [rule])
    code, data, err = run_json(capsys, "--demo", "apply", *PEXIP, "--json")
    assert code == EXIT_OK, err
    assert "error" not in data and data["token_test"]["ok"] is True
    assert rule.seen >= 2  # refused once, asked again
    if action in ("unavailable", "throttle"):
        assert 2.0 in clock.slept  # the Retry-After Microsoft asked for
    assert sim.requests


@pytest.mark.parametrize(("action", "extra"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_a_token_test_that_meets_a_failing_token_endpoint_ends_with_exit_6_and_keeps_the_secret(
        capsys, clock, monkeypatch, tmp_path, action, extra):
    rule = FaultRule(action, endpoint="token", grant_type="client_credentials", **extra)
    sim = inject(monkeypatch, clock, [rule])
    secret_file = tmp_path / "out" / "secret.txt"
    secret_file.parent.mkdir()
    code, data, err = run_json(capsys, "--demo", "apply", *PEXIP, "--secret-file", str(secret_file), "--json")
    assert code == EXIT_TOKEN_TEST, err
    assert data["error"]["type"] == "TokenTestFailed" and data["error"]["exit_code"] == EXIT_TOKEN_TEST
    assert data["token_test"]["ok"] is False
    reason = " ".join(c["reason"] for c in data["token_test"]["checks"] if not c["ok"])
    assert "Microsoft's sign-in service" in reason and "unexpected" not in reason
    # The secret was created before the test: the user holds it, and it is the tenant's one.
    value = secret_file.read_text().strip()
    assert value and value in sim.state.secrets.values()
    assert rule.seen >= 1


@pytest.mark.parametrize(("action", "extra"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_the_test_command_against_a_failing_token_endpoint_exits_6_with_a_json_error(
        capsys, clock, monkeypatch, tmp_path, action, extra):
    rule = FaultRule(action, endpoint="token", grant_type="client_credentials", **extra)
    inject(monkeypatch, clock, [rule])
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("not-the-real-secret\n")
    code, data, err = run_json(capsys, "--demo", "test", "--vendor", "pexip",
                               "--client-id-app", "11111111-2222-3333-4444-555555555555",
                               "--secret-file", str(secret_file), "--json")
    assert code == EXIT_TOKEN_TEST, err
    assert data["error"]["type"] == "TokenTestFailed"
    assert rule.seen >= 1


def test_a_retry_after_of_a_day_is_reported_with_the_time_microsoft_asked_for(capsys, clock, monkeypatch):
    rule = FaultRule("throttle", endpoint="devicecode", retry_after="86400")
    inject(monkeypatch, clock, [rule])
    before = clock.now()
    code, data, err = run_json(capsys, "--demo", "apply", *PEXIP, "--json")
    assert code == EXIT_SIGNIN
    message = data["error"]["message"]
    assert "86400 s (24 hours)" in message and "until" in message and "UTC" in message
    assert clock.now() - before < 60, "a day's wait is reported, not waited out"
    assert rule.seen == 1


def test_certificate_and_scheme_failures_say_what_they_are():
    from wizard.identityhttp import describe_transport_error

    cert = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
    kind, plain, next_step = describe_transport_error(cert, "Microsoft's sign-in service")
    assert kind == "certificate" and "certificate" in plain and "--ca-bundle" in next_step
    kind, plain, _ = describe_transport_error(httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
                                              "Microsoft's sign-in service")
    assert kind == "scheme" and "https://" in plain
