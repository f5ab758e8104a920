"""A choice question (SyncSign "Supported account types") is picked with the keyboard,
marked by a character (readable with NO_COLOR), and kept when going back and forth."""

from __future__ import annotations

import pytest

from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from screens.vendor import VendorScreen
from screens.widgets.choice import ChoiceSet, MarkedButton
from app_helpers import make_app, make_session, showing, wait_for

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


def marks(screen, key: str) -> list[str]:
    """Each choice's row as drawn: '(●) single — …' / '( ) multi — …'."""
    return [" ".join(str(button.render()).split()) for button in screen.query_one(f"#input-{key}", ChoiceSet).query(MarkedButton)]


async def on_questions(pilot) -> None:
    await wait_for(pilot, lambda: showing(pilot.app, QuestionsScreen), "the questions")


async def test_choice_is_a_keyboard_choice_with_words_and_the_default_marked():
    app = make_app(make_session(), vendor="syncsign")
    async with app.run_test(size=SIZE) as pilot:
        await on_questions(pilot)
        choice = app.screen.query_one("#input-tenancy", ChoiceSet)
        assert choice.value == "single"  # the profile's default
        single, multi = marks(app.screen, "tenancy")
        assert single.startswith("(●) single — ") and "single tenant" in single.lower()
        assert multi.startswith("( ) multi — ") and "multitenant" in multi.lower()
        # Enter in the domain goes to the choice; ↓ then Enter chooses "multi" and moves on.
        await pilot.press(*"sops.example.com", "enter")
        assert choice.has_focus
        await pilot.press("down", "enter")
        assert choice.value == "multi"
        assert marks(app.screen, "tenancy")[1].startswith("(●) multi")
        assert app.screen.query_one("#input-display_name").has_focus  # Enter moved on
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in")
        assert app.session.answers["tenancy"] == "multi"


async def test_space_chooses_and_the_choice_is_kept_going_back_and_forth():
    app = make_app(make_session(), vendor="syncsign")
    async with app.run_test(size=SIZE) as pilot:
        await on_questions(pilot)
        app.screen.query_one("#input-tenancy").focus()
        await pilot.press("down", "space")
        assert app.screen.query_one("#input-tenancy", ChoiceSet).value == "multi"
        assert app.screen.query_one("#input-tenancy").has_focus  # space only chooses
        await pilot.press("escape")  # back to the vendor list…
        await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
        await pilot.press("enter")  # …and into SyncSign again
        await on_questions(pilot)
        choice = app.screen.query_one("#input-tenancy", ChoiceSet)
        assert choice.value == "multi"
        assert marks(app.screen, "tenancy")[1].startswith("(●)")
        assert choice.pressed_index == 1 and choice._selected == 1  # the cursor starts on the chosen one


async def test_back_from_sign_in_keeps_the_choice():
    session = make_session()
    app = make_app(session, vendor="innovaphone")
    async with app.run_test(size=SIZE) as pilot:
        await on_questions(pilot)
        await pilot.press(*"calendar-sync@contoso.onmicrosoft.com", "enter")
        await pilot.press("down", "enter", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in")
        await pilot.press("escape")
        await on_questions(pilot)
        assert app.screen.query_one("#input-tenancy", ChoiceSet).value == "multi"


def test_snapshot_questions_syncsign_choice(snap_compare):
    async def chosen(pilot) -> None:
        await on_questions(pilot)
        await pilot.press(*"sops.example.com", "enter", "down", "space")
        await pilot.pause()

    assert snap_compare(make_app(vendor="syncsign"), terminal_size=SIZE, run_before=chosen)
