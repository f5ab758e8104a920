"""Headless commands end to end against the simulated tenant, through real MSAL and httpx.

`main([...])` runs in-process; the wizard's clock and the tenant's share one FakeClock,
so replication waits and retries take no real time.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from wizard import cli
from wizard.clock import FakeClock

PEXIP = ["--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"]


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    return fake


@pytest.fixture
def shared_sim(monkeypatch, clock):
    """One simulated tenant for several commands (the demo normally makes a new one per run)."""
    sim = simtenant.SimTenant(scenario="demo", clock=clock, auto_approve_after=0)
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    return sim


@pytest.fixture
def journal_dir(tmp_path, monkeypatch):
    # Anything not demo would journal under the user's state dir; keep tests inside tmp.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


def run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_apply_pexip_json_end_to_end(capsys, clock, journal_dir):
    code, out, err = run(capsys, "--demo", "apply", *PEXIP, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["vendor"] == "pexip"
    assert len(data["tenant_id"]) == 36 and len(data["client_id"]) == 36
    assert data["signed_in_as"] == "admin@contoso.onmicrosoft.com"
    assert data["steps"] and all(s["outcome"] == "done" and s["sentence"] for s in data["steps"])
    assert {"create_app", "secret", "token"} <= {s["id"] for s in data["steps"]}
    assert data["graph_requests"] > data["graph_writes"] >= 4
    assert data["token_test"]["ok"] is True
    assert {c["name"] for c in data["token_test"]["checks"]} >= {"tenant", "client id"}
    rows = {r["label"]: r for r in data["snippet"]["rows"]}
    assert rows["User OAuth client ID"]["value"] == data["client_id"]
    secret_rows = [r for r in data["snippet"]["rows"] if r["secret"]]
    assert secret_rows and all(r["value"].endswith("(hidden)") for r in secret_rows)
    # the device code went to stderr, not into the JSON on stdout
    assert "enter the code" in err and "enter the code" not in out
    assert "Traceback" not in err


def test_secret_file_is_0600_and_the_secret_is_nowhere_else(capsys, clock, journal_dir, tmp_path):
    path = tmp_path / "pexip-secret.txt"
    code, out, err = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(path))
    assert code == 0, err
    value = path.read_text().strip()
    assert len(value) >= 30
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert value not in out and value not in err
    assert json.loads(out)["secret"]["file"] == str(path)


def test_show_secret_prints_it(capsys, clock, journal_dir, tmp_path):
    path = tmp_path / "s.txt"
    code, out, _ = run(capsys, "--demo", "apply", *PEXIP, "--json", "--show-secret", "--secret-file", str(path))
    assert code == 0
    rows = [r for r in json.loads(out)["snippet"]["rows"] if r["secret"]]
    assert rows[0]["value"] == path.read_text().strip()


def test_plan_writes_nothing(capsys, clock, journal_dir):
    code, out, err = run(capsys, "--demo", "plan", *PEXIP, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["graph_writes"] == 0 and data["graph_requests"] > 0
    assert data["steps"] and all(s["outcome"] == "planned" for s in data["steps"])
    assert data["token_test"] is None


def test_apply_then_verify_test_and_snippet_on_one_tenant(capsys, shared_sim, journal_dir, tmp_path):
    secret_file = tmp_path / "secret"
    code, out, err = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(secret_file))
    assert code == 0, err
    client_id = json.loads(out)["client_id"]

    code, out, err = run(capsys, "--demo", "verify", *PEXIP, "--client-id-app", client_id, "--json")
    assert code == 0, err
    verify = json.loads(out)
    assert verify["in_order"] is True and verify["graph_writes"] == 0

    code, out, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id,
                         "--secret-file", str(secret_file), "--json")
    assert code == 0, err
    tested = json.loads(out)
    assert tested["token_test"]["ok"] is True
    assert tested["graph_requests"] == 0  # client credentials only: no admin, no Graph
    assert "enter the code" not in err  # no device-code sign-in

    code, out, err = run(capsys, "--demo", "snippet", *PEXIP, "--client-id-app", client_id,
                         "--secret-file", str(secret_file))
    assert code == 0, err
    assert client_id in out and shared_sim.tenant_id in out
    assert secret_file.read_text().strip() not in out


def test_secret_from_environment_for_test(capsys, shared_sim, journal_dir, tmp_path, monkeypatch):
    secret_file = tmp_path / "secret"
    code, out, _ = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(secret_file))
    client_id = json.loads(out)["client_id"]
    monkeypatch.setenv("M365_WIZARD_CLIENT_SECRET", secret_file.read_text().strip())
    code, out, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id)
    assert code == 0, err
    assert "Token test: passed" in out


def test_wrong_secret_fails_the_token_test_with_exit_6(capsys, shared_sim, journal_dir, tmp_path):
    secret_file = tmp_path / "secret"
    code, out, _ = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(secret_file))
    client_id = json.loads(out)["client_id"]
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-secret-value-at-all\n")
    code, out, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id,
                         "--secret-file", str(wrong), "--json")
    assert code == 6
    checks = json.loads(out)["token_test"]["checks"]
    assert checks[0]["ok"] is False and "7000215" in checks[0]["reason"]


def test_verify_without_a_registration_is_a_microsoft_error(capsys, clock, journal_dir):
    code, _, err = run(capsys, "--demo", "verify", *PEXIP)
    assert code == 5
    assert "No app registration made by the wizard" in err and "Next step" in err and "Traceback" not in err


def test_bad_answer_is_exit_2_before_any_sign_in(capsys, clock, journal_dir):
    code, _, err = run(capsys, "--demo", "apply", "--vendor", "pexip", "--set", "addin_fqdn=not a host")
    assert code == 2
    assert "enter the code" not in err


def test_debug_log_flag_writes_a_redacted_0600_log(capsys, clock, journal_dir, tmp_path):
    from wizard.debuglog import disable_debug_log

    log_path = tmp_path / "logs" / "debug.log"
    log_path.parent.mkdir(mode=0o700)  # the folder must exist: a typo never creates folders
    secret_path = tmp_path / "s.txt"
    try:
        code, out, err = run(capsys, "--demo", "--debug-log", str(log_path), "apply", *PEXIP,
                             "--secret-file", str(secret_path))
    finally:
        disable_debug_log()
    assert code == 0, err
    assert f"Debug log (credentials redacted): {log_path}" in err
    text = log_path.read_text()
    assert "oauth2/v2.0/token" in text or "v1.0/" in text  # it really logged the traffic
    assert secret_path.read_text().strip() not in text
    import re

    # No JWT (access or id token): header.payload.signature, each base64url.
    assert not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", text)
    assert '"access_token": "[REDACTED]"' in text or "access_token" not in text
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600


def test_an_interrupt_with_json_still_prints_one_json_object(capsys, clock, journal_dir, monkeypatch):
    def interrupted(ctx):
        raise KeyboardInterrupt

    monkeypatch.setitem(commands.COMMANDS, "plan", interrupted)
    code, out, err = run(capsys, "--demo", "plan", *PEXIP, "--json")
    assert code == 130
    data = json.loads(out)
    assert data["error"]["type"] == "Interrupted" and data["error"]["exit_code"] == 130
    assert "interrupted" in err and "Traceback" not in err


def test_apply_json_through_a_served_simtenant_and_its_ca_bundle(capsys, clock, journal_dir, tmp_path, monkeypatch):
    """`--simtenant URL --ca-bundle PEM`: the whole apply over loopback TLS, trusting only that CA."""
    from wizard.simtenant import SimTenant
    from wizard.simtenant.server import serve

    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=0)
    secret = tmp_path / "secret"
    with serve(sim) as server:
        code, out, err = run(capsys, "--simtenant", server.authority_host, "--ca-bundle", server.ca_path,
                             "apply", *PEXIP, "--json", "--secret-file", str(secret))
    assert code == 0, err
    data = json.loads(out)
    assert data["token_test"]["ok"] is True and data["client_id"] and data["secret"]["created"] is True
    assert any(a["appId"] == data["client_id"] for a in sim.state.applications.values())


@pytest.mark.parametrize(("vendor", "sets", "words"), [
    ("syncsign", ["--set", "sops_domain=sops.example.com"], "Delegated permissions instead"),
    ("pexip", ["--set", "addin_fqdn=px01.example.com"], "Expires: Never"),
])
def test_profile_notes_are_in_plan_and_apply_output(capsys, shared_sim, journal_dir, vendor, sets, words):
    from wizard.profiles import get_profile

    notes = list(get_profile(vendor).notes)
    assert any(words in n for n in notes)
    code, out, err = run(capsys, "--demo", "plan", "--vendor", vendor, *sets, "--json")
    assert code == 0, err
    assert all(n in json.loads(out)["notes"] for n in notes)
    code, out, err = run(capsys, "--demo", "apply", "--vendor", vendor, *sets)
    assert code == 0, err
    assert words in out


@pytest.mark.parametrize(("wrong", "words"), [
    ("not-the-secret-value-at-all", "secret value is probably wrong"),
    ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Secret ID, not the secret"),
], ids=["typo", "secret-id"])
def test_test_with_a_wrong_secret_on_an_existing_app_fails_in_under_20_seconds(
        capsys, clock, shared_sim, journal_dir, tmp_path, wrong, words):
    """Typed values: a refusal is a wrong value, not replication (issue 14, item 9)."""
    code, out, _ = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(tmp_path / "s"))
    client_id = json.loads(out)["client_id"]
    clock.advance(3600)  # an existing app: its secret is an hour old
    (tmp_path / "wrong").write_text(wrong + "\n")
    started = clock.now()
    code, out, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id,
                         "--secret-file", str(tmp_path / "wrong"), "--json")
    took = clock.now() - started
    assert code == 6
    assert took < 20, f"a typo took {took:.0f} s of waiting"
    reason = json.loads(out)["token_test"]["checks"][0]["reason"]
    assert "AADSTS7000215" in reason and words in reason and "test again in a minute" in reason
    assert wrong not in reason


def test_test_with_the_client_id_of_another_app_names_the_client_id(capsys, clock, shared_sim, journal_dir, tmp_path):
    code, out, _ = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(tmp_path / "s"))
    started = clock.now()
    code, out, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app",
                         "0b1f2e3d-4c5b-4a69-8877-665544332211", "--secret-file", str(tmp_path / "s"), "--json")
    assert code == 6 and clock.now() - started < 20
    reason = json.loads(out)["token_test"]["checks"][0]["reason"]
    assert "AADSTS700016" in reason and "Application (client) ID is probably wrong" in reason
