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
    assert any(f"autodiscover.json/v1.0/{MAILBOX}?Protocol=AutodiscoverV1" in n for n in setup.last_plan.notes)


def test_innovaphone_mailbox_must_be_a_real_user(sim, graph, who, target, clock, tmp_path):
    with pytest.raises(InputError, match="not a user") as info:
        run_vendor("innovaphone", {"mailbox": "nobody@contoso.onmicrosoft.com"}, graph, who, target, clock, tmp_path)
    assert graph.writes == 0
    # People see the question's label; scripts and the questions screen get the key.
    assert info.value.field == "User (mailbox email address)" and info.value.key == "mailbox"
    assert str(info.value).startswith("User (mailbox email address): nobody@")
