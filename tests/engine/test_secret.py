"""Client secret: created once with a descriptive name, app policies explained, saved only on request."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import make_sim, sign_in
from wizard.profiles import get_profile
from wizard.secret import SecretBanned, allowed_months_from
from wizard.setup import Setup
from wizard.target import demo_target


def applied_pexip(sim, clock, tmp_path):
    target = demo_target(sim)
    signin, who = sign_in(sim, target, target.http_client(), clock)
    profile = get_profile("pexip")
    setup = Setup(profile, profile.validate({"addin_fqdn": "px01.example.com"}), signin.graph, who, target,
                  clock=clock, state_dir=tmp_path)
    return setup, setup.apply(setup.plan())


def test_secret_is_created_once_with_a_descriptive_name(sim, clock, tmp_path):
    setup, applied = applied_pexip(sim, clock, tmp_path)
    seen = []
    secret = setup.create_secret(applied, on_progress=seen.append)
    app = sim.state.applications[applied.object_id]
    assert [c["keyId"] for c in app["passwordCredentials"]] == [secret.key_id]
    assert sim.state.secrets[(applied.object_id, secret.key_id)] == secret.value
    assert app["passwordCredentials"][0]["displayName"].startswith("m365-wizard pexip ")
    assert secret.months == 24
    assert secret.value not in repr(secret) and secret.value not in str(secret)
    assert [p.state for p in seen] == ["running", "done"]
    assert secret.value not in " ".join(p.detail for p in seen)
    journal = setup.journal.path.read_text()
    assert secret.key_id in journal and secret.value not in journal
    assert stat.S_IMODE(os.stat(setup.journal.path).st_mode) == 0o600


def test_lifetime_policy_steps_down_and_says_so(clock, tmp_path):
    from wizard.simtenant.faults import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(secret_max_lifetime_days=200))
    setup, applied = applied_pexip(sim, clock, tmp_path)
    seen = []
    secret = setup.create_secret(applied, on_progress=seen.append)
    assert secret.months == 6  # 24 and 18 and 12 refused, 6 months = 180 days allowed
    assert any("does not allow a 24-month secret" in p.detail for p in seen if p.state == "retrying")
    assert "policy" in secret.notes[0]
    # The note names what was asked (24), not the last lifetime refused on the way down (12).
    assert secret.notes == ("Your organisation's policy does not allow a 24-month secret; "
                            "the wizard created one valid 6 months instead.",)
    assert len(sim.state.applications[applied.object_id]["passwordCredentials"]) == 1
    done = [p for p in seen if p.state == "done"]
    assert done and "valid 6 months" in done[-1].sentence and "valid 24 months" not in done[-1].sentence


@pytest.mark.parametrize("stated", ["The maximum lifetime is 180 days.", "maxLifetime P180D", "maxLifetime 180.00:00:00"])
def test_a_policy_that_states_its_maximum_is_used_at_once(stated):
    """No 24 → 18 → 12 → 6 walk when Microsoft said the maximum: straight from 24 to 6."""
    from wizard.graph import GraphError
    from wizard.secret import create_secret

    tried = []

    class Graph:
        requests = 0

        def post(self, path, json=None, **kw):
            end = json["passwordCredential"]["endDateTime"]
            tried.append(end[:10])
            if len(tried) == 1:
                raise GraphError("refused", status=400, code="CredentialInvalidLifetimeAsPerAppPolicy",
                                 graph_message=f"Credential lifetime exceeds the max value allowed as per assigned policy. {stated}")
            return {"secretText": "s3cr3t-value", "keyId": "k1", "endDateTime": end}

    secret = create_secret(Graph(), "obj", vendor_name="pexip", months=24, now=0.0)
    assert secret.months == 6 and tried == ["1971-12-31", "1970-06-29"]


def test_banned_secrets_are_explained(clock, tmp_path):
    from wizard.simtenant.faults import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(secrets_banned=True))
    setup, applied = applied_pexip(sim, clock, tmp_path)
    with pytest.raises(SecretBanned) as info:
        setup.create_secret(applied)
    assert "needs one" in info.value.message and "Global Administrator" in info.value.next_step
    assert info.value.code == "CredentialTypeNotAllowedAsPerAppPolicy"


def test_save_to_file_is_private_and_only_the_value(sim, clock, tmp_path):
    setup, applied = applied_pexip(sim, clock, tmp_path)
    secret = setup.create_secret(applied)
    path = secret.save_to_file(tmp_path / "secret.txt")
    assert open(path).read() == secret.value + "\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_allowed_months_parsing():
    assert allowed_months_from("max lifetime is 180 days") == 6
    assert allowed_months_from("maximum P90D") == 3
    assert allowed_months_from("at most 12 months") == 12
    assert allowed_months_from("Credential lifetime exceeds the max value allowed as per assigned policy 'x'.") is None


# ---------------------------------------------------------------- a dropped addPassword


def _unseen(setup):
    return setup.journal.get("unseen_credentials") or []


def test_drop_after_add_password_removes_the_lost_secret_and_creates_one(clock, tmp_path):
    """Microsoft applied addPassword, the answer was lost: that secret's value is gone for
    good. The wizard removes it (by its per-attempt displayName) and creates one more."""
    from wizard.simtenant import FaultPlan, FaultRule

    rule = FaultRule("drop_after", path=r"/addPassword$", method="POST", nth=(1,))
    sim = make_sim(clock, faults=FaultPlan(rules=[rule]))
    setup, applied = applied_pexip(sim, clock, tmp_path)
    seen = []
    secret = setup.create_secret(applied, on_progress=seen.append)
    assert rule.seen == 2  # two addPassword calls; the first one's answer was lost
    creds = sim.state.applications[applied.object_id]["passwordCredentials"]
    assert [c["keyId"] for c in creds] == [secret.key_id]
    assert sim.state.secrets[(applied.object_id, secret.key_id)] == secret.value
    adds = [r for r in sim.requests if r[1].endswith("/addPassword")]
    removes = [r for r in sim.requests if r[1].endswith("/removePassword")]
    assert [r[2] for r in adds] == [200, 200] and [r[2] for r in removes] == [204]
    assert any(p.state == "retrying" and "removed that secret" in p.detail for p in seen)
    assert _unseen(setup) == []  # nothing left to clean up
    assert secret.value not in setup.journal.path.read_text()


def test_each_add_password_attempt_has_its_own_display_name(clock, tmp_path):
    from wizard.secret import secret_display_name

    a, b = secret_display_name("pexip", 0.0), secret_display_name("pexip", 0.0)
    assert a != b and a.startswith("m365-wizard pexip 1970-01-01 ")


def test_a_lost_secret_that_cannot_be_checked_is_removed_by_the_next_run(clock, tmp_path):
    """The connection drops after addPassword and stays down for the read-back: a plain
    error naming addPassword. The journal remembers the attempt's name (never a value);
    the re-run's plan does not count that secret, and create_secret removes it first."""
    from wizard.errors import MicrosoftError
    from wizard.simtenant import FaultPlan, FaultRule

    add = FaultRule("drop_after", path=r"/addPassword$", method="POST", nth=(1,))
    sim = make_sim(clock, faults=FaultPlan(rules=[add]))
    setup, applied = applied_pexip(sim, clock, tmp_path)
    down = FaultRule("drop", path=rf"^/v1\.0/applications/{applied.object_id}$", method="GET")
    sim.faults.rules.append(down)
    with pytest.raises(MicrosoftError) as info:
        setup.create_secret(applied)
    assert "addPassword" in info.value.message and info.value.next_step
    (orphan,) = sim.state.applications[applied.object_id]["passwordCredentials"]
    assert [e["name"] for e in _unseen(setup)] == [orphan["displayName"]]

    sim.faults.rules.remove(down)  # the network is back; a new run with the same journal
    again = Setup(setup.profile, setup.answers, setup.graph, setup.who, setup.target, clock=clock, state_dir=tmp_path)
    plan = again.plan()
    assert plan.needs_secret, "a secret whose value nobody holds must not count as the app's secret"
    seen = []
    secret = again.create_secret(again.apply(plan), on_progress=seen.append)
    creds = sim.state.applications[applied.object_id]["passwordCredentials"]
    assert [c["keyId"] for c in creds] == [secret.key_id]
    assert any("never received" in p.detail for p in seen if p.state == "retrying")
    assert _unseen(again) == []


