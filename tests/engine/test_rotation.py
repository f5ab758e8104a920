"""Secret rotation: add + test, show once, retire the old one only after confirmation."""

from __future__ import annotations

import pytest

from test_inventory import DAY, add_secret, make_app
from wizard import inventory, rotation
from wizard.errors import InputError, MicrosoftError
from wizard.profiles import get_profile


def expiring_app(graph, who, target, clock, tmp_path, days=10):
    applied = make_app(graph, who, target, clock, tmp_path)
    old = add_secret(graph, applied.object_id, clock, days, "m365-wizard pexip old")
    app = inventory.list_secrets(graph, now=clock.now())[0]
    return applied, old, app


def test_expiring_secret_is_flagged_rotated_and_old_kept_until_confirmed(sim, graph, who, target, clock, tmp_path):
    applied, old, app = expiring_app(graph, who, target, clock, tmp_path)
    assert app.state == "expiring" and app.secrets[0].days_left == 10
    profile = get_profile("pexip")
    notes = []
    rot = rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock, profile=profile,
                          on_progress=notes.append)
    assert rot.ok, rot.report.checks
    assert rot.old_key_ids == (old["keyId"],)
    assert [r.label for r in rot.update_rows] == ["Azure OAuth client secret"]
    assert rot.update_rows[0].value == rot.new.value and rot.update_rows[0].secret
    # the value is shown once: not in repr, not in any progress line or check
    assert rot.new.value not in repr(rot) and not any(rot.new.value in n for n in notes)
    assert not any(rot.new.value in c.reason for c in rot.report.checks)
    keys = {c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]}
    assert keys == {old["keyId"], rot.new.key_id}  # both live until the vendor switched
    removed = rotation.retire_old(graph, rot)
    assert removed == [old["keyId"]]
    keys = {c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]}
    assert keys == {rot.new.key_id}
    assert rotation.retire_old(graph, rot) == []  # again: nothing left to do, no error
    after = rotation.refreshed(graph, app, clock.now())
    assert after.state == "ok" and after.secrets[0].key_id == rot.new.key_id


def test_new_secret_that_microsoft_accepts_late_is_retried(clock, tmp_path):
    from conftest import make_sim, sign_in
    from wizard.simtenant.faults import FaultPlan
    from wizard.target import demo_target

    sim = make_sim(clock, faults=FaultPlan(secret_delay_seconds=9.0))
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock)
    _, _, app = expiring_app(signin.graph, who, target, clock, tmp_path)
    notes = []
    rot = rotation.rotate(signin.graph, app, target=target, tenant_id=who.tenant_id, clock=clock,
                          profile=get_profile("pexip"), on_progress=notes.append)
    assert rot.ok and rot.report.attempts > 1
    assert any("AADSTS7000215" in n for n in notes)


def test_innovaphone_rotation_checks_the_app_role_in_the_token(sim, graph, who, target, clock, tmp_path):
    from conftest import run_vendor

    _, applied, first = run_vendor("innovaphone", {"mailbox": "calendar-sync@contoso.onmicrosoft.com"},
                                   graph, who, target, clock, tmp_path)
    app = inventory.find_app(graph, applied.client_id, clock.now())
    rot = rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock,
                          profile=get_profile("innovaphone"))
    assert rot.ok, rot.report.checks
    assert any(c.name == "application permissions" and c.ok for c in rot.report.checks)
    assert rot.old_key_ids == (first.key_id,)
    assert [r.label for r in rot.update_rows] == ["Client Secret"]


def test_retire_refuses_when_the_new_secret_is_gone(sim, graph, who, target, clock, tmp_path):
    applied, old, app = expiring_app(graph, who, target, clock, tmp_path)
    rot = rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock, profile=get_profile("pexip"))
    graph.post(f"/applications/{applied.object_id}/removePassword", json={"keyId": rot.new.key_id})
    with pytest.raises(MicrosoftError) as refused:
        rotation.retire_old(graph, rot)
    assert "old secrets were kept" in refused.value.message
    keys = {c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]}
    assert old["keyId"] in keys
    with pytest.raises(InputError):
        rotation.retire_old(graph, rot, [rot.new.key_id])


def test_retire_only_the_chosen_secrets(sim, graph, who, target, clock, tmp_path):
    applied, old, app = expiring_app(graph, who, target, clock, tmp_path)
    other = add_secret(graph, applied.object_id, clock, 200, "another system")
    app = inventory.find_app(graph, applied.client_id, clock.now())
    rot = rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock,
                          profile=get_profile("pexip"), retire=[old["keyId"]])
    assert rotation.retire_old(graph, rot) == [old["keyId"]]
    keys = {c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]}
    assert keys == {other["keyId"], rot.new.key_id}
    with pytest.raises(InputError):
        rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock, retire=["nope"])


def test_loopmeeting_has_nothing_to_rotate(sim, graph, who, target, clock, tmp_path):
    _, _, app = expiring_app(graph, who, target, clock, tmp_path)
    with pytest.raises(InputError):
        rotation.rotate(graph, app, target=target, tenant_id=who.tenant_id, clock=clock,
                        profile=get_profile("loopmeeting"))


def test_clock_moves_secret_from_ok_to_expiring(sim, graph, who, target, clock, tmp_path):
    applied = make_app(graph, who, target, clock, tmp_path)
    add_secret(graph, applied.object_id, clock, 45)
    assert inventory.find_app(graph, applied.client_id, clock.now()).state == "ok"
    clock.advance(35 * DAY)
    assert inventory.find_app(graph, applied.client_id, clock.now()).state == "expiring"
