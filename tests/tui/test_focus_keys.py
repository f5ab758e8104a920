"""Forms a keyboard-only user can follow: focus that shows, Tab order, Enter on a choice, no select-all."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from screens.vendor import VendorScreen
from app_helpers import make_app, make_session, showing, to_questions, wait_for

pytestmark = pytest.mark.anyio


async def test_focusing_a_field_puts_the_cursor_at_the_end_and_one_key_replaces_nothing():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press("tab")  # to "Application name", which holds its default
        field = app.focused
        assert isinstance(field, Input) and field.id == "input-display_name"
        before = field.value
        assert before and field.selection.is_empty and field.cursor_position == len(before)
        await pilot.press("X")
        assert field.value == before + "X"


async def test_the_focused_field_is_marked_and_the_others_are_not():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        focused = app.screen.query_one("#input-addin_fqdn", Input)
        other = app.screen.query_one("#input-display_name", Input)
        assert focused.has_focus
        assert focused.styles.outline_left[0] != "" and other.styles.outline_left[0] == ""
        assert focused.styles.background != other.styles.background


async def test_tab_after_the_last_field_lands_on_continue_before_back():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        order = []
        for _ in range(6):
            await pilot.press("tab")
            order.append(app.focused.id)
        assert order.index("continue") < order.index("back")
        assert order[order.index("mode") + 1] == "continue"


async def test_enter_on_the_create_verify_choice_chooses_and_moves_on_to_continue():
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com")
        app.screen.query_one("#mode").focus()
        await pilot.press("down", "enter")
        assert app.screen.mode == "verify" and app.focused.id == "continue"
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, SignInScreen), "the sign-in")
        assert app.session.mode == "verify"


async def test_enter_on_the_vendor_list_picks_and_moves_on():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
        app.screen.query_one(OptionList).focus()
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        assert app.session.profile.id == "syncsign"


def footer_fits(app) -> bool:
    from screens.widgets.footer import WizardFooter, key_width

    footer = app.screen.query_one(WizardFooter)
    keys = footer.entries()
    return bool(keys) and sum(key_width(k.display, k.description) for k in keys) <= footer.size.width


async def test_the_manual_checklist_footer_fits_80_columns_with_help_and_quit():
    """The walk found `⏎ Don` cut at 80 columns: whole keys only, Esc, F1 and ctrl+q always."""
    from screens.manual import ManualScreen
    from screens.widgets.footer import WizardFooter

    session = make_session()
    session.manual = True
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, ManualScreen), "the checklist")
        await pilot.pause()
        assert footer_fits(app)
        shown = {k.key for k in app.screen.query_one(WizardFooter).entries()}
        assert {"escape", "f1", "ctrl+q"} <= shown
