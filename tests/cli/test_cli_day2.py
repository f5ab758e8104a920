"""Day-two commands through `m365-wizard` itself: `secrets`, `rotate`, `verify --yes`, `--manual`.

In-process `main([...])` against `--demo`; one simulated tenant and one FakeClock shared
by several commands (see test_cli_demo), so "two years later" is one `clock.advance`.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import types

import pytest

from test_cli_demo import PEXIP, clock, journal_dir, run, shared_sim  # noqa: F401 (fixtures)
from wizard import cli
from wizard.errors import EXIT_DRIFT
from wizard.simtenant import testing

DAY = 86400.0
REDIRECT = "https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"


def apply_pexip(capsys, tmp_path, name="secret.txt"):
    path = tmp_path / name
    code, out, err = run(capsys, "--demo", "apply", *PEXIP, "--json", "--secret-file", str(path))
    assert code == 0, err
    data = json.loads(out)
    return data["client_id"], data["secret"]["key_id"], path


def keys_on(sim, client_id):
    (app,) = [a for a in sim.state.applications.values() if a["appId"] == client_id]
    return {c["keyId"] for c in app["passwordCredentials"]}


@pytest.fixture
def no_terminal(monkeypatch):
    """stdin is not a terminal (a script): a "yes" waiting on it must never count as consent."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))


@pytest.fixture
def expiring(capsys, shared_sim, clock, journal_dir, tmp_path):
    """The wizard made the Pexip app (24-month secret); now it is 10 days before that secret expires."""
    client_id, key_id, path = apply_pexip(capsys, tmp_path, "old-secret.txt")
    from wizard.secret import days_for

    clock.advance((days_for(24) - 10) * DAY)
    return client_id, key_id, path


# --------------------------------------------------------------------------- secrets


def test_secrets_flags_the_expiring_secret(capsys, shared_sim, expiring):
    client_id, key_id, _ = expiring
    code, out, err = run(capsys, "--demo", "secrets", "--json")  # no --vendor needed
    assert code == 0, err
    (app,) = json.loads(out)["apps"]
    assert app["client_id"] == client_id and app["vendor"] == "pexip" and app["state"] == "expiring"
    (secret,) = app["secrets"]
    assert secret["key_id"] == key_id and secret["state"] == "expiring" and 8 <= secret["days_left"] <= 10

    code, out, err = run(capsys, "--demo", "secrets")
    assert code == 0, err
    assert "! EXPIRING" in out and f"rotate --vendor pexip --client-id-app {client_id}" in out
    assert "1 app(s) need a new secret" in out

    code, out, _ = run(capsys, "--demo", "secrets", "--vendor", "flexo", "--json")
    assert code == 0 and json.loads(out)["apps"] == []


def test_secrets_of_a_fresh_app_are_ok(capsys, shared_sim, clock, journal_dir, tmp_path):
    apply_pexip(capsys, tmp_path)
    code, out, _ = run(capsys, "--demo", "secrets", "--vendor", "pexip", "--json")
    assert code == 0 and json.loads(out)["apps"][0]["state"] == "ok"


# --------------------------------------------------------------------------- rotate


def test_rotate_yes_replaces_the_old_secret(capsys, shared_sim, expiring, tmp_path):
    client_id, old_key, old_file = expiring
    new_file = tmp_path / "new-secret.txt"
    code, out, err = run(capsys, "--demo", "rotate", "--vendor", "pexip", "--yes", "--json",
                         "--secret-file", str(new_file))
    assert code == 0, err
    data = json.loads(out)
    assert data["client_id"] == client_id and data["token_test"]["ok"] is True
    assert data["old_secrets"] == [old_key] and data["retired"] == [old_key]
    assert keys_on(shared_sim, client_id) == {data["secret"]["key_id"]}
    value = new_file.read_text().strip()
    assert stat.S_IMODE(os.stat(new_file).st_mode) == 0o600
    assert value not in out and value not in err  # written to the file only
    assert data["graph_writes"] >= 2  # addPassword + removePassword

    # the vendor works with the new secret, and the old one is gone for good
    code, _, err = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id,
                       "--secret-file", str(new_file))
    assert code == 0, err
    code, _, _ = run(capsys, "--demo", "test", "--vendor", "pexip", "--client-id-app", client_id,
                     "--secret-file", str(old_file))
    assert code == 6


