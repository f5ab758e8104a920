"""The fault matrix: every write of the create path meets Microsoft's bad days.

Each case runs a vendor's whole create path through the `Setup` facade (real MSAL and
httpx against the simulated tenant, one FakeClock), with one transport fault from the
fault plan on one write. It must end either in success or in a clear `WizardError`;
either way the tenant read back holds nothing half-done and nothing twice (one app,
one service principal, no duplicate grant or assignment, at most one secret), and a
re-run with the same journal finishes the job.

Writes: app upsert (PATCH /applications(uniqueName=…)), service principal
(POST /servicePrincipals), delegated grant (POST /oauth2PermissionGrants, Pexip),
app role assignment (POST …/appRoleAssignedTo, innovaphone), addPassword.
Throttling: https://learn.microsoft.com/graph/throttling ; replication:
https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors
"""

from __future__ import annotations

import threading

import pytest

from conftest import make_sim, sign_in
from wizard.clock import Cancelled
from wizard.errors import WizardError
from wizard.simtenant import FaultPlan, FaultRule
from wizard.target import demo_target

VENDORS = {
    "pexip": {"addin_fqdn": "px01.example.com"},
    "innovaphone": {"mailbox": "calendar-sync@contoso.onmicrosoft.com"},
}

# (name, vendor, method, path regex) — each write of the create path.
WRITES = [
    ("app_upsert", "pexip", "PATCH", r"^/v1\.0/applications\(uniqueName="),
    ("sp_create", "pexip", "POST", r"^/v1\.0/servicePrincipals$"),
    ("grant", "pexip", "POST", r"^/v1\.0/oauth2PermissionGrants$"),
    ("assignment", "innovaphone", "POST", r"^/v1\.0/servicePrincipals/[^/]+/appRoleAssignedTo$"),
    ("add_password", "pexip", "POST", r"/addPassword$"),
]

FAULTS = [
    ("throttle", "2"),
    ("throttle", "0.249"),
    ("unavailable", "1"),
    ("unavailable", None),
    ("gateway_timeout", None),
    ("drop", None),
    ("drop_after", None),
    ("gateway_timeout_after", None),  # applied, then 504: the retry meets what the first request made
]


class Run:
    """One signed-in admin against one simulated tenant, with a journal dir."""

    def __init__(self, clock, tmp_path, faults: FaultPlan, vendor: str = "pexip") -> None:
        self.clock = clock
        self.sim = make_sim(clock, faults=faults)
        self.target = demo_target(self.sim)
        self.http = self.target.http_client()
        self.signin, self.who = sign_in(self.sim, self.target, self.http, clock)
        self.graph = self.signin.graph
        self.vendor = vendor
        self.state_dir = tmp_path / "journal"
        self.secret = None
        self.applied = None

    def setup(self):
        from wizard.profiles import get_profile
        from wizard.setup import Setup

        profile = get_profile(self.vendor)
        return Setup(profile, profile.validate(VENDORS[self.vendor]), self.graph, self.who, self.target,
                     clock=self.clock, state_dir=self.state_dir)

    def flow(self, cancel: threading.Event | None = None, on_progress=None):
        """plan → apply → secret (once) → token test, as the CLI and the TUI do."""
        setup = self.setup()
        setup.check_roles()
        self.applied = setup.apply(setup.plan(), on_progress, cancel)
        if self.secret is None:
            self.secret = setup.create_secret(self.applied)
            setup.secret_delivered(self.secret)  # the test holds the value: delivered
        report = setup.test_token(self.applied.client_id, self.secret.value, cancel=cancel)
        assert report.ok, [c.reason for c in report.checks]
        return setup

    def writes(self) -> list[tuple[str, str, int]]:
        return [r for r in self.sim.requests if r[1].startswith("/v1.0") and r[0] != "GET"]

    def close(self) -> None:
        self.http.close()


