"""--demo in the app: its accounts in the field help and in the "not a user" error, the "(demo)"
marker on every screen, an administrator as service account warned about on the plan, LoopMeeting
saying it is the simulated tenant, and one step counter for every screen of a path."""

from __future__ import annotations

import pytest

from screens.header import WizardHeader
from screens.plan import PlanScreen
from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from app_helpers import make_app, make_session, showing, text_of, to_questions, wait_for
from test_tui_paths import walk

pytestmark = pytest.mark.anyio
DOMAIN = "contoso.onmicrosoft.com"


def flat(text: str) -> str:
    """Screen text with its line wrapping undone."""
    return " ".join(text.split())


def header(app) -> str:
    return str(app.screen.query_one(WizardHeader).render())


async def sign_in(pilot, app, session, vendor: str, answer: str) -> None:
    await to_questions(pilot, app, vendor)
    await pilot.press(*answer, "ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    session.sim.approve_device_code(session.device_code.user_code)
    session.clock.gate.set()


async def test_demo_field_help_lists_the_accounts_and_a_real_tenant_does_not():
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "loopmeeting")
        text = flat(text_of(app.screen))
        placeholder = app.screen.query_one("#input-service_account").placeholder
    assert "The demo tenant's accounts (each with a mailbox):" in text
    assert "(each with a mailbox)" in text and f"loopmeeting-svc@{DOMAIN}; administrators:" in text
    assert f"admin@{DOMAIN} (Global Administrator)" in text
    assert placeholder == f"e.g. loopmeeting-svc@{DOMAIN}"  # an example that works in the demo tenant

    app = make_app()  # not --demo
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "loopmeeting")
        assert "demo tenant" not in text_of(app.screen)


async def test_not_a_user_is_shown_under_the_field_with_the_demo_accounts():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "innovaphone", f"calendar@{DOMAIN}")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "done", "the sign-in")
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, QuestionsScreen) and app.screen.problem is not None,
                       "the answer Microsoft refused")
        await pilot.pause()
        error = flat(str(app.screen.query_one("#error-mailbox").render()))
    assert f"calendar@{DOMAIN} is not a user in this tenant" in error
    assert f"calendar-sync@{DOMAIN} (shared mailbox)" in error
    assert f"for example: calendar-sync@{DOMAIN}" in error


async def test_demo_marker_stays_after_sign_in_and_an_admin_account_is_warned_about_on_the_plan():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "loopmeeting")
        assert "(demo)" in header(app) or "demo tenant" in header(app)
        await pilot.press(*f"admin@{DOMAIN}", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        session.sim.approve_device_code(session.device_code.user_code)
        session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
        assert f"{DOMAIN} (demo)" in header(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        await pilot.pause()
        assert f"{DOMAIN} (demo)" in header(app)
        text = flat(text_of(app.screen))
    assert f"admin@{DOMAIN} (Service account(s)) is an administrator" in text
    assert "Global Administrator" in text
    assert "simulated tenant" in text  # LoopMeeting: the demo plays the vendor's consent


async def test_demo_loopmeeting_result_says_it_was_the_simulated_tenant():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "loopmeeting", f"loopmeeting-svc@{DOMAIN}")
        await walk(pilot, app, session, until=lambda name: name == "ResultScreen")
        await wait_for(pilot, lambda: app.screen.is_mounted and bool(app.screen.children), "the result")
        text = flat(text_of(app.screen))
        assert f"{DOMAIN} (demo)" in header(app)
    assert "This was the simulated demo tenant" in text
    assert "Then, in the LoopMeeting" not in text


@pytest.mark.parametrize("vendor,answer", [("pexip", "px01.vc.example.com"),
                                           ("loopmeeting", f"loopmeeting-svc@{DOMAIN}")])
async def test_one_step_counter_on_every_screen_of_a_path(vendor, answer):
    """The "of M" is the same on every screen from the questions on, and N follows the path."""
    session = make_session()
    app = make_app(session)
    totals, numbers = set(), []
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, vendor)
        totals.add(header(app).split(" of ")[1].split(":")[0])
        await pilot.press(*answer, "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        session.sim.approve_device_code(session.device_code.user_code)
        session.clock.gate.set()

        def record(name: str) -> bool:
            """Note the header's numbers on every screen of the walk; stop on the result."""
            if app.screen.is_mounted and app.screen.query(WizardHeader):
                text = header(app)
                if " of " in text:
                    totals.add(text.split(" of ")[1].split(":")[0])
                    number = int(text.split("Step ")[1].split(" of ")[0])
                    if not numbers or numbers[-1] != number:
                        numbers.append(number)
            return name == "ResultScreen" and numbers[-1] == len(session.steps())

        await walk(pilot, app, session, until=record)
    expected = [step for step, _ in session.steps()]
    assert totals == {str(len(expected))}, totals
    assert numbers == list(range(3, len(expected) + 1))  # sign-in on, one step at a time
    assert len(expected) == (7 if vendor == "loopmeeting" else 8)


async def test_verify_counts_the_same_steps_before_and_after_the_plan():
    """Verify mode on a drifted app that keeps its secret: "Step 4 of 9" on the list and "of 9" on
    the plan (the count used to drop to 8 once the plan knew no secret would be made)."""
    from test_app_pick import to_pick

    app = make_app(make_session(scenario="flexo_drifted"), vendor="flexo")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_pick(pilot, app)
        assert "Step 4 of 9: Existing app" in header(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        await pilot.pause()
        assert "Step 5 of 9: Plan" in header(app)
        assert app.session.view is not None
