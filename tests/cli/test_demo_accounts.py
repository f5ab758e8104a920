"""--demo shows its accounts where they are asked for, its examples work there, admins are warned about.

Engine (`Run`) against the in-process demo tenant, and the headless commands through `main([...])`:
- the field help of every account question lists the demo tenant's accounts with their roles, read
  from the seed the tenant is built from; against another tenant there is no such list;
- every profile's examples and defaults, as answers, plan cleanly in the demo tenant;
- a mailbox or service account that is an administrator (directly or through a group) gets a warning;
- each headless --demo command says its tenant is new, and `--demo verify` after `--demo apply`
  points to `simtenant serve`.
"""

from __future__ import annotations

import json

import pytest

from test_cli_demo import clock, journal_dir, run  # noqa: F401 (fixtures)
from wizard.clock import FakeClock
from wizard.errors import EXIT_MICROSOFT, InputError
from wizard.profiles import get_profile, vendor_ids
from wizard.run import Run
from wizard.simtenant import SimTenant, seed


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a small PNG by its magic bytes


def demo_run(tmp_path, vendor: str, scenario: str = "demo") -> Run:
    """A signed-in --demo run (the demo admin), as the TUI and the CLI build it."""
    from wizard.target import demo_target

    clock = FakeClock()
    sim = SimTenant(scenario=scenario, clock=clock, auto_approve_after=0)
    run = Run(clock=clock, target=demo_target(sim), sim=sim, state_dir=tmp_path / "state", demo_mode=True)
    run.choose_vendor(vendor)
    run.start_signin()
    run.approve_demo()
    run.wait_signin()
    return run


def admin_warnings(notes) -> list[str]:
    return [n for n in notes if n.startswith("Warning:") and ") is an administrator:" in n]


def example_answers(profile, folder) -> dict:
    """Every question answered with its example (else its default), as a newcomer would copy them."""
    raw = {}
    for question in profile.questions:
        value = question.example or question.default
        if question.kind == "file" and value:  # an example path: the newcomer's own logo there
            path = folder / value
            path.write_bytes(PNG)
            value = str(path)
        if value not in (None, ""):
            raw[question.key] = value
    return raw


# --------------------------------------------------------------------------- the accounts, where they are asked


def test_field_help_lists_the_demo_accounts_with_their_roles_only_in_demo():
    profile = get_profile("loopmeeting")
    question = profile.question("service_account")
    demo = Run(demo_mode=True)
    demo.choose_vendor("loopmeeting")
    text = demo.field_help(question)
    assert text.startswith(question.help)
    for local, _display, _given, _surname, _role, _mailbox in seed.DEMO_USERS:
        assert f"{local}@{seed.DEMO_DOMAIN}" in text
    assert "admin@contoso.onmicrosoft.com (Global Administrator)" in text
    assert "calendar-sync@contoso.onmicrosoft.com (shared mailbox)" in text
    # ordinary accounts come first (they are the ones to pick), the administrators named as such
    assert text.index("loopmeeting-svc@") < text.index("; administrators: ") < text.index("admin@contoso")

    real = Run()
    real.choose_vendor("loopmeeting")
    assert real.field_help(question) == question.help
    assert real.demo_accounts() == []
    # not an account question: no list, in demo either
    pexip = get_profile("pexip").questions[0]
    assert demo.field_help(pexip) == (pexip.help or "")


def test_not_a_user_error_lists_the_demo_accounts_and_a_valid_example(tmp_path):
    run = demo_run(tmp_path, "innovaphone")
    run.set_answers(run.vendor.validate({"mailbox": "calendar@contoso.onmicrosoft.com"}))
    with pytest.raises(InputError) as caught:
        run.make_plan()
    error = caught.value
    assert error.key == "mailbox"
    assert "calendar@contoso.onmicrosoft.com is not a user in this tenant" in error.message
    assert "The demo tenant's accounts (each with a mailbox): " in error.message
    assert "appadmin@contoso.onmicrosoft.com (Application Administrator)" in error.message
    assert error.example == "calendar-sync@contoso.onmicrosoft.com"
    # the example the error gives is itself accepted
    run.set_answers(run.vendor.validate({"mailbox": error.example}))
    assert run.make_plan().plan.steps


