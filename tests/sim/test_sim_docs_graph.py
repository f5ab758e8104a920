"""The simulated tenant's Graph v1.0 replayed against Microsoft's documented examples.

Each test sends the request a learn.microsoft.com page documents (URL in the comment above it)
with plain httpx, and checks the documented status code, headers, property names and JSON types.
In-process with a FakeClock and no faults; one test goes over the loopback TLS server.
"""

from __future__ import annotations

import re
import ssl

import httpx
import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.server import serve
from wizard.simtenant.testing import graph_client, sign_in

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
GRAPH_SP = f"/servicePrincipals(appId='{catalog.GRAPH_APP_ID}')"


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan())


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


def assert_graph_headers(response: httpx.Response, odata: bool = True) -> None:
    # https://learn.microsoft.com/en-us/graph/errors ("request-id", "client-request-id"),
    # OData JSON: application/json with odata.metadata=minimal and OData-Version 4.0.
    assert response.headers["request-id"]
    assert response.headers["client-request-id"]
    if odata:
        assert response.headers["Content-Type"].startswith("application/json")
        assert "odata.metadata=minimal" in response.headers["Content-Type"]
        assert response.headers["OData-Version"] == "4.0"


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    # https://learn.microsoft.com/en-us/graph/errors: {"error": {"code", "message", "innerError": {…}}}
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    inner = error["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    return error


def new_app(admin: httpx.Client, name: str = "Docs app", **extra) -> dict:
    response = admin.post("/applications", json={"displayName": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


# ---- errors ------------------------------------------------------------------------------------

# https://learn.microsoft.com/en-us/graph/errors (401 Unauthorized, InvalidAuthenticationToken)
def test_401_without_and_with_a_bad_token(sim):
    with httpx.Client(transport=sim.transport(), base_url=f"{sim.graph_url}/v1.0") as anonymous:
        missing = anonymous.get("/applications", headers={"client-request-id": "11111111-2222-3333-4444-555555555555"})
        forged = anonymous.get("/applications", headers={"Authorization": "Bearer not-a-jwt"})
    error = assert_error(missing, 401, "InvalidAuthenticationToken")
    assert error["innerError"]["client-request-id"] == "11111111-2222-3333-4444-555555555555"
    assert_error(forged, 401, "InvalidAuthenticationToken")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer ")


# https://learn.microsoft.com/en-us/graph/api/application-get (404 for an unknown id)
def test_404_request_resource_not_found_wording(admin):
    missing = "8a8b8c8d-0000-4000-8000-000000000001"
    error = assert_error(admin.get(f"/applications/{missing}"), 404, "Request_ResourceNotFound")
    assert error["message"] == (f"Resource '{missing}' does not exist or one of its queried reference-property "
                                "objects are not present.")
    assert_error(admin.get(f"/applications(appId='{missing}')"), 404, "Request_ResourceNotFound")


# https://learn.microsoft.com/en-us/graph/api/application-post-applications (400 for a property the type lacks)
def test_400_for_an_unknown_property_in_a_post(admin):
    error = assert_error(admin.post("/applications", json={"displayName": "x", "colour": "blue"}),
                         400, "Request_BadRequest")
    assert "colour" in error["message"]
    assert_error(admin.post("/applications", json={"displayName": "x", "appId": catalog.GRAPH_APP_ID}),
                 400, "Request_BadRequest")


# ---- applications ------------------------------------------------------------------------------

# https://learn.microsoft.com/en-us/graph/api/application-post-applications
def test_create_application_201_with_documented_shape(admin, sim):
    response = admin.post("/applications", json={"displayName": "Display name"})
    assert response.status_code == 201
    assert_graph_headers(response)
    assert response.headers["Location"].endswith(f"/directoryObjects/{response.json()['id']}"
                                                 "/Microsoft.DirectoryServices.Application")
    app = response.json()
    assert app["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#applications/$entity"
    assert GUID.match(app["id"]) and GUID.match(app["appId"]) and ISO.match(app["createdDateTime"])
    assert app["displayName"] == "Display name" and app["signInAudience"] == "AzureADMyOrg"
    assert app["uniqueName"] is None and app["identifierUris"] == [] and app["requiredResourceAccess"] == []
    assert app["passwordCredentials"] == [] and app["keyCredentials"] == []
    assert isinstance(app["web"]["redirectUris"], list)
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": False,
                                                   "enableIdTokenIssuance": False}
    assert app["publicClient"] == {"redirectUris": []} and app["spa"] == {"redirectUris": []}
    assert app["api"]["oauth2PermissionScopes"] == [] and app["appRoles"] == []


# https://learn.microsoft.com/en-us/graph/api/application-upsert (examples 1 and 2, and the 404 without Prefer)
def test_upsert_201_then_204_and_404_without_prefer(admin, sim):
    url = "/applications(uniqueName='app-65278')"
    without = admin.patch(url, json={"displayName": "Display name"})
    assert_error(without, 404, "Request_ResourceNotFound")

    created = admin.patch(url, json={"displayName": "Display name"},
                          headers={"Prefer": "create-if-missing"})
    assert created.status_code == 201, created.text
    assert_graph_headers(created)
    body = created.json()
    assert body["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#applications/$entity"
    assert body["uniqueName"] == "app-65278" and body["displayName"] == "Display name"
    assert body["passwordCredentials"] == [] and isinstance(body["web"]["implicitGrantSettings"], dict)

    updated = admin.patch(url, json={"displayName": "Display name"}, headers={"Prefer": "create-if-missing"})
    assert updated.status_code == 204 and updated.content == b""
    assert_graph_headers(updated, odata=False)
    plain = admin.patch(url, json={"notes": "updated without Prefer"})
    assert plain.status_code == 204
    assert admin.get(url).json()["notes"] == "updated without Prefer"


# https://learn.microsoft.com/en-us/graph/api/application-update (204; JSON null clears a property)
# https://learn.microsoft.com/en-us/graph/api/application-delete (204)
def test_patch_with_null_and_delete(admin):
    app = new_app(admin, notes="temporary", web={"redirectUris": ["https://app.example.com/cb"]})
    patched = admin.patch(f"/applications/{app['id']}", json={
        "notes": None, "web": {"implicitGrantSettings": {"enableIdTokenIssuance": True}}})
    assert patched.status_code == 204 and patched.content == b""
    got = admin.get(f"/applications/{app['id']}").json()
    assert got["notes"] is None
    assert got["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is True
    assert got["web"]["redirectUris"] == ["https://app.example.com/cb"]
    deleted = admin.delete(f"/applications/{app['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(admin.get(f"/applications/{app['id']}"), 404, "Request_ResourceNotFound")


# https://learn.microsoft.com/en-us/graph/api/application-addpassword
# https://learn.microsoft.com/en-us/graph/api/application-removepassword
def test_add_password_and_remove_password_as_documented(admin):
    app = new_app(admin)
    added = admin.post(f"/applications/{app['id']}/addPassword",
                       json={"passwordCredential": {"displayName": "Password friendly name"}})
    assert added.status_code == 200, added.text
    assert_graph_headers(added)
    credential = added.json()
    assert {"customKeyIdentifier", "displayName", "endDateTime", "hint", "keyId", "secretText",
            "startDateTime"} <= set(credential)
    assert credential["customKeyIdentifier"] is None
    assert credential["displayName"] == "Password friendly name"
    assert GUID.match(credential["keyId"]) and ISO.match(credential["startDateTime"])
    assert ISO.match(credential["endDateTime"]) and credential["endDateTime"] > credential["startDateTime"]
    assert 16 <= len(credential["secretText"]) <= 64 and credential["hint"] == credential["secretText"][:3]

    # The secret is shown once: GET lists the credential without its text.
    listed = admin.get(f"/applications/{app['id']}").json()["passwordCredentials"]
    assert [c["keyId"] for c in listed] == [credential["keyId"]]
    assert listed[0].get("secretText") is None and listed[0]["hint"] == credential["hint"]
    by_app_id = admin.post(f"/applications(appId='{app['appId']}')/addPassword", json={})
    assert by_app_id.status_code == 200

    removed = admin.post(f"/applications/{app['id']}/removePassword", json={"keyId": credential["keyId"]})
    assert removed.status_code == 204 and removed.content == b""
    keys = [c["keyId"] for c in admin.get(f"/applications/{app['id']}").json()["passwordCredentials"]]
    assert credential["keyId"] not in keys and len(keys) == 1


# ---- OData query options -----------------------------------------------------------------------

# https://learn.microsoft.com/en-us/graph/query-parameters#select-parameter
def test_select_returns_only_the_selected_properties(admin, sim):
    app = new_app(admin, "Selected")
    one = admin.get(f"/applications/{app['id']}", params={"$select": "displayName,appId"})
    assert one.status_code == 200
    assert one.json() == {"@odata.context": f"{sim.graph_url}/v1.0/$metadata#applications(displayName,appId)/$entity",
                          "displayName": "Selected", "appId": app["appId"]}
    many = admin.get("/applications", params={"$select": "id,uniqueName"}).json()
    assert many["@odata.context"].endswith("$metadata#applications(id,uniqueName)")
    assert all(set(item) == {"id", "uniqueName"} for item in many["value"])
    assert_error(admin.get("/applications", params={"$select": "colour"}), 400, "BadRequest")


# https://learn.microsoft.com/en-us/graph/paging and /graph/api/application-list ($top 1..999)
def test_top_bounds_and_next_link_with_skiptoken(admin):
    for i in range(5):
        new_app(admin, f"Paged {i}")
    for bad in ("0", "1000", "x"):
        assert_error(admin.get("/applications", params={"$top": bad}), 400, "Request_UnsupportedQuery")
    assert admin.get("/applications", params={"$top": "999"}).status_code == 200
    seen, url, params = [], "/applications", {"$top": "2", "$select": "displayName"}
    while url:
        page = admin.get(url, params=params).json()
        assert isinstance(page["value"], list) and len(page["value"]) <= 2
        seen += [a["displayName"] for a in page["value"]]
        url, params = page.get("@odata.nextLink"), None
        if url:
            assert "$skiptoken=" in httpx.URL(url).query.decode().replace("%24", "$")
    assert sorted(seen) == [f"Paged {i}" for i in range(5)]


# https://learn.microsoft.com/en-us/graph/aad-advanced-queries#error-handling-for-advanced-queries-on-directory-objects
def test_count_needs_consistency_level_and_is_on_the_first_page_only(admin):
    for i in range(3):
        new_app(admin, f"Counted {i}")
    silent = admin.get("/applications", params={"$count": "true"})
    assert silent.status_code == 200 and "@odata.count" not in silent.json()
    eventual = {"ConsistencyLevel": "eventual"}
    first = admin.get("/applications", params={"$count": "true", "$top": "2"}, headers=eventual).json()
    assert first["@odata.count"] == 3 and isinstance(first["@odata.count"], int)
    second = admin.get(first["@odata.nextLink"], headers=eventual).json()
    assert "@odata.count" not in second and len(second["value"]) == 1


# https://learn.microsoft.com/en-us/graph/aad-advanced-queries (ne, endsWith, $search, $orderby on applications)
def test_advanced_queries(admin):
    for name in ("Box sync", "Alpha tool", "Box drive"):
        new_app(admin, name)
    eventual = {"ConsistencyLevel": "eventual"}
    error = assert_error(admin.get("/applications", params={"$filter": "displayName ne 'Alpha tool'"}),
                         400, "Request_UnsupportedQuery")
    assert "ConsistencyLevel:eventual" in error["message"]
    search = admin.get("/applications", params={"$search": '"displayName:Box"'})
    error = assert_error(search, 400, "Request_UnsupportedQuery")
    assert error["message"] == ("Request with $search query parameter only works through MSGraph with a special "
                                "request header: 'ConsistencyLevel: eventual'")
    found = admin.get("/applications", params={"$search": '"displayName:drive"', "$count": "true"},
                      headers=eventual).json()
    assert [a["displayName"] for a in found["value"]] == ["Box drive"]
    assert_error(admin.get("/applications", params={"$orderby": "displayName"}), 400, "Request_UnsupportedQuery")
    ordered = admin.get("/applications", params={"$orderby": "displayName desc", "$count": "true",
                                                 "$filter": "startswith(displayName, 'Box')"}, headers=eventual)
    assert [a["displayName"] for a in ordered.json()["value"]] == ["Box sync", "Box drive"]


# https://learn.microsoft.com/en-us/graph/filter-query-parameter ("in" works wherever "eq" does)
def test_in_operator(admin):
    one, two = new_app(admin, "One"), new_app(admin, "Two")
    new_app(admin, "Three")
    found = admin.get("/applications", params={"$filter": f"appId in ('{one['appId']}', '{two['appId']}')"})
    assert sorted(a["displayName"] for a in found.json()["value"]) == ["One", "Two"]


# ---- service principals and consent ------------------------------------------------------------

# https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto
def test_app_role_assigned_to_as_documented(admin, sim):
    app = new_app(admin, "Fabrikam App")
    client_sp = admin.post("/servicePrincipals", json={"appId": app["appId"]})
    assert client_sp.status_code == 201 and client_sp.headers["Location"]
    graph = admin.get(GRAPH_SP).json()
    role = next(r for r in graph["appRoles"] if r["value"] == "User.Read.All")
    response = admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo", json={
        "principalId": client_sp.json()["id"], "resourceId": graph["id"], "appRoleId": role["id"]})
    assert response.status_code == 201, response.text
    assert_graph_headers(response)
    body = response.json()
    assert body["@odata.context"] == (f"{sim.graph_url}/v1.0/$metadata#servicePrincipals('{graph['id']}')"
                                      "/appRoleAssignedTo/$entity")
    assert {"id", "deletedDateTime", "appRoleId", "createdDateTime", "principalDisplayName", "principalId",
            "principalType", "resourceDisplayName", "resourceId"} <= set(body)
    assert body["principalType"] == "ServicePrincipal" and body["principalDisplayName"] == "Fabrikam App"
    assert body["resourceId"] == graph["id"] and ISO.match(body["createdDateTime"])
    listed = admin.get(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo").json()
    assert listed["@odata.context"].endswith(f"$metadata#servicePrincipals('{graph['id']}')/appRoleAssignedTo")
    assert body["id"] in [a["id"] for a in listed["value"]]


# https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post
def test_oauth2_permission_grant_as_documented(admin, sim):
    app = new_app(admin, "Granted")
    client_sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    graph = admin.get(GRAPH_SP).json()
    response = admin.post("/oauth2PermissionGrants", json={
        "clientId": client_sp["id"], "consentType": "AllPrincipals", "resourceId": graph["id"],
        "scope": "User.Read Calendars.Read"})
    assert response.status_code == 201, response.text
    assert_graph_headers(response)
    body = response.json()
    assert body["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#oauth2PermissionGrants/$entity"
    assert body["principalId"] is None and body["scope"] == "User.Read Calendars.Read"
    assert {"id", "clientId", "consentType", "principalId", "resourceId", "scope"} <= set(body)


# ---- users, roles, organization ----------------------------------------------------------------

# https://learn.microsoft.com/en-us/graph/api/user-list
def test_user_list_default_properties(admin, sim):
    body = admin.get("/users").json()
    assert body["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#users"
    for user in body["value"]:
        assert set(user) == {"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                             "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}
        assert isinstance(user["businessPhones"], list) and GUID.match(user["id"])


# https://learn.microsoft.com/en-us/graph/api/user-list-memberof
def test_member_of_lists_typed_directory_objects(admin, sim):
    body = admin.get("/me/memberOf").json()
    assert body["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#directoryObjects"
    assert body["value"] and all(item["@odata.type"] == "#microsoft.graph.directoryRole" for item in body["value"])
    assert all(GUID.match(item["roleTemplateId"]) for item in body["value"])


# https://learn.microsoft.com/en-us/graph/api/organization-get
def test_organization_get(admin, sim):
    response = admin.get(f"/organization/{sim.tenant_id}")
    assert response.status_code == 200
    assert_graph_headers(response)
    body = response.json()
    assert body["@odata.context"] == f"{sim.graph_url}/v1.0/$metadata#organization/$entity"
    assert body["id"] == sim.tenant_id and isinstance(body["verifiedDomains"], list)
    selected = admin.get("/organization", params={"$select": "id,displayName"}).json()
    assert selected["@odata.context"].endswith("$metadata#organization(id,displayName)")
    assert selected["value"] == [{"id": sim.tenant_id, "displayName": body["displayName"]}]


# https://learn.microsoft.com/en-us/graph/api/application-addpassword, over real HTTP/1.1 + TLS
def test_documented_calls_over_loopback_tls(sim):
    with serve(sim) as server:
        with httpx.Client(verify=ssl.create_default_context(cafile=server.ca_path), base_url=f"{server.graph_url}/v1.0") as http:
            unauthenticated = http.get("/me")
            assert_error(unauthenticated, 401, "InvalidAuthenticationToken")
            http.headers["Authorization"] = f"Bearer {sign_in(sim)}"
            app = http.post("/applications", json={"displayName": "Over TLS"})
            assert app.status_code == 201 and app.headers["Location"]
            added = http.post(f"/applications/{app.json()['id']}/addPassword", json={})
            assert added.status_code == 200
            assert_graph_headers(added)
            assert added.json()["hint"] == added.json()["secretText"][:3]
            removed = http.post(f"/applications/{app.json()['id']}/removePassword",
                                json={"keyId": added.json()["keyId"]})
            assert removed.status_code == 204 and removed.content == b""


# https://learn.microsoft.com/en-us/graph/query-parameters#count-parameter ($count as a URL segment) and
# https://learn.microsoft.com/en-us/graph/aad-advanced-queries#error-handling-for-advanced-queries-on-directory-objects
def test_count_segment(admin):
    new_app(admin, "Counted")
    error = assert_error(admin.get("/applications/$count"), 400, "Request_BadRequest")
    assert error["message"] == "$count is not currently supported."
    for path in ("/applications/$count", "/servicePrincipals/$count", "/users/$count"):
        response = admin.get(path, headers={"ConsistencyLevel": "eventual"})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
        assert int(response.text) >= 1
    assert admin.get("/applications/$count", headers={"ConsistencyLevel": "eventual"}).text == "1"
