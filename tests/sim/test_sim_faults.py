"""The fault plan and the scenarios: Microsoft's real-world misbehaviour, deterministically.

Replication: https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-expected-errors
Throttling:  https://learn.microsoft.com/en-us/graph/throttling
AADSTS:      https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
"""

from __future__ import annotations

import httpx
import jwt
import pytest

from wizard.simtenant import FaultPlan, FaultRule, SimTenant, catalog, scenarios
from wizard.simtenant.testing import app_token, graph_client, sign_in

GRAPH_SP = "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"


def tenant(clock, **faults):
    return SimTenant(clock=clock, faults=FaultPlan(**faults))


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


# ---- replication ------------------------------------------------------------------------------

def test_new_app_invisible_for_n_reads(clock):
    sim = tenant(clock, app_invisible_reads=2)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Slow"}).json()
        assert admin.get(f"/applications/{app['id']}").status_code == 404
        listed = admin.get("/applications", params={"$filter": f"appId eq '{app['appId']}'"}).json()["value"]
        assert listed == []  # the second read (a filtered list) does not see it either
        assert admin.get(f"/applications(appId='{app['appId']}')").status_code == 200


def test_upserted_app_is_replicated_like_a_posted_one(clock):
    sim = tenant(clock, app_invisible_reads=1)
    with graph_client(sim, sign_in(sim)) as admin:
        created = admin.patch("/applications(uniqueName='u1')", json={"displayName": "U"},
                              headers={"Prefer": "create-if-missing"})
        assert created.status_code == 201
        assert admin.get("/applications(uniqueName='u1')").status_code == 404
        assert admin.get("/applications(uniqueName='u1')").status_code == 200


def test_flapping_reads(clock):
    sim = tenant(clock, app_flap=[False, True, False])
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Flaky"}).json()
        seen = [admin.get(f"/applications/{app['id']}").status_code for _ in range(4)]
    assert seen == [404, 200, 404, 200]


def test_flapping_service_principal_reads(clock):
    """sp_flap: after sp_invisible_reads, a new service principal's reads follow the pattern (False: 404),
    by id, by appId and in a filtered list; the flaps are per new object, a second POST is still a 409."""
    sim = tenant(clock, sp_invisible_reads=1, sp_flap=[False, True, False])
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Flaky SP"}).json()
        sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
        by_id = f"/servicePrincipals/{sp['id']}"
        by_app = f"/servicePrincipals(appId='{app['appId']}')"
        seen = [admin.get(by_id).status_code, admin.get(by_app).status_code, admin.get(by_id).status_code]
        listed = admin.get("/servicePrincipals", params={"$filter": f"appId eq '{app['appId']}'"}).json()["value"]
        assert seen == [404, 404, 200] and listed == []  # invisible read, then the flap False, True, False
        assert [admin.get(by_id).status_code for _ in range(3)] == [200, 200, 200]
        again = admin.post("/servicePrincipals", json={"appId": app["appId"]})
        assert again.status_code == 409 and error_code(again) == "Request_MultipleObjectsWithSameKeyValue"
        other = admin.post("/applications", json={"displayName": "Other"}).json()
        other_sp = admin.post("/servicePrincipals", json={"appId": other["appId"]}).json()
        assert admin.get(f"/servicePrincipals/{other_sp['id']}").status_code == 404  # its own pattern
    assert len(sim.state.service_principals) == len({s["appId"] for s in sim.state.service_principals.values()})


def test_consent_fails_while_the_new_service_principal_is_not_visible(clock):
    sim = tenant(clock, sp_invisible_reads=2)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "C"}).json()
        sp = admin.post("/servicePrincipals", json={"appId": app["appId"]}).json()
        graph = admin.get(GRAPH_SP).json()
        grant = {"clientId": sp["id"], "consentType": "AllPrincipals", "resourceId": graph["id"], "scope": "User.Read"}
        first = admin.post("/oauth2PermissionGrants", json=grant)
        assert first.status_code == 404 and error_code(first) == "Request_ResourceNotFound"
        role = next(r["id"] for r in graph["appRoles"] if r["value"] == "Calendars.Read")
        second = admin.post(f"/servicePrincipals/{graph['id']}/appRoleAssignedTo",
                            json={"principalId": sp["id"], "resourceId": graph["id"], "appRoleId": role})
        assert second.status_code == 404
        assert admin.post("/oauth2PermissionGrants", json=grant).status_code == 201


