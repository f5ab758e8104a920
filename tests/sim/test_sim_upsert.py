"""Upsert by uniqueName while the new app replicates (https://learn.microsoft.com/en-us/graph/api/application-upsert).

"If an application with the specified uniqueName doesn't exist, creates it … If it exists, updates it":
the key decides. An app that exists but is still replicating is updated (204) by a repeated upsert;
the simulator never answers "not found" and "already exists" for the same key.
"""

from __future__ import annotations

import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant
from wizard.simtenant.testing import graph_client, sign_in

KEY = "/applications(uniqueName='upsert-during-replication')"
PREFER = {"Prefer": "create-if-missing"}


@pytest.fixture
def sim():
    return SimTenant(clock=FakeClock(), faults=FaultPlan(app_invisible_reads=3))


@pytest.fixture
def admin(sim):
    with graph_client(sim, sign_in(sim)) as client:
        yield client


def test_a_repeated_upsert_while_replicating_updates_the_same_app(admin, sim):
    first = admin.patch(KEY, json={"displayName": "First"}, headers=PREFER)
    assert first.status_code == 201
    again = admin.patch(KEY, json={"displayName": "Second"}, headers=PREFER)
    assert again.status_code == 204, again.text
    ours = [a for a in sim.state.applications.values() if a.get("uniqueName") == "upsert-during-replication"]
    assert len(ours) == 1 and ours[0]["displayName"] == "Second"


def test_without_prefer_a_replicating_app_is_not_found_and_never_already_exists(admin):
    assert admin.patch(KEY, json={"displayName": "First"}, headers=PREFER).status_code == 201
    plain = admin.patch(KEY, json={"notes": "no Prefer"})
    assert plain.status_code == 404
    assert plain.json()["error"]["code"] == "Request_ResourceNotFound"
    answers = {admin.patch(KEY, json={"notes": "retry"}, headers=PREFER).status_code for _ in range(4)}
    assert answers == {204}
