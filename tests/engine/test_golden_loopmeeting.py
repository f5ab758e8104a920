"""Golden: LoopMeeting 'Configure O365 MSgraph and OAuth2' (vendor-docs/004), read back through Graph.

No registration is created: the vendor's multi-tenant app appears after the Central Config
consent; the wizard waits for it (bounded), shows its delegated grants and assigns the
service account under Users and groups (appRoleId 00000000-0000-0000-0000-000000000000).
"""

import pytest

from wizard.errors import MicrosoftError
from wizard.profiles import get_profile
from wizard.setup import Setup

SERVICE = "loopmeeting-svc@contoso.onmicrosoft.com"
DEFAULT_ROLE = "00000000-0000-0000-0000-000000000000"


def loop_setup(graph, who, target, clock, tmp_path, **kwargs):
    profile = get_profile("loopmeeting")
    return Setup(profile, profile.validate({"service_account": SERVICE}), graph, who, target,
                 clock=clock, state_dir=tmp_path, **kwargs)


def test_waits_for_the_consent_then_assigns_the_service_account(sim, graph, who, target, clock, tmp_path):
    setup = loop_setup(graph, who, target, clock, tmp_path)
    plan = setup.plan()
    assert [s.kind for s in plan.steps] == ["wait_enterprise_app", "assign_user", "verify_assignments"]
    seen = []

    def progress(p):
        seen.append(p)
        if p.step_id == "wait_enterprise_app" and p.state == "retrying" and len([x for x in seen if x.state == "retrying"]) == 3:
            sim.simulate_loopmeeting_consent()  # the admin presses "Get Access Token" and accepts

    writes = graph.writes
    applied = setup.apply(plan, progress)
    assert graph.writes == writes + 1  # exactly one assignment, nothing else written
    assert applied.object_id == "" and applied.client_id
    sp = graph.get(f"/servicePrincipals/{applied.sp_id}")
    assert sp["displayName"] == "LoopMeeting" and sp["appId"] == applied.client_id
    user = graph.get_all("/users", params={"$filter": f"userPrincipalName eq '{SERVICE}'"})[0]
    assigned = graph.get_all(f"/servicePrincipals/{applied.sp_id}/appRoleAssignedTo")
    assert [(a["principalId"], a["appRoleId"]) for a in assigned] == [(user["id"], DEFAULT_ROLE)]
    report = setup.test_token(applied.client_id, None)
    assert report.ok, report.checks
    assert "Calendars.ReadWrite" in report.checks[-1].reason
    again = loop_setup(graph, who, target, clock, tmp_path).plan()
    assert again.nothing_to_do
    assert "Calendars.ReadWrite" in [p.name for p in again.permissions]
    snippet = setup.snippet(applied.client_id)
    assert [(r.label, r.value) for r in snippet.rows] == [
        ("Enterprise application", "LoopMeeting"), ("Application (client) ID", applied.client_id),
        ("Tenant ID", sim.tenant_id), ("Service account(s)", SERVICE)]


def test_waiting_is_bounded(sim, graph, who, target, clock, tmp_path):
    # Nobody ever consents in LoopMeeting's Central Config (the demo tenant would, after 6 s).
    sim.scenario.flags.pop("loopmeeting_consent_after", None)
    setup = loop_setup(graph, who, target, clock, tmp_path, enterprise_app_wait=60)
    with pytest.raises(MicrosoftError, match="did not appear"):
        setup.apply(setup.plan())
    assert sum(clock.slept) <= 60
    assert graph.writes == 0


def test_plan_shows_the_vendor_grants_once_the_app_is_there(sim, graph, who, target, clock, tmp_path):
    sim.simulate_loopmeeting_consent()
    plan = loop_setup(graph, who, target, clock, tmp_path).plan()
    assert [s.kind for s in plan.steps] == ["assign_user", "verify_assignments"]
    assert plan.steps[0].sentence == f"Assign {SERVICE} to the LoopMeeting enterprise application (Users and groups)"
    assert {"Calendars.ReadWrite", "User.Read", "offline_access"} <= {p.name for p in plan.permissions}
    assert graph.writes == 0
