"""What the Azure CLI's `az ad app create / sp create / credential reset` needs from the tenant.

- keyCredentials are writable on applications (https://learn.microsoft.com/en-us/graph/api/resources/keycredential,
  https://learn.microsoft.com/en-us/graph/api/application-update): `az ad app create` always sends
  `keyCredentials: []`; a certificate is checked (type, usage, Base64 X.509 key, dates).
- The Azure CLI's public client (04b07795-…) is pre-authorised for the app-management scopes on Microsoft
  Graph and for user_impersonation on Azure Service Management; anything else is AADSTS65002.
- The Windows Azure Service Management API principal is there (`https://management.core.windows.net/`).
- The simulator's own Graph URL names Microsoft Graph as a token resource.
"""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.testing import app_token, graph_client, sign_in


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan())


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


def certificate() -> tuple[str, x509.Certificate]:
    pem = trustme.CA().issue_cert("signing.contoso.example").cert_chain_pems[0].bytes()
    cert = x509.load_pem_x509_certificate(pem)
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode("ascii"), cert


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_create_with_empty_key_credentials_is_201(admin):
    created = admin.post("/applications", json={"displayName": "az-made", "keyCredentials": []})
    assert created.status_code == 201, created.text
    assert created.json()["keyCredentials"] == []


def test_a_certificate_is_stored_with_its_validity_and_no_key_in_answers(admin):
    key, cert = certificate()
    app = admin.post("/applications", json={"displayName": "with cert"}).json()
    patched = admin.patch(f"/applications/{app['id']}", json={"keyCredentials": [
        {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key, "displayName": "CN=signing"}]})
    assert patched.status_code == 204, patched.text
    [stored] = admin.get(f"/applications/{app['id']}").json()["keyCredentials"]
    assert stored["type"] == "AsymmetricX509Cert" and stored["usage"] == "Verify"
    assert stored["key"] is None and stored["displayName"] == "CN=signing"
    assert stored["endDateTime"].startswith(cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S"))
    assert stored["startDateTime"].startswith(cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%S"))
    assert len(stored["keyId"]) == 36
    cleared = admin.patch(f"/applications/{app['id']}", json={"keyCredentials": []})
    assert cleared.status_code == 204
    assert admin.get(f"/applications/{app['id']}").json()["keyCredentials"] == []


@pytest.mark.parametrize("change, needle", [
    ({"type": "Password"}, "'type'"),
    ({"usage": "Encrypt"}, "'usage'"),
    ({"key": "not base64!"}, "'key'"),
    ({"key": base64.b64encode(b"not a certificate").decode()}, "X.509"),
    ({"keyId": "abc"}, "'keyId'"),
])
def test_a_bad_key_credential_is_a_400_naming_the_field(admin, change, needle):
    key, _cert = certificate()
    credential = {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key, **change}
    answer = admin.post("/applications", json={"displayName": "bad key", "keyCredentials": [credential]})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "Request_BadRequest"
    assert needle in answer.json()["error"]["message"]


def test_an_end_before_the_start_is_refused(admin):
    key, _cert = certificate()
    answer = admin.post("/applications", json={"displayName": "bad dates", "keyCredentials": [
        {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key,
         "startDateTime": "2027-01-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z"}]})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "KeyCredentialsInvalidEndDate"


def test_the_azure_cli_gets_the_app_management_scopes_on_graph(sim):
    token = sign_in(sim, scopes=("https://graph.microsoft.com//.default",), client_id=catalog.AZURE_CLI_CLIENT_ID)
    scp = set(claims(token)["scp"].split())
    assert {"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All",
            "DelegatedPermissionGrant.ReadWrite.All", "User.Read"} <= scp
    assert "Calendars.ReadWrite" not in scp
    with graph_client(sim, token) as graph:  # what `az ad app create` then does
        assert graph.post("/applications", json={"displayName": "via az", "keyCredentials": []}).status_code == 201


def test_the_azure_cli_is_refused_scopes_it_is_not_preauthorised_for(sim):
    with pytest.raises(AssertionError, match="AADSTS65002|preauthorization"):
        sign_in(sim, scopes=("https://graph.microsoft.com/Calendars.ReadWrite",),
                client_id=catalog.AZURE_CLI_CLIENT_ID)


def test_azure_service_management_principal_and_az_login_token(sim, admin):
    sp = admin.get(f"/servicePrincipals(appId='{catalog.AZURE_SM_APP_ID}')").json()
    assert sp["displayName"] == "Windows Azure Service Management API"
    assert "https://management.core.windows.net/" in sp["servicePrincipalNames"]
    assert [s["value"] for s in sp["oauth2PermissionScopes"]] == ["user_impersonation"]
    token = sign_in(sim, scopes=("https://management.core.windows.net//.default",),
                    client_id=catalog.AZURE_CLI_CLIENT_ID)
    decoded = claims(token)
    assert decoded["aud"] == "https://management.core.windows.net"
    assert decoded["scp"] == "user_impersonation"


def test_the_simulators_graph_url_is_a_graph_resource_alias(sim, admin):
    app = admin.post("/applications", json={"displayName": "alias"}).json()
    admin.post("/servicePrincipals", json={"appId": app["appId"]})
    secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    answer = app_token(sim, app["appId"], secret, scope=f"{sim.graph_url}/.default")
    assert answer.status_code == 200, answer.text
    assert claims(answer.json()["access_token"])["aud"] == catalog.GRAPH_RESOURCE
    with httpx.Client(transport=sim.transport(), base_url=f"{sim.graph_url}/v1.0",
                      headers={"Authorization": f"Bearer {answer.json()['access_token']}"}) as graph:
        answer = graph.get("/applications")  # a Graph token (no app roles yet): 403, not 401 invalid audience
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "Authorization_RequestDenied"
