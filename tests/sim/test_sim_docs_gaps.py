"""Second doc audit of the simulated tenant: case-insensitive URLs and query options, the optional
`$` prefix, the OIDC UserInfo endpoint, a read-only `id` in a POST body, and timestamps as Graph's
OData serializer writes them. In-process, FakeClock, no faults."""

from __future__ import annotations

import re

import httpx
import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog, model
from wizard.simtenant.testing import graph_client, sign_in

GRAPH_SP = f"/servicePrincipals(appId='{catalog.GRAPH_APP_ID}')"
# DateTimeOffset as in the doc examples: 2019-09-17T19:10:35.2742618Z or 2014-01-01T00:00:00Z
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan())


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


# https://learn.microsoft.com/en-us/graph/query-parameters (OData system query options; OData 4.01 URL
# conventions: resource path and query option names resolve case-insensitively)
def test_path_segments_and_key_names_are_case_insensitive(admin):
    app = admin.post("/Applications", json={"displayName": "Case app"})
    assert app.status_code == 201, app.text
    app = app.json()
    assert admin.get(f"/APPLICATIONS/{app['id'].upper()}").json()["id"] == app["id"]
    by_key = admin.get(f"/applications(appid='{app['appId']}')")
    assert by_key.status_code == 200 and by_key.json()["appId"] == app["appId"]
    assert admin.post(f"/applications/{app['id']}/ADDPASSWORD", json={}).status_code == 200
    roles = admin.get("/me/MemberOf/Microsoft.Graph.DirectoryRole")
    assert roles.status_code == 200
    assert roles.json()["@odata.context"].endswith("$metadata#directoryRoles")
    assert admin.get(f"{GRAPH_SP.replace('servicePrincipals', 'serviceprincipals')}").status_code == 200
    assert admin.get("/nonsense").status_code == 400  # still: an unknown segment


# https://learn.microsoft.com/en-us/graph/query-parameters#select-parameter (answers use declared names)
def test_query_option_and_property_names_are_case_insensitive(admin, sim):
    admin.post("/applications", json={"displayName": "Zulu"})
    admin.post("/applications", json={"displayName": "Alpha"})
    selected = admin.get("/applications", params={"$SELECT": "DISPLAYNAME,AppId"}).json()
    assert selected["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#applications(displayName,appId)"
    assert all(set(a) == {"displayName", "appId"} for a in selected["value"])
    found = admin.get("/applications", params={"$Filter": "DisplayName eq 'zulu'"}).json()["value"]
    assert [a["displayName"] for a in found] == ["Zulu"]
    ordered = admin.get("/applications", params={"$OrderBy": "DISPLAYNAME desc", "$Count": "true"},
                        headers={"ConsistencyLevel": "eventual"}).json()
    assert [a["displayName"] for a in ordered["value"]] == ["Zulu", "Alpha"] and ordered["@odata.count"] == 2
    # An unknown property is still a 400, whatever its case.
    assert admin.get("/applications", params={"$select": "colour"}).status_code == 400


# https://learn.microsoft.com/en-us/graph/query-parameters ("On the v1.0 endpoint, the $ prefix is optional
# for only a subset of APIs"): accepted on the directory APIs simulated here; twice is a 400.
def test_dollar_prefix_is_optional_and_an_option_twice_is_a_400(admin):
    admin.post("/applications", json={"displayName": "One"})
    admin.post("/applications", json={"displayName": "Two"})
    assert [a["displayName"] for a in admin.get("/applications?filter=displayName eq 'Two'").json()["value"]] \
        == ["Two"]
    page = admin.get("/applications?top=1&select=displayName").json()
    assert len(page["value"]) == 1 and set(page["value"][0]) == {"displayName"}
    assert "$skiptoken=" in page["@odata.nextLink"]
    twice = admin.get("/applications?$filter=displayName eq 'One'&filter=displayName eq 'Two'")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "BadRequest"


# https://learn.microsoft.com/en-us/entra/identity-platform/userinfo (GET or POST, Graph access token,
# claims sub, name, family_name, given_name, picture, email)
def test_userinfo_endpoint_is_served_where_discovery_says(sim):
    http = httpx.Client(transport=sim.transport())
    config = http.get(f"{sim.authority_host}/organizations/v2.0/.well-known/openid-configuration").json()
    token = sign_in(sim, scopes=["openid", "profile", "email", "User.Read"])
    auth = {"Authorization": f"Bearer {token}"}
    got = http.get(config["userinfo_endpoint"], headers=auth)
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"].startswith("application/json")
    info = got.json()
    admin = sim.state.user(sim.demo_admin_upn)
    assert set(info) == {"sub", "name", "family_name", "given_name", "picture", "email"}
    assert info["name"] == admin["displayName"] and info["email"] == admin["mail"]
    assert info["given_name"] == admin["givenName"] and info["family_name"] == admin["surname"]
    assert info["picture"].endswith("/v1.0/me/photo/$value")
    assert http.post(config["userinfo_endpoint"], headers=auth).json() == info
    # sub is the one of the app's ID token (the doc: the same claims the app sees in the ID token)
    assert isinstance(info["sub"], str) and len(info["sub"]) == 43
    assert http.get(config["userinfo_endpoint"]).status_code == 401
    started = http.post(f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/devicecode",
                        data={"client_id": catalog.GRAPH_CLI_CLIENT_ID, "scope": "User.Read"}).json()
    sim.approve_device_code(started["user_code"])
    without_openid = http.post(f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": catalog.GRAPH_CLI_CLIENT_ID,
        "device_code": started["device_code"]}).json()["access_token"]
    denied = http.get(config["userinfo_endpoint"], headers={"Authorization": f"Bearer {without_openid}"})
    assert denied.status_code == 403


