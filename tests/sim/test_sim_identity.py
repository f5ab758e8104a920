"""Contract tests: the simulated tenant's identity platform endpoints.

Driven by the real `msal` client where the wizard uses it, and by raw httpx to
pin Microsoft's exact shapes. Docs per behaviour are cited inline.
"""

from __future__ import annotations

import warnings

import httpx
import jwt
import msal
import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.testing import app_token, graph_client, sign_in

GRAPH_CLI = catalog.GRAPH_CLI_CLIENT_ID
SCOPES = ["https://graph.microsoft.com/Application.ReadWrite.All", "https://graph.microsoft.com/User.Read"]


@pytest.fixture
def sim(clock):
    return SimTenant(clock=clock, faults=FaultPlan())


@pytest.fixture
def http(sim):
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as client:
        yield client


def public_app(sim, tenant="organizations", client_id=GRAPH_CLI):
    return msal.PublicClientApplication(
        client_id, authority=f"{sim.authority_host}/{tenant}", instance_discovery=False,
        http_client=httpx.Client(transport=sim.transport()))


def poll(app, flow):
    with warnings.catch_warnings():  # MSAL warns when polled sooner than `interval` of real time
        warnings.simplefilter("ignore", UserWarning)
        return app.acquire_token_by_device_flow(flow, exit_condition=lambda f: True)


def assert_aadsts(response: httpx.Response, status: int, error: str, code: int) -> dict:
    # https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application
    body = response.json()
    assert response.status_code == status, body
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert "\r\nTrace ID: " in body["error_description"]
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
    return body


# ---- discovery and keys -----------------------------------------------------------------------

@pytest.mark.parametrize("tenant", ["GUID", "contoso.onmicrosoft.com", "organizations", "common"])
def test_openid_configuration_for_every_tenant_form(sim, http, tenant):
    # https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
    segment = sim.tenant_id if tenant == "GUID" else tenant
    doc = http.get(f"/{segment}/v2.0/.well-known/openid-configuration").json()
    base = sim.authority_host
    assert doc["token_endpoint"] == f"{base}/{segment}/oauth2/v2.0/token"
    assert doc["device_authorization_endpoint"] == f"{base}/{segment}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"{base}/{segment}/discovery/v2.0/keys"
    expected_issuer = f"{base}/{sim.tenant_id}/v2.0" if tenant in ("GUID", "contoso.onmicrosoft.com") \
        else f"{base}/{{tenantid}}/v2.0"
    assert doc["issuer"] == expected_issuer


def test_unknown_tenant_is_aadsts90002(http):
    response = http.get("/fabrikam.example/v2.0/.well-known/openid-configuration")
    assert_aadsts(response, 400, "invalid_tenant", 90002)


def test_discovery_urls_follow_the_request_host(sim):
    with httpx.Client(transport=sim.transport()) as client:
        doc = client.get(f"https://127.0.0.1:8443/{sim.tenant_id}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"].startswith("https://127.0.0.1:8443/")
    assert doc["msgraph_host"] == "127.0.0.1:8443"


# ---- device code with the real MSAL ----------------------------------------------------------

def test_msal_device_flow_pending_then_auto_approved(sim, clock):
    # https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
    app = public_app(sim)
    flow = app.initiate_device_flow(SCOPES)
    assert flow["expires_in"] == 900 and flow["interval"] == 5
    assert flow["verification_uri"] == f"{sim.authority_host}/devicelogin"
    assert flow["user_code"] in flow["message"]
    first = poll(app, flow)
    assert first["error"] == "authorization_pending"
    assert first["error_codes"] == [70016]
    clock.advance(2.0)  # auto_approve_after=2.0: the demo admin approves
    result = poll(app, flow)
    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{sim.tenant_id}/"
    assert claims["tid"] == sim.tenant_id and claims["ver"] == "1.0"
    assert claims["appid"] == GRAPH_CLI
    assert set(claims["scp"].split()) >= {"Application.ReadWrite.All", "User.Read"}
    assert claims["upn"] == "admin@contoso.onmicrosoft.com"
    assert catalog.GLOBAL_ADMIN in claims["wids"]
    id_claims = result["id_token_claims"]
    assert id_claims["preferred_username"] == "admin@contoso.onmicrosoft.com"
    assert id_claims["name"] == "Contoso Admin" and id_claims["aud"] == GRAPH_CLI
    assert id_claims["iss"] == f"{sim.authority_host}/{sim.tenant_id}/v2.0"
    assert "refresh_token" in result


