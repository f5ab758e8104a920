"""Verify mode in the app: after sign-in the admin picks the registration to check by name,
and the plan shows what differs in plain words (simulated tenant "flexo_drifted")."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from screens.header import WizardHeader
from screens.pick_app import PickAppScreen
from screens.plan import PlanScreen
from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from app_helpers import make_app, make_session, showing, text_of, wait_for

pytestmark = pytest.mark.anyio
SIZE = (80, 24)
FLEXO_URI = "https://flexo.example.com/oauth/office365"


async def to_pick(pilot, app) -> None:
    """FlexO, its redirect URI, "verify", sign in: until the list of registrations is shown."""
    await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
    await pilot.press(*FLEXO_URI)
    app.screen.query_one("#mode").focus()
    await pilot.press("down", "enter")  # RadioSet: "verify an existing registration"
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    await pilot.press("a")
    app.session.clock.gate.set()
    await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
    await pilot.press("enter")
    await wait_for(pilot, lambda: showing(app, PickAppScreen) and bool(app.screen.apps), "the registrations")
    await pilot.pause()


async def test_verify_lists_the_tenants_app_by_name_and_the_plan_shows_the_drift():
    app = make_app(make_session(scenario="flexo_drifted"), vendor="flexo")
    async with app.run_test(size=SIZE) as pilot:
        await to_pick(pilot, app)
        assert "Step 4 of 9: Existing app" in str(app.screen.query_one(WizardHeader).render())
        names = [str(option.prompt) for option in app.screen.query_one(OptionList).options]
        assert len(names) == 1 and names[0].startswith("FlexO Teams Online Meetings")
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        picked = app.session.existing
        assert picked.display_name == "FlexO Teams Online Meetings" and picked.match == "displayName"
        plan = app.screen.plan
        assert plan.existing is not None and not plan.nothing_to_do  # the drifted app, not a new one
        assert not any(step.kind == "create_app" for step in plan.steps)
        assert "OnlineMeetings.ReadWrite" in text_of(app.screen)
        await pilot.press("escape")  # back: the list again, then the questions with the answers kept
        await wait_for(pilot, lambda: showing(app, PickAppScreen), "the list again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        assert app.session.mode == "verify"
        assert app.screen.query_one("#input-redirect_uri").value == FLEXO_URI


async def test_verify_with_nothing_found_says_so_and_a_client_id_can_be_typed():
    app = make_app(make_session(), vendor="flexo")  # the plain demo tenant has no FlexO app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press(*FLEXO_URI)
        app.screen.query_one("#mode").focus()
        await pilot.press("down", "enter", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        await pilot.press("a")
        app.session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, PickAppScreen) and "No registration" in text_of(app.screen),
                       "the empty list")
        assert app.screen.query_one("#pa-id").has_focus
        await pilot.press(*"not-a-guid", "enter")
        await wait_for(pilot, lambda: "GUID" in text_of(app.screen), "the refusal")
        assert isinstance(app.screen, PickAppScreen)


def test_snapshot_pick_app(snap_compare):
    app = make_app(make_session(scenario="flexo_drifted"), vendor="flexo")
    assert snap_compare(app, terminal_size=SIZE, run_before=lambda pilot: to_pick(pilot, app))