# https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post (the example body carries an
# "id"; id is read-only on https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant)
def test_grant_post_with_an_id_in_the_body_gets_a_server_id(admin, sim):
    app = admin.post("/applications", json={"displayName": "Grant app"}).json()
    client = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    graph = admin.get(GRAPH_SP).json()
    response = admin.post("/oauth2PermissionGrants", json={
        "id": "id-value", "clientId": client["id"], "consentType": "AllPrincipals",
        "resourceId": graph["id"], "scope": "User.Read"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] != "id-value"
    assert admin.get(f"/oauth2PermissionGrants/{response.json()['id']}").status_code == 200
    unknown = admin.post("/oauth2PermissionGrants", json={"colour": "blue", "clientId": client["id"]})
    assert unknown.status_code == 400


# https://learn.microsoft.com/en-us/graph/api/application-post-applications ("2019-09-17T19:10:35.2742618Z"),
# /graph/api/application-addpassword ("2021-09-09T19:50:29.3086381Z", and 2014-01-01T00:00:00Z as input),
# /graph/api/serviceprincipal-post-approleassignedto ("2021-02-15T16:14:59.8643039Z")
def test_timestamps_carry_fractional_seconds_like_the_examples(admin, sim):
    sim.clock.sleep(0.2742618)
    app = admin.post("/applications", json={"displayName": "Time app"}).json()
    assert DATETIME.match(app["createdDateTime"]) and "." in app["createdDateTime"]
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}}).json()
    assert DATETIME.match(secret["startDateTime"]) and DATETIME.match(secret["endDateTime"])
    assert secret["startDateTime"][19:] == secret["endDateTime"][19:]  # the same fraction, two years on
    given = admin.post(f"/applications/{app['id']}/addPassword",
                       json={"passwordCredential": {"endDateTime": "2099-01-01T00:00:00Z"}}).json()
    assert given["endDateTime"] == "2099-01-01T00:00:00Z"
    assert model.iso(1568747435.2742618).startswith("2019-09-17T19:10:35.27426")
    assert model.iso(1568747435.0) == "2019-09-17T19:10:35Z"
    client = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    user = sim.state.user(sim.demo_admin_upn)
    assigned = admin.post(f"/servicePrincipals/{client['id']}/appRoleAssignedTo", json={
        "principalId": user["id"], "resourceId": client["id"],
        "appRoleId": "00000000-0000-0000-0000-000000000000"})
    assert assigned.status_code == 201, assigned.text
    assert DATETIME.match(assigned.json()["createdDateTime"]) and "." in assigned.json()["createdDateTime"]


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-get (id "-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc")
# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto (id "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE")
def test_grant_and_assignment_ids_have_graphs_base64url_shape():
    import base64
    import re
    import uuid

    from wizard.clock import FakeClock
    from wizard.simtenant import SimTenant
    from wizard.simtenant.testing import graph_client, sign_in

    clock = FakeClock()
    sim = SimTenant(scenario="clean", clock=clock)
    shape = re.compile(r"^[A-Za-z0-9_-]{43}$")
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "ids"}).json()
        sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
        graph_sp = admin.get("/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')").json()
        grant = admin.post("/oauth2PermissionGrants", json={
            "clientId": sp["id"], "consentType": "AllPrincipals", "resourceId": graph_sp["id"], "scope": "User.Read"}).json()
        role = next(r for r in graph_sp["appRoles"] if r["value"] == "User.Read.All")
        assignment = admin.post(f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", json={
            "principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role["id"]}).json()
        for item in (grant, assignment):
            assert shape.match(item["id"]), item["id"]
        raw = base64.urlsafe_b64decode(grant["id"] + "=")
        assert raw[:16] == uuid.UUID(sp["id"]).bytes_le and raw[16:] == uuid.UUID(graph_sp["id"]).bytes_le
        assert base64.urlsafe_b64decode(assignment["id"] + "=")[:16] == uuid.UUID(sp["id"]).bytes_le
        # and they address the objects, case-sensitively
        assert admin.get(f"/oauth2PermissionGrants/{grant['id']}").status_code == 200
        assert admin.delete(f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo/{assignment['id']}").status_code == 204