def test_token_service_does_not_know_a_new_app_for_a_while(clock):
    sim = tenant(clock, sts_unknown_app_seconds=10)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "New"}).json()
        admin.post("/servicePrincipals", json={"appId": app["appId"]})
        secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    early = app_token(sim, app["appId"], secret)
    assert early.status_code == 400 and early.json()["error_codes"] == [700016]
    clock.advance(10)
    assert app_token(sim, app["appId"], secret).status_code == 200


@pytest.mark.parametrize("code, status", [(7000215, 401), (7000222, 401)])
def test_new_secret_rejected_for_a_few_seconds(clock, code, status):
    sim = tenant(clock, secret_delay_seconds=4, secret_delay_error=code)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "S"}).json()
        admin.post("/servicePrincipals", json={"appId": app["appId"]})
        secret = admin.post(f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    rejected = app_token(sim, app["appId"], secret)
    assert rejected.status_code == status and rejected.json()["error_codes"] == [code]
    clock.advance(4)
    assert app_token(sim, app["appId"], secret).status_code == 200


# ---- transport faults -------------------------------------------------------------------------

@pytest.mark.parametrize("retry_after", ["2", "0.249"])
def test_throttling_with_retry_after(clock, retry_after):
    sim = tenant(clock, rules=[FaultRule("throttle", path=r"^/v1.0/applications$", method="POST", nth=(1,),
                                         retry_after=retry_after)])
    with graph_client(sim, sign_in(sim)) as admin:
        throttled = admin.post("/applications", json={"displayName": "T"})
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == retry_after
        assert error_code(throttled) == "TooManyRequests"
        assert sim.state.applications == {}  # a throttled request changes nothing
        assert admin.post("/applications", json={"displayName": "T"}).status_code == 201


def test_service_unavailable_and_gateway_timeout(clock):
    sim = tenant(clock, rules=[FaultRule("unavailable", path=r"^/v1.0/me$", nth=(1,), retry_after="3"),
                               FaultRule("gateway_timeout", path=r"^/v1.0/me$", nth=(2,))])
    with graph_client(sim, sign_in(sim)) as admin:
        first, second, third = (admin.get("/me") for _ in range(3))
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    assert second.status_code == 504 and "Retry-After" not in second.headers
    assert third.status_code == 200


def test_token_endpoint_throttled_in_the_aadsts_dialect(clock):
    sim = tenant(clock, rules=[FaultRule("throttle", path=r"/oauth2/v2.0/token$", nth=(1,), retry_after="1")])
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        response = http.post("/organizations/oauth2/v2.0/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "temporarily_unavailable"


def test_dropped_connection_before_and_after_applying(clock):
    sim = tenant(clock, rules=[FaultRule("drop", path=r"^/v1.0/applications$", method="POST", nth=(1,)),
                               FaultRule("drop_after", path=r"^/v1.0/applications$", method="POST", nth=(2,))])
    with graph_client(sim, sign_in(sim)) as admin:
        with pytest.raises(httpx.RemoteProtocolError):
            admin.post("/applications", json={"displayName": "Lost"})
        assert sim.state.applications == {}
        with pytest.raises(httpx.RemoteProtocolError):
            admin.post("/applications", json={"displayName": "Applied anyway"})
        assert [a["displayName"] for a in sim.state.applications.values()] == ["Applied anyway"]


def test_slow_responses_wait_on_the_clock(clock):
    sim = tenant(clock, rules=[FaultRule("slow", path=r"^/v1.0/organization$", seconds=7.5)])
    with graph_client(sim, sign_in(sim)) as admin:
        before = clock.now()
        assert admin.get("/organization", timeout=30).status_code == 200
        assert clock.now() - before == pytest.approx(7.5) and 7.5 in clock.slept
        # Longer than the client's read timeout: the client gives up after its timeout, as over a socket.
        before = clock.now()
        with pytest.raises(httpx.ReadTimeout):
            admin.get("/organization", timeout=5)
        assert clock.now() - before == pytest.approx(5)


# ---- sign-in faults -----------------------------------------------------------------------------

def device_flow(sim):
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        code = http.post("/organizations/oauth2/v2.0/devicecode",
                         data={"client_id": catalog.GRAPH_CLI_CLIENT_ID, "scope": "User.Read"}).json()
        sim.approve_device_code(code["user_code"])
        return http.post("/organizations/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": catalog.GRAPH_CLI_CLIENT_ID, "device_code": code["device_code"]})


@pytest.mark.parametrize("fault, code", [("conditional_access_block", 53003), ("device_auth_required", 50097),
                                         ("device_policy_error", 50005)])
def test_sign_in_blocked(clock, fault, code):
    response = device_flow(tenant(clock, **{fault: True}))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant" and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")