def tenant_invariants(sim, vendor: str, *, finished: bool) -> dict:
    """Read the simulated tenant back: nothing twice; when `finished`, everything there."""
    state = sim.state
    ours = [a for a in state.applications.values() if (a.get("uniqueName") or "").startswith(f"m365-wizard-{vendor}-")]
    assert len(ours) <= 1, f"{len(ours)} applications for {vendor}"
    app = ours[0] if ours else None
    sps = [s for s in state.service_principals.values() if app is not None and s["appId"] == app["appId"]]
    assert len(sps) <= 1, f"{len(sps)} service principals"
    sp = sps[0] if sps else None
    grants = [g for g in state.grants.values() if sp is not None and g["clientId"] == sp["id"]]
    pairs = [(g["resourceId"], g["consentType"], g.get("principalId")) for g in grants]
    assert len(pairs) == len(set(pairs)), "duplicate oauth2PermissionGrant"
    assignments = [a for a in state.assignments.values() if sp is not None and a["principalId"] == sp["id"]]
    keys = [(a["resourceId"], a["appRoleId"]) for a in assignments]
    assert len(keys) == len(set(keys)), "duplicate appRoleAssignment"
    secrets = [k for k in state.secrets if app is not None and k[0] == app["id"]]
    assert len(secrets) <= 1, f"{len(secrets)} client secrets"
    if finished:
        assert app is not None and sp is not None and len(secrets) == 1
        if vendor == "pexip":
            assert len(grants) == 1 and grants[0]["consentType"] == "AllPrincipals"
            assert "User.Read" in grants[0]["scope"].split()
            assert not assignments
        if vendor == "innovaphone":
            assert len(assignments) == 1 and not [g for g in grants if g["consentType"] == "AllPrincipals"]
    return {"app": app, "sp": sp, "grants": grants, "assignments": assignments, "secrets": secrets}


MATRIX = [
    pytest.param(*w, a, r, id=f"{w[0]}-{a}-{r}")
    for w in WRITES for a, r in FAULTS
    # addPassword applied then dropped has its own test below (the lost secret value).
    if not (w[0] == "add_password" and a in ("drop_after", "gateway_timeout_after"))
]


@pytest.mark.parametrize(("write", "vendor", "method", "path", "action", "retry_after"), MATRIX)
def test_a_fault_on_each_write_ends_cleanly(clock, tmp_path, write, vendor, method, path, action, retry_after):
    rule = FaultRule(action, path=path, method=method, nth=(1,), retry_after=retry_after)
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), vendor)
    try:
        try:
            run.flow()
            outcome = "success"
        except WizardError as exc:
            outcome = "error"
            assert exc.message and exc.next_step, "a failure needs plain words and a next step"
            tenant_invariants(run.sim, vendor, finished=False)
        assert rule.seen >= 1, "the fault never matched: the test would prove nothing"
        if action in ("throttle", "unavailable", "gateway_timeout"):
            # Retried transparently, honouring Retry-After to the millisecond.
            assert outcome == "success"
            if retry_after is not None:
                assert float(retry_after) in clock.slept
        if action == "drop" and method == "PATCH":
            assert outcome == "success"  # the upsert is safe to repeat
        if outcome == "error":
            run.flow()  # the re-run finishes the job (the fault fired once)
        state = tenant_invariants(run.sim, vendor, finished=True)
        # The secret the user holds is the one Microsoft stored.
        assert run.sim.state.secrets[state["secrets"][0]] == run.secret.value
    finally:
        run.close()


@pytest.mark.parametrize("action", ["drop_after", "gateway_timeout_after"])
@pytest.mark.parametrize("write", ["sp_create", "grant", "assignment"])
def test_a_post_applied_then_unanswered_is_not_repeated_blindly(clock, tmp_path, write, action):
    """Microsoft applied the POST, the answer was lost (dropped, or a 504 after the write): the
    wizard must find the object, not create a second one — in this run or in a new one (a new
    Setup with only the state dir), and the object kept is the one the first POST made."""
    import re

    _, vendor, method, path = next(w for w in WRITES if w[0] == write)
    rule = FaultRule(action, path=path, method=method, nth=(1,))
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), vendor)
    try:
        before = {"sp_create": set(run.sim.state.service_principals), "grant": set(run.sim.state.grants),
                  "assignment": set(run.sim.state.assignments)}[write]
        try:
            run.flow()
        except WizardError as exc:
            assert exc.message and exc.next_step
            run.flow()
        assert rule.seen >= 1
        posts = [r for r in run.writes() if r[0] == method and re.search(path, r[1])]
        # The first POST was applied by the server (the client saw a drop or a 504).
        assert posts[0][2] in (0, 201, 504) and len([r for r in posts if r[2] in (200, 201)]) <= 1, posts
        state = tenant_invariants(run.sim, vendor, finished=True)
        after = {"sp_create": set(run.sim.state.service_principals), "grant": set(run.sim.state.grants),
                 "assignment": set(run.sim.state.assignments)}[write]
        made = after - before
        assert len(made) == 1, f"{len(made)} objects made by {len(posts)} POST(s)"
        if write == "sp_create":
            assert made == {state["sp"]["id"]}
    finally:
        run.close()


