"""Issue 18, item 4 (second half): a profile names any other resource API by its appId; the wizard
reads that API's service principal from the tenant at run time and resolves the permission names
there (delegated: oauth2PermissionScopes, application: appRoles).

The simulated tenant carries a third-party multi-tenant API for this: "Fabrikam Rooms API"
(wizard/simtenant/catalog.py, FABRIKAM — fictional ids). Every profile here is written into a
temporary folder only.
"""

from __future__ import annotations

import json

import pytest

from profile_files import FABRIKAM_API, FABROOMS
from wizard import permissions
from wizard.errors import EXIT_BAD_INPUT, EXIT_MICROSOFT, EXIT_OK, InputError
from wizard.profiles import ProfileError, load_profile
from wizard.setup import Setup
from wizard.simtenant import catalog as simcatalog

API = simcatalog.FABRIKAM_APP_ID
assert API == FABRIKAM_API
ROLE_ID = next(r.id for r in simcatalog.FABRIKAM.roles if r.value == "Rooms.Read.All")
SCOPE_ID = next(s.id for s in simcatalog.FABRIKAM.scopes if s.value == "Rooms.Read")

PROFILE = FABROOMS


def write(tmp_path, text=PROFILE, name="fabrooms.toml"):
    path = tmp_path / "profiles-elsewhere" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def fabrooms_setup(graph, who, target, clock, tmp_path, text=PROFILE):
    profile = load_profile(write(tmp_path, text))
    return Setup(profile, profile.validate({}), graph, who, target, clock=clock, state_dir=tmp_path / "state")


# ---------------------------------------------------------------------------- offline: the loader


def test_the_loader_takes_an_app_id_and_leaves_the_names_to_the_tenant(tmp_path):
    profile = load_profile(write(tmp_path))
    [role, scope] = profile.permissions
    assert (role.resource_app_id, role.name, role.type, role.bundled) == (API, "Rooms.Read.All", "application", False)
    assert (scope.name, scope.type) == ("Rooms.Read", "delegated")
    with pytest.raises(InputError, match="read from the tenant at run time"):
        role.id  # noqa: B018 — the id is known only from the tenant


def test_a_resource_that_is_neither_bundled_nor_an_app_id_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, PROFILE.replace(f'resource = "{API}"', 'resource = "fabrikam"', 1)))
    assert err.value.key == "permissions[0].resource"
    assert "appId" in str(err.value) and "'fabrikam'" in str(err.value)


