"""The simulated identity platform replayed against Microsoft's documented requests and responses.

Plain httpx against the in-process tenant (FakeClock, no faults); doc URL above each test.
"""

from __future__ import annotations

import re

import httpx
import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.testing import graph_client, sign_in

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan(), auto_approve_after=None)


@pytest.fixture
def http(sim):
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as client:
        yield client


def assert_aadsts(response: httpx.Response, status: int, error: str, code: int) -> dict:
    # https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert body["error_codes"] == [code]
    assert STAMP.match(body["timestamp"])
    assert re.fullmatch(r"[0-9a-f-]{36}", body["trace_id"]) and re.fullmatch(r"[0-9a-f-]{36}", body["correlation_id"])
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]
    assert body["error_uri"].endswith(f"/error?code={code}")
    return body


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#sample-response
def test_openid_configuration_fields(sim, http):
    response = http.get(f"/{sim.tenant_id}/v2.0/.well-known/openid-configuration")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    doc = response.json()
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
                 "end_session_endpoint", "device_authorization_endpoint"):
        assert isinstance(doc[name], str) and doc[name], name
    for name in ("response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
                 "scopes_supported", "claims_supported", "response_modes_supported",
                 "token_endpoint_auth_methods_supported"):
        assert isinstance(doc[name], list) and doc[name], name
    assert doc["issuer"] == f"{sim.authority_host}/{sim.tenant_id}/v2.0"
    assert doc["token_endpoint"] == f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token"
    assert "RS256" in doc["id_token_signing_alg_values_supported"] and "openid" in doc["scopes_supported"]
    keys = http.get(httpx.URL(doc["jwks_uri"]).path).json()["keys"]
    assert keys and all({"kty", "kid", "n", "e"} <= set(k) for k in keys)
    common = http.get("/organizations/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == f"{sim.authority_host}/{{tenantid}}/v2.0"


def start_device_code(sim, http, scope: str) -> dict:
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/devicecode",
                         data={"client_id": catalog.GRAPH_CLI_CLIENT_ID, "scope": scope})
    assert response.status_code == 200, response.text
    return response.json()


def redeem(sim, http, code: dict) -> httpx.Response:
    return http.post(f"/{sim.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": DEVICE_GRANT, "client_id": catalog.GRAPH_CLI_CLIENT_ID, "device_code": code["device_code"]})


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code#device-authorization-response
# and #expected-errors, #successful-authentication-response
def test_device_code_flow_as_documented(sim, http):
    code = start_device_code(sim, http, "user.read openid profile offline_access")
    assert set(code) == {"device_code", "user_code", "verification_uri", "expires_in", "interval", "message"}
    assert isinstance(code["expires_in"], int) and isinstance(code["interval"], int)
    assert code["expires_in"] == 900 and code["interval"] == 5
    assert code["user_code"] in code["message"] and code["verification_uri"] in code["message"]

    assert_aadsts(redeem(sim, http, code), 400, "authorization_pending", 70016)
    sim.approve_device_code(code["user_code"])
    token = redeem(sim, http, code)
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and isinstance(body["ext_expires_in"], int)
    assert isinstance(body["scope"], str) and "User.Read" in body["scope"].split()  # the canonical spelling
    assert body["access_token"].count(".") == 2 and body["id_token"].count(".") == 2
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]
    assert token.headers["Cache-Control"].startswith("no-store")


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code#successful-authentication-response
# ("refresh_token: issued if the original scope parameter included offline_access"; "id_token: if openid")
def test_no_refresh_token_without_offline_access_and_no_id_token_without_openid(sim, http):
    code = start_device_code(sim, http, "https://graph.microsoft.com/User.Read")
    sim.approve_device_code(code["user_code"])
    body = redeem(sim, http, code).json()
    assert "access_token" in body and "refresh_token" not in body and "id_token" not in body


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code#expected-errors
def test_device_code_errors(sim, http):
    code = start_device_code(sim, http, "User.Read")
    assert_aadsts(redeem(sim, http, {"device_code": "nonsense"}), 400, "bad_verification_code", 70000)
    sim.decline_device_code(code["user_code"])
    assert_aadsts(redeem(sim, http, code), 400, "authorization_declined", 70000)
    late = start_device_code(sim, http, "User.Read")
    sim.clock.advance(901)
    assert_aadsts(redeem(sim, http, late), 400, "expired_token", 70020)


def confidential_app(sim) -> tuple[str, str]:
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Daemon"}).json()
        assert admin.post("/servicePrincipals", json={"appId": app["appId"]}).status_code == 201
        secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    return app["appId"], secret


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#successful-response
def test_client_credentials_success(sim, http):
    client_id, secret = confidential_app(sim)
    response = http.post(f"/{sim.tenant_id}/oauth2/v2.0/token", data={
        "client_id": client_id, "scope": "https://graph.microsoft.com/.default",
        "client_secret": secret, "grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and isinstance(body["expires_in"], int)
    assert isinstance(body["ext_expires_in"], int) and body["access_token"].count(".") == 2
    assert "refresh_token" not in body and "id_token" not in body


# https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response
# https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes (7000215 is 401 invalid_client)
def test_client_credentials_errors(sim, http):
    client_id, _secret = confidential_app(sim)
    token_url = f"/{sim.tenant_id}/oauth2/v2.0/token"
    wrong = http.post(token_url, data={"client_id": client_id, "scope": "https://graph.microsoft.com/.default",
                                       "client_secret": "wrong", "grant_type": "client_credentials"})
    assert_aadsts(wrong, 401, "invalid_client", 7000215)
    scope = http.post(token_url, data={"client_id": client_id, "scope": "https://graph.microsoft.com/User.Read",
                                       "client_secret": "x", "grant_type": "client_credentials"})
    assert_aadsts(scope, 400, "invalid_scope", 1002012)
    grant = http.post(token_url, data={"client_id": client_id, "grant_type": "password"})
    assert_aadsts(grant, 400, "unsupported_grant_type", 70003)
    tenant = http.post("/nosuchtenant.onmicrosoft.com/oauth2/v2.0/token", data={"grant_type": "client_credentials"})
    assert_aadsts(tenant, 400, "invalid_tenant", 90002)
