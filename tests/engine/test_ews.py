"""EWS for innovaphone (wizard.ews) and the roles-claim lag, against the simulated tenant.

- the simulated EWS endpoint answers as Exchange Online documents it (GetFolder, faults, the
  403 with X-EWS-Policy-Reason of the EWS access controls);
- the token test makes the Calendar's call: on `ews_blocked` it fails naming the allow list and
  printing the PowerShell with the app id; on `demo` it passes;
- on `roles_claim_lag` the token test asks for fresh tokens until the role is in them.
"""

from __future__ import annotations

import json

import httpx
import pytest

import wizard.commands as commands
from conftest import make_sim, run_vendor, sign_in
from wizard import cli, ews
from wizard.clock import FakeClock
from wizard.simtenant.faults import FaultPlan
from wizard.simtenant.testing import app_token
from wizard.target import demo_target

MAILBOX = "calendar-sync@contoso.onmicrosoft.com"
INNOVAPHONE = ["--vendor", "innovaphone", "--set", f"mailbox={MAILBOX}"]


def _innovaphone(sim, clock, tmp_path):
    target = demo_target(sim)
    http = target.http_client()
    signin, who = sign_in(sim, target, http, clock)
    setup, applied, secret = run_vendor("innovaphone", {"mailbox": MAILBOX}, signin.graph, who, target, clock, tmp_path)
    return target, http, setup, applied, secret


def _exchange_token(sim, clock, applied, secret) -> str:
    clock.advance(10)  # past the demo's 4 s new-secret delay
    answer = app_token(sim, applied.client_id, secret.value, "https://outlook.office365.com/.default")
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def _post(sim, token, body, anchor=MAILBOX):
    with httpx.Client(transport=sim.transport()) as client:
        return client.post(f"{sim.exchange_url}/EWS/Exchange.asmx", content=body.encode(),
                           headers={"Authorization": f"Bearer {token}", "X-AnchorMailbox": anchor,
                                    "Content-Type": "text/xml; charset=utf-8"})


def test_simulated_ews_answers_getfolder_and_its_faults(clock, tmp_path):
    sim = make_sim(clock, faults=FaultPlan())
    _target, _http, _setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    token = _exchange_token(sim, clock, applied, secret)
    ok = ews.read_answer(_post(sim, token, ews.request_body(MAILBOX)), MAILBOX)
    assert ok.ok and ok.code == "NoError"
    assert sim.ews_calls[-1] == {"mailbox": MAILBOX, "folder": "calendar", "app_id": applied.client_id, "anchor": MAILBOX}
    # app-only without the ExchangeImpersonation header
    bare = ews.request_body(MAILBOX).replace(
        f"<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{MAILBOX}</t:PrimarySmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation>", "")
    fault = ews.read_answer(_post(sim, token, bare), MAILBOX)
    assert (fault.status, fault.code) == (500, "ErrorInvalidExchangeImpersonationHeaderData")
    nobody = ews.read_answer(_post(sim, token, ews.request_body("nobody@contoso.onmicrosoft.com")), "nobody@contoso.onmicrosoft.com")
    assert nobody.code == "ErrorNonExistentMailbox" and "has no mailbox" in nobody.reason
    # a Graph token is not for Exchange
    graph = app_token(sim, applied.client_id, secret.value).json()["access_token"]
    assert _post(sim, graph, ews.request_body(MAILBOX)).status_code == 401


def test_simulated_ews_blocks_an_app_not_on_the_allow_list(clock, tmp_path):
    sim = make_sim(clock, faults=FaultPlan(), scenario="ews_blocked")
    _target, _http, _setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    token = _exchange_token(sim, clock, applied, secret)
    response = _post(sim, token, ews.request_body(MAILBOX))
    assert response.status_code == 403
    assert response.headers["X-EWS-Policy-Reason"] == "EWS is blocked by policy for this user or tenant"
    sim.state.ews_allowed_app_ids.append(applied.client_id)  # the admin ran the command
    assert _post(sim, token, ews.request_body(MAILBOX)).status_code == 200
    sim.state.ews_enabled = False
    disabled = _post(sim, token, ews.request_body(MAILBOX))
    assert disabled.headers["X-EWS-Policy-Reason"] == "EWS is disabled for this user or tenant"
    assert ews.read_answer(disabled, MAILBOX, applied.client_id).code == "disabled"


