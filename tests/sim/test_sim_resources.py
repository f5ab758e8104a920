"""Every entity the simulated tenant serves carries the full property set of its Graph v1.0 resource type.

The property lists and defaults are data (wizard/simtenant/graph_resources.json, made from Microsoft's
v1.0 schema by tools/graph_resources.py); these tests check each served entity's key set against that
data, nested complex objects too (`info`, `web.implicitGrantSettings`, `api`…), seeded objects included,
and the data against Microsoft's schema as the installed msgraph-sdk carries it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog, resources
from wizard.simtenant.testing import graph_client, sign_in

ROOT = Path(__file__).resolve().parents[2]
GRAPH_SP = f"/servicePrincipals(appId='{catalog.GRAPH_APP_ID}')"


def default_keys(type_name: str) -> set[str]:
    return set(resources.keys(type_name) - resources.select_only(type_name))


def check(obj: dict, type_name: str) -> None:
    """`obj` has exactly the default property set of `type_name`, and its nested objects theirs."""
    keys = {k for k in obj if not k.startswith("@odata.")}
    expected = default_keys(type_name)
    assert keys == expected, f"{type_name}: missing {sorted(expected - keys)}, extra {sorted(keys - expected)}"
    entry = resources.types()[type_name]
    for prop, nested in entry.get("objectDefaults", {}).items():
        assert isinstance(obj[prop], dict), f"{type_name}.{prop} is {obj[prop]!r}, Graph sends an object"
        check(obj[prop], nested)


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan(), scenario="flexo_drifted")


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


def test_created_application_and_its_service_principal_carry_every_property(admin):
    created = admin.post("/applications", json={"displayName": "Resource check",
                                                "web": {"redirectUris": ["https://example.com/cb"]}})
    assert created.status_code == 201
    app = created.json()
    check(app, "application")
    assert app["addIns"] == [] and app["info"]["logoUrl"] is None
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": False,
                                                   "enableIdTokenIssuance": False}
    assert app["web"]["redirectUris"] == ["https://example.com/cb"]
    check(admin.get(f"/applications/{app['id']}").json(), "application")
    listed = admin.get("/applications").json()["value"]
    assert listed
    for item in listed:
        check(item, "application")
    sp = admin.post("/servicePrincipals", json={"appId": app["appId"]})
    assert sp.status_code == 201
    check(sp.json(), "servicePrincipal")
    assert sp.json()["info"]["logoUrl"] is None and sp.json()["addIns"] == []


def test_seeded_service_principals_carry_every_property(admin):
    for sp in admin.get("/servicePrincipals").json()["value"]:
        check(sp, "servicePrincipal")
    graph = admin.get(GRAPH_SP).json()
    check(graph, "servicePrincipal")
    assert graph["info"] == resources.new("informationalUrl")


def test_users_answer_the_default_set_and_the_rest_on_select(admin, sim):
    me = admin.get("/me").json()
    check(me, "user")
    for user in admin.get("/users").json()["value"]:
        check(user, "user")
    picked = admin.get(f"/users/{me['id']}", params={"$select": "accountEnabled,userType,mailNickname"}).json()
    assert {k for k in picked if not k.startswith("@")} == {"accountEnabled", "userType", "mailNickname"}
    assert picked["accountEnabled"] is True and picked["userType"] == "Member"
    # every property of the resource is selectable, and $select still narrows
    everything = admin.get(f"/users/{me['id']}", params={"$select": ",".join(sorted(resources.keys("user")))})
    assert everything.status_code == 200
    assert {k for k in everything.json() if not k.startswith("@")} == set(resources.keys("user"))


def test_organization_roles_grants_assignments_and_secrets(admin, sim):
    org = admin.get("/organization").json()["value"][0]
    check(org, "organization")
    for domain in org["verifiedDomains"]:
        check(domain, "verifiedDomain")
    roles = admin.get("/me/memberOf").json()["value"]
    assert roles
    for role in roles:
        check(role, "directoryRole")
    grants = admin.get("/oauth2PermissionGrants").json()["value"]
    assert grants  # the drifted FlexO app has its consent
    for grant in grants:
        check(grant, "oAuth2PermissionGrant")
    app = admin.post("/applications", json={"displayName": "Secret check"}).json()
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}})
    check(secret.json(), "passwordCredential")
    for credential in admin.get(f"/applications/{app['id']}").json()["passwordCredentials"]:
        check(credential, "passwordCredential")
    sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    graph = admin.get(GRAPH_SP).json()
    role = graph["appRoles"][0]
    assigned = admin.post(f"/servicePrincipals/{sp['id']}/appRoleAssignments",
                          json={"principalId": sp["id"], "resourceId": graph["id"], "appRoleId": role["id"]})
    assert assigned.status_code == 201
    check(assigned.json(), "appRoleAssignment")
    for item in admin.get(f"/servicePrincipals/{sp['id']}/appRoleAssignments").json()["value"]:
        check(item, "appRoleAssignment")


def test_select_still_narrows_applications(admin):
    app = admin.post("/applications", json={"displayName": "Narrow"}).json()
    narrowed = admin.get(f"/applications/{app['id']}", params={"$select": "id,addIns,info"}).json()
    assert {k for k in narrowed if not k.startswith("@")} == {"id", "addIns", "info"}
    behaviours = admin.get(f"/applications/{app['id']}", params={"$select": "authenticationBehaviors"}).json()
    assert "authenticationBehaviors" in behaviours  # select-only on Graph: there only when asked
    assert "authenticationBehaviors" not in admin.get(f"/applications/{app['id']}").json()


def test_the_data_is_microsofts_v1_schema_as_the_sdk_carries_it():
    """Regenerating the data from the installed msgraph-sdk gives the committed file (same property
    sets and defaults); so a property Graph v1.0 adds shows up here when the SDK is upgraded."""
    spec = importlib.util.spec_from_file_location("graph_resources_tool", ROOT / "tools" / "graph_resources.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    fresh = tool.build()
    committed = json.loads((ROOT / "wizard" / "simtenant" / "graph_resources.json").read_text(encoding="utf-8"))
    assert fresh["types"] == committed["types"]
    assert committed["source"]["package"].startswith("msgraph-sdk==")
