"""What a user tripped over walking every vendor through `--demo` at 80x24, keyboard only.

Each test pins one fix: the pick-app key hint above the footer, follow-up steps that
point at the settings where they are (above), saving into a folder that does not exist
yet (and correcting a bad path without retyping it), a mailbox / service account that
is not a user in the tenant (back to its field, answers kept), the create/verify choice
readable without colour, LoopMeeting's "what to do in Central Config" while the wizard
waits, and LoopMeeting's check not talking about a secret it does not have.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input

from screens.apply import ApplyScreen
from screens.pick_app import PickAppScreen
from screens.plan import PlanScreen
from screens.questions import ModeButton, QuestionsScreen
from screens.result import ResultScreen
from screens.signin import SignInScreen
from screens.tokentest import TokenTestScreen
from screens.widgets.footer import WizardFooter
from screens.widgets.save_prompt import SavePrompt
from screens.widgets.snippet_view import SnippetView
from app_helpers import make_app, make_session, showing, text_of, wait_for
from wizard.profiles import load_profiles
from wizard.snippet import Snippet, SnippetRow

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


async def sign_in(pilot, app) -> None:
    """From the questions (answers typed): Continue, approve the code, Enter."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    await pilot.press("a")
    app.session.clock.gate.set()
    await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
    await pilot.press("enter")


# -- the pick-app hint ------------------------------------------------------------------


async def test_pick_app_key_hint_is_above_the_footer_not_behind_it():
    app = make_app(make_session(scenario="flexo_drifted"), vendor="flexo")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press(*"https://flexo.example.com/oauth/office365")
        app.screen.query_one("#mode").focus()
        await pilot.press("down", "enter")
        await sign_in(pilot, app)
        await wait_for(pilot, lambda: showing(app, PickAppScreen) and bool(app.screen.apps), "the list")
        await pilot.pause()
        keys = app.screen.query_one("#pa-keys").region
        footer = app.screen.query_one(WizardFooter).region
        assert keys.height >= 1 and not keys.overlaps(footer)
        assert keys.bottom <= footer.y


# -- follow-up wording ------------------------------------------------------------------


def test_followup_steps_point_at_the_settings_above_them():
    """The result screen (and the CLI) print the settings first, then the follow-up steps."""
    for profile in load_profiles().values():
        for step in profile.followup:
            assert "below" not in step, (profile.id, step)
    assert any("shown above" in step for step in load_profiles()["pexip"].followup)


# -- saving -------------------------------------------------------------------------------


class SnippetApp(App):
    def __init__(self, snippet) -> None:
        super().__init__()
        self.snippet = snippet

    def compose(self):
        yield SnippetView(self.snippet, id="sv")

    def on_mount(self) -> None:
        self.query_one(SnippetView).focus()


SECRET = "Zx9~secret-VALUE.abc"


def snippet() -> Snippet:
    return Snippet("pexip", [SnippetRow("User OAuth client ID", "1234"),
                             SnippetRow("Azure OAuth client secret", SECRET, True)])


async def test_save_creates_the_missing_folder_0600_and_masks_the_secret(tmp_path, monkeypatch):
    folder = tmp_path / "Documents" / "m365-wizard"  # a fresh server: nothing there yet
    monkeypatch.setattr("screens.widgets.snippet_view.default_save_dir", lambda: folder)
    app = SnippetApp(snippet())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SavePrompt), "the save prompt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SavePrompt), "the prompt to close")
        path = folder / "pexip-settings.txt"
        assert path.stat().st_mode & 0o777 == 0o600
        assert SECRET not in path.read_text() and "1234" in path.read_text()
        await pilot.press("v", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, SavePrompt), "the save prompt")
        await pilot.press("enter")
        await pilot.pause()
        # The file is there: nothing is replaced before the person says so (Enter again).
        assert isinstance(app.screen, SavePrompt)
        said = str(app.screen.query_one("#sp-error").render())
        assert f"{path} exists already" in said and "Enter again replaces it" in said
        assert SECRET not in path.read_text()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SavePrompt), "the prompt to close")
        assert SECRET in path.read_text() and path.stat().st_mode & 0o777 == 0o600


