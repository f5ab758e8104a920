"""The last run of a vendor (wizard/resume.py): its answers come back, never a secret, and each
planned change is recorded as it really ended (done, or not done) — after a stop and after a kill."""

from __future__ import annotations

import threading

import pytest

from conftest import ADMIN, sign_in
from wizard.apply import STOPPED_AFTER_CHANGE
from wizard.clock import Cancelled
from wizard.run import Run

PEXIP = {"addin_fqdn": "px01.vc.example.com"}


def new_run(sim, target, clock, tmp_path, signin=None) -> Run:
    run = Run(clock=clock, target=target, sim=sim, state_dir=tmp_path / "state", keep_last_run=True, place="demo")
    run.ensure_connected()
    run.signin, run.who = signin or sign_in(sim, target, run.http, clock, as_user=ADMIN)
    run.choose_vendor("pexip")
    return run


def files_text(folder) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_the_answers_come_back_and_no_secret_is_written(sim, target, clock, tmp_path):
    run = new_run(sim, target, clock, tmp_path)
    try:
        run.set_answers(run.vendor.validate(PEXIP))
        run.make_plan()
        run.apply()
        secret = run.create_secret()
        assert secret.value and len(secret.value) > 20
        written = files_text(tmp_path / "state")
        assert "px01.vc.example.com" in written, "the answers are kept"
        assert secret.value not in written, "the secret value is never written"
        assert secret.value[3:] not in written
        # The next start of the same vendor (a new process) is offered these answers …
        again = Run(clock=clock, target=target, sim=sim, state_dir=tmp_path / "state", keep_last_run=True, place="demo")
        again.choose_vendor("pexip")
        offer = again.resume_offer()
        assert offer is not None and offer.answers["addin_fqdn"] == "px01.vc.example.com"
        assert offer.stage == "applied" and all(s.done for s in offer.steps)
        assert [s.id for s in offer.steps][-1] == "secret"
        # … another place is not, and a finished run offers nothing.
        other = Run(clock=clock, state_dir=tmp_path / "state", keep_last_run=True, place="global-fabrikam.com")
        other.choose_vendor("pexip")
        assert other.resume_offer() is None
        run.finish()
        assert again.resume_offer() is None
    finally:
        run.close()


def test_a_stop_mid_step_records_what_microsoft_really_did(sim, target, clock, tmp_path):
    """Esc while the new app replicates: the registration exists, so its step is done, not 'Cancelled'."""
    run = new_run(sim, target, clock, tmp_path)
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.step_id == "create_app" and p.state == "running":
            cancel.set()  # the PATCH goes out; the wait for the new app to show is then stopped

    try:
        run.set_answers(run.vendor.validate(PEXIP))
        view = run.make_plan()
        with pytest.raises(Cancelled):
            run.apply(progress, cancel)
        create = [p for p in seen if p.step_id == "create_app"][-1]
        assert create.state == "done" and create.detail == STOPPED_AFTER_CHANGE
        assert not any(p.state == "failed" for p in seen)
        assert any(a.get("displayName") == "Pexip Scheduling Personal VMRs"
                                   for a in sim.state.applications.values()), "the app was really created"
        offer = Run(clock=clock, state_dir=tmp_path / "state", keep_last_run=True, place="demo")
        offer.choose_vendor("pexip")
        record = offer.resume_offer()
        assert record.stage == "stopped"
        assert [s.id for s in record.done_steps] == ["create_app"]
        assert len(record.steps) == len(view.plan.steps)
        assert run.stop_summary() == f"1 of {len(view.plan.steps)} changes were made (marked ok); the others were not."
    finally:
        run.close()


def test_after_a_kill_the_next_start_says_what_was_done(sim, target, clock, tmp_path):
    run = new_run(sim, target, clock, tmp_path)

    def killed(p):
        if p.step_id == "create_sp" and p.state == "running":
            raise KeyboardInterrupt  # the process dies here: nothing after this is written

    try:
        run.set_answers(run.vendor.validate(PEXIP))
        run.make_plan()
        with pytest.raises(KeyboardInterrupt):
            run.apply(killed)
    finally:
        run.close()
    again = Run(clock=clock, state_dir=tmp_path / "state", keep_last_run=True, place="demo")
    again.choose_vendor("pexip")
    record = again.resume_offer()
    assert record is not None and record.stage == "applying"
    assert [s.id for s in record.done_steps] == ["create_app"]
    words = "\n".join(record.words("Pexip"))
    assert "interrupted during Apply" in words and "1 of" in words
    assert "done: Create the app registration 'Pexip Scheduling Personal VMRs'" in words
    assert ("under way when it stopped (the wizard checks it again): Create the enterprise application "
            "(service principal)") in words  # killed in the middle of it: not said to be done
    assert "done: Create the enterprise application" not in words
    # The same answers again keep that record (it is still the truth about the tenant) …
    again.set_answers(again.vendor.validate(PEXIP))
    assert again.resume_offer().stage == "applying"
    # … other answers start a new one.
    again.set_answers(again.vendor.validate({"addin_fqdn": "px02.vc.example.com"}))
    assert again.resume_offer().stage == "answered"


def test_without_keep_last_run_nothing_is_written(sim, target, clock, tmp_path):
    run = Run(clock=clock, target=target, sim=sim, state_dir=tmp_path / "state")
    run.choose_vendor("pexip")
    run.set_answers(run.vendor.validate(PEXIP))
    assert not (tmp_path / "state" / "last-run").exists() and run.resume_offer() is None