def test_not_a_user_error_without_demo_lists_nothing(tmp_path):
    run = demo_run(tmp_path, "loopmeeting")
    run.demo_mode = False
    run.sim = None  # the same tenant, but the run is not --demo: no list of anyone's accounts
    run.set_answers(run.vendor.validate({"service_account": "nobody@contoso.onmicrosoft.com"}))
    with pytest.raises(InputError) as caught:
        run.make_plan()
    assert "is not a user in this tenant" in caught.value.message
    assert "demo tenant" not in caught.value.message


@pytest.mark.parametrize("vendor", [v for v in vendor_ids() if get_profile(v).questions])
def test_every_example_and_default_is_valid_in_the_demo_tenant(vendor, tmp_path, monkeypatch):
    run = demo_run(tmp_path, vendor)
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    raw = example_answers(run.vendor, folder)
    run.set_answers(run.vendor.validate(raw))
    view = run.make_plan()  # raises InputError if the tenant rejects an example
    assert view.plan.steps or view.plan.nothing_to_do
    assert not admin_warnings(view.notes)  # the examples are ordinary accounts


# --------------------------------------------------------------------------- administrators as accounts


def test_a_global_administrator_as_service_account_is_warned_about(tmp_path):
    run = demo_run(tmp_path, "loopmeeting")
    run.set_answers(run.vendor.validate({"service_account": "loopmeeting-svc@contoso.onmicrosoft.com, "
                                                            "admin@contoso.onmicrosoft.com"}))
    view = run.make_plan()
    warnings = admin_warnings(view.notes)
    assert len(warnings) == 1
    assert "admin@contoso.onmicrosoft.com" in warnings[0] and "Global Administrator" in warnings[0]
    assert "loopmeeting-svc" not in warnings[0]
    assert view.notes[0] == warnings[0]  # first, before the vendor's notes


def test_an_administrator_through_a_group_is_warned_about(tmp_path):
    # role_via_group: admin@ is Global Administrator only through a role-assignable group
    run = demo_run(tmp_path, "innovaphone", scenario="role_via_group")
    admin = next(u for u in run.sim.state.users.values() if u["userPrincipalName"].startswith("admin@"))
    assert not run.sim.state.direct_role_templates(admin["id"])  # no role of its own
    run.set_answers(run.vendor.validate({"mailbox": "admin@contoso.onmicrosoft.com"}))
    warnings = admin_warnings(run.make_plan().notes)
    assert len(warnings) == 1 and "Global Administrator" in warnings[0] and "admin@" in warnings[0]


def test_the_admin_warning_in_headless_output(capsys, clock, journal_dir):
    code, out, err = run(capsys, "--demo", "plan", "--vendor", "loopmeeting",
                         "--set", "service_account=cloudadmin@contoso.onmicrosoft.com")
    assert code == 0, err
    assert "Warning: cloudadmin@contoso.onmicrosoft.com (Service account(s)) is an administrator" in out
    assert "Cloud Application Administrator" in out


# --------------------------------------------------------------------------- a new tenant per headless command


def test_each_headless_demo_command_says_its_tenant_is_new(capsys, clock, journal_dir):
    code, out, err = run(capsys, "--demo", "apply", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com",
                         "--json")
    assert code == 0, err
    assert "a new simulated tenant for this command only" in err
    code, out, err = run(capsys, "--demo", "verify", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com",
                         "--json")
    assert code == EXIT_MICROSOFT
    error = json.loads(out)["error"]
    assert "new for every command" in error["next_step"] and "simtenant serve" in error["next_step"]
    assert "--simtenant URL" in error["next_step"]


def test_demo_loopmeeting_says_it_is_the_simulated_tenant(capsys, clock, journal_dir):
    code, out, err = run(capsys, "--demo", "apply", "--vendor", "loopmeeting",
                         "--set", "service_account=loopmeeting-svc@contoso.onmicrosoft.com", "--json")
    assert code == 0, err
    data = json.loads(out)
    wait = next(s for s in data["steps"] if s["id"] == "wait_enterprise_app")
    assert "simulated tenant" in wait["sentence"] and "Central Config now" not in wait["sentence"]
    assert "simulated demo tenant" in data["followup_intro"]
    assert any(n.startswith("Demo: this is the simulated tenant") for n in data["notes"])
