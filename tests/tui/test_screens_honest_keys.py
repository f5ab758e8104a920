"""Footer keys say what they do, and do it: no "Back" that goes forward."""

from __future__ import annotations

import pytest

from screens.signin import SignInScreen
from app_helpers import make_app, make_session as make_sim_session, showing, text_of, to_questions, wait_for
from screens_b_fakes import SECRET_VALUE
from test_screens_b_flow import ScreenApp, apply_app, secret_app, settle

pytestmark = pytest.mark.anyio


def footer_keys(app) -> dict[str, str]:
    """Key → label of every binding the footer shows now."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


async def test_apply_done_has_no_back_key_and_escape_does_not_go_forward():
    app = apply_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.state == "done"
        keys = footer_keys(app)
        assert keys.get("enter") == "Continue" and "escape" not in keys
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is ScreenApp.NO_RESULT  # still on the apply screen
        await pilot.press("enter")
        assert app.result is not None and app.result is not ScreenApp.NO_RESULT


async def test_apply_stopped_escape_says_and_goes_back_to_the_plan():
    app = apply_app(hold_at="grant_consent")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.session.setup.holding.wait(5)
        assert footer_keys(app).get("escape") == "Stop safely"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.state == "stopped"
        assert footer_keys(app).get("escape") == "Back to the plan"
        assert "Esc goes back to the plan" in str(app.screen.query_one("#apply-status").render())
        await pilot.press("escape")
        assert app.result is None  # None: the flow shows the plan again


async def test_secret_escape_is_labelled_go_on_unsaved_not_back():
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert keys.get("escape") == "Go on unsaved"
        assert "Back" not in " ".join(keys.values())
        assert "go on without storing it" in str(app.screen.query_one("#secret-keys").render())
        await pilot.press("escape")
        assert app.result is False  # the flow asks "Go on without it?" next


async def test_secret_refused_offers_try_again_and_go_on_without_a_secret():
    from wizard.errors import MicrosoftError

    app = secret_app()
    calls = []
    real = app.session.setup.create_secret

    def refuse_once(applied, months=None, on_progress=None):
        calls.append(1)
        if len(calls) == 1:
            raise MicrosoftError("Microsoft refused the secret (policy).")
        return real(applied, months, on_progress)

    app.session.setup.create_secret = refuse_once
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # closes the error screen
        await pilot.pause()
        keys = footer_keys(app)
        assert keys.get("escape") == "Go on without a secret" and keys.get("r") == "Try again"
        await pilot.press("r")
        await settle(pilot)
        assert len(calls) == 2 and app.session.secret is not None
        assert app.session.secret.value == SECRET_VALUE
        assert footer_keys(app).get("escape") == "Go on unsaved"


async def test_secret_flow_asks_before_going_on_and_the_question_fits_what_happened():
    from screens.confirm import ConfirmScreen
    from screens.secret import SecretScreen

    session = make_sim_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        await pilot.press("a")
        session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
        await pilot.press("enter")
        for name in ("PlanScreen", "ApplyScreen"):
            await wait_for(pilot, lambda: type(app.screen).__name__ == name
                           and (name != "ApplyScreen" or app.screen.state == "done")
                           and (name != "PlanScreen" or app.screen.plan is not None), name, tries=1000)
            await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, SecretScreen) and session.secret is not None, "the secret")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "not confirmed that you stored" in text_of(app.screen)
        await pilot.press("n")
        await wait_for(pilot, lambda: showing(app, SecretScreen), "the secret again")


async def test_demo_sign_in_says_plainly_what_a_does():
    session = make_sim_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        status = str(app.screen.query_one("#status").render())
        assert "Press a to approve the code as the demo admin" in " ".join(status.split())
        assert "approves now" not in status
        assert footer_keys(app).get("a") == "Approve (demo)"


async def test_secret_footer_fits_80_columns_with_help_still_visible():
    """Walk at 80x24 found "f1 Help" cut off: r/c are said in the secret's box, not the footer."""
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert "r" not in keys and "c" not in keys
        footer = app.screen.query_one("WizardFooter")
        width = sum(len(app.get_key_display(app.screen.active_bindings[k].binding)) + len(label) + 3
                    for k, label in keys.items())
        assert width + len(" f1 Help  ^q Quit ") <= footer.size.width
