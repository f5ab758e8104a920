"""Golden: innovaphone Calendar app-only (vendor-docs/002), read back through Graph."""

import pytest

from conftest import read_back, run_vendor
from wizard.errors import InputError

EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
FULL_ACCESS_AS_APP = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
MAILBOX = "calendar-sync@contoso.onmicrosoft.com"


def test_innovaphone_registration_matches_the_vendor_page(sim, graph, who, target, clock, tmp_path):
    setup, applied, secret = run_vendor("innovaphone", {"mailbox": MAILBOX}, graph, who, target, clock, tmp_path)
    got = read_back(graph, applied)
    app = got["app"]
    assert app["web"]["redirectUris"] == []
    assert app["signInAudience"] == "AzureADMyOrg"
    # The manifest part of the guide, exactly.
    assert app["requiredResourceAccess"] == [
        {"resourceAppId": EXCHANGE, "resourceAccess": [{"id": FULL_ACCESS_AS_APP, "type": "Role"}]}]
    [assignment] = got["assignments"]
    exchange_sp = graph.get(f"/servicePrincipals(appId='{EXCHANGE}')")
    assert (assignment["appRoleId"], assignment["resourceId"]) == (FULL_ACCESS_AS_APP, exchange_sp["id"])
    assert got["grants"] == []
    snippet = setup.snippet(applied.client_id, secret.value)
    rows = [(r.label, r.value) for r in snippet.rows]
    assert [label for label, _ in rows] == [
        "Sync-Type", "User", "Autodiscover URL", "Exchange server to be used", "Client ID", "Tenant ID",
        "Supported account", "Client Secret", "Max subscriptions per connection", "EWS protocol debugging"]
    values = dict(rows)
    assert values["User"] == MAILBOX and values["Client ID"] == applied.client_id
    assert values["Tenant ID"] == sim.tenant_id and values["Supported account"] == "My organization only"
    assert values["Client Secret"] == secret.value
    # "lookup" (the default): Autodiscover V2 on the tenant's Exchange Online names the server
    # (the simulator answers on the host that was asked: the demo's Exchange host).
    assert values["Autodiscover URL"] == "https://outlook.simtenant.test"
    assert f"Autodiscover V2 found https://outlook.simtenant.test for {MAILBOX}; the settings use it " \
           "('Autodiscover URL')." in setup.last_plan.notes
    assert ("GET", f"/autodiscover/autodiscover.json/v1.0/{MAILBOX}", 200) in sim.requests


@pytest.mark.parametrize(("choice", "shown"), [("standard", "https://autodiscover-s.outlook.com"),
                                               ("empty", "(leave empty)")])
def test_innovaphone_autodiscover_standard_or_empty_looks_nothing_up(choice, shown, sim, graph, who, target, clock,
                                                                      tmp_path):
    setup, applied, secret = run_vendor("innovaphone", {"mailbox": MAILBOX, "autodiscover": choice},
                                        graph, who, target, clock, tmp_path)
    assert setup.snippet(applied.client_id, secret.value).value("Autodiscover URL") == shown
    assert not [r for r in sim.requests if r[1].startswith("/autodiscover/")]
    # the note keeps the address to look the server up by hand (the vendor's troubleshooting)
    assert any(f"autodiscover.json/v1.0/{MAILBOX}?Protocol=AutodiscoverV1" in n for n in setup.last_plan.notes)
    assert not any(n.startswith("Autodiscover V2") for n in setup.last_plan.notes)


def test_innovaphone_autodiscover_lookup_failure_falls_back_with_a_reason(clock, tmp_path):
    from conftest import make_sim, sign_in
    from wizard.simtenant import FaultPlan, FaultRule
    from wizard.target import demo_target

    sim = make_sim(clock, faults=FaultPlan(rules=[FaultRule("unavailable", path="^/autodiscover/")]))
    target = demo_target(sim)
    with target.http_client() as http:
        signin, who = sign_in(sim, target, http, clock)
        setup, applied, secret = run_vendor("innovaphone", {"mailbox": MAILBOX}, signin.graph, who, target, clock,
                                            tmp_path)
        assert setup.snippet(applied.client_id, secret.value).value("Autodiscover URL") == \
            "https://autodiscover-s.outlook.com"
    [note] = [n for n in setup.last_plan.notes if n.startswith("Autodiscover V2")]
    assert note.startswith(f"Autodiscover V2 did not find the server for {MAILBOX}: outlook.simtenant.test answered "
                           "HTTP 503. The settings use https://autodiscover-s.outlook.com instead ('Autodiscover URL').")
    assert "Next" not in note and f"Check that {MAILBOX} has a mailbox" in note
    assert applied.client_id  # the failed lookup stopped nothing


def test_innovaphone_mailbox_must_be_a_real_user(sim, graph, who, target, clock, tmp_path):
    with pytest.raises(InputError, match="not a user") as info:
        run_vendor("innovaphone", {"mailbox": "nobody@contoso.onmicrosoft.com"}, graph, who, target, clock, tmp_path)
    assert graph.writes == 0
    # People see the question's label; scripts and the questions screen get the key.
    assert info.value.field == "User (mailbox email address)" and info.value.key == "mailbox"
    assert str(info.value).startswith("User (mailbox email address): nobody@")