def test_tokens_verify_against_the_published_jwks(sim, http):
    # https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-signature
    token = sign_in(sim)
    keys = http.get(f"/{sim.tenant_id}/discovery/v2.0/keys").json()["keys"]
    header = jwt.get_unverified_header(token)
    key = next(k for k in keys if k["kid"] == header["kid"])
    public = jwt.algorithms.RSAAlgorithm.from_jwk(key)
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="https://graph.microsoft.com",
                        options={"verify_exp": False})
    assert claims["tid"] == sim.tenant_id


def test_manual_approval_as_a_chosen_user(clock):
    sim = SimTenant(clock=clock, faults=FaultPlan(), auto_approve_after=None)
    app = public_app(sim, tenant=sim.domain)
    flow = app.initiate_device_flow(SCOPES)
    clock.advance(600)
    assert poll(app, flow)["error"] == "authorization_pending"  # None: never auto-approved
    sim.approve_device_code(flow["user_code"], as_user="jane@contoso.onmicrosoft.com")
    result = poll(app, flow)
    assert result["id_token_claims"]["preferred_username"] == "jane@contoso.onmicrosoft.com"
    assert "wids" not in jwt.decode(result["access_token"], options={"verify_signature": False})


def test_declined_device_code(clock):
    sim = SimTenant(clock=clock, faults=FaultPlan(), auto_approve_after=None)
    app = public_app(sim)
    flow = app.initiate_device_flow(SCOPES)
    sim.decline_device_code()
    result = poll(app, flow)
    assert result["error"] == "authorization_declined"


def test_expired_device_code(clock):
    sim = SimTenant(clock=clock, faults=FaultPlan(), auto_approve_after=None)
    app = public_app(sim)
    flow = app.initiate_device_flow(SCOPES)
    clock.advance(900)
    result = poll(app, flow)
    assert result["error"] == "expired_token" and result["error_codes"] == [70020]


def test_bad_verification_code(sim, http):
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": GRAPH_CLI,
        "device_code": "not-a-code"})
    assert_aadsts(response, 400, "bad_verification_code", 70000)


def test_slow_down_when_polling_faster_than_interval(clock):
    # RFC 8628 section 3.5: slow_down, and the interval grows by 5 seconds
    sim = SimTenant(clock=clock, faults=FaultPlan(slow_down=True), auto_approve_after=None)
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        code = http.post("/organizations/oauth2/v2.0/devicecode",
                         data={"client_id": GRAPH_CLI, "scope": "User.Read"}).json()
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": GRAPH_CLI,
                "device_code": code["device_code"]}
        assert http.post("/organizations/oauth2/v2.0/token", data=form).json()["error"] == "authorization_pending"
        clock.advance(1)
        assert http.post("/organizations/oauth2/v2.0/token", data=form).json()["error"] == "slow_down"
        clock.advance(10)
        assert http.post("/organizations/oauth2/v2.0/token", data=form).json()["error"] == "authorization_pending"


def test_unknown_client_is_aadsts700016(sim, http):
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/devicecode",
                         data={"client_id": "11111111-2222-3333-4444-555555555555", "scope": "User.Read"})
    assert_aadsts(response, 400, "unauthorized_client", 700016)


def test_scope_that_graph_does_not_publish(sim, http):
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/devicecode",
                         data={"client_id": GRAPH_CLI, "scope": "https://graph.microsoft.com/Nope.Nothing"})
    assert_aadsts(response, 400, "invalid_scope", 650053)


def test_two_resources_in_one_request_is_aadsts28000(sim, http):
    # https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/devicecode", data={
        "client_id": GRAPH_CLI,
        "scope": "https://graph.microsoft.com/User.Read https://outlook.office365.com/EWS.AccessAsUser.All"})
    assert_aadsts(response, 400, "invalid_scope", 28000)


def test_refresh_token_through_msal_silent(sim, clock):
    # https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
    app = public_app(sim)
    flow = app.initiate_device_flow(SCOPES)
    clock.advance(5)
    first = poll(app, flow)
    account = app.get_accounts()[0]
    again = app.acquire_token_silent(SCOPES, account=account, force_refresh=True)
    assert again["access_token"] != first["access_token"]
    assert again["token_source"] == "identity_provider"


def test_tenant_public_client_without_public_flows_is_aadsts7000218(sim, clock):
    admin = graph_client(sim, sign_in(sim))
    app = admin.post("/applications", json={"displayName": "Own CLI"}).json()
    pca = public_app(sim, tenant=sim.tenant_id, client_id=app["appId"])
    flow = pca.initiate_device_flow(["https://graph.microsoft.com/User.Read"])
    sim.approve_device_code(flow["user_code"])
    result = poll(pca, flow)
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000218]