@pytest.mark.parametrize("action", ["drop_after", "gateway_timeout_after"])
def test_an_applied_but_unanswered_add_password_leaves_no_orphan_secret_after_the_rerun(clock, tmp_path, action):
    """addPassword applied, answer lost (dropped, or a 504 after the write): the value is gone for
    good. The re-run must not leave that unusable secret behind next to the new one (one secret at most)."""
    rule = FaultRule(action, path=r"/addPassword$", method="POST", nth=(1,))
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]))
    try:
        try:
            run.flow()  # the wizard may clean up and retry at once…
        except WizardError as exc:
            assert "addPassword" in exc.message and exc.next_step  # …or say so plainly
            run.flow()  # and the re-run finishes
        assert rule.seen >= 1
        state = tenant_invariants(run.sim, "pexip", finished=True)
        assert run.sim.state.secrets[state["secrets"][0]] == run.secret.value
    finally:
        run.close()


# ---------------------------------------------------------------- replication

REPLICATION = [
    FaultPlan(app_invisible_reads=4),
    FaultPlan(app_invisible_reads=1, app_flap=[False, True, False, True]),
    FaultPlan(sp_invisible_reads=5),
    FaultPlan(sp_invisible_reads=1, sp_flap=[False, True, False, True, False]),
    FaultPlan(secret_delay_seconds=18),
    FaultPlan(secret_delay_seconds=10, secret_delay_error=7000222),
    FaultPlan(app_invisible_reads=3, sp_invisible_reads=3, secret_delay_seconds=8, sts_unknown_app_seconds=5),
    # replication by clock time, per surface
    FaultPlan(app_graph_lag_seconds=6, sp_graph_lag_seconds=6),
    # Graph shows the new service principal; sign-in refuses it (AADSTS7000229) for 25 s more
    FaultPlan(sp_graph_lag_seconds=2, sp_sts_lag_seconds=25, secret_delay_seconds=4),
    # sign-in knows the new objects at once; Graph's replicas show them 10 s later
    FaultPlan(app_graph_lag_seconds=10, sp_graph_lag_seconds=10),
    # both, with reads that flap after the lag
    FaultPlan(app_graph_lag_seconds=3, sp_graph_lag_seconds=3, sp_flap=[False, True, False, True],
              sp_sts_lag_seconds=12, sts_unknown_app_seconds=4, secret_delay_seconds=6),
]


@pytest.mark.parametrize("vendor", ["pexip", "innovaphone"])
@pytest.mark.parametrize("faults", REPLICATION, ids=["app", "app_flap", "sp", "sp_flap", "secret", "secret_7000222", "all",
                                                  "graph_time", "signin_behind_graph", "graph_behind_signin",
                                                  "time_all"])
def test_replication_delays_are_waited_out(clock, tmp_path, faults, vendor):
    run = Run(clock, tmp_path, faults, vendor)
    try:
        progress = []
        setup = run.setup()
        applied = setup.apply(setup.plan(), progress.append)
        secret = setup.create_secret(applied)
        report = setup.test_token(applied.client_id, secret.value)
        assert report.ok, [c.reason for c in report.checks]
        run.secret = secret
        tenant_invariants(run.sim, vendor, finished=True)
        if faults.app_invisible_reads >= 3 or faults.sp_invisible_reads >= 3 \
                or faults.app_graph_lag_seconds >= 3 or faults.sp_graph_lag_seconds >= 3:
            assert any(p.state == "retrying" for p in progress), "a replication wait must be visible"
        if faults.secret_delay_seconds or faults.sts_unknown_app_seconds or faults.sp_sts_lag_seconds:
            assert report.attempts > 1
    finally:
        run.close()


