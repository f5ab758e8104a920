"""Shared fixtures: a fake clock, the seeded demo tenant on it, and a signed-in admin.

    def test_something(clock, sim, target, graph, who): ...

- `clock`  — `FakeClock`: every wait returns at once and moves time forward.
- `sim`    — the demo `SimTenant` (seeded, with the demo scenario's own small replication
             delays: a new app/SP misses one read, a new secret works after 4 s), sharing `clock`.
             Pass `faults=FaultPlan()` to `make_sim` for a perfectly consistent tenant.
- `target` — `wizard.target.demo_target(sim)`: the in-process transport, no network.
- `http`   — the one httpx client of the test (closed afterwards).
- `graph`  — a `GraphClient` signed in as admin@contoso.onmicrosoft.com (Global Administrator),
             through the real device-code flow (MSAL against the simulator).
- `who`    — that admin's `SignedIn`.

For another account or a tenant with faults, call `sign_in(...)` / `make_sim(...)` directly:

    sim = make_sim(clock, faults=FaultPlan(app_invisible_reads=4))
    signin, who = sign_in(sim, demo_target(sim), http, clock, as_user="jane@contoso.onmicrosoft.com")
"""

from __future__ import annotations

import pytest

from wizard.clock import FakeClock

ADMIN = "admin@contoso.onmicrosoft.com"  # Global Administrator
APP_ADMIN = "appadmin@contoso.onmicrosoft.com"  # Application Administrator
PLAIN_USER = "jane@contoso.onmicrosoft.com"  # no directory role
ADMIN_SCOPES = [
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "User.Read",
    "User.Read.All",
]


def make_sim(clock, faults=None, scenario: str = "demo"):
    """A seeded simulated tenant on `clock` (no automatic device-code approval).

    `faults=None` keeps the scenario's own fault plan (the demo's short replication delays);
    `wizard.simtenant.faults.FaultPlan()` means no faults at all.
    """
    from wizard.simtenant import SimTenant

    return SimTenant(scenario=scenario, clock=clock, faults=faults, auto_approve_after=None)


def sign_in(sim, target, http, clock, as_user: str = ADMIN, scopes=None):
    """Device-code sign-in through MSAL, approved in the simulator as `as_user`.

    Returns (SignIn, SignedIn); `signin.graph` is a GraphClient with that user's token.
    """
    from wizard.signin import SignIn

    signin = SignIn(target, http, clock, scopes or ADMIN_SCOPES)
    code = signin.start()
    sim.approve_device_code(code.user_code, as_user=as_user)
    who = signin.wait()
    return signin, who


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock):
    return make_sim(clock)


@pytest.fixture
def target(sim):
    from wizard.target import demo_target

    return demo_target(sim)


@pytest.fixture
def http(target):
    client = target.http_client()
    yield client
    client.close()


@pytest.fixture
def admin(sim, target, http, clock):
    """(SignIn, SignedIn) of the Global Administrator."""
    return sign_in(sim, target, http, clock, as_user=ADMIN)


@pytest.fixture
def graph(admin):
    return admin[0].graph


@pytest.fixture
def who(admin):
    return admin[1]


def read_back(graph, applied) -> dict:
    """What Microsoft stored, read through Graph (for golden tests): app, sp, grants, assignments."""
    from wizard.graph import quote

    app = graph.get(f"/applications/{applied.object_id}") if applied.object_id else None
    sp = graph.get(f"/servicePrincipals/{applied.sp_id}")
    grants = graph.get_all("/oauth2PermissionGrants", params={"$filter": f"clientId eq {quote(applied.sp_id)}"})
    assignments = graph.get_all(f"/servicePrincipals/{applied.sp_id}/appRoleAssignments")
    return {"app": app, "sp": sp, "grants": grants, "assignments": assignments}


def run_vendor(vendor: str, raw: dict, graph, who, target, clock, state_dir):
    """Plan + apply + secret (when the vendor needs one) for a vendor; returns (setup, applied, secret)."""
    from wizard.profiles import get_profile
    from wizard.setup import Setup

    profile = get_profile(vendor)
    setup = Setup(profile, profile.validate(raw), graph, who, target, clock=clock, state_dir=state_dir)
    setup.check_roles()
    applied = setup.apply(setup.plan())
    secret = setup.create_secret(applied) if profile.secret_needed else None
    if secret is not None:
        setup.secret_delivered(secret)  # the test holds the value
    return setup, applied, secret


@pytest.fixture(autouse=True)
def _own_profiles_folder(tmp_path_factory, monkeypatch):
    """No test sees the machine's own profiles folder nor another test's `--profile` files: the
    user's profiles folder is an empty folder of the test's own (`user_profiles_dir()`)."""
    from wizard import profile_files

    folder = tmp_path_factory.mktemp("config") / "m365-wizard" / "profiles"
    monkeypatch.setattr(profile_files, "user_profiles_dir", lambda: folder)
    monkeypatch.setattr(profile_files, "_extra", ())
    return folder


@pytest.fixture(autouse=True)
def _own_state_folder(tmp_path_factory, monkeypatch):
    """No test writes to the machine's own state folder (journal, run lock): a test that passes
    `state_dir=None` gets a folder of its own, so parallel runs never share a lock or a journal."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