def test_two_dropped_add_passwords_give_up_plainly_and_leave_no_secret(clock, tmp_path):
    from wizard.errors import MicrosoftError
    from wizard.simtenant import FaultPlan, FaultRule

    rule = FaultRule("drop_after", path=r"/addPassword$", method="POST", nth=(1, 2))
    sim = make_sim(clock, faults=FaultPlan(rules=[rule]))
    setup, applied = applied_pexip(sim, clock, tmp_path)
    with pytest.raises(MicrosoftError) as info:
        setup.create_secret(applied)
    assert "addPassword" in info.value.message and "2 times" in info.value.message
    assert sim.state.applications[applied.object_id]["passwordCredentials"] == []
    assert _unseen(setup) == []
    secret = setup.create_secret(applied)  # and the re-run makes the one secret
    assert [c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]] == [secret.key_id]


def test_a_dropped_add_password_during_rotation_leaves_old_plus_one_new(clock, tmp_path):
    """Rotation has no journal: the same in-call clean-up keeps exactly old + new."""
    from wizard.secret import create_secret
    from wizard.simtenant import FaultRule

    sim = make_sim(clock)
    setup, applied = applied_pexip(sim, clock, tmp_path)
    old = setup.create_secret(applied)
    sim.faults.rules.append(FaultRule("drop_after", path=r"/addPassword$", method="POST", nth=(1,)))
    new = create_secret(setup.graph, applied.object_id, vendor_name="pexip", months=6, now=clock.now())
    keys = [c["keyId"] for c in sim.state.applications[applied.object_id]["passwordCredentials"]]
    assert sorted(keys) == sorted([old.key_id, new.key_id])


def test_secret_lifetimes_match_the_admin_center_choices():
    import datetime as dt

    from wizard.secret import _end_after, days_for

    assert [days_for(m) for m in (3, 6, 12, 18, 24)] == [90, 180, 365, 545, 730]
    start = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc).timestamp()
    # 24 months is 730 days, as the portal's "730 days (24 months)", not 720.
    assert _end_after(start, 24).startswith("2028-11-22T11:59")