def test_device_policy_error_text_and_the_wizard_says_manual_mode(clock):
    """AADSTS50005 DevicePolicyError, as documented at
    https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes ("User tried to log in to a
    device from a platform that's currently not supported through Conditional Access policy"); MSAL's
    device-code sign-in (the wizard's SignIn) ends in a SignInError pointing to the manual mode."""
    from wizard.signin import SignIn, SignInError
    from wizard.target import demo_target

    sim = tenant(clock, device_policy_error=True)
    body = device_flow(sim).json()
    assert "from a platform (Unknown) that's currently not supported through Conditional Access policy" \
        in body["error_description"]
    target = demo_target(sim)
    with target.http_client() as http:
        signin = SignIn(target, http, clock, ["User.Read"])
        code = signin.start()
        sim.approve_device_code(code.user_code)
        with pytest.raises(SignInError) as blocked:
            signin.wait()
    assert "50005" in (blocked.value.code or "") and "--manual" in str(blocked.value)
    sim.faults.device_policy_error = False  # the policy is the only thing in the way
    assert device_flow(sim).status_code == 200


def test_public_client_flows_off_fault(clock):
    sim = tenant(clock, public_client_flows_off=True)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "Own", "isFallbackPublicClient": True}).json()
    with httpx.Client(transport=sim.transport(), base_url=sim.authority_host) as http:
        code = http.post("/organizations/oauth2/v2.0/devicecode",
                         data={"client_id": app["appId"], "scope": "User.Read"}).json()
        sim.approve_device_code(code["user_code"])
        response = http.post("/organizations/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": app["appId"],
            "device_code": code["device_code"]})
    assert response.status_code == 401 and response.json()["error_codes"] == [7000218]


# ---- secret policies -------------------------------------------------------------------------------

def test_secret_lifetime_policy(clock):
    sim = SimTenant(clock=clock, scenario="secret_policy")
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "P"}).json()
        clock.advance(1.5)  # the demo plan: Graph shows a new app after 1.5 s
        refused = admin.post(f"/applications/{app['id']}/addPassword", json={})
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["code"] == "CredentialInvalidLifetimeAsPerAppPolicy"
        assert error["message"] == ("Credential lifetime exceeds the max value allowed as per assigned policy "
                                    "'4f3f1c3e-2b6a-4c8e-9d1f-7a5b3c2e1d0f'.")
        short = admin.post(f"/applications/{app['id']}/addPassword", json={"passwordCredential": {
            "endDateTime": "2026-12-01T00:00:00Z"}})
        assert short.status_code == 200


def test_secrets_banned(clock):
    sim = tenant(clock, secrets_banned=True)
    with graph_client(sim, sign_in(sim)) as admin:
        app = admin.post("/applications", json={"displayName": "P"}).json()
        refused = admin.post(f"/applications/{app['id']}/addPassword", json={})
    assert refused.status_code == 400 and error_code(refused) == "CredentialTypeNotAllowedAsPerAppPolicy"


# ---- plans and scenarios from TOML ------------------------------------------------------------------

def test_fault_plan_from_toml(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text('app_invisible_reads = 3\nsecret_delay_seconds = 2.5\n'
                    '[[rules]]\naction = "throttle"\npath = "^/v1.0/applications$"\nnth = [2, 3]\n'
                    'retry_after = "0.249"\n')
    plan = FaultPlan.from_toml(path)
    assert plan.app_invisible_reads == 3 and plan.secret_delay_seconds == 2.5
    assert plan.rules[0].nth == (2, 3) and plan.rules[0].retry_after == "0.249"
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"no_such_fault": 1})
    with pytest.raises(ValueError):
        FaultRule("explode")


def test_demo_scenario_defaults_are_small_and_realistic():
    plan = scenarios.load("demo").fault_plan()
    # replication by clock time, per surface (reads alone never make an object replicate)
    assert plan.app_invisible_reads == 0 and plan.sp_invisible_reads == 0
    assert plan.app_graph_lag_seconds == plan.sp_graph_lag_seconds == 1.5
    assert plan.sp_sts_lag_seconds == 5.0 > plan.sp_graph_lag_seconds  # Graph shows it before sign-in knows it
    assert plan.secret_delay_seconds == 4.0 and plan.rules == []
    assert FaultPlan.demo() == plan


