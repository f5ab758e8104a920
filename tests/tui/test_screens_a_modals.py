"""The small windows: ConfirmScreen, ErrorScreen, HelpScreen (pilot + snapshots at 80x24)."""

from __future__ import annotations

import pytest

from app_helpers import APP_CSS
from textual.app import App
from textual.widgets import Static

from screens.confirm import ConfirmScreen
from screens.error import ErrorScreen, unexpected
from screens.help import HelpScreen
from screens.helptext import HELP, help_for
from screens.session import STEPS
from wizard.errors import SignInError, WizardError

pytestmark = pytest.mark.anyio


class Host(App):
    """Shows one modal over a plain background and records what it answered."""
    CSS_PATH = APP_CSS

    def __init__(self, screen) -> None:
        super().__init__()
        self.animation_level = "none"
        self.modal = screen
        self.answers: list = []

    def compose(self):
        yield Static("background of the wizard")

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.answers.append)


def blocked() -> SignInError:
    return SignInError(
        "Your organisation's Conditional Access policy blocked device-code sign-in.",
        next_step="Ask your admin to allow it for this sign-in, or run `m365-wizard --manual`.",
        code="AADSTS53003",
        request_id="8c0b5f7e-1d2a-4c3b-9e4f-0a1b2c3d4e5f",
        client_request_id="11111111-2222-3333-4444-555555555555",
    )


# -- behaviour ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [(["y"], True), (["n"], False), (["escape"], False), (["enter"], False), (["tab", "enter"], True)],
)
async def test_confirm_answers(keys, expected):
    app = Host(ConfirmScreen("Leave the wizard?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
    assert app.answers == [expected]


async def test_error_screen_shows_code_ids_and_copies_them():
    app = Host(ErrorScreen(blocked()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        text = " ".join(str(w.render()) for w in screen.query(Static))
        assert "Conditional Access" in text
        assert "AADSTS53003" in text
        assert "--manual" in text
        assert "request-id 8c0b5f7e" in text
        await pilot.press("c")
        assert app._clipboard == blocked().support_line()
        await pilot.press("enter")
        await pilot.pause()
    assert app.answers == [None]


def test_unexpected_errors_hide_their_text():
    error = unexpected(KeyError("token=eyJ0eXAiOi"))
    assert "KeyError" not in error.message
    assert "an unexpected error" in error.message
    assert "eyJ" not in str(error)
    original = WizardError("plain", next_step="x")
    assert unexpected(original) is original


async def test_error_screen_names_no_python_class():
    app = Host(ErrorScreen(ConnectionResetError(104, "Connection reset by peer")))
    async with app.run_test(size=(80, 24)):
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "the connection broke off" in text
        assert "ConnectionResetError" not in text
        assert "Error" not in text.replace("error", "")


def test_every_step_has_help():
    for step, _title in STEPS:
        assert step in HELP, step
        assert help_for(step).startswith("# Step")
    assert "Help" in help_for("nowhere")


async def test_help_closes_with_escape():
    app = Host(HelpScreen("signin"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
    assert app.answers == [None]


# -- snapshots (80x24) -----------------------------------------------------------------


def test_snapshot_confirm(snap_compare):
    question = (
        "A change is under way. Leave the wizard now? The client secret will not be "
        "shown again. Run the wizard again later: it continues where it stopped."
    )
    assert snap_compare(Host(ConfirmScreen(question, yes="Leave", no="Stay")), terminal_size=(80, 24))


def test_snapshot_error(snap_compare):
    assert snap_compare(Host(ErrorScreen(blocked())), terminal_size=(80, 24))


@pytest.mark.parametrize("step", ["vendor", "signin"])
def test_snapshot_help(snap_compare, step):
    assert snap_compare(Host(HelpScreen(step)), terminal_size=(80, 24))
