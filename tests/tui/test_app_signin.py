"""Sign-in in the app: device code, approve/decline through the simulated tenant, Esc."""

from __future__ import annotations

import pytest

from screens.error import ErrorScreen
from screens.header import WizardHeader
from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from textual.widgets import Input, Static

from app_helpers import make_app, make_session, text_of, to_questions, wait_for

pytestmark = pytest.mark.anyio


# -- answers, then on to sign-in ----------------------------------------------------

async def test_bad_answer_names_the_field_keeps_the_text_then_good_answer_goes_on():
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        field = app.screen.query_one("#input-addin_fqdn", Input)
        assert field.has_focus
        await pilot.press(*"px01 vc.example.com")
        await pilot.press("ctrl+s")
        error = str(app.screen.query_one("#error-addin_fqdn", Static).render())
        assert "Add-in server FQDN" in error
        assert "px01.vc.example.com" in error  # the example
        assert field.value == "px01 vc.example.com" and field.has_focus
        assert isinstance(app.screen, QuestionsScreen)
        field.value = ""
        await pilot.press(*"px01.vc.example.com")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in screen")
        assert app.session.answers["addin_fqdn"] == "px01.vc.example.com"
        assert app.session.mode == "create"
        assert "Step 3 of 8" in str(app.screen.query_one(WizardHeader).render())


async def test_repeatable_answers_take_several_values():
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "loop")
        await pilot.press(*"rooms@contoso.com, lm2@contoso.com")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in screen")
        assert app.session.answers["service_account"] == ["rooms@contoso.com", "lm2@contoso.com"]
        assert "Step 3 of 7" in str(app.screen.query_one(WizardHeader).render())  # no secret step


async def test_verify_mode_is_chosen_with_the_keyboard():
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com")
        app.screen.query_one("#mode").focus()
        await pilot.press("down", "enter")  # RadioSet: move to "verify", select it
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in screen")
        assert app.session.mode == "verify"



# -- sign-in ------------------------------------------------------------------------------------


async def to_signin(pilot, app) -> None:
    await to_questions(pilot, app)
    await pilot.press(*"px01.vc.example.com")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in screen")
    await wait_for(pilot, lambda: app.screen.state == "waiting" and app.session.clock.held.is_set(), "the code")


async def test_sign_in_shows_the_code_then_who_signed_in():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_signin(pilot, app)
        code = session.device_code.user_code
        shown = text_of(app.screen)
        assert " " not in code and code in shown  # contiguous, exactly as Microsoft gives it
        assert session.device_code.verification_uri in shown
        await pilot.press("c")
        assert app._clipboard == code and " " not in app._clipboard
        await pilot.press("a")  # demo: approve now, in the simulated tenant
        session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in to finish")
        assert "Signed in" in text_of(app.screen)
        assert session.who.username == "admin@contoso.onmicrosoft.com"
        assert "contoso.onmicrosoft.com" in str(app.screen.query_one(WizardHeader).render())


async def test_escape_during_sign_in_cancels_the_poll_and_keeps_the_answers():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_signin(pilot, app)
        signin_screen = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionsScreen), "the questions")
        assert signin_screen.cancel.is_set()
        await wait_for(pilot, lambda: not any(w.is_running for w in app.workers if w.group == "signin"), "the poll to stop")
        assert app.screen.query_one("#input-addin_fqdn", Input).value == "px01.vc.example.com"


async def test_declined_sign_in_shows_the_error_screen():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_signin(pilot, app)
        session.sim.decline_device_code(session.device_code.user_code)
        session.clock.gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error screen")
        error = app.screen.error
        assert error.message and error.next_step
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "back on sign-in")
        assert app.screen.state == "failed"
        assert app.screen.check_action("retry", ()) is True


async def test_after_a_failed_sign_in_m_opens_the_manual_checklist():
    from screens.manual import ManualScreen

    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_signin(pilot, app)
        session.sim.decline_device_code(session.device_code.user_code)
        session.clock.gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error screen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "back on sign-in")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualScreen), "the manual checklist")


async def test_manual_flag_goes_from_the_questions_to_the_checklist():
    from screens.manual import ManualScreen

    session = make_session()
    session.manual = True
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.vc.example.com", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualScreen), "the manual checklist")
        assert session.who is None  # nobody signed in