def test_token_test_on_the_demo_makes_the_calendars_ews_call(clock, tmp_path):
    sim = make_sim(clock)
    _target, _http, setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    report = setup.test_token(applied.client_id, secret.value)
    assert report.ok, [c.reason for c in report.failed()]
    check = next(c for c in report.checks if c.name == "EWS")
    assert check.ok and MAILBOX in check.reason
    assert [c["mailbox"] for c in sim.ews_calls] == [MAILBOX]


def test_token_test_on_ews_blocked_names_the_allow_list_and_the_command(clock, tmp_path):
    sim = make_sim(clock, scenario="ews_blocked")
    _target, _http, setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    report = setup.test_token(applied.client_id, secret.value)
    assert not report.ok
    check = next(c for c in report.checks if c.name == "EWS")
    assert not check.ok and "allow list" in check.reason
    assert f"Set-OrganizationConfig -EwsAllowedAppIDs ((@($ids) + '{applied.client_id}'" in check.reason
    assert "-RetrieveEwsOperationAccessPolicy" in check.reason
    assert "-EwsEnabled $true" not in check.reason  # EWS is enabled already: only the list changes


def test_allow_commands_keep_the_list_and_enable_only_when_needed():
    app = "8f0c4b2e-5d1a-4c7e-9b3f-2a6d8e1c0f47"
    lines = ews.allow_commands(app)
    assert lines[0] == "Connect-ExchangeOnline"
    assert any("Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy" in line for line in lines)
    assert f"+ '{app}' | Sort-Object -Unique) -join ','" in lines[2]
    assert lines[-1] == "Set-OrganizationConfig -EwsEnabled $true"
    assert ews.allow_commands(app, True)[-1].startswith("Set-OrganizationConfig -EwsAllowedAppIDs")


def test_roles_claim_lag_waits_for_fresh_tokens(clock, tmp_path):
    sim = make_sim(clock, scenario="roles_claim_lag")
    _target, _http, setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    seen = []
    before = clock.now()
    report = setup.test_token(applied.client_id, secret.value, seen.append)
    assert report.ok, [c.reason for c in report.failed()]
    waits = [p for p in seen if p.step_id == "roles_claim" and p.state == "retrying"]
    assert waits and "no full_access_as_app yet" in waits[0].detail
    assert clock.now() - before >= 100  # it really waited (on the fake clock) for the lag of 150 s
    roles_check = next(c for c in report.checks if c.name == "application permissions")
    assert "to put the role in its tokens" in roles_check.reason


def test_roles_claim_lag_gives_up_after_about_five_minutes(clock, tmp_path):
    sim = make_sim(clock, faults=FaultPlan(secret_delay_seconds=4.0, roles_claim_lag_seconds=3600))
    _target, _http, setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    before = clock.now()
    report = setup.test_token(applied.client_id, secret.value)
    assert not report.ok
    assert 250 <= clock.now() - before <= 330
    assert "lacks full_access_as_app" in next(c for c in report.checks if c.name == "application permissions").reason


@pytest.fixture
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    return fake


def _served(scenario, fake_clock, tmp_path, monkeypatch, *argv):
    from wizard.simtenant import SimTenant
    from wizard.simtenant.server import serve

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    sim = SimTenant(scenario=scenario, clock=fake_clock, auto_approve_after=0)
    with serve(sim) as server:
        code = cli.main(["--simtenant", server.authority_host, "--ca-bundle", server.ca_path, *argv])
    return code, sim


