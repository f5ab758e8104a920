"""Apply against the simulated tenant: create, re-run, interruption, drift, replication, roles."""

from __future__ import annotations

import threading

import pytest

from conftest import APP_ADMIN, PLAIN_USER, make_sim, sign_in
from wizard.errors import RoleError
from wizard.profiles import get_profile
from wizard.setup import Setup
from wizard.target import demo_target

PEXIP_URI = "https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"
USER_READ = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"


def pexip_setup(graph, who, target, clock, tmp_path, **kwargs):
    profile = get_profile("pexip")
    answers = profile.validate({"addin_fqdn": "px01.example.com"})
    return Setup(profile, answers, graph, who, target, clock=clock, state_dir=tmp_path, **kwargs)


def apps_named(sim, name):
    return [a for a in sim.state.applications.values() if a["displayName"] == name]


def test_create_from_nothing(sim, graph, who, target, clock, tmp_path):
    setup = pexip_setup(graph, who, target, clock, tmp_path)
    setup.check_roles()
    plan = setup.plan()
    assert not plan.nothing_to_do
    kinds = [s.kind for s in plan.steps]
    assert kinds[:2] == ["create_app", "create_sp"]
    assert "consent_delegated" in kinds and kinds[-1] == "secret"
    assert [p.name for p in plan.permissions] == ["User.Read"]
    assert plan.permissions[0].id == USER_READ
    seen = []
    applied = setup.apply(plan, seen.append, threading.Event())
    app = sim.state.applications[applied.object_id]
    assert app["appId"] == applied.client_id
    assert app["web"]["redirectUris"] == [PEXIP_URI]
    assert app["signInAudience"] == "AzureADMyOrg"
    assert app["uniqueName"] == setup.unique_name
    assert sim.state.service_principals[applied.sp_id]["appId"] == applied.client_id
    grants = [g for g in sim.state.grants.values() if g["clientId"] == applied.sp_id]
    assert len(grants) == 1 and grants[0]["consentType"] == "AllPrincipals"
    assert grants[0]["scope"].split() == ["User.Read"]
    states = {(p.step_id, p.state) for p in seen}
    assert ("create_app", "done") in states and ("verify_consent", "done") in states
    assert ("secret", "pending") in states
    assert applied.tenant_id == sim.tenant_id


def test_rerun_has_nothing_to_do_and_writes_nothing(sim, graph, who, target, clock, tmp_path):
    setup = pexip_setup(graph, who, target, clock, tmp_path)
    applied = setup.apply(setup.plan())
    setup.secret_delivered(setup.create_secret(applied))  # the user holds it
    again = pexip_setup(graph, who, target, clock, tmp_path)
    writes = graph.writes
    plan = again.plan()
    assert plan.nothing_to_do, plan.sentences()
    assert plan.steps == []
    again.apply(plan)
    assert graph.writes == writes
    assert len(apps_named(sim, "Pexip Scheduling Personal VMRs")) == 1


def test_interrupted_apply_then_rerun_makes_no_duplicate_and_no_second_secret(sim, graph, who, target, clock, tmp_path):
    setup = pexip_setup(graph, who, target, clock, tmp_path)
    plan = setup.plan()
    cancel = threading.Event()

    def stop_after_app(progress):
        if progress.step_id == "create_app" and progress.state == "done":
            cancel.set()

    from wizard.clock import Cancelled

    with pytest.raises(Cancelled):
        setup.apply(plan, stop_after_app, cancel)
    assert len(apps_named(sim, "Pexip Scheduling Personal VMRs")) == 1
    assert setup.journal.get("app_object_id")
    # A new run (new Setup, same state dir) continues where it stopped.
    again = pexip_setup(graph, who, target, clock, tmp_path)
    plan2 = again.plan()
    assert "create_app" not in [s.kind for s in plan2.steps]
    assert "create_sp" in [s.kind for s in plan2.steps]
    applied = again.apply(plan2)
    again.secret_delivered(again.create_secret(applied))
    assert len(apps_named(sim, "Pexip Scheduling Personal VMRs")) == 1
    third = pexip_setup(graph, who, target, clock, tmp_path).plan()
    assert third.nothing_to_do, third.sentences()
    app = sim.state.applications[applied.object_id]
    assert len(app["passwordCredentials"]) == 1


def test_upsert_repeated_after_lost_answer_updates_the_same_app(clock, tmp_path):
    from wizard.simtenant.faults import FaultPlan, FaultRule

    faults = FaultPlan(rules=[FaultRule("drop_after", path=r"^/v1.0/applications\(uniqueName=", method="PATCH", nth=(1,))])
    sim = make_sim(clock, faults=faults)
    target = demo_target(sim)
    http = target.http_client()
    signin, who = sign_in(sim, target, http, clock)
    setup = pexip_setup(signin.graph, who, target, clock, tmp_path)
    applied = setup.apply(setup.plan())
    assert len(apps_named(sim, "Pexip Scheduling Personal VMRs")) == 1
    assert sim.state.applications[applied.object_id]["web"]["redirectUris"] == [PEXIP_URI]


