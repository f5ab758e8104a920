"""Secrets inventory: the wizard's registrations and their secrets' expiry, on the simulated tenant."""

from __future__ import annotations

import datetime as dt

import pytest

from wizard import inventory
from wizard.profiles import get_profile
from wizard.setup import Setup

DAY = 86400


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_app(graph, who, target, clock, tmp_path, fqdn="px01.example.com"):
    """A wizard-managed Pexip registration without any secret."""
    profile = get_profile("pexip")
    setup = Setup(profile, profile.validate({"addin_fqdn": fqdn}), graph, who, target, clock=clock,
                  state_dir=tmp_path / fqdn)
    return setup.apply(setup.plan())


def add_secret(graph, object_id, clock, days, name="vendor secret"):
    body = {"passwordCredential": {"displayName": name, "endDateTime": iso(clock.now() + days * DAY)}}
    return graph.post(f"/applications/{object_id}/addPassword", json=body)


def wait_visible(graph, object_id, clock):
    """The demo tenant hides a new app for a second or two (replication by clock time), like Microsoft."""
    from wizard.graph import GraphError

    for _ in range(5):
        try:
            return graph.get(f"/applications/{object_id}")
        except GraphError as exc:
            assert exc.status == 404
            clock.sleep(1.0)
    raise AssertionError("the app never became visible")


@pytest.mark.parametrize("days, state", [(-1, "expired"), (0.5, "expiring"), (10, "expiring"),
                                         (29.9, "expiring"), (30.1, "ok"), (400, "ok")])
def test_secret_state_boundaries(days, state):
    now = 1_790_000_000.0
    assert inventory.secret_state(now + days * DAY, now) == state


def test_parse_time_takes_graph_fractions_and_offsets():
    assert inventory.parse_time("2026-01-31T12:00:00Z") == inventory.parse_time("2026-01-31T12:00:00.0000000Z")
    assert inventory.parse_time("2026-01-31T13:00:00+01:00") == inventory.parse_time("2026-01-31T12:00:00Z")
    assert inventory.parse_time("soon") is None and inventory.parse_time(None) is None


def test_lists_managed_apps_with_flags_and_never_values(sim, graph, who, target, clock, tmp_path):
    applied = make_app(graph, who, target, clock, tmp_path)
    soon = add_secret(graph, applied.object_id, clock, 10, "soon")
    later = add_secret(graph, applied.object_id, clock, 300, "later")
    old = add_secret(graph, applied.object_id, clock, 40, "old")
    # an app the admin made by hand: not listed unless all_apps
    added = clock.now()
    hand = graph.post("/applications", json={"displayName": "Hand made"})
    wait_visible(graph, hand["id"], clock)
    clock.advance(added + 20 * DAY - clock.now())  # "old" now has 20 days left; "soon" is gone past
    apps = inventory.list_secrets(graph, now=clock.now())
    assert [a.client_id for a in apps] == [applied.client_id]
    app = apps[0]
    assert app.managed and app.vendor == "pexip" and app.state == "expired"
    assert [(s.display_name, s.state) for s in app.secrets] == [("soon", "expired"), ("old", "expiring"), ("later", "ok")]
    assert app.secrets[1].days_left == 20 and "expires in 20 days" in app.secrets[1].sentence()
    assert app.secrets[0].key_id == soon["keyId"] and app.secrets[0].hint == soon["hint"]
    assert app.newest().key_id == later["keyId"]
    for s in app.secrets:
        assert s.hint and len(s.hint) == 3
    text = repr(apps)
    for created in (soon, later, old):
        assert created["secretText"] not in text
    everything = inventory.list_secrets(graph, all_apps=True, now=clock.now())
    names = {a.display_name: a for a in everything}
    assert "Hand made" in names and not names["Hand made"].managed and names["Hand made"].state == "none"


def test_app_is_found_by_unique_name_when_its_tags_were_removed(sim, graph, who, target, clock, tmp_path):
    applied = make_app(graph, who, target, clock, tmp_path)
    graph.patch(f"/applications/{applied.object_id}", json={"tags": []})
    apps = inventory.list_secrets(graph, now=clock.now())
    assert [a.client_id for a in apps] == [applied.client_id]
    assert apps[0].vendor == "pexip" and apps[0].state == "none"


def test_most_urgent_app_first(sim, graph, who, target, clock, tmp_path):
    fine = make_app(graph, who, target, clock, tmp_path, "px01.example.com")
    urgent = make_app(graph, who, target, clock, tmp_path, "px02.example.com")
    add_secret(graph, fine.object_id, clock, 200)
    add_secret(graph, urgent.object_id, clock, 5)
    apps = inventory.list_secrets(graph, now=clock.now())
    assert [a.client_id for a in apps] == [urgent.client_id, fine.client_id]
    assert [a.state for a in apps] == ["expiring", "ok"]


def test_find_app_by_client_id(sim, graph, who, target, clock, tmp_path):
    from wizard.errors import MicrosoftError

    applied = make_app(graph, who, target, clock, tmp_path)
    assert inventory.find_app(graph, applied.client_id, clock.now()).object_id == applied.object_id
    with pytest.raises(MicrosoftError) as missing:
        inventory.find_app(graph, "00000000-1111-4222-8333-444444444444", clock.now())
    assert "Application (client) ID" in missing.value.message