async def test_a_path_that_cannot_be_written_keeps_the_prompt_and_what_was_typed(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr("screens.widgets.snippet_view.default_save_dir", lambda: blocker)
    app = SnippetApp(snippet())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SavePrompt), "the save prompt")
        typed = app.screen.query_one("#sp-path", Input).value
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SavePrompt)  # still open, with the reason and the path
        said = str(app.screen.query_one("#sp-error").render())
        assert "Could not save" in said and f"{blocker}/pexip-settings.txt" in said  # the path, named
        assert app.screen.query_one("#sp-path", Input).value == typed
        field = app.screen.query_one("#sp-path", Input)
        field.value = str(tmp_path / "ok" / "settings.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SavePrompt), "the prompt to close")
        assert (tmp_path / "ok" / "settings.txt").exists()


# -- an answer Microsoft shows to be wrong ------------------------------------------------


async def test_a_mailbox_that_does_not_exist_goes_back_to_its_field_with_the_answers_kept():
    app = make_app(make_session(), vendor="innovaphone")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press(*"nobody@contoso.onmicrosoft.com")
        app.screen.query_one("#input-secret_months", Input).value = "6"
        await sign_in(pilot, app)
        await wait_for(pilot, lambda: showing(app, QuestionsScreen) and app.screen is not None
                       and app.session.who is not None, "the questions again")
        screen = app.screen
        error = str(screen.query_one("#error-mailbox").render())
        assert "User (mailbox email address)" in error and "nobody@contoso.onmicrosoft.com" in error
        assert "not a user" in error
        assert screen.query_one("#input-mailbox", Input).has_focus
        assert screen.query_one("#input-mailbox", Input).value == "nobody@contoso.onmicrosoft.com"
        assert screen.query_one("#input-secret_months", Input).value == "6"
        field = screen.query_one("#input-mailbox", Input)
        field.value = "calendar-sync@contoso.onmicrosoft.com"
        await pilot.press("ctrl+s")  # signed in already: straight to the plan
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")


# -- create / verify readable without colour ---------------------------------------------


async def test_the_chosen_mode_is_marked_by_a_character_not_only_colour():
    app = make_app(make_session(), vendor="pexip")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        create, verify = app.screen.query(ModeButton)
        assert create.value and not verify.value
        assert "●" in str(create.render()) and "●" not in str(verify.render())
        app.screen.query_one("#mode").focus()
        await pilot.press("down", "enter")
        assert "●" in str(verify.render()) and "●" not in str(create.render())


# -- LoopMeeting: what to do while the wizard waits -------------------------------------


async def test_loopmeeting_apply_says_what_to_do_in_central_config_while_waiting():
    app = make_app(make_session(), vendor="loopmeeting")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press(*"loopmeeting-svc@contoso.onmicrosoft.com")
        await sign_in(pilot, app)
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        app.session.clock.gate.clear()  # hold the wait for the enterprise app
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, ApplyScreen)
                       and app.screen.query_one("#apply-action").has_class("-shown"), "the instruction")
        action = app.screen.query_one("#apply-action")
        text = str(action.render())
        assert "https://loopmeeting.no/admin/" in text and "Get Access Token" in text
        assert "on behalf of your organization" in text
        assert action.region.height > 0 and action.region.bottom <= 22  # fully on screen
        app.session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the apply")
        assert not app.screen.query_one("#apply-action").has_class("-shown")
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, TokenTestScreen) and app.screen.report is not None
                       if hasattr(app.screen, "report") else False, "the check")
        words = text_of(app.screen)
        assert "secret" not in words and "Checking the vendor's app" in words
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, ResultScreen), "the result")