def test_tenant_public_client_with_public_flows_gets_consent_at_sign_in(sim):
    admin = graph_client(sim, sign_in(sim))
    app = admin.post("/applications", json={"displayName": "Own CLI", "isFallbackPublicClient": True}).json()
    pca = public_app(sim, tenant=sim.tenant_id, client_id=app["appId"])
    flow = pca.initiate_device_flow(["https://graph.microsoft.com/User.Read"])
    sim.approve_device_code(flow["user_code"], as_user="jane@contoso.onmicrosoft.com")
    result = poll(pca, flow)
    assert "access_token" in result, result
    grant = next(iter(sim.state.grants.values()))
    assert grant["consentType"] == "Principal" and grant["scope"] == "User.Read"


# ---- client credentials -----------------------------------------------------------------------

def registered_app(sim, role_values=("Calendars.Read",)):
    admin = graph_client(sim, sign_in(sim))
    app = admin.post("/applications", json={"displayName": "Daemon"}).json()
    sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
    graph_sp = admin.get("/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')").json()
    for value in role_values:
        role = next(r for r in graph_sp["appRoles"] if r["value"] == value)
        response = admin.post(f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo",
                              json={"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role["id"]})
        assert response.status_code == 201, response.text
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}}).json()
    return admin, app, secret


def test_msal_confidential_client_gets_roles(sim):
    # https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    _admin, app, secret = registered_app(sim, ("Calendars.Read", "User.Read.All"))
    cca = msal.ConfidentialClientApplication(
        app["appId"], client_credential=secret["secretText"], authority=f"{sim.authority_host}/{sim.tenant_id}",
        instance_discovery=False, http_client=httpx.Client(transport=sim.transport()))
    result = cca.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["Calendars.Read", "User.Read.All"]
    assert claims["appid"] == app["appId"] and claims["idtyp"] == "app" and "scp" not in claims
    assert claims["aud"] == "https://graph.microsoft.com"


def test_exchange_app_only_token_carries_full_access_as_app(sim):
    admin, app, secret = registered_app(sim, ())
    sp = admin.get(f"/servicePrincipals(appId='{app['appId']}')").json()
    exo = admin.get("/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')").json()
    role = next(r for r in exo["appRoles"] if r["value"] == "full_access_as_app")
    assert role["id"] == "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
    admin.post(f"/servicePrincipals/{exo['id']}/appRoleAssignedTo",
               json={"principalId": sp["id"], "resourceId": exo["id"], "appRoleId": role["id"]})
    response = app_token(sim, app["appId"], secret["secretText"], "https://outlook.office365.com/.default")
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://outlook.office365.com" and claims["roles"] == ["full_access_as_app"]


def test_wrong_secret_is_aadsts7000215(sim):
    _admin, app, _secret = registered_app(sim)
    assert_aadsts(app_token(sim, app["appId"], "wrong"), 401, "invalid_client", 7000215)


def test_expired_secret_is_aadsts7000222(sim, clock):
    admin, app, _ = registered_app(sim)
    short = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {
        "endDateTime": "2026-09-22T00:00:00Z"}}).json()
    clock.advance(86400 * 3)
    assert_aadsts(app_token(sim, app["appId"], short["secretText"]), 401, "invalid_client", 7000222)


def test_unknown_app_is_aadsts700016(sim):
    assert_aadsts(app_token(sim, "11111111-2222-3333-4444-555555555555", "x"), 400, "unauthorized_client", 700016)


def test_scope_without_default_is_aadsts1002012(sim):
    _admin, app, secret = registered_app(sim)
    response = app_token(sim, app["appId"], secret["secretText"], "https://graph.microsoft.com/User.Read.All")
    assert_aadsts(response, 400, "invalid_scope", 1002012)


def test_app_without_service_principal_is_aadsts7000229(sim):
    admin = graph_client(sim, sign_in(sim))
    app = admin.post("/applications", json={"displayName": "No SP"}).json()
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()
    assert_aadsts(app_token(sim, app["appId"], secret["secretText"]), 400, "invalid_client", 7000229)


def test_graph_token_without_roles_has_no_roles_claim(sim):
    _admin, app, secret = registered_app(sim, ())
    claims = jwt.decode(app_token(sim, app["appId"], secret["secretText"]).json()["access_token"],
                        options={"verify_signature": False})
    assert "roles" not in claims


# ---- determinism -------------------------------------------------------------------------------

def test_same_seed_same_bytes():
    def run():
        clock = FakeClock()
        sim = SimTenant(clock=clock, seed=7)
        transcript = []
        with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
            code = http.post("/organizations/oauth2/v2.0/devicecode",
                             data={"client_id": GRAPH_CLI, "scope": "User.Read openid offline_access"})
            clock.advance(3)
            token = http.post("/organizations/oauth2/v2.0/token", data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": GRAPH_CLI,
                "device_code": code.json()["device_code"]})
            transcript += [code.content, token.content, dict(token.headers)]
        return transcript

    assert run() == run()