def test_profile_check_says_the_names_are_resolved_at_run_time(tmp_path, capsys):
    from wizard import cli

    assert cli.main(["profile", "check", str(write(tmp_path))]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"API {API}: Rooms.Read.All (application), Rooms.Read (delegated)" in out
    assert "at run time" in out

    bad = write(tmp_path, PROFILE.replace('name = "Rooms.Read.All"', 'name = "Rooms Read"'), "bad.toml")
    assert cli.main(["profile", "check", str(bad)]) == EXIT_BAD_INPUT
    assert "permissions[0].name" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the simulated API


def test_the_simulated_tenant_has_the_api_by_app_id_and_by_filter(graph):
    sp = graph.get(f"/servicePrincipals(appId='{API}')", params={"$select": permissions.SELECT})
    assert sp["displayName"] == "Fabrikam Rooms API"
    assert {r["value"] for r in sp["appRoles"]} == {"Rooms.Read.All", "Bookings.ReadWrite.All"}
    assert {s["value"] for s in sp["oauth2PermissionScopes"]} == {"Rooms.Read", "Rooms.ReadWrite"}
    listed = graph.get("/servicePrincipals", params={"$filter": f"appId eq '{API}'"})["value"]
    assert [s["id"] for s in listed] == [sp["id"]]
    assert listed[0]["appOwnerOrganizationId"] == simcatalog.FABRIKAM_OWNER_TENANT


# ---------------------------------------------------------------------------- at run time


def test_plan_resolves_the_names_from_the_tenant_and_shows_the_apis_name(sim, graph, who, target, clock, tmp_path):
    setup = fabrooms_setup(graph, who, target, clock, tmp_path)
    plan = setup.plan()
    assert [(p.resource, p.name, p.type, p.id) for p in plan.permissions] == [
        ("Fabrikam Rooms API", "Rooms.Read.All", "application", ROLE_ID),
        ("Fabrikam Rooms API", "Rooms.Read", "delegated", SCOPE_ID),
    ]
    assert plan.permissions[0].label == "Rooms.Read.All (application, Fabrikam Rooms API)"
    assert "without a signed-in user" in plan.permissions[0].description  # the API's own words
    sentences = " | ".join(s.sentence for s in plan.steps)
    assert "Fabrikam Rooms API" in sentences


def test_apply_consents_and_the_token_for_the_api_carries_the_role(sim, graph, who, target, clock, tmp_path):
    setup = fabrooms_setup(graph, who, target, clock, tmp_path)
    applied = setup.apply(setup.plan())
    app = sim.state.applications[applied.object_id]
    assert app["requiredResourceAccess"] == [
        {"resourceAppId": API, "resourceAccess": [{"id": ROLE_ID, "type": "Role"}, {"id": SCOPE_ID, "type": "Scope"}]}]
    api_sp = sim.state.sp_by_app_id(API)
    roles = {a["appRoleId"] for a in sim.state.assignments.values()
             if a["principalId"] == applied.sp_id and a["resourceId"] == api_sp["id"]}
    assert roles == {ROLE_ID}
    grants = [g for g in sim.state.grants.values() if g["clientId"] == applied.sp_id]
    assert [(g["resourceId"], g["scope"], g["consentType"]) for g in grants] == [
        (api_sp["id"], "Rooms.Read", "AllPrincipals")]

    secret = setup.create_secret(applied)
    setup.secret_delivered(secret)
    report = setup.test_token(applied.client_id, secret.value)
    assert report.ok, report.checks
    by_name = {c.name: c for c in report.checks}
    assert f"api://{API}" in by_name["token"].reason
    assert by_name["application permissions"].reason == "the token carries Rooms.Read.All"
    assert by_name["delegated consent"].ok and "Rooms.Read" in by_name["delegated consent"].reason

    # verify: nothing to do; drift (someone removed the app role assignment) is found again
    assert fabrooms_setup(graph, who, target, clock, tmp_path).plan().nothing_to_do
    for key in [k for k, a in sim.state.assignments.items() if a["principalId"] == applied.sp_id]:
        del sim.state.assignments[key]
    drift = fabrooms_setup(graph, who, target, clock, tmp_path).plan()
    assert [s.sentence for s in drift.steps if s.kind == "consent_app"] == [
        "Grant admin consent to application permission Rooms.Read.All (Fabrikam Rooms API)"]


def test_a_token_for_the_api_by_app_id_counts_its_roles_too():
    perm = load_profile_permission()
    assert permissions.in_token(perm, API)
    assert permissions.in_token(perm, f"api://{API}/")
    assert not permissions.in_token(perm, "https://graph.microsoft.com")
    assert permissions.in_token(perm, "https://rooms.fabrikam.example", names={"https://rooms.fabrikam.example"})


def load_profile_permission():
    from wizard.profiles import Permission

    return Permission(API, API, "Rooms.Read.All", "application")


# ---------------------------------------------------------------------------- the errors


def test_a_name_the_api_does_not_publish_lists_the_ones_it_does(graph, who, target, clock, tmp_path):
    setup = fabrooms_setup(graph, who, target, clock, tmp_path,
                           PROFILE.replace('name = "Rooms.Read.All"', 'name = "Rooms.Write.All"'))
    with pytest.raises(InputError) as err:
        setup.plan()
    text = str(err.value)
    assert "Rooms.Write.All: is not a permission of Fabrikam Rooms API" in text
    assert "delegated permissions: Rooms.Read, Rooms.ReadWrite" in text
    assert "application permissions: Bookings.ReadWrite.All, Rooms.Read.All" in text
    assert err.value.exit_code == EXIT_BAD_INPUT


def test_a_wrong_type_says_which_form_exists(graph, who, target, clock, tmp_path):
    setup = fabrooms_setup(graph, who, target, clock, tmp_path,
                           PROFILE.replace('name = "Rooms.Read.All"', 'name = "Rooms.ReadWrite"'))
    with pytest.raises(InputError) as err:
        setup.plan()
    assert "exists only as a delegated permission of Fabrikam Rooms API" in str(err.value)
    assert 'type = "delegated"' in err.value.next_step


def test_an_api_not_in_the_tenant_says_how_to_add_it(sim, graph, who, target, clock, tmp_path):
    missing = "11111111-2222-4333-8444-555555555555"
    setup = fabrooms_setup(graph, who, target, clock, tmp_path, PROFILE.replace(API, missing))
    with pytest.raises(permissions.ResourceMissing) as err:
        setup.plan()
    assert f"appId {missing} is not in this tenant" in err.value.message
    assert f"New-MgServicePrincipal -AppId {missing}" in err.value.next_step
    assert f"/{sim.state.tenant_id}/adminconsent?client_id={missing}" in err.value.next_step
    assert err.value.exit_code == EXIT_MICROSOFT


# ---------------------------------------------------------------------------- headless, end to end


@pytest.fixture
def demo(monkeypatch, tmp_path):
    import wizard.commands as commands
    from wizard.clock import FakeClock

    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_demo_apply_with_the_profile_file_passes_the_token_test(demo, capsys, tmp_path):
    from wizard import cli

    code = cli.main(["--demo", "apply", "--profile", str(write(tmp_path)), "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert data["vendor"] == "fabrooms"
    assert all(s["outcome"] == "done" for s in data["steps"]), data["steps"]
    assert data["token_test"]["ok"] is True
    checks = {c["name"]: c for c in data["token_test"]["checks"]}
    assert checks["application permissions"]["reason"] == "the token carries Rooms.Read.All"
    assert checks["delegated consent"]["ok"] is True
    assert [row["label"] for row in data["snippet"]["rows"]][:2] == ["Fabrikam tenant", "Fabrikam client"]


def test_demo_plan_shows_the_api_by_its_name(demo, capsys, tmp_path):
    from wizard import cli

    assert cli.main(["--demo", "plan", "--profile", str(write(tmp_path))]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Grant admin consent to application permission Rooms.Read.All (Fabrikam Rooms API)" in out
    assert "Grant admin consent for all users to Fabrikam Rooms API: Rooms.Read" in out


@pytest.mark.parametrize("change, code, words", [
    (('name = "Rooms.Read.All"', 'name = "Rooms.Write.All"'), EXIT_BAD_INPUT,
     "its application permissions: Bookings.ReadWrite.All, Rooms.Read.All"),
    (('name = "Rooms.Read.All"', 'name = "Rooms.ReadWrite"'), EXIT_BAD_INPUT, "exists only as a delegated permission"),
    ((API, "11111111-2222-4333-8444-555555555555"), EXIT_MICROSOFT, "New-MgServicePrincipal -AppId"),
])
def test_demo_apply_errors_exit_with_the_clis_codes(demo, capsys, tmp_path, change, code, words):
    from wizard import cli

    path = write(tmp_path, PROFILE.replace(*change))
    assert cli.main(["--demo", "apply", "--profile", str(path)]) == code
    out, err = capsys.readouterr()
    assert words in err
    assert "Traceback" not in out + err