def test_headless_apply_on_ews_blocked_fails_the_token_test_on_ews(capsys, fake_clock, tmp_path, monkeypatch):
    """Acceptance (issue 14, item 1): exit 6, the allow list named, the command with the app id."""
    code, sim = _served("ews_blocked", fake_clock, tmp_path, monkeypatch, "apply", *INNOVAPHONE,
                        "--secret-file", str(tmp_path / "secret"))
    out = capsys.readouterr().out
    assert code == 6, out
    client_id = next(a["appId"] for a in sim.state.applications.values())
    assert "allow list" in out and "EwsAllowedAppIDs" in out
    assert f"+ '{client_id}' | Sort-Object -Unique) -join ','" in out
    assert "1 April 2027" in out


def test_headless_plan_and_manual_mention_the_end_of_ews(capsys, fake_clock, tmp_path, monkeypatch):
    code, _sim = _served("ews_blocked", fake_clock, tmp_path, monkeypatch, "plan", *INNOVAPHONE, "--json")
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and any("1 April 2027" in n and "1 October 2026" in n for n in data["notes"])
    code = cli.main(["manual", *INNOVAPHONE])
    out = capsys.readouterr().out
    assert code == 0 and "1 April 2027" in out and "Set-OrganizationConfig -EwsAllowedAppIDs" in out


def test_headless_apply_on_roles_claim_lag_succeeds_and_says_it_waited(capsys, fake_clock, tmp_path, monkeypatch):
    """Acceptance (issue 14, item 6)."""
    code, _sim = _served("roles_claim_lag", fake_clock, tmp_path, monkeypatch, "apply", *INNOVAPHONE,
                         "--secret-file", str(tmp_path / "secret"))
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "to put the role in its tokens" in captured.out
    assert "no full_access_as_app yet" in captured.err  # the progress said so while it waited


def test_test_command_makes_the_ews_call_with_a_mailbox_and_says_so_without(capsys, fake_clock, tmp_path, monkeypatch):
    """`test` (client credentials only) for innovaphone: the Calendar's EWS call when the mailbox is given."""
    import wizard.simtenant as simtenant

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    sim = simtenant.SimTenant(scenario="ews_blocked", clock=fake_clock, auto_approve_after=0)
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    secret = tmp_path / "secret"
    assert cli.main(["--demo", "apply", *INNOVAPHONE, "--secret-file", str(secret)]) == 6
    capsys.readouterr()
    client_id = next(a["appId"] for a in sim.state.applications.values())
    code = cli.main(["--demo", "test", *INNOVAPHONE, "--client-id-app", client_id, "--secret-file", str(secret), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 6
    ews_check = next(c for c in data["token_test"]["checks"] if c["name"] == "EWS")
    assert not ews_check["ok"] and f"'{client_id}'" in ews_check["reason"]
    sim.state.ews_allowed_app_ids.append(client_id)  # the admin ran the PowerShell
    assert cli.main(["--demo", "test", *INNOVAPHONE, "--client-id-app", client_id, "--secret-file", str(secret)]) == 0
    assert "EWS answered" in capsys.readouterr().out
    assert cli.main(["--demo", "test", "--vendor", "innovaphone", "--client-id-app", client_id,
                     "--secret-file", str(secret)]) == 0
    assert "no mailbox was given" in capsys.readouterr().out


def test_manual_mode_token_test_makes_the_ews_call(clock, tmp_path):
    from wizard import manual

    sim = make_sim(clock, scenario="ews_blocked")
    target, http, setup, applied, secret = _innovaphone(sim, clock, tmp_path)
    clock.advance(10)
    pasted = manual.Pasted(sim.tenant_id, applied.client_id, secret.value)
    report = manual.run_token_test(target, http, clock, setup.profile, pasted, mailbox=MAILBOX)
    assert not report.ok and "allow list" in next(c for c in report.checks if c.name == "EWS").reason
    sim.state.ews_allowed_app_ids.append(applied.client_id)
    assert manual.run_token_test(target, http, clock, setup.profile, pasted, mailbox=MAILBOX).ok
    report = manual.run_token_test(target, http, clock, setup.profile, pasted)
    assert report.ok and any("no mailbox" in n for n in report.not_checked)
