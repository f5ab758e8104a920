"""Headless day-two commands (verify + repair, secrets, rotate, --manual) on the simulated tenant.

The commands build engine A's `wizard.commands.Context`; here its target is pointed at the
test's simulated tenant (which already holds registrations) and its clock is the FakeClock.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat

import pytest

from test_inventory import DAY, add_secret, make_app
from wizard import day2
from wizard.errors import EXIT_DRIFT

PEXIP = ["addin_fqdn=px01.example.com"]


@pytest.fixture
def cli_sim(sim, clock, monkeypatch):
    """Route every Context to `sim` (device code approved at once) on the FakeClock."""
    import wizard.commands as commands
    from wizard.target import demo_target

    def target(args, _clock, ctx):
        ctx.sim = sim
        return demo_target(sim, tenant=args.tenant or "organizations")

    monkeypatch.setattr(commands, "_target", target)
    monkeypatch.setattr(commands, "Clock", lambda: clock)
    sim.auto_approve_after = 0
    return sim


def args(command, **kw):
    base = dict(command=command, vendor="pexip", set=list(PEXIP), json=False, show_secret=False, secret_file=None,
                client_id_app=None, yes=False, all=False, months=None, demo=True, tenant=None, cloud="global",
                client_id=None, simtenant=None, ca_bundle=None, remember=False, save=None, markdown=False)
    base.update(kw)
    return argparse.Namespace(**base)


def run(fn, a, **kw):
    out = io.StringIO()
    code = fn(a, out=out, **kw)
    return code, out.getvalue()


# --------------------------------------------------------------------------- secrets


def test_secrets_flags_the_expiring_one(cli_sim, graph, who, target, clock, tmp_path, capsys):
    applied = make_app(graph, who, target, clock, tmp_path)
    add_secret(graph, applied.object_id, clock, 10, "vendor secret")
    code, text = run(day2.run_secrets, args("secrets", vendor=None, set=[]))
    assert code == 0, capsys.readouterr().err
    assert "! EXPIRING vendor secret" in text and "expires in 10 days" in text
    assert f"rotate --vendor pexip --client-id-app {applied.client_id}" in text
    code, raw = run(day2.run_secrets, args("secrets", vendor=None, set=[], json=True))
    data = json.loads(raw)
    (app,) = data["apps"]
    assert app["state"] == "expiring" and app["secrets"][0]["days_left"] == 10
    assert "secretText" not in raw


def test_secrets_vendor_filter(cli_sim, graph, who, target, clock, tmp_path):
    make_app(graph, who, target, clock, tmp_path)
    code, raw = run(day2.run_secrets, args("secrets", vendor="flexo", set=[], json=True))
    assert code == 0 and json.loads(raw)["apps"] == []


# --------------------------------------------------------------------------- rotate


def _expiring(cli_sim, graph, who, target, clock, tmp_path):
    applied = make_app(graph, who, target, clock, tmp_path)
    old = add_secret(graph, applied.object_id, clock, 10, "old")
    return applied, old


def keys_of(sim, applied):
    return {c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]}


def test_rotate_keeps_the_old_secret_when_not_confirmed(cli_sim, graph, who, target, clock, tmp_path, capsys):
    applied, old = _expiring(cli_sim, graph, who, target, clock, tmp_path)
    path = tmp_path / "new-secret.txt"
    a = args("rotate", client_id_app=applied.client_id, secret_file=str(path), json=True)
    code, raw = run(day2.run_rotate, a, stdin=io.StringIO("n\n"))
    assert code == 0, capsys.readouterr().err
    data = json.loads(raw)
    assert data["retired"] == [] and data["old_secrets"] == [old["keyId"]]
    assert keys_of(cli_sim, applied) == {old["keyId"], data["secret"]["key_id"]}
    value = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert value not in raw and value not in capsys.readouterr().err  # masked: written to the file only
    assert data["update"][0]["label"] == "Azure OAuth client secret"


def test_rotate_removes_the_old_secret_after_yes(cli_sim, graph, who, target, clock, tmp_path, capsys):
    applied, old = _expiring(cli_sim, graph, who, target, clock, tmp_path)
    code, text = run(day2.run_rotate, args("rotate", client_id_app=applied.client_id, show_secret=True),
                     stdin=io.StringIO("yes\n"))
    assert code == 0
    err = capsys.readouterr().err
    assert "Does Pexip" in err
    (new,) = keys_of(cli_sim, applied)
    assert new != old["keyId"]
    assert "Removed 1 old secret(s)" in text
    # the new value was shown (asked for with --show-secret), once, before the question
    secret = cli_sim.state.secrets[(applied.object_id, new)]
    assert text.count(secret) == 1 and secret not in err
    assert text.index("Azure OAuth client secret") < text.index("Removed 1 old secret(s)")


def test_rotate_with_yes_finds_the_vendor_app_without_an_id(cli_sim, graph, who, target, clock, tmp_path):
    applied, old = _expiring(cli_sim, graph, who, target, clock, tmp_path)
    code, raw = run(day2.run_rotate, args("rotate", yes=True, json=True))
    data = json.loads(raw)
    assert code == 0 and data["retired"] == [old["keyId"]] and data["client_id"] == applied.client_id
    assert data["token_test"]["ok"]


def test_rotate_without_a_terminal_answers_no(cli_sim, graph, who, target, clock, tmp_path, monkeypatch):
    applied, old = _expiring(cli_sim, graph, who, target, clock, tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a tty: never read as consent
    code, raw = run(day2.run_rotate, args("rotate", client_id_app=applied.client_id, json=True))
    assert code == 0 and json.loads(raw)["retired"] == []
    assert old["keyId"] in keys_of(cli_sim, applied)


def test_rotate_unknown_client_id_is_a_plain_error(cli_sim, graph, who, target, clock, tmp_path, capsys):
    make_app(graph, who, target, clock, tmp_path)
    code, _ = run(day2.run_rotate, args("rotate", client_id_app="00000000-1111-4222-8333-444444444444"))
    assert code == 5
    assert "no app registration with the Application (client) ID" in capsys.readouterr().err


# --------------------------------------------------------------------------- verify and repair


def _drift(sim, graph, applied):
    graph.patch(f"/applications/{applied.object_id}", json={
        "web": {"redirectUris": ["https://old.example.com/cb"],
                "implicitGrantSettings": {"enableIdTokenIssuance": True, "enableAccessTokenIssuance": False}}})


def test_verify_reports_drift_in_plain_words_and_repairs_on_yes(cli_sim, graph, who, target, clock, tmp_path, capsys):
    from conftest import run_vendor

    # made by the wizard earlier (journal in another state dir: found by its uniqueName)
    _, applied, _ = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    _drift(cli_sim, graph, applied)
    code, raw = run(day2.run_verify, args("verify", json=True), stdin=io.StringIO("n\n"))
    data = json.loads(raw)
    assert code == EXIT_DRIFT and data["in_order"] is False and data["repaired"] is False and data["drift"] is True
    found = [d["found"] for d in data["differences"]]
    assert any("redirect URI https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect is missing" in f for f in found)
    assert any("https://old.example.com/cb is not one" in f for f in found)
    assert any("Implicit grant of ID tokens is on" in f for f in found)
    assert cli_sim.state.applications[applied.object_id]["web"]["redirectUris"] == ["https://old.example.com/cb"]

    code, raw = run(day2.run_verify, args("verify", json=True, client_id_app=applied.client_id), stdin=io.StringIO("y\n"))
    data = json.loads(raw)
    assert code == 0 and data["repaired"] is True and data["in_order_after"] is True
    web = cli_sim.state.applications[applied.object_id]["web"]
    assert web["redirectUris"] == ["https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"]
    assert web["implicitGrantSettings"]["enableIdTokenIssuance"] is False


def test_verify_in_order(cli_sim, graph, who, target, clock, tmp_path):
    from conftest import run_vendor

    run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    code, text = run(day2.run_verify, args("verify"))
    assert code == 0 and "The registration is in order" in text


def test_verify_finds_nothing(cli_sim, capsys):
    code, _ = run(day2.run_verify, args("verify"))
    assert code == 5 and "No app registration made by the wizard" in capsys.readouterr().err


def test_verify_with_other_answers_names_the_same_name_registration(cli_sim, graph, who, target, clock, tmp_path, capsys):
    from conftest import run_vendor

    _, applied, _ = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    code, _ = run(day2.run_verify, args("verify", set=["addin_fqdn=px02.example.com"]))
    err = capsys.readouterr().err
    assert code == 5 and "with these answers" in err
    assert f"--client-id-app {applied.client_id}" in err and "Pexip Scheduling Personal VMRs" in err


def test_verify_sees_an_expiring_secret_and_points_to_rotate(cli_sim, graph, who, target, clock, tmp_path):
    applied = make_app(graph, who, target, clock, tmp_path)
    add_secret(graph, applied.object_id, clock, 10)
    code, text = run(day2.run_verify, args("verify", client_id_app=applied.client_id))
    # an expiring secret is drift too (only `rotate` renews it): a script sees it by the exit code
    assert code == EXIT_DRIFT and "expires in" in text and "m365-wizard rotate --vendor pexip" in text


# --------------------------------------------------------------------------- manual, headless


def test_manual_prints_checklist_then_tests_the_pasted_values(cli_sim, graph, who, target, clock, tmp_path, capsys):
    from conftest import run_vendor

    _, applied, secret = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    save = tmp_path / "checklist.md"
    stdin = io.StringIO(f"{cli_sim.tenant_id}\n{applied.client_id}\n")
    code, text = run(day2.run_manual, args(None, save=str(save), markdown=True), stdin=stdin,
                     read_secret=lambda prompt: secret.value)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "✓ token" in text and "User OAuth client ID" in text and applied.client_id in text
    assert secret.value not in text and secret.value not in err  # masked without --show-secret
    saved = save.read_text()
    assert saved.startswith("# Microsoft Entra admin center checklist") and secret.value not in saved


def test_manual_wrong_secret_exit_6_with_clear_reason(cli_sim, graph, who, target, clock, tmp_path):
    from conftest import run_vendor

    _, applied, _ = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    stdin = io.StringIO(f"{cli_sim.tenant_id}\n{applied.client_id}\n")
    code, text = run(day2.run_manual, args(None), stdin=stdin, read_secret=lambda p: "wrongvalue8Q~" + "z" * 27)
    assert code == 6
    assert "AADSTS7000215" in text and "not the Secret ID" in text


def test_manual_secret_id_instead_of_value_is_refused_before_any_request(cli_sim, capsys):
    stdin = io.StringIO(f"{cli_sim.tenant_id}\n11111111-2222-4333-8444-555555555555\n")
    before = len(cli_sim.requests)
    code, _ = run(day2.run_manual, args(None), stdin=stdin,
                  read_secret=lambda p: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
    assert code == 2 and "Secret ID" in capsys.readouterr().err
    assert len(cli_sim.requests) == before