def test_rotate_without_yes_and_no_terminal_keeps_the_old_secret(capsys, shared_sim, expiring, no_terminal):
    client_id, old_key, _ = expiring
    code, out, err = run(capsys, "--demo", "rotate", "--vendor", "pexip", "--client-id-app", client_id)
    assert code == 0, err
    assert "no terminal to ask on" in err and "The old secret(s) were kept" in out
    keys = keys_on(shared_sim, client_id)
    assert old_key in keys and len(keys) == 2
    # asked nothing of stdin: the "yes" waiting there is still unread
    assert sys.stdin.read() == "yes\n"


def test_rotate_months_is_bounded(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--demo", "rotate", "--vendor", "pexip", "--months", "30"])
    assert info.value.code == 2 and "between 1 and 24" in capsys.readouterr().err


def test_rotate_needs_a_vendor(capsys, clock, journal_dir):
    code, _, err = run(capsys, "--demo", "rotate")
    assert code == 2 and "--vendor" in err


# --------------------------------------------------------------------------- verify --yes


def drift(sim, client_id):
    """Someone edits the app in the portal: a wrong redirect URI and ID tokens switched on."""
    graph = testing.graph_client(sim, testing.sign_in(sim))
    (object_id,) = [k for k, a in sim.state.applications.items() if a["appId"] == client_id]
    answer = graph.patch(f"/applications/{object_id}", json={"web": {
        "redirectUris": ["https://old.example.com/cb"],
        "implicitGrantSettings": {"enableIdTokenIssuance": True, "enableAccessTokenIssuance": False}}})
    assert answer.status_code == 204
    return object_id


def test_verify_yes_repairs_a_drifted_app(capsys, shared_sim, clock, journal_dir, tmp_path, no_terminal):
    client_id, _, _ = apply_pexip(capsys, tmp_path)
    object_id = drift(shared_sim, client_id)

    # in a script without --yes: every difference on stdout, nothing written, and drift's own exit code
    code, out, err = run(capsys, "--demo", "verify", *PEXIP)
    assert code == EXIT_DRIFT == 7, err
    assert "Exit code 7: the registration still differs" in out
    assert f"The Web redirect URI {REDIRECT} is missing" in out
    assert "https://old.example.com/cb is not one" in out and "Implicit grant of ID tokens is on" in out
    assert "Nothing was changed. Run again with --yes" in out
    assert shared_sim.state.applications[object_id]["web"]["redirectUris"] == ["https://old.example.com/cb"]

    code, out, err = run(capsys, "--demo", "verify", *PEXIP, "--client-id-app", client_id, "--yes", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["in_order"] is False and data["repaired"] is True and data["in_order_after"] is True
    assert data["graph_writes"] >= 1
    web = shared_sim.state.applications[object_id]["web"]
    assert web["redirectUris"] == [REDIRECT]
    assert web["implicitGrantSettings"]["enableIdTokenIssuance"] is False

    code, out, _ = run(capsys, "--demo", "verify", *PEXIP, "--json")
    assert code == 0 and json.loads(out)["in_order"] is True and json.loads(out)["graph_writes"] == 0
    assert json.loads(out)["drift"] is False


def test_verify_drift_exit_code_in_json_and_when_the_repair_is_declined(capsys, shared_sim, clock, journal_dir,
                                                                       tmp_path, no_terminal):
    client_id, _, _ = apply_pexip(capsys, tmp_path)
    drift(shared_sim, client_id)
    code, out, err = run(capsys, "--demo", "verify", *PEXIP, "--json")
    data = json.loads(out)
    assert code == EXIT_DRIFT, err
    assert data["drift"] is True and data["repaired"] is False and data["differences"]
    assert "error" not in data  # drift is a finding, not a failure


def test_drift_exit_code_is_in_help_and_readme(capsys):
    from pathlib import Path

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    assert f"{EXIT_DRIFT} drift" in text
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"{EXIT_DRIFT} drift" in readme


# --------------------------------------------------------------------------- manual


def test_manual_flag_prints_the_checklist_with_the_redirect_uri(capsys, clock, journal_dir):
    # stdout is not a terminal here: the checklist, as `m365-wizard manual` prints it, no sign-in
    code, out, err = run(capsys, "--manual", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com")
    assert code == 0, err
    assert out.startswith("Microsoft Entra admin center checklist: Pexip")
    assert REDIRECT in out and "https://entra.microsoft.com" in out
    assert "enter the code" not in err


def test_manual_command_saves_markdown(capsys, clock, journal_dir, tmp_path):
    save = tmp_path / "checklist.md"
    code, out, err = run(capsys, "manual", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com",
                         "--markdown", "--save", str(save))
    assert code == 0, err
    saved = save.read_text()
    assert saved.startswith("# Microsoft Entra admin center checklist") and REDIRECT in saved
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    assert REDIRECT in out


def test_manual_json(capsys, clock, journal_dir):
    code, out, _ = run(capsys, "--demo", "--manual", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com",
                       "--json")
    data = json.loads(out)
    assert code == 0 and data["command"] == "manual" and data["vendor"] == "pexip"
    assert any(value == REDIRECT for item in data["checklist"] for _, value in item["values"])


@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    module = types.ModuleType("screens.app")
    module.run_app = lambda args: calls.append(args) or 0
    monkeypatch.setitem(sys.modules, "screens.app", module)
    return calls


def test_manual_flag_at_a_terminal_starts_the_tui_manual_mode(fake_app, monkeypatch):
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    assert cli.main(["--demo", "--manual", "--vendor", "pexip"]) == 0
    (args,) = fake_app
    assert args.manual is True and args.command is None and args.demo and args.vendor == "pexip"


def test_manual_flag_with_set_is_headless_even_at_a_terminal(fake_app, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: no paste-and-test
    code = cli.main(["--manual", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"])
    assert code == 0 and fake_app == []
    assert REDIRECT in capsys.readouterr().out


def test_manual_flag_with_a_command_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--manual", "plan", "--vendor", "pexip"])
    assert info.value.code == 2 and "m365-wizard manual" in capsys.readouterr().err


# --------------------------------------------------------------------------- help


def test_help_lists_each_command_once_with_exit_codes_and_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name, text in cli.COMMAND_HELP.items():
        listed = re.findall(rf"^ +{name} +\S", out, flags=re.M)
        assert len(listed) == 1, name  # the subparsers' list, not repeated in the epilog
        assert out.count(text.split(";")[0][:30]) == 1, name
    assert "simtenant" in out and "--scenario" in out
    assert "exit codes:" in out and "130 interrupted" in out and "examples:" in out
    assert "m365-wizard secrets" in out and "m365-wizard rotate" in out and "m365-wizard --manual" in out


@pytest.mark.parametrize("name, options", [
    ("secrets", ["--all", "--vendor", "--json"]),
    ("rotate", ["--vendor", "--client-id-app", "--secret-file", "--show-secret", "--months", "--yes", "--json"]),
    ("verify", ["--vendor", "--set", "--client-id-app", "--yes", "--json"]),
    ("manual", ["--vendor", "--set", "--save", "--markdown", "--json"]),
])
def test_day2_command_options(capsys, name, options):
    with pytest.raises(SystemExit):
        cli.main([name, "--help"])
    out = capsys.readouterr().out
    for option in options:
        assert option in out, option
