"""Directory roles (wizard.roles): held through a group, who may consent to what, unknown roles.

Against the simulated tenant's `role_via_group` scenario: the demo admin is Global
Administrator only through a role-assignable group.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

import wizard.commands as commands
from conftest import ADMIN, APP_ADMIN, make_sim, sign_in
from wizard import cli, roles
from wizard.clock import FakeClock
from wizard.errors import RoleError
from wizard.graph import GraphError
from wizard.profiles import get_profile
from wizard.setup import Setup
from wizard.simtenant.testing import graph_client
from wizard.simtenant.testing import sign_in as sim_token
from wizard.target import demo_target

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


def test_role_via_group_scenario_shapes_memberof_and_transitive(clock):
    # memberOf: direct memberships (the group); transitiveMemberOf: also the group's role
    # (https://learn.microsoft.com/graph/api/user-list-transitivememberof).
    sim = make_sim(clock, scenario="role_via_group")
    token = sim_token(sim, ADMIN)
    with graph_client(sim, token) as client:
        direct = client.get("/me/memberOf").json()["value"]
        assert [m["@odata.type"] for m in direct] == ["#microsoft.graph.group"]
        assert direct[0]["isAssignableToRole"] is True
        from wizard.simtenant import resources

        assert set(direct[0]) - {"@odata.type"} == set(resources.keys("group")) - resources.select_only("group")
        assert client.get("/me/memberOf/microsoft.graph.directoryRole").json()["value"] == []
        roles_ = client.get("/me/transitiveMemberOf/microsoft.graph.directoryRole").json()
        assert [r["roleTemplateId"] for r in roles_["value"]] == [GLOBAL_ADMIN]
        assert roles_["@odata.context"].endswith("#directoryRoles")
        groups = client.get("/me/transitiveMemberOf/microsoft.graph.group").json()["value"]
        assert [g["displayName"] for g in groups] == ["Entra Global Admins"]
    from wizard.roles import _jwt_claims

    assert "wids" not in _jwt_claims(token)  # the simulator leaves group-held roles out of wids


def test_sign_in_finds_a_role_held_through_a_group(clock, tmp_path):
    sim = make_sim(clock, scenario="role_via_group")
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock, as_user=ADMIN)
    assert roles.GLOBAL_ADMINISTRATOR in who.roles and who.roles_known
    for vendor, raw in (("innovaphone", {"mailbox": "calendar-sync@contoso.onmicrosoft.com"}),
                        ("pexip", {"addin_fqdn": "px01.example.com"})):
        profile = get_profile(vendor)
        setup = Setup(profile, profile.validate(raw), signin.graph, who, target, clock=clock, state_dir=tmp_path)
        assert setup.check_roles() is None


class _RefusingGraph:
    """A Graph that will not tell the roles (403 on every membership read)."""

    def get_all(self, path, params=None):
        raise GraphError("Insufficient privileges to complete the operation.", status=403, code="Authorization_RequestDenied")


def test_unknown_roles_warn_and_let_graph_decide():
    who = SimpleNamespace(username="op@contoso.com", roles=frozenset(), role_template_ids=frozenset(),
                          roles_known=False)
    warning = roles.check(get_profile("innovaphone"), who, _RefusingGraph())
    assert warning and "op@contoso.com" in warning and "Microsoft decides" in warning
    ids, names, known = roles.read(_RefusingGraph(), {})
    assert not known and not names
    # wids in the Graph access token is enough to know
    payload = json.dumps({"wids": [GLOBAL_ADMIN]}).encode()
    import base64

    token = "e30." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".sig"
    ids, names, known = roles.read(_RefusingGraph(), {}, token)
    assert known and roles.GLOBAL_ADMINISTRATOR in names


def _profile_with(resource_app_id: str, name: str):
    perm = SimpleNamespace(type="application", resource_app_id=resource_app_id, name=name)
    return SimpleNamespace(id="x", kind="registration", admin_consent=True, permissions=[perm])


def test_app_admin_may_grant_app_roles_of_any_api_but_microsoft_graph():
    # permissions-reference, Application Administrator: "...with the exception of application
    # permissions for Microsoft Graph".
    app_admin = SimpleNamespace(username="a@x", roles=frozenset({roles.APPLICATION_ADMINISTRATOR}),
                                role_template_ids=frozenset(), roles_known=True)
    exchange = _profile_with("00000002-0000-0ff1-ce00-000000000000", "full_access_as_app")
    assert roles.check(exchange, app_admin, None) is None
    assert "Application Administrator" in roles.consent_sentence(exchange)
    graph_app = _profile_with(roles.GRAPH_APP_ID, "Calendars.Read")
    with pytest.raises(RoleError, match="Global Administrator or a Privileged Role Administrator") as info:
        roles.check(graph_app, app_admin, None)
    assert "Calendars.Read" in info.value.message
    assert roles.consent_sentence(graph_app) == "by a Global Administrator or Privileged Role Administrator"
    pra = SimpleNamespace(username="p@x", roles=frozenset({roles.PRIVILEGED_ROLE_ADMINISTRATOR, roles.APPLICATION_ADMINISTRATOR}),
                          role_template_ids=frozenset(), roles_known=True)
    assert roles.check(graph_app, pra, None) is None


def test_the_checklist_and_plan_name_the_same_consenters():
    from wizard.manual import manual_checklist

    profile = get_profile("innovaphone")
    checklist = manual_checklist(profile, profile.validate({"mailbox": "calendar-sync@contoso.onmicrosoft.com"}))
    role_needed = dict(checklist.items[0].values)["Role needed"]
    assert "Application Administrator" in role_needed and "Microsoft Graph" in role_needed


@pytest.fixture
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    return fake


@pytest.mark.parametrize(("vendor", "sets"), [
    ("innovaphone", ["--set", "mailbox=calendar-sync@contoso.onmicrosoft.com"]),
    ("pexip", ["--set", "addin_fqdn=px01.example.com"]),
])
def test_headless_apply_on_a_served_role_via_group_tenant(capsys, fake_clock, tmp_path, monkeypatch, vendor, sets):
    """Acceptance (issue 14, item 2): `apply` succeeds when the admin's role comes through a group."""
    from wizard.simtenant import SimTenant
    from wizard.simtenant.server import serve

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    sim = SimTenant(scenario="role_via_group", clock=fake_clock, auto_approve_after=0)
    with serve(sim) as server:
        code = cli.main(["--simtenant", server.authority_host, "--ca-bundle", server.ca_path, "apply",
                         "--vendor", vendor, *sets, "--json", "--secret-file", str(tmp_path / "secret")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["token_test"]["ok"] is True
    assert any(r[1].endswith("/me/transitiveMemberOf/microsoft.graph.directoryRole") for r in sim.requests)


def test_the_fake_plan_sentence_is_the_engines():
    from screens_b_fakes import CONSENT_BY

    assert roles.consent_sentence(get_profile("syncsign")) == CONSENT_BY


def test_apply_goes_ahead_and_says_so_when_graph_will_not_tell_the_roles(clock, tmp_path):
    """Neither /me/transitiveMemberOf nor wids tells (the role comes through a group, the read is refused):
    the wizard warns, does not refuse, and Microsoft decides (here it allows: the admin holds the role)."""
    from wizard.simtenant.faults import FaultPlan, FaultRule

    refuse = FaultRule("error", path=r"/me/(transitiveMemberOf|memberOf)", status=403, code="Authorization_RequestDenied",
                       message="Insufficient privileges to complete the operation.")
    sim = make_sim(clock, faults=FaultPlan(rules=[refuse]), scenario="role_via_group")
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock, as_user=ADMIN)
    assert not who.roles_known
    profile = get_profile("pexip")
    setup = Setup(profile, profile.validate({"addin_fqdn": "px01.example.com"}), signin.graph, who, target,
                  clock=clock, state_dir=tmp_path)
    seen = []
    applied = setup.apply(setup.plan(), seen.append)
    assert applied.client_id
    roles_rows = [p for p in seen if p.step_id == "roles"]
    assert roles_rows and "Microsoft decides" in roles_rows[0].detail and ADMIN in roles_rows[0].detail
