"""Token test with the new credentials: pass, and each failure in plain words."""

from __future__ import annotations

from conftest import make_sim, sign_in
from wizard.profiles import get_profile
from wizard.setup import Setup
from wizard.target import demo_target


def setup_for(sim, clock, tmp_path, vendor="pexip", raw=None):
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock)
    profile = get_profile(vendor)
    answers = profile.validate(raw or {"addin_fqdn": "px01.example.com"})
    setup = Setup(profile, answers, signin.graph, who, target, clock=clock, state_dir=tmp_path)
    applied = setup.apply(setup.plan())
    return setup, applied


def test_delegated_app_passes_after_the_new_secret_propagates(clock, tmp_path):
    from wizard.simtenant.faults import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(secret_delay_seconds=9.0, sts_unknown_app_seconds=3.0))
    setup, applied = setup_for(sim, clock, tmp_path)
    secret = setup.create_secret(applied)
    seen = []
    report = setup.test_token(applied.client_id, secret.value, seen.append)
    assert report.ok, report.checks
    names = [c.name for c in report.checks]
    assert names == ["token", "tenant", "client id", "delegated consent"]
    assert report.attempts > 1
    assert any(p.state == "retrying" and "AADSTS" in p.detail for p in seen)
    for c in report.checks:
        assert secret.value not in c.reason


def test_app_roles_are_in_the_token(clock, tmp_path):
    sim = make_sim(clock)
    setup, applied = setup_for(sim, clock, tmp_path, "innovaphone", {"mailbox": "calendar-sync@contoso.onmicrosoft.com"})
    secret = setup.create_secret(applied)
    report = setup.test_token(applied.client_id, secret.value)
    assert report.ok, report.checks
    roles = next(c for c in report.checks if c.name == "application permissions")
    assert "full_access_as_app" in roles.reason


def test_wrong_secret_fails_with_the_reason(clock, tmp_path):
    sim = make_sim(clock)
    setup, applied = setup_for(sim, clock, tmp_path)
    setup.create_secret(applied)
    report = setup.test_token(applied.client_id, "not-the-secret-value")
    assert not report.ok
    assert report.code == "7000215"
    assert "secret VALUE" in report.failed()[0].reason
    assert sum(clock.slept) <= 130  # bounded, about two minutes of the injected clock


def test_expired_secret_fails_with_the_reason(clock, tmp_path):
    sim = make_sim(clock)
    setup, applied = setup_for(sim, clock, tmp_path)
    secret = setup.create_secret(applied, months=1)
    clock.advance(40 * 86400)
    report = setup.test_token(applied.client_id, secret.value)
    assert not report.ok
    assert report.code == "7000222"
    assert "expired" in report.failed()[0].reason


def test_missing_app_role_consent_is_reported(clock, tmp_path):
    sim = make_sim(clock)
    setup, applied = setup_for(sim, clock, tmp_path, "innovaphone", {"mailbox": "calendar-sync@contoso.onmicrosoft.com"})
    secret = setup.create_secret(applied)
    for key in [k for k, a in sim.state.assignments.items() if a["principalId"] == applied.sp_id]:
        del sim.state.assignments[key]
    report = setup.test_token(applied.client_id, secret.value)
    assert not report.ok
    assert "lacks full_access_as_app" in report.failed()[0].reason
