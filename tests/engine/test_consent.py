"""Admin consent: merge into an existing AllPrincipals grant; read back the actual grants."""

from conftest import run_vendor
from wizard import consent
from wizard.profiles import get_profile
from wizard.setup import Setup


def test_missing_scopes_are_merged_into_the_existing_grant(sim, graph, who, target, clock, tmp_path):
    setup, applied, _ = run_vendor("syncsign", {"sops_domain": "sops.example.com"}, graph, who, target, clock, tmp_path)
    [grant] = [g for g in sim.state.grants.values() if g["clientId"] == applied.sp_id]
    grant["scope"] = "User.Read offline_access"  # an admin removed consent for the calendars
    profile = get_profile("syncsign")
    again = Setup(profile, profile.validate({"sops_domain": "sops.example.com"}), graph, who, target, clock=clock, state_dir=tmp_path)
    plan = again.plan()
    [step] = [s for s in plan.steps if s.kind == "consent_delegated"]
    assert step.sentence.startswith("Grant admin consent for all users to Microsoft Graph: Calendars.Read ")
    # requiredResourceAccess still lists everything: the plan read the grant, not the request.
    assert not [s for s in plan.steps if s.kind.startswith("perm_")]
    again.apply(plan)
    grants = [g for g in sim.state.grants.values() if g["clientId"] == applied.sp_id]
    assert len(grants) == 1 and grants[0]["id"] == grant["id"]  # PATCHed, not a second grant
    assert set(grants[0]["scope"].split()) == {"User.Read", "offline_access", "Calendars.Read", "Calendars.Read.Shared",
                                               "Calendars.ReadWrite", "Calendars.ReadWrite.Shared"}


def test_verify_names_what_is_missing(sim, graph, who, target, clock, tmp_path):
    setup, applied, _ = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    graph_sp = setup.resolver.resource_sp("graph")["id"]
    assert consent.verify(graph, applied.sp_id, {graph_sp: ["User.Read"]}, []).ok
    check = consent.verify(graph, applied.sp_id, {graph_sp: ["User.Read", "Calendars.Read"]}, [(graph_sp, "x", "Some.Role")])
    assert not check.ok
    assert check.missing_scopes == ("Calendars.Read",) and check.missing_roles == ("Some.Role",)
