"""A settling tenant's answers that peers retry, and retried POSTs Microsoft had applied.

Each case runs a vendor's create path through `Setup` (real MSAL and httpx against the
simulated tenant, one FakeClock) with fault rules answering the exact error bodies real
tenants send (`wizard.simtenant.faults.CONSISTENCY_ERRORS`; docs/DESIGN.md cites the
tracker threads). The wizard waits those out (bounded, visible as "retrying"), fails at
once on a 404 that is not about what it just created, and after "applied, then 504" takes
the conflict answer to the Graph client's retry as success once the read-back matches.
"""

from __future__ import annotations

import re

import pytest

from test_faults_matrix import Run, tenant_invariants
from wizard.errors import WizardError
from wizard.simtenant import FaultPlan, FaultRule

ASSIGN = r"^/v1\.0/servicePrincipals/[^/]+/appRoleAssignedTo$"
SP_POST = r"^/v1\.0/servicePrincipals$"
GRANT_POST = r"^/v1\.0/oauth2PermissionGrants$"


def answered(run, method, path):
    return [r[2] for r in run.sim.requests if r[0] == method and re.search(path, r[1])]


@pytest.mark.parametrize(("vendor", "method", "path", "answer"), [
    ("innovaphone", "POST", ASSIGN, "reference_update"),
    ("pexip", "POST", SP_POST, "backing_app"),
    ("innovaphone", "POST", SP_POST, "backing_app"),
    ("pexip", "POST", r"/addPassword$", "concurrency"),
], ids=["reference_update", "backing_app-pexip", "backing_app-innovaphone", "concurrency"])
def test_consistency_answers_are_waited_out_visibly(clock, tmp_path, vendor, method, path, answer):
    rule = FaultRule("error", path=path, method=method, nth=(1, 2, 3), answer=answer)
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), vendor)
    try:
        progress = []
        run.flow(on_progress=progress.append) if answer != "concurrency" else None
        if answer == "concurrency":
            setup = run.setup()
            applied = setup.apply(setup.plan())
            run.secret = setup.create_secret(applied, on_progress=progress.append)
        codes = answered(run, method, path)
        assert codes[:3] == [rule.status] * 3 and codes[3] < 300, codes
        retrying = [p.detail for p in progress if p.state == "retrying"]
        assert retrying, "the wait must be visible"
        if answer == "concurrency":
            assert any("Directory_ConcurrencyViolation" in d for d in retrying), retrying
        else:
            assert any("replicating" in d for d in retrying), retrying
        assert sum(clock.slept) < 120
        tenant_invariants(run.sim, vendor, finished=True)
    finally:
        run.close()


def test_consistency_answers_that_never_stop_end_in_a_clear_error(clock, tmp_path):
    rule = FaultRule("error", path=ASSIGN, method="POST", answer="reference_update")  # every time
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), "innovaphone")
    try:
        with pytest.raises(WizardError) as info:
            run.flow()
        assert "replicating" in info.value.message and info.value.next_step
        assert 10 < sum(clock.slept) <= 200  # bounded
        tenant_invariants(run.sim, "innovaphone", finished=False)
    finally:
        run.close()


def test_a_404_about_something_else_fails_fast(clock, tmp_path):
    """A 404 naming an object the wizard did not just create is no replication delay."""
    rule = FaultRule("error", path=ASSIGN, method="POST", answer="not_found")
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), "innovaphone")
    try:
        setup = run.setup()
        plan = setup.plan()
        before = sum(clock.slept)
        with pytest.raises(WizardError) as info:
            setup.apply(plan)
        assert info.value.status == 404
        assert answered(run, "POST", ASSIGN) == [404], "asked once, not retried"
        assert sum(clock.slept) - before < 30  # only the new SP's own visibility reads waited
    finally:
        run.close()


def test_a_409_right_after_the_create_is_retried_on_patch(clock, tmp_path):
    """PATCH /applications/{id} answers 409 for a moment after the create (Terraform retries it)."""
    run = Run(clock, tmp_path, FaultPlan(), "pexip")
    try:
        run.flow()
        rule = FaultRule("error", path=r"^/v1\.0/applications/[0-9a-f-]+$", method="PATCH", nth=(1, 2),
                         answer="app_conflict")
        run.sim.faults.rules.append(rule)
        app = tenant_invariants(run.sim, "pexip", finished=True)["app"]
        wanted = {k: list(app[k]["redirectUris"]) for k in ("spa", "web") if app[k]["redirectUris"]}
        for k in wanted:  # someone removed the redirect URIs in the portal: the re-run repairs them
            app[k]["redirectUris"] = []
        setup = run.setup()
        progress = []
        setup.apply(setup.plan(), progress.append)
        assert answered(run, "PATCH", rule.path)[:3] == [409, 409, 204]
        assert any(p.state == "retrying" for p in progress)
        assert wanted and all(app[k]["redirectUris"] == v for k, v in wanted.items())
    finally:
        run.close()


@pytest.mark.parametrize(("vendor", "path"), [
    ("pexip", SP_POST), ("innovaphone", SP_POST), ("pexip", GRANT_POST), ("innovaphone", ASSIGN),
], ids=["sp-pexip", "sp-innovaphone", "grant", "assignment"])
@pytest.mark.parametrize("how", ["gateway_timeout_after", "drop_after"])
def test_an_applied_post_whose_answer_was_lost_is_taken_as_done(clock, tmp_path, vendor, path, how):
    """Microsoft applied the POST, then the gateway timed out (504, retried by the Graph client)
    or the connection dropped: the conflict answer to the retry is read back and is success."""
    rule = FaultRule(how, path=path, method="POST", nth=(1,))
    run = Run(clock, tmp_path, FaultPlan(rules=[rule]), vendor)
    try:
        run.flow()  # no error: the first run finishes
        codes = answered(run, "POST", path)
        assert codes[0] == 201, codes  # applied
        if how == "gateway_timeout_after" and path != SP_POST:
            assert codes[1] in (400, 409), codes  # the retry met its own write…
        assert len([c for c in codes if c == 201]) == 1, codes  # …and nothing was created twice
        tenant_invariants(run.sim, vendor, finished=True)
    finally:
        run.close()