@pytest.mark.parametrize("vendor", ["pexip", "innovaphone"])
def test_a_flapping_new_service_principal_is_created_once_and_consented(clock, tmp_path, vendor):
    """The new service principal is seen, then not, then seen again (sp_flap): a 404 after a success
    must not make the wizard POST a second one, and consent lands on the one there is."""
    faults = FaultPlan(sp_invisible_reads=1, sp_flap=[False, True, False, False, True, False])
    run = Run(clock, tmp_path, faults, vendor)
    try:
        run.flow()
        state = tenant_invariants(run.sim, vendor, finished=True)
        sp_posts = [r for r in run.writes() if r[0] == "POST" and r[1] == "/v1.0/servicePrincipals"]
        assert [r[2] for r in sp_posts if r[2] < 300] == [201], sp_posts
        assert state["sp"]["id"] not in run.sim.state.flaps, "the flap pattern was never read: proves nothing"
        assert any(r[2] == 404 and "/v1.0/" in r[1] for r in run.sim.requests), "no read met the flap"
        run.flow()  # and a re-run writes no second service principal
        assert len([r for r in run.writes() if r[1] == "/v1.0/servicePrincipals" and r[2] < 300]) == 1
        tenant_invariants(run.sim, vendor, finished=True)
    finally:
        run.close()


def test_the_token_service_learns_the_new_app_late(clock, tmp_path):
    """AADSTS700016 (HTTP 400) for 20 s after the app is created: the token test's retries
    must reach the tenant. (MSAL caches an HTTP 400 from the token endpoint for 60 s of
    real time per client object; retries on the same ConfidentialClientApplication are
    answered from that cache and never see the tenant catch up.)"""
    run = Run(clock, tmp_path, FaultPlan(sts_unknown_app_seconds=20))
    try:
        setup = run.setup()
        applied = setup.apply(setup.plan())
        secret = setup.create_secret(applied)
        before = len(run.sim.requests)
        report = setup.test_token(applied.client_id, secret.value)
        token_posts = [r for r in run.sim.requests[before:] if r[1].endswith("/oauth2/v2.0/token")]
        assert len(token_posts) == report.attempts, "every attempt the user is told about must reach Microsoft"
        assert report.ok, [c.reason for c in report.checks]
    finally:
        run.close()


def test_consent_that_never_shows_is_a_clear_error_and_the_rerun_finishes(clock, tmp_path):
    """The grant is written but reads of grants keep failing (503 for a minute): clear error."""
    rule = FaultRule("unavailable", path=r"^/v1\.0/oauth2PermissionGrants$", method="GET", nth=tuple(range(2, 40)),
                     retry_after="5")
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]))
    try:
        with pytest.raises(WizardError) as info:
            run.flow()
        assert info.value.next_step
        tenant_invariants(run.sim, "pexip", finished=False)
        rule.nth = ()
        rule.action = "slow"  # the service recovered
        run.flow()
        tenant_invariants(run.sim, "pexip", finished=True)
    finally:
        run.close()


# ---------------------------------------------------------------- token expiry mid-run


def test_the_admin_token_expires_mid_run_and_is_refreshed_silently(clock, tmp_path):
    """Creating the service principal takes two simulated hours: the access token expires
    meanwhile; Graph answers 401 and the wizard redeems the refresh token (MSAL), once."""
    rule = FaultRule("pause", path=r"^/v1\.0/servicePrincipals$", method="POST", nth=(1,), seconds=7200)
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]))
    try:
        run.flow()
        tenant_invariants(run.sim, "pexip", finished=True)
        unauthorized = [r for r in run.sim.requests if r[1].startswith("/v1.0") and r[2] == 401]
        refreshes = [r for r in run.sim.requests if r[1].endswith("/oauth2/v2.0/token") and r[0] == "POST"]
        assert unauthorized, "the expired token should have been refused once"
        assert len(refreshes) >= 2  # the device-code redemption, then the refresh
    finally:
        run.close()