def test_drifted_app_is_repaired(sim, graph, who, target, clock, tmp_path):
    setup = pexip_setup(graph, who, target, clock, tmp_path)
    applied = setup.apply(setup.plan())
    app = sim.state.applications[applied.object_id]
    # Drift: a wrong redirect URI, the permission replaced by the application form of another,
    # ID tokens switched on, the SPA platform holding the vendor URI.
    app["web"]["redirectUris"] = ["https://px01.example.com/wrong"]
    app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] = True
    app["spa"]["redirectUris"] = [PEXIP_URI]
    app["requiredResourceAccess"] = [{
        "resourceAppId": "00000003-0000-0000-c000-000000000000",
        "resourceAccess": [{"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}],  # User.Read.All app
    }]
    plan = pexip_setup(graph, who, target, clock, tmp_path).plan()
    sentences = plan.sentences()
    assert f"Add Web redirect URI {PEXIP_URI}" in sentences
    assert any("Remove Web redirect URI https://px01.example.com/wrong" in s for s in sentences)
    assert any(s.startswith("Add delegated permission User.Read") for s in sentences)
    assert any("User.Read.All" in s and s.startswith("Remove application permission") for s in sentences)
    assert any("Single-page application" in s for s in sentences)
    assert any("Turn off implicit grant of ID tokens" in s for s in sentences)
    fixer = pexip_setup(graph, who, target, clock, tmp_path)
    fixer.apply(plan)
    app = sim.state.applications[applied.object_id]
    assert app["web"]["redirectUris"] == [PEXIP_URI]
    assert app["spa"]["redirectUris"] == []
    assert app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is False
    assert app["requiredResourceAccess"] == [{
        "resourceAppId": "00000003-0000-0000-c000-000000000000",
        "resourceAccess": [{"id": USER_READ, "type": "Scope"}],
    }]
    after = pexip_setup(graph, who, target, clock, tmp_path).plan()
    assert after.nothing_to_do or [s.kind for s in after.steps] == ["secret"], after.sentences()


def test_wrong_type_permission_is_refused_before_any_write(sim, graph, who, target, clock, tmp_path):
    from dataclasses import replace

    from wizard.errors import InputError
    from wizard.profiles import Permission

    profile = get_profile("syncsign")
    wrong = replace(profile, permissions=(Permission("graph", "00000003-0000-0000-c000-000000000000", "Calendars.Read.Shared", "application"),))
    answers = wrong.validate({"sops_domain": "sops.example.com"})
    setup = Setup(wrong, answers, graph, who, target, clock=clock, state_dir=tmp_path)
    writes = graph.writes
    with pytest.raises(InputError, match="only as a delegated"):
        setup.plan()
    assert graph.writes == writes


def test_replication_delay_and_throttling_are_survived_with_visible_retries(clock, tmp_path):
    from wizard.simtenant.faults import FaultPlan, FaultRule

    faults = FaultPlan(
        app_invisible_reads=3, sp_invisible_reads=2, app_flap=[False, True, False],
        rules=[FaultRule("throttle", path=r"^/v1.0/servicePrincipals$", method="POST", nth=(1, 2), retry_after="2")],
    )
    sim = make_sim(clock, faults=faults)
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock)
    setup = pexip_setup(signin.graph, who, target, clock, tmp_path)
    seen = []
    applied = setup.apply(setup.plan(), seen.append)
    retry_details = [p.detail for p in seen if p.state == "retrying"]
    assert any("still replicating" in d for d in retry_details), retry_details
    assert any("throttling" in d for d in retry_details), retry_details
    assert 2 in clock.slept  # Retry-After honoured
    assert len(apps_named(sim, "Pexip Scheduling Personal VMRs")) == 1
    assert len([s for s in sim.state.service_principals.values() if s["appId"] == applied.client_id]) == 1


@pytest.mark.parametrize("user", [PLAIN_USER])
def test_plain_user_is_refused_before_any_write(clock, tmp_path, user):
    sim = make_sim(clock)
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock, as_user=user)
    setup = pexip_setup(signin.graph, who, target, clock, tmp_path)
    before = len(sim.state.applications)
    with pytest.raises(RoleError, match="Application Administrator"):
        setup.check_roles()
    with pytest.raises(RoleError):
        setup.apply(setup.plan())
    assert signin.graph.writes == 0
    assert len(sim.state.applications) == before


def test_app_admin_may_consent_to_exchange_application_permissions(clock, tmp_path):
    """Application Administrator may grant app roles of any API but Microsoft Graph: innovaphone's
    Exchange full_access_as_app is theirs (permissions-reference, Application Administrator)."""
    sim = make_sim(clock)
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock, as_user=APP_ADMIN)
    profile = get_profile("innovaphone")
    answers = profile.validate({"mailbox": "calendar-sync@contoso.onmicrosoft.com"})
    setup = Setup(profile, answers, signin.graph, who, target, clock=clock, state_dir=tmp_path)
    assert setup.check_roles() is None
    applied = setup.apply(setup.plan())
    sp = sim.state.service_principals[applied.sp_id]
    exchange = sim.state.sp_by_app_id("00000002-0000-0ff1-ce00-000000000000")
    granted = {r["id"]: r["value"] for r in exchange["appRoles"]}
    assert [granted[a["appRoleId"]] for a in sim.state.assignments_of(sp["id"])] == ["full_access_as_app"]
