"""Sign-in against the simulated tenant: real MSAL, real httpx, the simulator's identity platform."""

from __future__ import annotations

import threading

import pytest

from wizard.clock import Cancelled
from wizard.errors import SignInError
from wizard.roles import APPLICATION_ADMINISTRATOR, CLOUD_APPLICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR
from wizard.signin import SignIn, scopes_for
from wizard.profiles import get_profile

SCOPES = ["Application.ReadWrite.All", "User.Read"]


def test_admin_signs_in_and_the_tenant_is_pinned(sim, target, http, clock):
    signin = SignIn(target, http, clock, SCOPES)
    code = signin.start()
    assert code.user_code and code.verification_uri.startswith("https://")
    assert code.expires_at > clock.now()
    sim.approve_device_code(code.user_code)
    who = signin.wait()
    assert who.tenant_id == sim.tenant_id
    assert who.username == "admin@contoso.onmicrosoft.com"
    assert GLOBAL_ADMINISTRATOR in who.roles
    assert signin.target.tenant == sim.tenant_id
    assert signin.graph.get("/me")["userPrincipalName"] == "admin@contoso.onmicrosoft.com"


@pytest.mark.parametrize(
    "user, role",
    [
        ("appadmin@contoso.onmicrosoft.com", APPLICATION_ADMINISTRATOR),
        ("cloudadmin@contoso.onmicrosoft.com", CLOUD_APPLICATION_ADMINISTRATOR),
    ],
)
def test_roles_of_other_admins(sim, target, http, clock, user, role):
    signin = SignIn(target, http, clock, SCOPES)
    code = signin.start()
    sim.approve_device_code(code.user_code, as_user=user)
    who = signin.wait()
    assert who.roles == frozenset({role})


def test_user_without_role_has_none(sim, target, http, clock):
    signin = SignIn(target, http, clock, SCOPES)
    code = signin.start()
    sim.approve_device_code(code.user_code, as_user="jane@contoso.onmicrosoft.com")
    who = signin.wait()
    assert who.roles == frozenset() and who.roles_known


def test_automatic_approval_after_polling_on_the_fake_clock(clock, target, http):
    from wizard.simtenant import SimTenant
    from wizard.target import demo_target

    sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=12)
    target = demo_target(sim)
    signin = SignIn(target, target.http_client(), clock, SCOPES)
    code = signin.start()
    who = signin.wait()
    assert who.username == sim.demo_admin_upn
    assert sum(clock.slept) >= 12
    assert all(s >= code.interval for s in clock.slept)


def test_declined_in_the_browser(sim, target, http, clock):
    signin = SignIn(target, http, clock, SCOPES)
    code = signin.start()
    sim.decline_device_code(code.user_code)
    with pytest.raises(SignInError) as info:
        signin.wait()
    assert info.value.code == "authorization_declined"
    assert info.value.exit_code == 3


def test_code_expires_if_nobody_approves(sim, target, http, clock):
    signin = SignIn(target, http, clock, SCOPES)
    code = signin.start()
    with pytest.raises(SignInError) as info:
        signin.wait()
    assert info.value.code in ("expired_token", "AADSTS70019")
    assert clock.now() >= code.expires_at - code.interval


def test_cancel_from_another_thread_leaves_nothing_polling(sim, target, http, clock):
    signin = SignIn(target, http, clock, SCOPES)
    signin.start()
    cancel = threading.Event()
    polls_when_cancelled = []
    original = clock.sleep

    def sleep(seconds, ev=None):
        if len(clock.slept) == 3:
            cancel.set()
            polls_when_cancelled.append(len(sim.requests))
        original(seconds, ev)

    clock.sleep = sleep
    with pytest.raises(Cancelled):
        signin.wait(cancel)
    assert len(sim.requests) == polls_when_cancelled[0]


def test_access_token_works_for_graph_and_after_expiry(admin, clock):
    signin, _ = admin
    first = signin.access_token()
    clock.advance(2 * 3600)  # past the access token's lifetime on the shared clock
    for entry in signin.token_cache.search(signin.token_cache.CredentialType.ACCESS_TOKEN):
        entry["expires_on"] = "0"  # MSAL judges expiry by the real clock; make it stale
    second = signin.access_token()
    assert second and second != first
    assert signin.graph.get("/me")["userPrincipalName"]


def test_scopes_for_every_vendor_stay_least_privileged():
    for vendor in ("flexo", "syncsign", "innovaphone", "pexip", "loopmeeting"):
        scopes = set(scopes_for(get_profile(vendor)))
        assert {"User.Read", "Application.ReadWrite.All"} <= scopes
        # No directory-wide write; Directory.Read.All only where nothing else can read the
        # delegated grants (Microsoft's least-privileged read for oauth2PermissionGrants).
        assert not any(s.startswith("Directory.ReadWrite") for s in scopes)
        if "DelegatedPermissionGrant.ReadWrite.All" in scopes:
            assert "Directory.Read.All" not in scopes
        else:
            assert "Directory.Read.All" in scopes
    assert "User.Read.All" not in scopes_for(get_profile("pexip"))
    assert "AppRoleAssignment.ReadWrite.All" in scopes_for(get_profile("loopmeeting"))