# ---------------------------------------------------------------- cancellation


STEP_KINDS = {  # the create path of each vendor, in order (the secret is created afterwards)
    "pexip": ["create_app", "create_sp", "consent_delegated", "verify_consent"],
    "innovaphone": ["create_app", "create_sp", "consent_app", "verify_consent"],
}
CANCEL_CASES = [
    pytest.param(vendor, kind, when, id=f"{vendor}-{kind}-{when}")
    for vendor, kinds in STEP_KINDS.items() for kind in kinds for when in ("running", "done")
]


@pytest.mark.parametrize(("vendor", "kind", "when"), CANCEL_CASES)
def test_cancel_at_every_step_then_the_rerun_finishes(clock, tmp_path, vendor, kind, when):
    """The cancel Event is set while a step runs or just after it finished (as the TUI's
    Esc and the CLI's Ctrl+C do: the same Event reaches Setup and the GraphClient). The run
    stops with `Cancelled` (a cancel after the very last step may let apply finish); a
    re-run with a fresh Event and the same journal finishes without redoing anything."""
    run = Run(clock, tmp_path, FaultPlan(app_invisible_reads=1, sp_invisible_reads=1), vendor)
    try:
        cancel = threading.Event()
        run.graph.cancel = cancel
        setup = run.setup()
        plan = setup.plan()
        assert [s.kind for s in plan.steps if s.kind != "secret"] == STEP_KINDS[vendor]
        last = kind == STEP_KINDS[vendor][-1] and when == "done"

        def on_progress(p):
            if p.step_id.split(":")[0] == kind and p.state == when:
                cancel.set()

        try:
            setup.apply(plan, on_progress, cancel)
            assert last, f"cancel at {kind} ({when}) was ignored"
        except Cancelled:
            pass
        assert cancel.is_set()
        tenant_invariants(run.sim, vendor, finished=False)
        run.graph.cancel = None
        run.flow()  # a fresh start: the journal says what was done
        tenant_invariants(run.sim, vendor, finished=True)
        creates = [r for r in run.writes() if r[0] == "PATCH" and "uniqueName=" in r[1] and r[2] == 201]
        assert len(creates) == 1, "the re-run must update the app it created, not create another"
    finally:
        run.close()


def test_cancel_during_a_replication_wait_stops_at_once(clock, tmp_path):
    run = Run(clock, tmp_path, FaultPlan(app_invisible_reads=50))
    try:
        cancel = threading.Event()

        def on_progress(p):
            if p.state == "retrying":
                cancel.set()

        setup = run.setup()
        with pytest.raises(Cancelled):
            setup.apply(setup.plan(), on_progress, cancel)
        waited = sum(clock.slept)
        assert waited < 60, "cancel must not wait out the replication back-off"
        run.sim.faults.app_invisible_reads = 0
        run.sim.state.hidden_reads.clear()
        run.flow()
        tenant_invariants(run.sim, "pexip", finished=True)
    finally:
        run.close()


def test_cancel_during_the_token_test_wait(clock, tmp_path):
    """Cancel while the token test waits for a new secret to be accepted: it stops at once (no
    further token request after the cancel, the clock moved no further than the one wait), and a
    new run — a new Setup with only the state dir — keeps the delivered secret and passes."""
    run = Run(clock, tmp_path, FaultPlan(secret_delay_seconds=60))
    try:
        setup = run.setup()
        applied = setup.apply(setup.plan())
        secret = setup.create_secret(applied)
        setup.secret_delivered(secret)
        cancel = threading.Event()
        seen = {}

        def on_progress(p):
            if p.state == "retrying" and not cancel.is_set():
                cancel.set()
                seen["requests"] = len(run.sim.requests)
                seen["at"] = clock.now()

        with pytest.raises(Cancelled):
            setup.test_token(applied.client_id, secret.value, on_progress, cancel)
        assert seen, "the token test never waited: the test would prove nothing"
        token_posts = [r for r in run.sim.requests[seen["requests"]:] if r[1].endswith("/oauth2/v2.0/token")]
        assert token_posts == [], "no token request after the cancel"
        assert clock.now() - seen["at"] <= 16, "stopped within the one wait, not after the whole back-off"
        clock.advance(60)  # the secret is accepted by now
        again = run.setup()
        plan = again.plan()
        assert not plan.needs_secret, plan.sentences()  # delivered: kept, not replaced
        report = again.test_token(applied.client_id, secret.value)
        assert report.ok, [c.reason for c in report.checks]
        tenant_invariants(run.sim, "pexip", finished=True)
    finally:
        run.close()


