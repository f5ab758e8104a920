"""The app shell driven like a person would: keyboard only, 80x24, a seeded
simulated tenant and a FakeClock (nothing really sleeps; the test decides when
the device code is approved).
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from screens.confirm import ConfirmScreen
from screens.header import WizardHeader
from screens.help import HelpScreen
from screens.questions import QuestionsScreen
from screens.vendor import VendorScreen
from app_helpers import make_app, text_of, to_questions, wait_for

pytestmark = pytest.mark.anyio


# -- vendor and questions ------------------------------------------------------------


async def test_filter_then_enter_picks_the_vendor():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, VendorScreen), "the vendor list")
        assert app.screen.query_one(OptionList).option_count == 5
        await pilot.press("s", "o", "p", "s")
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionsScreen), "the questions")
        assert app.session.profile.id == "syncsign"
        assert app.step_id == "questions"
        header = str(app.screen.query_one(WizardHeader).render())
        assert "SyncSign SOPS" in header and "Step 2 of 8" in header


async def test_arrows_move_and_no_match_says_so():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, VendorScreen), "the vendor list")
        await pilot.press("down", "down", "down")
        assert app.screen.highlighted_id() == "pexip"
        await pilot.press(*"zzz")
        assert "No product matches 'zzz'" in text_of(app.screen)
        await pilot.press("enter")
        assert isinstance(app.screen, VendorScreen)


async def test_escape_goes_back_to_the_vendor_list_and_keeps_the_answers():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, VendorScreen), "the vendor list")
        assert app.screen.highlighted_id() == "pexip"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionsScreen), "the questions")
        assert app.screen.query_one("#input-addin_fqdn", Input).value == "px01.example.com"


# -- help and leaving ----------------------------------------------------------------------


async def test_f1_shows_help_for_the_current_step_and_closes_again():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen) and app.screen.step == "questions"
        await pilot.press("f1")
        assert isinstance(app.screen, QuestionsScreen)


async def test_question_mark_types_in_a_field_but_opens_help_elsewhere():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, QuestionsScreen)
        app.screen.query_one("#continue").focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_leaving_before_anything_is_typed_needs_no_confirmation():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)  # the fields hold their defaults only
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_value == 130


async def test_leaving_once_an_answer_is_typed_asks_and_ctrl_q_again_leaves():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "Leave the wizard now?" in text_of(app.screen)
        await pilot.press("q")  # q does not answer the question (y / n do)
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QuestionsScreen)
        assert app.screen.query_one("#input-addin_fqdn", Input).value == "px01"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("ctrl+q")  # ctrl+q twice leaves
        await pilot.pause()
    assert app.return_value == 130


async def test_q_outside_a_field_asks_like_ctrl_q_and_types_inside_one():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com")  # q-less answer, then q inside the field types
        field = app.screen.query_one("#input-addin_fqdn", Input)
        await pilot.press("q")
        assert field.value == "px01.example.comq" and isinstance(app.screen, QuestionsScreen)
        await pilot.press("backspace")
        app.screen.query_one("#continue").focus()
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 130


async def test_leaving_while_a_change_is_under_way_asks_first():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        app.step_id = "apply"  # as if the apply step were running
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "A change is under way" in text_of(app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, QuestionsScreen)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 130


async def test_after_the_changes_are_made_the_question_says_so_not_under_way():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        app.step_id = "apply"
        app.session.applied = object()  # type: ignore[assignment]  # the apply step has finished
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        text = text_of(app.screen)
        assert "under way" not in text and "The changes are made but not yet tested" in text
        await pilot.press("n")
        await pilot.pause()
        app.step_id = "secret"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question again")
        assert "under way" not in text_of(app.screen)
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 130


async def test_escape_on_the_vendor_list_asks_before_leaving():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, VendorScreen), "the vendor list")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("escape")  # Esc again answers "Stay": two Escs never leave
        await wait_for(pilot, lambda: isinstance(app.screen, VendorScreen), "the vendor list again")
        assert app.is_running
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 0


async def test_help_closes_with_escape_f1_or_question_mark_and_q_still_leaves():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press("f1")  # F1 works in a text field
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, QuestionsScreen)
        await pilot.press("f1")
        await pilot.press("escape")
        assert isinstance(app.screen, QuestionsScreen)
        await pilot.press("f1")
        await pilot.press("q")  # q leaves here too (nothing typed yet: at once)
        await pilot.pause()
    assert app.return_value == 130


def test_loopmeeting_has_no_secret_step():
    from screens.session import WizardSession

    session = WizardSession()
    assert len(session.steps()) == 8
    session.choose_vendor("loopmeeting")
    assert "secret" not in [s for s, _ in session.steps()] and len(session.steps()) == 7
    session.choose_vendor("pexip")
    assert [s for s, _ in session.steps()][5] == "secret"
