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


# ---------------------------------------------------------------- MSAL's HTTP cache


def _token_posts(sim, since):
    return [r for r in sim.requests[since:] if r[0] == "POST" and r[1].endswith("/oauth2/v2.0/token")]


def test_every_retry_reaches_the_token_endpoint(clock, tmp_path):
    """AADSTS700016 is an HTTP 400: MSAL's throttled HTTP client replays a 400 for 60 s of
    real time to the same client object. Each attempt must reach Microsoft, and the
    waits between attempts go through the injected clock."""
    from wizard import tokentest
    from wizard.simtenant.faults import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(sts_unknown_app_seconds=12.0))
    setup, applied = setup_for(sim, clock, tmp_path)
    secret = setup.create_secret(applied)
    before, slept = len(sim.requests), len(clock.slept)
    attempts = []
    result, code, tries = tokentest.acquire_token(
        setup.target, setup.tenant_id, applied.client_id, secret.value, "https://graph.microsoft.com",
        http=setup.graph.http, clock=clock, on_attempt=lambda n, c: attempts.append((n, c)))
    assert result is not None and "access_token" in result and code == ""
    posts = _token_posts(sim, before)
    assert len(posts) == tries > 2
    assert [p[2] for p in posts] == [400] * (tries - 1) + [200]
    assert [c for _, c in attempts] == ["700016"] * (tries - 1)
    assert clock.slept[slept:] == [2.0, 4.0, 8.0][: tries - 1]


def test_a_refused_secret_is_asked_each_time_not_replayed(clock, tmp_path):
    """A wrong secret: every one of the bounded attempts is a real request."""
    from wizard import tokentest

    sim = make_sim(clock)
    setup, applied = setup_for(sim, clock, tmp_path)
    before = len(sim.requests)
    result, code, tries = tokentest.acquire_token(
        setup.target, setup.tenant_id, applied.client_id, "not-the-secret-value", "https://graph.microsoft.com",
        http=setup.graph.http, clock=clock)
    assert result is None and code == "7000215"
    assert len(_token_posts(sim, before)) == tries > 3


def test_manual_token_test_retries_reach_microsoft(clock, tmp_path):
    """wizard.manual.run_token_test (pasted values, no admin sign-in) shares the retry loop."""
    from wizard.manual import Pasted, run_token_test
    from wizard.simtenant.faults import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(sts_unknown_app_seconds=6.0))
    setup, applied = setup_for(sim, clock, tmp_path)
    secret = setup.create_secret(applied)
    before = len(sim.requests)
    report = run_token_test(setup.target, setup.graph.http, clock, setup.profile,
                            Pasted(setup.tenant_id, applied.client_id, secret.value))
    assert report.ok, report.checks
    assert len(_token_posts(sim, before)) == report.attempts > 1


def test_a_typed_secret_is_settled_when_the_apps_credential_is_older_than_a_few_minutes():
    from wizard.tokentest import secret_settled, looks_like_guid

    import datetime as dt

    now = 1_790_000_000.0
    old = dt.datetime.fromtimestamp(now - 3600, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    young = dt.datetime.fromtimestamp(now - 30, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    app = {"passwordCredentials": [{"hint": "abc", "startDateTime": old}]}
    assert secret_settled(app, "abcdef", now) is True
    app["passwordCredentials"].append({"hint": "abc", "startDateTime": young})
    assert secret_settled(app, "abcdef", now) is False  # one match is minutes old: wait for it
    assert secret_settled(app, "xyz123", now) is None  # not this app's secret (or a typo)
    assert looks_like_guid("3F2504E0-4F89-11D3-9A0C-0305E82C3301") and not looks_like_guid("abc~def")
