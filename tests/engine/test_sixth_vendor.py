"""Acceptance (issue 15): a sixth vendor, not bundled, asking for any Microsoft Graph permission by
name (application and delegated) loads, plans and applies against the simulated tenant.

The profile is tests/data/profiles/roompanel.toml: application Place.Read.All and User.Read.All,
delegated Calendars.ReadWrite — none of which the five bundled vendors use as that type.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard import catalog
from wizard.errors import InputError
from wizard.profiles import ProfileError, load_profile
from wizard.setup import Setup

PROFILE = Path(__file__).resolve().parents[1] / "data" / "profiles" / "roompanel.toml"
# Microsoft's ids ("All permissions and IDs", tests/data/graph_permissions_ids.md).
PLACE_READ_ALL_ROLE = "913b9306-0ce1-42b8-9137-6a7df690a760"
USER_READ_ALL_ROLE = "df021288-bdef-4463-88db-98f22de89214"
CALENDARS_READWRITE_SCOPE = "1ec239c2-d7c9-4623-a91a-a9775856bb36"


def roompanel_setup(graph, who, target, clock, tmp_path, profile=None):
    profile = profile or load_profile(PROFILE)
    answers = profile.validate({"panel_host": "panels.example.com"})
    return Setup(profile, answers, graph, who, target, clock=clock, state_dir=tmp_path)


def test_the_profile_loads_with_microsofts_ids():
    profile = load_profile(PROFILE)
    assert profile.id == "roompanel"
    assert [(p.name, p.type, p.id) for p in profile.permissions] == [
        ("Place.Read.All", "application", PLACE_READ_ALL_ROLE),
        ("User.Read.All", "application", USER_READ_ALL_ROLE),
        ("Calendars.ReadWrite", "delegated", CALENDARS_READWRITE_SCOPE),
    ]


def test_the_simulated_graph_publishes_every_permission_of_the_catalog(sim):
    graph_sp = sim.state.sp_by_app_id(catalog.resource_app_id("graph"))
    roles = {r["value"]: r for r in graph_sp["appRoles"]}
    scopes = {s["value"]: s for s in graph_sp["oauth2PermissionScopes"]}
    published = catalog.resource("graph").permissions.values()
    assert set(roles) == {p.name for p in published if p.application}
    assert set(scopes) == {p.name for p in published if p.delegated}
    assert roles["Place.Read.All"]["id"] == PLACE_READ_ALL_ROLE
    assert roles["Place.Read.All"]["displayName"] == "Read all company places"
    assert roles["Place.Read.All"]["allowedMemberTypes"] == ["Application"]
    assert scopes["Calendars.ReadWrite"]["id"] == CALENDARS_READWRITE_SCOPE
    # Microsoft's "Admin Consent Required" column: No for Calendars.ReadWrite, Yes for User.Read.All.
    assert scopes["Calendars.ReadWrite"]["type"] == "User"
    assert scopes["User.Read.All"]["type"] == "Admin"
    assert scopes["Calendars.ReadWrite"]["adminConsentDisplayName"] == "Have full access to user calendars"
    assert set(scopes["Calendars.ReadWrite"]) == {
        "adminConsentDescription", "adminConsentDisplayName", "id", "isEnabled", "type",
        "userConsentDescription", "userConsentDisplayName", "value"}
    # the rows of Microsoft's "All permissions and IDs" table: 287 Application, 348 Delegated
    assert (len(roles), len(scopes)) == (287, 348)


def test_plans_and_applies_and_the_token_carries_the_roles(sim, graph, who, target, clock, tmp_path):
    setup = roompanel_setup(graph, who, target, clock, tmp_path)
    setup.check_roles()
    plan = setup.plan()
    assert [(p.name, p.id) for p in plan.permissions] == [
        ("Place.Read.All", PLACE_READ_ALL_ROLE),
        ("User.Read.All", USER_READ_ALL_ROLE),
        ("Calendars.ReadWrite", CALENDARS_READWRITE_SCOPE),
    ]
    # Each permission is described in plain words (Microsoft's description where the wizard has no
    # line of its own), as the plan screen shows them.
    assert "company places" in plan.permissions[0].description
    applied = setup.apply(plan)
    app = sim.state.applications[applied.object_id]
    [access] = app["requiredResourceAccess"]
    assert access["resourceAppId"] == catalog.resource_app_id("graph")
    assert sorted((a["id"], a["type"]) for a in access["resourceAccess"]) == sorted([
        (PLACE_READ_ALL_ROLE, "Role"), (USER_READ_ALL_ROLE, "Role"), (CALENDARS_READWRITE_SCOPE, "Scope")])
    graph_sp = sim.state.sp_by_app_id(catalog.resource_app_id("graph"))
    granted_roles = {a["appRoleId"] for a in sim.state.assignments.values()
                     if a["principalId"] == applied.sp_id and a["resourceId"] == graph_sp["id"]}
    assert granted_roles == {PLACE_READ_ALL_ROLE, USER_READ_ALL_ROLE}
    grants = [g for g in sim.state.grants.values() if g["clientId"] == applied.sp_id]
    assert [g["scope"].split() for g in grants] == [["Calendars.ReadWrite"]]
    assert grants[0]["consentType"] == "AllPrincipals"

    secret = setup.create_secret(applied)
    setup.secret_delivered(secret)  # the test holds the value
    report = setup.test_token(applied.client_id, secret.value)
    assert report.ok, report.checks
    roles = next(c for c in report.checks if c.name == "application permissions")
    assert "Place.Read.All" in roles.reason and "User.Read.All" in roles.reason

    again = roompanel_setup(graph, who, target, clock, tmp_path)
    assert again.plan().nothing_to_do


def test_a_wrong_type_names_the_form_that_exists(tmp_path):
    text = PROFILE.read_text("utf-8").replace(
        'name = "Calendars.ReadWrite"\ntype = "delegated"', 'name = "Calendars.ReadWrite.Shared"\ntype = "application"')
    assert "Calendars.ReadWrite.Shared" in text
    bad = tmp_path / "roompanel.toml"
    bad.write_text(text, "utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(bad)
    assert "exists only as a delegated permission" in str(err.value)
    assert "roompanel.toml" in str(err.value) and "bug" not in err.value.next_step


def test_an_unreadable_profile_file_is_bad_input(tmp_path):
    with pytest.raises(InputError) as err:
        load_profile(tmp_path / "missing.toml")
    assert err.value.field == "profile file"


def test_demo_apply_of_the_sixth_vendor_through_the_cli(capsys, monkeypatch, tmp_path):
    """`m365-wizard --demo apply --profile tests/data/profiles/roompanel.toml …` (issue 18)."""
    import json

    import wizard.commands as commands
    from wizard import cli
    from wizard.clock import FakeClock

    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    code = cli.main(["--demo", "apply", "--profile", str(PROFILE), "--set", "panel_host=panels.example.com", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["vendor"] == "roompanel"
    assert {"create_app", "secret", "token"} <= {s["id"] for s in data["steps"]}
    assert all(s["outcome"] == "done" for s in data["steps"]), data["steps"]
    assert data["token_test"]["ok"] is True
    roles = next(c for c in data["token_test"]["checks"] if c["name"] == "application permissions")
    assert "Place.Read.All" in roles["reason"] and "User.Read.All" in roles["reason"]