# ---------------------------------------------------------------- cancel during the secret step

SECRET_CANCEL = {
    # the cancel Event is set while the GraphClient waits out a 429's Retry-After (7 s) …
    "throttled_add_password": [FaultRule("throttle", path=r"/addPassword$", method="POST", nth=(1,), retry_after="7")],
    # … while checking for an orphan after addPassword was applied but its answer was lost …
    "orphan_check_after_a_drop": [
        FaultRule("drop_after", path=r"/addPassword$", method="POST", nth=(1,)),
        FaultRule("throttle", path=r"^/v1\.0/applications/[^/(]+$", method="GET", nth=(1,), retry_after="7")],
    # … and while checking a retried (503) addPassword for a second copy, the value already in hand.
    "duplicate_check_after_a_retry": [
        FaultRule("unavailable", path=r"/addPassword$", method="POST", nth=(1,), retry_after="1"),
        FaultRule("throttle", path=r"^/v1\.0/applications/[^/(]+$", method="GET", nth=(1,), retry_after="7")],
}


@pytest.mark.parametrize("case", list(SECRET_CANCEL))
def test_cancel_during_secret_creation_then_the_rerun_leaves_one_live_secret(clock, tmp_path, case):
    """Esc / Ctrl+C during `Setup.create_secret` (the same Event reaches the GraphClient): the run stops
    with `Cancelled`; the re-run with the same journal ends with exactly one client secret in the tenant,
    the one whose value the wizard returned (an orphan whose value never arrived is removed)."""
    run = Run(clock, tmp_path, FaultPlan())
    try:
        setup = run.setup()
        applied = setup.apply(setup.plan())
        rules = SECRET_CANCEL[case]
        run.sim.faults.rules.extend(rules)  # only the secret step meets them
        cancel = threading.Event()
        run.graph.cancel = cancel
        real_sleep = clock.sleep

        def sleep(seconds, event=None):
            if seconds == 7 and event is cancel:
                cancel.set()  # the user cancels in the middle of the Retry-After wait
            return real_sleep(seconds, event)

        clock.sleep = sleep
        if case == "duplicate_check_after_a_retry":
            # The value is already in hand: the cancel ends the check, not the secret. It is
            # returned (never lost), it is the one live secret, and the journal does not
            # remember its name for a sweep (that would delete the secret the user holds).
            kept = setup.create_secret(applied)
            assert 7 not in clock.slept, "the Retry-After wait must end at the cancel, not after 7 s"
            app = run.sim.state.applications[applied.object_id]
            assert [c["keyId"] for c in app["passwordCredentials"]] == [kept.key_id]
            assert kept.display_name not in setup.unseen_secret_names(applied.object_id)
            return
        with pytest.raises(Cancelled):
            setup.create_secret(applied)
        assert all(r.seen >= 1 for r in rules), "a fault never matched: the test would prove nothing"
        assert 7 not in clock.slept, "the Retry-After wait must end at the cancel, not after 7 s"
        tenant_invariants(run.sim, "pexip", finished=False)
        run.graph.cancel = None
        clock.sleep = real_sleep
        run.flow()  # a fresh run with the same journal
        state = tenant_invariants(run.sim, "pexip", finished=True)
        assert len(state["secrets"]) == 1 and run.sim.state.secrets[state["secrets"][0]] == run.secret.value
        app = run.graph.get(f"/applications/{applied.object_id}", params={"$select": "passwordCredentials"})
        assert [c["keyId"] for c in app["passwordCredentials"]] == [run.secret.key_id]
    finally:
        run.close()
