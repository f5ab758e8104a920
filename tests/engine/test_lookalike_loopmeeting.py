"""LoopMeeting beside a local look-alike (scenario `lookalike_loopmeeting`, issue 14 item 7).

A registration of this tenant named "LoopMeeting" sits beside the vendor's multi-tenant
enterprise app. The wizard never takes the first display-name match: only a multi-tenant app
owned by another organisation (servicePrincipal.appOwnerOrganizationId,
https://learn.microsoft.com/graph/api/resources/serviceprincipal) qualifies; several → listed
(publisher, app ID, created) and the admin chooses (headless: exit 2); the user role comes from
the SP's appRoles, the default access role only when it declares none.
"""

from __future__ import annotations

import json

import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from conftest import make_sim, sign_in
from wizard import cli, consent
from wizard.clock import FakeClock
from wizard.profiles import get_profile
from wizard.setup import Setup
from wizard.target import demo_target

SERVICE = "loopmeeting-svc@contoso.onmicrosoft.com"


def lookalike(clock, scenario="lookalike_loopmeeting"):
    sim = make_sim(clock, scenario=scenario)
    target = demo_target(sim)
    http = target.http_client()
    signin, who = sign_in(sim, target, http, clock)
    profile = get_profile("loopmeeting")
    setup = Setup(profile, profile.validate({"service_account": SERVICE}), signin.graph, who, target,
                  clock=clock, state_dir=None)
    return sim, setup


def sps_named(sim):
    return {("local" if s["appOwnerOrganizationId"] == sim.tenant_id else "vendor"): s
            for s in sim.state.service_principals.values() if s["displayName"] == "LoopMeeting"}


def assigned_to(sim, sp):
    return [a for a in sim.state.assignments.values() if a["resourceId"] == sp["id"]]


def test_the_scenario_has_both(clock):
    sim = make_sim(clock, scenario="lookalike_loopmeeting")
    both = sps_named(sim)
    assert set(both) == {"local", "vendor"}
    assert both["local"]["signInAudience"] == "AzureADMyOrg" and both["vendor"]["signInAudience"] == "AzureADMultipleOrgs"


def test_apply_assigns_the_service_account_to_the_vendors_app_never_the_lookalike(clock):
    sim, setup = lookalike(clock)
    both = sps_named(sim)
    plan = setup.plan()
    assert plan.existing.sp["id"] == both["vendor"]["id"]
    setup.apply(plan)
    assert [a["principalDisplayName"] for a in assigned_to(sim, both["vendor"])] == ["LoopMeeting Service"]
    assert assigned_to(sim, both["local"]) == []
    assert [s.client_id for s in setup.find_existing()] == [both["vendor"]["appId"]]


def test_several_multi_tenant_apps_are_listed_and_the_admin_chooses(clock):
    sim, setup = lookalike(clock)
    both = sps_named(sim)
    second = dict(both["vendor"], id="9d3a0c55-0000-4000-8000-000000000001",
                  appId="9d3a0c55-0000-4000-8000-000000000002", appOwnerOrganizationId="5f0c0000-0000-4000-8000-00000000abcd",
                  verifiedPublisher={"displayName": "Loop Meeting Clone Ltd", "verifiedPublisherId": "1", "addedDateTime": None})
    sim.state.service_principals[second["id"]] = second
    with pytest.raises(consent.AmbiguousEnterpriseApp) as info:
        setup.plan()
    assert info.value.exit_code == 2
    message = info.value.message
    assert both["vendor"]["appId"] in message and second["appId"] in message and both["local"]["appId"] in message
    assert "publisher LoopMeeting" in message and "publisher Loop Meeting Clone Ltd" in message
    assert "a registration of this tenant" in message and "created " in message
    assert "--client-id-app" in info.value.next_step
    assert assigned_to(sim, both["vendor"]) == [] and assigned_to(sim, second) == []
    # The admin's choice (the TUI's pick or --client-id-app) decides.
    [chosen] = [s for s in setup.find_existing(both["vendor"]["appId"])]
    plan = setup.plan(existing=chosen)
    setup.apply(plan)
    assert len(assigned_to(sim, both["vendor"])) == 1 and assigned_to(sim, second) == []


def test_choosing_the_lookalike_is_refused(clock):
    from wizard.errors import InputError

    sim, setup = lookalike(clock)
    setup.enterprise_app_id = sps_named(sim)["local"]["appId"]
    with pytest.raises(InputError) as info:
        setup.plan()
    assert "registered in this tenant" in info.value.message


def test_the_users_role_comes_from_the_apps_roles(clock):
    sim, setup = lookalike(clock)
    vendor = sps_named(sim)["vendor"]
    vendor["appRoles"] = [{"id": "6c1a7b2e-1111-4222-8333-444455556666", "displayName": "Scheduler",
                           "value": "Scheduler", "isEnabled": True, "allowedMemberTypes": ["User"],
                           "description": "d", "origin": "Application"}]
    setup.apply(setup.plan())
    [a] = assigned_to(sim, vendor)
    assert a["appRoleId"] == "6c1a7b2e-1111-4222-8333-444455556666"
    assert consent.user_role_for({"appRoles": []}) == consent.DEFAULT_ACCESS_ROLE


def test_headless_apply_stops_with_exit_2_listing_them(capsys, monkeypatch, tmp_path):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    sim = simtenant.SimTenant(scenario="lookalike_loopmeeting", clock=fake, auto_approve_after=0)
    vendor = sps_named(sim)["vendor"]
    other = dict(vendor, id="9d3a0c55-0000-4000-8000-000000000003", appId="9d3a0c55-0000-4000-8000-000000000004",
                 appOwnerOrganizationId="5f0c0000-0000-4000-8000-00000000abcd")
    sim.state.service_principals[other["id"]] = other
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    argv = ["--demo", "apply", "--vendor", "loopmeeting", "--set", f"service_account={SERVICE}", "--json"]
    code = cli.main(argv)
    out = capsys.readouterr()
    assert code == 2
    error = json.loads(out.out)["error"]
    assert vendor["appId"] in error["message"] and other["appId"] in error["message"]
    assert not [a for a in sim.state.assignments.values() if a["resourceId"] in (vendor["id"], other["id"])]
    # and with the choice, it assigns to the chosen one
    code = cli.main(argv + ["--client-id-app", vendor["appId"]])
    capsys.readouterr()
    assert code == 0
    assert len([a for a in sim.state.assignments.values() if a["resourceId"] == vendor["id"]]) == 1


def test_the_scenario_is_served_by_name():
    assert "lookalike_loopmeeting" in simtenant.scenarios.available()


@pytest.mark.parametrize("how", ["gateway_timeout_after", "drop_after"])
def test_a_user_assignment_microsoft_applied_before_the_answer_was_lost_is_done(clock, how):
    """Issue 14 item 5 for user assignments: the retried POST meets its own write ("already exists"),
    the read-back matches, the step succeeds, and there is one assignment."""
    from wizard.simtenant import FaultRule

    sim, setup = lookalike(clock)
    rule = FaultRule(how, path=r"^/v1\.0/servicePrincipals/[^/]+/appRoleAssignedTo$", method="POST", nth=(1,))
    sim.faults.rules.append(rule)
    setup.apply(setup.plan())
    assert rule.seen >= 1
    assert len(assigned_to(sim, sps_named(sim)["vendor"])) == 1
