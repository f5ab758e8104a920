"""Shortcuts for tests that need a signed-in Graph client against a SimTenant.

They go through the tenant's real HTTP endpoints (device code, approval, token),
without MSAL, so a test of some other module gets a valid delegated token in
three lines:

    sim = SimTenant(clock=FakeClock(), faults=FaultPlan())
    token = sign_in(sim, "appadmin@contoso.onmicrosoft.com")
    graph = graph_client(sim, token)          # httpx.Client, base_url …/v1.0
"""

from __future__ import annotations

import httpx

from wizard.simtenant import catalog
from wizard.simtenant.tenant import SimTenant

ADMIN_SCOPES = (
    "https://graph.microsoft.com/Application.ReadWrite.All",
    "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
    "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All",
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/User.Read.All",
)


def sign_in(sim: SimTenant, user: str | None = None, scopes=ADMIN_SCOPES,
            client_id: str = catalog.GRAPH_CLI_CLIENT_ID) -> str:
    """Run the device-code flow as `user` (default: the demo admin); return the access token."""
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        scope = " ".join([*scopes, "openid", "profile", "offline_access"])
        started = http.post(f"/{sim.tenant_id}/oauth2/v2.0/devicecode",
                            data={"client_id": client_id, "scope": scope})
        started.raise_for_status()
        code = started.json()
        sim.approve_device_code(code["user_code"], as_user=user or sim.demo_admin_upn)
        answer = http.post(f"/{sim.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": client_id, "device_code": code["device_code"]})
        if answer.status_code != 200:
            raise AssertionError(f"sign-in failed: {answer.json().get('error_description')}")
        return answer.json()["access_token"]


def graph_client(sim: SimTenant, token: str) -> httpx.Client:
    """An httpx client for the tenant's Graph v1.0 with the bearer token set."""
    return httpx.Client(transport=sim.transport(), base_url=f"{sim.graph_url}/v1.0",
                        headers={"Authorization": f"Bearer {token}"})


def app_token(sim: SimTenant, client_id: str, secret: str,
              scope: str = "https://graph.microsoft.com/.default") -> httpx.Response:
    """A client-credentials token request (the raw response, to check errors too)."""
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        return http.post(f"/{sim.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": secret, "scope": scope})