def test_flexo_drifted_scenario(clock):
    sim = SimTenant(clock=clock, scenario="flexo_drifted")
    [app] = sim.state.applications.values()
    assert app["displayName"] == "FlexO Teams Online Meetings"
    assert app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is False
    assert app["requiredResourceAccess"][0]["resourceAccess"] == [
        {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]
    with graph_client(sim, sign_in(sim)) as admin:  # old objects are replicated: visible at once
        found = admin.get("/applications", params={"$filter": "displayName eq 'FlexO Teams Online Meetings'"})
        assert [a["id"] for a in found.json()["value"]] == [app["id"]]
        sp = admin.get(f"/servicePrincipals(appId='{app['appId']}')").json()
        grants = admin.get("/oauth2PermissionGrants", params={"$filter": f"clientId eq '{sp['id']}'"}).json()
        assert [g["scope"] for g in grants["value"]] == ["User.Read"]
    [key] = [k for k in sim.state.secrets if k[0] == app["id"]]
    assert app_token(sim, app["appId"], sim.state.secrets[key]).json()["error_codes"] == [7000222]


def test_loopmeeting_consent_appears(clock):
    sim = tenant(clock)
    with graph_client(sim, sign_in(sim)) as admin:
        query = {"$filter": "displayName eq 'LoopMeeting'"}
        assert admin.get("/servicePrincipals", params=query).json()["value"] == []
        sp = sim.simulate_loopmeeting_consent()
        [listed] = admin.get("/servicePrincipals", params=query).json()["value"]
        assert listed["id"] == sp["id"] and listed["appOwnerOrganizationId"] != sim.tenant_id
        grants = admin.get("/oauth2PermissionGrants", params={"$filter": f"clientId eq '{sp['id']}'"}).json()
        assert "Calendars.ReadWrite" in grants["value"][0]["scope"].split()
    flagged = SimTenant(clock=clock, scenario="loopmeeting_consented")
    assert [s["displayName"] for s in flagged.state.service_principals.values()].count("LoopMeeting") == 1


def test_demo_loopmeeting_admin_consents_a_few_seconds_after_the_first_look(clock):
    # The demo's flag `loopmeeting_consent_after = 6.0`: a person presses "Get Access Token" in
    # LoopMeeting's Central Config while the wizard waits for the enterprise app.
    sim = SimTenant(clock=clock, scenario="demo")
    query = {"$filter": "displayName eq 'LoopMeeting'"}
    with graph_client(sim, sign_in(sim)) as admin:
        clock.advance(60)  # nothing happens before anyone looks for it
        assert admin.get("/servicePrincipals", params=query).json()["value"] == []
        clock.advance(5)
        assert admin.get("/servicePrincipals", params=query).json()["value"] == []
        clock.advance(1)
        [sp] = admin.get("/servicePrincipals", params=query).json()["value"]
        assert sp["displayName"] == "LoopMeeting"
    assert "loopmeeting_consent_after" not in SimTenant(clock=clock, scenario="clean").scenario.flags


def test_scenario_from_a_file_extending_demo(tmp_path, clock):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "demo"\n[faults]\napp_invisible_reads = 0\n'
                    '[[applications]]\ndisplayName = "Old daemon"\n'
                    '[[applications.app_roles]]\nresource = "graph"\nvalue = "User.Read.All"\n'
                    '[[applications.secrets]]\nend_days = 30\n')
    sim = SimTenant(clock=clock, scenario=str(path))
    [app] = sim.state.applications.values()
    [key] = [k for k in sim.state.secrets if k[0] == app["id"]]
    token = app_token(sim, app["appId"], sim.state.secrets[key]).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == ["User.Read.All"]
    with pytest.raises(ValueError):
        SimTenant(clock=clock, scenario="no-such-scenario")


def test_throttled_scenario_rules(clock):
    sim = SimTenant(clock=clock, scenario="throttled")
    with graph_client(sim, sign_in(sim)) as admin:
        first = admin.get("/me/memberOf")
        assert first.status_code == 503 and admin.get("/me/memberOf").status_code == 200
        upsert = admin.patch("/applications(uniqueName='x')", json={"displayName": "X"},
                             headers={"Prefer": "create-if-missing"})
        assert upsert.status_code == 429 and upsert.headers["Retry-After"] == "0.249"
