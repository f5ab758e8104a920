"""Contract tests: the simulated tenant's Microsoft Graph v1.0.

Shapes, status codes, error codes and headers per Microsoft's docs (cited inline).
All in-process with a FakeClock; `faults=FaultPlan()` unless a test is about faults.
"""

from __future__ import annotations

import httpx
import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.testing import app_token, graph_client, sign_in

GRAPH_SP = "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"


@pytest.fixture
def sim(clock):
    return SimTenant(clock=clock, faults=FaultPlan())


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


def assert_graph_error(response: httpx.Response, status: int, code: str) -> dict:
    # https://learn.microsoft.com/en-us/graph/errors
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    assert "T" in inner["date"]
    return error


# ---- authentication and authorization ----------------------------------------------------------

def test_no_token_is_401_invalid_authentication_token(sim):
    with httpx.Client(transport=sim.transport(), base_url=f"{sim.graph_url}/v1.0") as anonymous:
        response = anonymous.get("/me")
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_expired_token_is_401(sim, clock, admin):
    clock.advance(3600)
    error = assert_graph_error(admin.get("/me"), 401, "InvalidAuthenticationToken")
    assert "expired" in error["message"]


def test_forged_token_is_401(sim):
    other = SimTenant(clock=FakeClock(), faults=FaultPlan(), seed=99)
    with graph_client(sim, sign_in(other)) as client:
        assert_graph_error(client.get("/me"), 401, "InvalidAuthenticationToken")


def test_client_request_id_is_echoed(admin):
    # https://learn.microsoft.com/en-us/graph/best-practices-concept#reliability-and-support
    response = admin.get("/me", headers={"client-request-id": "abc-123"})
    assert response.headers["client-request-id"] == "abc-123"
    assert response.headers["request-id"] != "abc-123"


def test_user_without_role_cannot_write(sim):
    # https://learn.microsoft.com/en-us/graph/api/application-post-applications (role required)
    with graph_client(sim, sign_in(sim, "jane@contoso.onmicrosoft.com")) as jane:
        assert jane.get("/applications").status_code == 200
        error = assert_graph_error(jane.post("/applications", json={"displayName": "x"}), 403,
                                   "Authorization_RequestDenied")
        assert error["message"] == "Insufficient privileges to complete the operation."


def test_scope_missing_from_token_is_403(sim):
    with graph_client(sim, sign_in(sim, scopes=["https://graph.microsoft.com/User.Read"])) as client:
        assert client.get("/me").status_code == 200
        assert_graph_error(client.get("/applications"), 403, "Authorization_RequestDenied")


def test_unknown_segment_is_400(admin):
    assert_graph_error(admin.get("/nothingHere"), 400, "BadRequest")


# ---- organization, me, users ----------------------------------------------------------------------

def test_organization(sim, admin):
    # https://learn.microsoft.com/en-us/graph/api/organization-list
    body = admin.get("/organization").json()
    org = body["value"][0]
    assert org["id"] == sim.tenant_id
    assert org["verifiedDomains"][0] == {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                         "isInitial": True, "name": "contoso.onmicrosoft.com", "type": "Managed"}


