"""The simulated tenant over real loopback TLS: the real MSAL and httpx trusting only the served CA."""

from __future__ import annotations

import io
import re
import ssl
import threading
import warnings
from contextlib import redirect_stdout

import httpx
import jwt
import msal
import pytest

from wizard.simtenant import FaultPlan, FaultRule, SimTenant, catalog
from wizard.simtenant.server import main as serve_main
from wizard.simtenant.server import serve


def trust(ca_path: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_path)


@pytest.fixture
def served(clock):
    sim = SimTenant(clock=clock, faults=FaultPlan(rules=[
        FaultRule("drop", path=r"^/v1.0/organization$", nth=(1,))]))
    with serve(sim) as server:
        yield sim, server


def test_msal_device_flow_and_graph_over_tls(served, clock):
    sim, server = served
    assert server.authority_host.startswith("https://127.0.0.1:") and server.graph_url == server.authority_host
    http = httpx.Client(verify=trust(server.ca_path))
    app = msal.PublicClientApplication(catalog.GRAPH_CLI_CLIENT_ID, authority=f"{server.authority_host}/organizations",
                                       instance_discovery=False, http_client=http)
    flow = app.initiate_device_flow(["https://graph.microsoft.com/User.Read"])
    assert flow["verification_uri"] == f"{server.authority_host}/devicelogin"
    clock.advance(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = app.acquire_token_by_device_flow(flow, exit_condition=lambda f: True)
    assert "access_token" in result, result
    me = http.get(f"{server.graph_url}/v1.0/me", headers={"Authorization": f"Bearer {result['access_token']}"})
    assert me.status_code == 200 and me.json()["userPrincipalName"] == "admin@contoso.onmicrosoft.com"
    assert me.headers["request-id"]


def test_msal_client_credentials_over_tls(served):
    """The real ConfidentialClientApplication gets an app-only token from the loopback server for an app
    created through Graph there (app, service principal, an application permission, a secret).
    https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference"""
    sim, server = served
    from wizard.simtenant.testing import sign_in

    http = httpx.Client(verify=trust(server.ca_path))
    admin = httpx.Client(verify=trust(server.ca_path), base_url=f"{server.graph_url}/v1.0",
                         headers={"Authorization": f"Bearer {sign_in(sim)}"})
    with http, admin:
        app = admin.post("/applications", json={"displayName": "Daemon over TLS"}).json()
        sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
        graph_sp = admin.get("/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')").json()
        role = next(r for r in graph_sp["appRoles"] if r["value"] == "Calendars.Read")
        assigned = admin.post(f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo",
                              json={"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role["id"]})
        assert assigned.status_code == 201, assigned.text
        secret = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}}).json()
        cca = msal.ConfidentialClientApplication(
            app["appId"], client_credential=secret["secretText"],
            authority=f"{server.authority_host}/{sim.tenant_id}", instance_discovery=False, http_client=http)
        result = cca.acquire_token_for_client(["https://graph.microsoft.com/.default"])
        assert "access_token" in result, result
        claims = jwt.decode(result["access_token"], options={"verify_signature": False})
        assert claims["roles"] == ["Calendars.Read"]
        assert claims["aud"] == "https://graph.microsoft.com" and claims["tid"] == sim.tenant_id
        assert claims["appid"] == app["appId"] and claims["idtyp"] == "app" and "scp" not in claims
        assert claims["oid"] == sp["id"]
        # MSAL went over the wire to the served token endpoint, trusting only the served CA.
        assert ("POST", f"/{sim.tenant_id}/oauth2/v2.0/token", 200) in sim.requests
        wrong = msal.ConfidentialClientApplication(
            app["appId"], client_credential="not-the-secret",
            authority=f"{server.authority_host}/{sim.tenant_id}", instance_discovery=False, http_client=http)
        refused = wrong.acquire_token_for_client(["https://graph.microsoft.com/.default"])
        assert refused.get("error") == "invalid_client" and 7000215 in refused.get("error_codes", []), refused


def test_untrusted_without_the_ca(served):
    _sim, server = served
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.authority_host}/organizations/v2.0/.well-known/openid-configuration")


def test_dropped_connection_over_the_wire(served):
    sim, server = served
    from wizard.simtenant.testing import sign_in

    token = sign_in(sim)
    with httpx.Client(verify=trust(server.ca_path), headers={"Authorization": f"Bearer {token}"}) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"{server.graph_url}/v1.0/organization")
        assert http.get(f"{server.graph_url}/v1.0/organization").status_code == 200


def test_device_login_page_approves(clock):
    sim = SimTenant(clock=clock, faults=FaultPlan(), auto_approve_after=None)
    with serve(sim) as server, httpx.Client(verify=trust(server.ca_path), base_url=server.authority_host) as http:
        code = http.post("/organizations/oauth2/v2.0/devicecode",
                         data={"client_id": catalog.GRAPH_CLI_CLIENT_ID, "scope": "User.Read"}).json()
        page = http.get("/devicelogin")
        assert page.status_code == 200 and "jane@contoso.onmicrosoft.com" in page.text
        done = http.post("/devicelogin", data={"user_code": code["user_code"].lower(), "action": "approve",
                                               "user": "cloudadmin@contoso.onmicrosoft.com"})
        assert "You have signed in" in done.text
        token = http.post("/organizations/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": catalog.GRAPH_CLI_CLIENT_ID, "device_code": code["device_code"]})
        assert token.status_code == 200


def test_serve_main_prints_where_and_stops(tmp_path):
    stop = threading.Event()
    out = io.StringIO()
    result = {}

    def run():
        with redirect_stdout(out):
            result["code"] = serve_main(["--port", "0", "--ca-dir", str(tmp_path), "--no-auto-approve"], stop=stop)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        for _ in range(200):
            if "Press Ctrl+C" in out.getvalue():
                break
            threading.Event().wait(0.02)
        text = out.getvalue()
        authority = re.search(r"Authority:\s+(\S+)", text).group(1)
        ca_path = re.search(r"CA bundle:\s+(\S+)", text).group(1)
        assert ca_path == str(tmp_path / "simtenant-ca.pem")
        answer = httpx.get(f"{authority}/organizations/v2.0/.well-known/openid-configuration", verify=trust(ca_path))
        doc = answer.json()
        assert doc["device_authorization_endpoint"] == f"{authority}/organizations/oauth2/v2.0/devicecode"
        # What an outside user sees: the scenario and its faults named, one Date header, no Server header.
        assert re.search(r"Scenario:\s+demo - .*replication.*4 s", text)
        assert len(answer.headers.get_list("Date")) == 1 and "Server" not in answer.headers
    finally:
        stop.set()
        thread.join(5)
    assert result["code"] == 0


def test_serve_main_rejects_unknown_scenario(capsys):
    assert serve_main(["--scenario", "nope"]) == 2
    assert "unknown scenario" in capsys.readouterr().err
