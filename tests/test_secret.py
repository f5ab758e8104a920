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
    assert len(sim.state.applications[applied.object_id]["passwordCredentials"]) == 1


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
