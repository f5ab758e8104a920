"""Resume in the TUI (issue 17 item 6): an Apply stopped mid-way shows each step as it really
ended, and starting the same vendor again brings back the answers and says what was done."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static

from app_helpers import GateClock, make_app, showing, to_questions, wait_for
from screens.apply import ApplyScreen
from screens.plan import PlanScreen
from screens.questions import QuestionsScreen
from screens.session import WizardSession
from screens.signin import SignInScreen
from screens.widgets.step_list import StepList
from wizard.clock import Cancelled

pytestmark = pytest.mark.anyio


class HoldClock(GateClock):
    """A GateClock that, while `hold` is set, keeps every wait until it is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = threading.Event()
        self.holding = threading.Event()

    def sleep(self, seconds: float, cancel=None) -> None:
        if self.gate.is_set() and self.hold.is_set():
            self.holding.set()
            while cancel is None or not cancel.is_set():
                threading.Event().wait(0.005)
            raise Cancelled()
        super().sleep(seconds, cancel)


def session_on(sim, clock, state_dir) -> WizardSession:
    from wizard.target import demo_target

    return WizardSession(clock=clock, target=demo_target(sim), sim=sim, state_dir=state_dir,
                         keep_last_run=True, place="demo")


async def sign_in_and_plan(pilot, app, session) -> None:
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    await pilot.press("a")
    session.clock.gate.set()
    await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
    await pilot.press("enter")
    await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.view is not None, "the plan", tries=1000)


async def test_a_stopped_apply_shows_done_and_not_done_then_a_restart_brings_the_answers_back(tmp_path):
    from wizard.simtenant import SimTenant

    clock = HoldClock()
    sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=None)
    state = tmp_path / "state"
    session = session_on(sim, clock, state)
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "pexip")
        await pilot.press(*"px01.vc.example.com", "ctrl+s")
        await sign_in_and_plan(pilot, app, session)
        clock.hold.set()  # the next wait (the new app replicating) holds until Esc
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, ApplyScreen), "the apply screen")
        await wait_for(pilot, clock.holding.is_set, "a wait during apply", tries=1000)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.state == "stopped", "the stop", tries=1000)
        states = app.screen.query_one(StepList).states()
        status = str(app.screen.query_one("#apply-status", Static).render())
        detail = app.screen.query_one(StepList).row("create_app").detail
    assert states["create_app"] == "done", states  # the registration was created: never "Cancelled"
    assert "changed in Microsoft" in detail
    assert [s for s, state in states.items() if state != "pending"] == ["create_app"], states
    assert not any(state == "failed" for state in states.values())
    assert f"1 of {len(states)} changes were made" in status
    assert sim.state.app_by_unique_name(session.setup.unique_name) is not None

    # Start again (a new process: a new session), the same tenant and state folder.
    clock2 = GateClock()
    clock.hold.clear()  # the tenant keeps its own clock; waits are instant again
    clock.advance(60.0)  # a minute later: the new app has replicated
    again = session_on(sim, clock2, state)
    app2 = make_app(again)
    async with app2.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app2, "pexip")
        field = app2.screen.query_one("#input-addin_fqdn")
        resume = " ".join(str(app2.screen.query_one("#resume", Static).render()).split())
        assert field.value == "px01.vc.example.com"
        assert "was stopped during Apply: 1 of" in resume
        assert "done: Create the app registration 'Pexip Scheduling Personal VMRs'" in resume
        await pilot.press("ctrl+s")
        await sign_in_and_plan(pilot, app2, again)
        kinds = [s.kind for s in app2.screen.view.plan.steps]
    assert "create_app" not in kinds and "create_sp" in kinds  # the plan does only what is missing


async def test_an_unfinished_run_elsewhere_or_typed_text_is_not_overwritten(tmp_path):
    from wizard.resume import LastRun, LastRuns

    LastRuns(tmp_path).write("demo", LastRun("pexip", {"addin_fqdn": "px09.example.com"}, saved=1_790_000_000.0))
    session = WizardSession(clock=GateClock(), tenant_hint="x", state_dir=tmp_path, keep_last_run=True, place="demo")
    session.choose_vendor("pexip")
    session.draft()["addin_fqdn"] = "typed.example.com"
    assert session.take_resume() is None and session.draft()["addin_fqdn"] == "typed.example.com"
    elsewhere = WizardSession(clock=GateClock(), tenant_hint="x", state_dir=tmp_path, keep_last_run=True,
                              place="global-organizations")
    elsewhere.choose_vendor("pexip")
    assert elsewhere.take_resume() is None and not elsewhere.draft()


def resumed_app(tmp_path, record):
    from wizard.resume import LastRuns

    LastRuns(tmp_path).write("demo", record)
    session = WizardSession(clock=GateClock(), tenant_hint="contoso.onmicrosoft.com (demo)", state_dir=tmp_path,
                            keep_last_run=True, place="demo")
    return make_app(session, vendor=record.vendor)


def test_snapshot_questions_filled_in_from_an_interrupted_run(snap_compare, tmp_path):
    from wizard.resume import LastRun, StepRecord

    record = LastRun("flexo", {"redirect_uri": ["https://flexo.example.com/oauth"], "secret_months": 24,
                               "info_url": "https://flexo.example.com"},
                     stage="applying", tenant="contoso.onmicrosoft.com", saved=1_790_000_000.0, steps=(
                         StepRecord("create_app", "Create the app registration 'FlexO Teams Online Meetings'", "done"),
                         StepRecord("implicit:enableIdTokenIssuance", "Turn on implicit grant of ID tokens", "done"),
                         StepRecord("create_sp", "Create the enterprise application", "pending")))

    async def shown(pilot):
        await wait_for(pilot, lambda: showing(pilot.app, QuestionsScreen), "the questions")
        await pilot.pause()

    assert snap_compare(resumed_app(tmp_path, record), terminal_size=(80, 24), run_before=shown)


def test_snapshot_apply_stopped_while_the_new_app_replicates(snap_compare, tmp_path):
    """80x24: Esc while the new registration replicates: it is marked made, the rest not made."""
    from wizard.simtenant import SimTenant

    clock = HoldClock()
    sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=None)
    session = session_on(sim, clock, tmp_path / "state")
    app = make_app(session)

    async def stopped(pilot):
        await to_questions(pilot, app, "pexip")
        await pilot.press(*"px01.vc.example.com", "ctrl+s")
        await sign_in_and_plan(pilot, app, session)
        clock.hold.set()
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, ApplyScreen), "the apply screen")
        await wait_for(pilot, clock.holding.is_set, "a wait during apply", tries=1000)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.state == "stopped", "the stop", tries=1000)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=stopped)