@pytest.mark.parametrize("upn, template", [
    ("admin@contoso.onmicrosoft.com", "62e90394-69f5-4237-9190-012177145e10"),
    ("appadmin@contoso.onmicrosoft.com", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"),
    ("cloudadmin@contoso.onmicrosoft.com", "158c047a-c907-4556-b7ef-446551a6b5f7"),
    ("jane@contoso.onmicrosoft.com", None),
])
def test_me_member_of_lists_directory_roles(sim, upn, template):
    # https://learn.microsoft.com/en-us/graph/api/user-list-memberof
    with graph_client(sim, sign_in(sim, upn)) as client:
        me = client.get("/me").json()
        assert me["userPrincipalName"] == upn
        roles = client.get("/me/memberOf").json()["value"]
    if template is None:
        assert roles == []
    else:
        assert [r["roleTemplateId"] for r in roles] == [template]
        assert roles[0]["@odata.type"] == "#microsoft.graph.directoryRole"


@pytest.mark.parametrize("relationship", ["memberOf", "transitiveMemberOf"])
def test_member_of_accepts_the_directory_role_cast(sim, relationship):
    # https://learn.microsoft.com/en-us/graph/api/user-list-memberof: "OData cast is also
    # enabled; for example, you can cast to get just the directoryRoles the user is a member of".
    with graph_client(sim, sign_in(sim, "admin@contoso.onmicrosoft.com")) as client:
        response = client.get(f"/me/{relationship}/microsoft.graph.directoryRole",
                              params={"$select": "id,displayName,roleTemplateId"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["@odata.context"].endswith("/$metadata#directoryRoles(id,displayName,roleTemplateId)")
        assert [r["roleTemplateId"] for r in body["value"]] == ["62e90394-69f5-4237-9190-012177145e10"]
        assert set(body["value"][0]) <= {"@odata.type", "id", "displayName", "roleTemplateId"}
        groups = client.get(f"/me/{relationship}/microsoft.graph.group").json()
        assert groups["@odata.context"].endswith("/$metadata#groups") and groups["value"] == []
        me = client.get("/me").json()
        by_id = client.get(f"/users/{me['id']}/{relationship}/microsoft.graph.directoryRole").json()["value"]
        assert [r["roleTemplateId"] for r in by_id] == ["62e90394-69f5-4237-9190-012177145e10"]
        assert_graph_error(client.get(f"/me/{relationship}/microsoft.graph.user"), 400, "Request_UnsupportedQuery")
    with graph_client(sim, sign_in(sim, "jane@contoso.onmicrosoft.com")) as client:
        assert client.get("/me/memberOf/microsoft.graph.directoryRole").json()["value"] == []


def test_sign_in_reads_roles_through_the_cast_without_falling_back(clock):
    """wizard.roles asks `/me/transitiveMemberOf/microsoft.graph.directoryRole` first: it must succeed."""
    from wizard.signin import SignIn
    from wizard.target import demo_target

    sim = SimTenant(clock=clock, faults=FaultPlan(), auto_approve_after=None)
    target = demo_target(sim)
    with target.http_client() as http:
        signin = SignIn(target, http, clock, ["User.Read", "Application.ReadWrite.All"])
        code = signin.start()
        sim.approve_device_code(code.user_code, as_user="appadmin@contoso.onmicrosoft.com")
        who = signin.wait()
    member_of = [r for r in sim.requests if "MemberOf" in r[1] or "memberOf" in r[1]]
    assert member_of == [("GET", "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole", 200)]
    assert "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3" in who.role_template_ids and who.roles_known


def test_users_filter_by_upn_and_mail(admin):
    # https://learn.microsoft.com/en-us/graph/api/user-list
    found = admin.get("/users", params={"$filter": "userPrincipalName eq 'calendar-sync@contoso.onmicrosoft.com'"})
    assert [u["mail"] for u in found.json()["value"]] == ["calendar-sync@contoso.onmicrosoft.com"]
    by_mail = admin.get("/users", params={"$filter": "mail eq 'LOOPMEETING-SVC@contoso.onmicrosoft.com'"})
    assert len(by_mail.json()["value"]) == 1  # the directory compares case-insensitively
    user = admin.get("/users/jane@contoso.onmicrosoft.com", params={"$select": "id,displayName"}).json()
    assert set(user) == {"@odata.context", "id", "displayName"}
    assert admin.get(f"/users/{user['id']}").json()["displayName"] == "Jane Doe"
    assert_graph_error(admin.get("/users/nobody@contoso.onmicrosoft.com"), 404, "Request_ResourceNotFound")


# ---- applications ------------------------------------------------------------------------------------

def test_create_get_patch_delete_application(sim, admin):
    # https://learn.microsoft.com/en-us/graph/api/application-post-applications
    created = admin.post("/applications", json={
        "displayName": "Pexip VMR Scheduling", "signInAudience": "AzureADMyOrg",
        "web": {"redirectUris": ["https://px01.example.com/admin/oauth"],
                "implicitGrantSettings": {"enableIdTokenIssuance": True}}})
    assert created.status_code == 201
    app = created.json()
    assert app["@odata.context"].endswith("/v1.0/$metadata#applications/$entity")
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": True}
    assert app["passwordCredentials"] == [] and app["requiredResourceAccess"] == []
    assert app["publisherDomain"] == "contoso.onmicrosoft.com"
    assert created.headers["Location"].endswith(f"/directoryObjects/{app['id']}/Microsoft.DirectoryServices.Application")
    # https://learn.microsoft.com/en-us/graph/api/application-update: 204, collections replaced
    patched = admin.patch(f"/applications/{app['id']}", json={"requiredResourceAccess": [{
        "resourceAppId": catalog.GRAPH_APP_ID,
        "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]}]})
    assert patched.status_code == 204 and patched.content == b""
    by_app_id = admin.get(f"/applications(appId='{app['appId']}')").json()
    assert by_app_id["requiredResourceAccess"][0]["resourceAccess"][0]["type"] == "Scope"
    assert by_app_id["web"]["redirectUris"] == ["https://px01.example.com/admin/oauth"]
    assert admin.delete(f"/applications/{app['id']}").status_code == 204
    assert_graph_error(admin.get(f"/applications/{app['id']}"), 404, "Request_ResourceNotFound")
    assert app["id"] in sim.state.deleted


def test_application_validation_errors(admin):
    assert_graph_error(admin.post("/applications", json={}), 400, "Request_BadRequest")
    assert_graph_error(admin.post("/applications", json={"displayName": "x", "appId": "y"}), 400,
                       "Request_BadRequest")
    assert_graph_error(admin.post("/applications", json={"displayName": "x", "colour": "red"}), 400,
                       "Request_BadRequest")
    assert_graph_error(admin.post("/applications", json={"displayName": "x",
                                                         "identifierUris": ["https://fabrikam.com/x"]}),
                       400, "HostNameNotOnVerifiedDomain")
    assert_graph_error(admin.post("/applications", content=b"{not json", headers={"Content-Type": "application/json"}),
                       400, "BadRequest")
    admin.post("/applications", json={"displayName": "a", "identifierUris": ["api://same"]})
    assert_graph_error(admin.post("/applications", json={"displayName": "b", "identifierUris": ["api://same"]}),
                       400, "Request_MultipleObjectsWithSameKeyValue")


def test_upsert_by_unique_name(admin):
    # https://learn.microsoft.com/en-us/graph/api/application-upsert
    path = "/applications(uniqueName='pexip-vmr')"
    missing = admin.patch(path, json={"displayName": "Pexip"})
    assert_graph_error(missing, 404, "Request_ResourceNotFound")
    created = admin.patch(path, json={"displayName": "Pexip"}, headers={"Prefer": "create-if-missing"})
    assert created.status_code == 201
    assert created.json()["uniqueName"] == "pexip-vmr" and created.json()["displayName"] == "Pexip"
    updated = admin.patch(path, json={"displayName": "Pexip VMR"}, headers={"Prefer": "create-if-missing"})
    assert updated.status_code == 204 and updated.content == b""
    assert admin.get(path).json()["displayName"] == "Pexip VMR"


def test_filter_with_escaped_quote_and_select(admin):
    # https://learn.microsoft.com/en-us/graph/filter-query-parameter#escaping-single-quotes
    admin.post("/applications", json={"displayName": "O'Brien's Rooms"})
    admin.post("/applications", json={"displayName": "Other"})
    body = admin.get("/applications", params={"$filter": "displayName eq 'O''Brien''s Rooms'",
                                              "$select": "id,appId,displayName"}).json()
    assert [a["displayName"] for a in body["value"]] == ["O'Brien's Rooms"]
    assert set(body["value"][0]) == {"id", "appId", "displayName"}
    starts = admin.get("/applications", params={"$filter": "startswith(displayName,'oth')"}).json()
    assert [a["displayName"] for a in starts["value"]] == ["Other"]


def test_filter_that_cannot_be_evaluated_is_400_never_ignored(admin):
    # https://learn.microsoft.com/en-us/graph/aad-advanced-queries
    admin.post("/applications", json={"displayName": "A"})
    assert_graph_error(admin.get("/applications", params={"$filter": "displayName eq"}), 400, "BadRequest")
    assert_graph_error(admin.get("/applications", params={"$filter": "colour eq 'red'"}), 400,
                       "Request_UnsupportedQuery")
    assert_graph_error(admin.get("/applications", params={"$filter": "displayName ne 'A'"}), 400,
                       "Request_UnsupportedQuery")
    advanced = admin.get("/applications", params={"$filter": "displayName ne 'A'", "$count": "true"},
                         headers={"ConsistencyLevel": "eventual"})
    assert advanced.status_code == 200 and advanced.json()["@odata.count"] == 0
    assert_graph_error(admin.get("/applications", params={"$expand": "owners"}), 400, "Request_UnsupportedQuery")


def test_identifier_uri_any_filter(admin):
    admin.post("/applications", json={"displayName": "Api", "identifierUris": ["api://loop"]})
    body = admin.get("/applications", params={"$filter": "identifierUris/any(x:x eq 'api://loop')"}).json()
    assert [a["displayName"] for a in body["value"]] == ["Api"]


def test_paging_with_top_and_next_link(admin):
    # https://learn.microsoft.com/en-us/graph/paging
    for i in range(5):
        admin.post("/applications", json={"displayName": f"App {i}"})
    seen, url, pages = [], "/applications?$top=2&$select=displayName", 0
    while url:
        body = admin.get(url).json()
        seen += [a["displayName"] for a in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
        assert url is None or url.startswith("https://graph.simtenant.test/v1.0/applications?")
    assert seen == [f"App {i}" for i in range(5)] and pages == 3
    assert_graph_error(admin.get("/applications", params={"$top": "1000"}), 400, "Request_UnsupportedQuery")


def test_add_and_remove_password(sim, clock, admin):
    # https://learn.microsoft.com/en-us/graph/api/application-addpassword
    app = admin.post("/applications", json={"displayName": "S"}).json()
    response = admin.post(f"/applications/{app['id']}/addPassword",
                          json={"passwordCredential": {"displayName": "wizard"}})
    assert response.status_code == 200
    cred = response.json()
    assert cred["hint"] == cred["secretText"][:3] and len(cred["secretText"]) >= 16
    assert cred["displayName"] == "wizard"
    start_year, end_year = int(cred["startDateTime"][:4]), int(cred["endDateTime"][:4])
    assert end_year - start_year == 2 and cred["endDateTime"][4:] == cred["startDateTime"][4:]
    listed = admin.get(f"/applications/{app['id']}").json()["passwordCredentials"]
    expected = {k: v for k, v in cred.items() if k != "@odata.context"} | {"secretText": None}
    assert listed == [expected]  # the secret text is returned once, never again
    removed = admin.post(f"/applications/{app['id']}/removePassword", json={"keyId": cred["keyId"]})
    assert removed.status_code == 204
    assert admin.get(f"/applications/{app['id']}").json()["passwordCredentials"] == []


# ---- service principals, consent ---------------------------------------------------------------------

def test_graph_service_principal_carries_real_permission_ids(admin):
    sp = admin.get(GRAPH_SP).json()
    scopes = {s["value"]: s for s in sp["oauth2PermissionScopes"]}
    roles = {r["value"]: r for r in sp["appRoles"]}
    assert scopes["offline_access"]["id"] == "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"
    assert scopes["openid"]["id"] == "37f7f235-527c-4136-accd-4a02d197296e"
    assert scopes["Calendars.ReadWrite"]["type"] == "User" and scopes["User.Read.All"]["type"] == "Admin"
    assert roles["Calendars.ReadWrite"]["id"] == "ef54d2bf-783f-4e0f-bca1-3210c0444d99"
    assert "OnlineMeetings.ReadWrite" not in roles  # delegated-only
    listed = admin.get("/servicePrincipals", params={"$filter": "displayName eq 'Microsoft Graph'"}).json()
    assert [s["appId"] for s in listed["value"]] == [catalog.GRAPH_APP_ID]
    cli = admin.get("/servicePrincipals", params={"$filter": f"appId eq '{catalog.GRAPH_CLI_CLIENT_ID}'"}).json()
    assert cli["value"][0]["displayName"] == "Microsoft Graph Command Line Tools"


def test_service_principal_errors(admin):
    # https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-serviceprincipals
    error = assert_graph_error(admin.post("/servicePrincipals", json={"appId": "11111111-2222-3333-4444-555555555555"}),
                               400, "Request_BadRequest")
    assert error["message"] == ("The appId '11111111-2222-3333-4444-555555555555' of the service principal does "
                                "not reference a valid application object.")
    app = admin.post("/applications", json={"displayName": "Twice"}).json()
    assert admin.post("/servicePrincipals", json={"appId": app["appId"]}).status_code == 201
    assert_graph_error(admin.post("/servicePrincipals", json={"appId": app["appId"]}), 409,
                       "Request_MultipleObjectsWithSameKeyValue")


def client_sp(admin, name="Client"):
    app = admin.post("/applications", json={"displayName": name}).json()
    return app, admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()


def test_app_role_assignment_roundtrip(admin):
    # https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto
    _app, sp = client_sp(admin)
    graph = admin.get(GRAPH_SP).json()
    role_id = next(r["id"] for r in graph["appRoles"] if r["value"] == "Calendars.ReadWrite")
    body = {"principalId": sp["id"], "resourceId": graph["id"], "appRoleId": role_id}
    created = admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo", json=body)
    assert created.status_code == 201
    assignment = created.json()
    assert assignment["principalType"] == "ServicePrincipal" and assignment["resourceDisplayName"] == "Microsoft Graph"
    assert_graph_error(admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo", json=body), 400,
                       "Request_BadRequest")
    mine = admin.get(f"/servicePrincipals/{sp['id']}/appRoleAssignments").json()["value"]
    assert [a["appRoleId"] for a in mine] == [role_id]
    bogus = dict(body, appRoleId="e1fe6dd8-ba31-4d61-89e7-88639da4683d")  # a Scope id, not a Role
    assert_graph_error(admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo", json=bogus), 400,
                       "Request_BadRequest")
    deleted = admin.delete(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo/{assignment['id']}")
    assert deleted.status_code == 204
    assert admin.get(f"/servicePrincipals/{sp['id']}/appRoleAssignments").json()["value"] == []


def test_app_admins_cannot_grant_graph_application_permissions(sim):
    # https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference#application-administrator
    with graph_client(sim, sign_in(sim, "appadmin@contoso.onmicrosoft.com")) as appadmin:
        _app, sp = client_sp(appadmin)
        graph = appadmin.get(GRAPH_SP).json()
        role_id = next(r["id"] for r in graph["appRoles"] if r["value"] == "Calendars.Read")
        assert_graph_error(appadmin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo", json={
            "principalId": sp["id"], "resourceId": graph["id"], "appRoleId": role_id}), 403,
            "Authorization_RequestDenied")
        exo = appadmin.get("/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')").json()
        ok = appadmin.post(f"/servicePrincipals/{exo['id']}/appRoleAssignedTo", json={
            "principalId": sp["id"], "resourceId": exo["id"],
            "appRoleId": "dc890d15-9560-4a4c-9b7f-a736ec74ec40"})
        assert ok.status_code == 201


def test_delegated_grants(admin):
    # https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post
    _app, sp = client_sp(admin)
    graph = admin.get(GRAPH_SP).json()
    body = {"clientId": sp["id"], "consentType": "AllPrincipals", "resourceId": graph["id"],
            "scope": "OnlineMeetings.ReadWrite User.Read"}
    created = admin.post("/oauth2PermissionGrants", json=body)
    assert created.status_code == 201
    grant = created.json()
    assert grant["principalId"] is None and grant["scope"] == "OnlineMeetings.ReadWrite User.Read"
    assert_graph_error(admin.post("/oauth2PermissionGrants", json=body), 409,
                       "Request_MultipleObjectsWithSameKeyValue")
    query = (f"clientId eq '{sp['id']}' and resourceId eq '{graph['id']}' and consentType eq 'AllPrincipals'")
    assert [g["id"] for g in admin.get("/oauth2PermissionGrants", params={"$filter": query}).json()["value"]] \
        == [grant["id"]]
    assert admin.patch(f"/oauth2PermissionGrants/{grant['id']}", json={"scope": "User.Read"}).status_code == 204
    assert admin.get(f"/oauth2PermissionGrants/{grant['id']}").json()["scope"] == "User.Read"
    assert_graph_error(admin.patch(f"/oauth2PermissionGrants/{grant['id']}", json={"scope": "full_access_as_app"}),
                       400, "Request_BadRequest")
    assert admin.delete(f"/oauth2PermissionGrants/{grant['id']}").status_code == 204
    assert_graph_error(admin.get(f"/oauth2PermissionGrants/{grant['id']}"), 404, "Request_ResourceNotFound")


def test_deleting_an_app_removes_its_service_principal_and_consent(sim, admin):
    app, sp = client_sp(admin)
    graph = admin.get(GRAPH_SP).json()
    admin.post("/oauth2PermissionGrants", json={"clientId": sp["id"], "consentType": "AllPrincipals",
                                                "resourceId": graph["id"], "scope": "User.Read"})
    admin.delete(f"/applications/{app['id']}")
    assert sp["id"] not in sim.state.service_principals
    assert sim.state.grants == {}


# ---- replication (the demo scenario's default faults) ----------------------------------------------------

def test_demo_tenant_replicates_by_time_per_surface(clock):
    # https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-expected-errors
    # The demo plan: Graph shows a new app or service principal after 1.5 s of clock time (however
    # often it is read); sign-in knows the new service principal only after 5 s (AADSTS7000229).
    sim = SimTenant(clock=clock)  # faults=None: the demo scenario's plan
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Fresh"}).json()
        for _ in range(3):  # reads alone do not make it replicate
            assert_graph_error(admin.get(f"/applications/{app['id']}"), 404, "Request_ResourceNotFound")
        error = assert_graph_error(admin.post("/servicePrincipals", json={"appId": app["appId"]}), 400,
                                   "Request_BadRequest")
        assert "does not reference a valid application object" in error["message"]
        clock.advance(1.5)
        assert admin.get(f"/applications/{app['id']}").status_code == 200
        sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
        assert_graph_error(admin.get(f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")
        secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
        clock.advance(4.0)  # the secret is valid now, Graph shows the service principal …
        assert admin.get(f"/servicePrincipals/{sp['id']}").status_code == 200
        refused = app_token(sim, app["appId"], secret)  # … but sign-in does not know it yet
        assert refused.status_code == 400 and 7000229 in refused.json()["error_codes"]
        clock.advance(1.0)
        assert app_token(sim, app["appId"], secret).status_code == 200


# ---- app-only callers, audiences, concurrency ------------------------------------------------------------

def daemon(admin, role_values):
    app, sp = client_sp(admin, "Daemon")
    graph = admin.get(GRAPH_SP).json()
    for value in role_values:
        role = next(r["id"] for r in graph["appRoles"] if r["value"] == value)
        admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo",
                   json={"principalId": sp["id"], "resourceId": graph["id"], "appRoleId": role})
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    return app, secret


def test_app_only_token_is_authorized_by_its_roles(sim, admin):
    from wizard.simtenant.testing import app_token

    app, secret = daemon(admin, ["User.Read.All"])
    token = app_token(sim, app["appId"], secret).json()["access_token"]
    with graph_client(sim, token) as client:
        assert client.get("/users").status_code == 200
        assert_graph_error(client.get("/applications"), 403, "Authorization_RequestDenied")
        assert_graph_error(client.get("/me"), 400, "BadRequest")  # /me needs a signed-in user


def test_exchange_token_is_not_accepted_by_graph(sim, admin):
    from wizard.simtenant.testing import app_token

    app, secret = daemon(admin, [])
    token = app_token(sim, app["appId"], secret, "https://outlook.office365.com/.default").json()["access_token"]
    with graph_client(sim, token) as client:
        error = assert_graph_error(client.get("/organization"), 401, "InvalidAuthenticationToken")
    assert "audience" in error["message"]


def test_trailing_slash_is_the_same_resource(admin):
    assert admin.get("/organization/").status_code == 200


def test_concurrent_writes_from_threads(sim, admin):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: admin.post("/applications", json={"displayName": f"T{i}"}).status_code,
                                 range(40)))
    assert statuses == [201] * 40
    apps = list(sim.state.applications.values())
    assert len({a["id"] for a in apps}) == 40 and len({a["appId"] for a in apps}) == 40
