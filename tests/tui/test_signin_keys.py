"""The sign-in screen's keys do what the screen says, at 60x20, 80x24 and 120x40.

At 60x20 the QR code does not fit beside the code: the panel says "press o for
a QR code" and `o` shows it (`q` once said so, and quit the wizard). Every key
the footer or the text names is pressed here and its effect checked; the
footer never cuts a label.
"""

from __future__ import annotations

import pytest

from screens.confirm import ConfirmScreen
from screens.help import HelpScreen
from screens.questions import QuestionsScreen
from screens.signin import SignInScreen
from screens.widgets.footer import WizardFooter, fitting, key_width
from screens.widgets.qr import QrScreen

from app_helpers import make_app, make_session, showing, wait_for
from test_screens_a_snapshots import code_shown

pytestmark = pytest.mark.anyio

SIZES = [(60, 20), (80, 24), (120, 40)]


def footer_labels(app) -> dict[str, str]:
    """Key → label of each key the footer shows now (whole keys only)."""
    return {entry.key: entry.description for entry in app.screen.query_one(WizardFooter).entries()}


def footer_fits(app) -> bool:
    footer = app.screen.query_one(WizardFooter)
    keys = footer.entries()
    return bool(keys) and sum(key_width(k.display, k.description) for k in keys) <= footer.size.width


def scan_hint(app) -> str:
    return str(app.screen.query_one("#dc-scan").render())


async def code_on_screen(pilot):
    await code_shown(pilot)
    await pilot.pause()
    return pilot.app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_key_the_waiting_screen_names_does_what_it_says(size):
    session = make_session()
    app = make_app(session, vendor="pexip")
    async with app.run_test(size=size) as pilot:
        await code_on_screen(pilot)
        assert footer_fits(app)
        keys = footer_labels(app)
        # the essential keys are always in the footer, whatever the size
        assert keys.get("escape") == "Back" and keys.get("f1") == "Help" and keys.get("ctrl+q") == "Quit"

        qr_hidden = size[1] < 24 or size[0] < 70
        hint = scan_hint(app)
        if qr_hidden:
            assert hint == "(press o for a QR code)" and keys.get("o") == "QR code"
            await pilot.press("o")
            assert isinstance(app.screen, QrScreen)
            await pilot.press("o")  # the same key closes it
            assert isinstance(app.screen, SignInScreen)
        else:
            assert hint == "(or scan the QR code)" and "o" not in keys
            assert app.screen.query_one("#dc-qr").display

        # q never shows a QR code and never quits without asking: answers exist
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the leave question")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in again")
        assert app.is_running and app.screen.state == "waiting"

        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the leave question")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in again")

        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen) and app.screen.step == "signin"
        await pilot.press("escape")
        assert isinstance(app.screen, SignInScreen)

        # "c copies the code" (in the text; in the footer where it fits)
        assert "c copies the code" in " ".join(str(app.screen.query_one("#status").render()).split())
        await pilot.press("c")
        assert app.clipboard == session.device_code.user_code

        # "p" offers the link sign-in, "a" approves in the demo: both named in the footer where they fit
        if "p" in keys:
            assert keys["p"] == "Use a link"
        await pilot.press("a")
        session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in", tries=1000)
        assert footer_fits(app)
        assert footer_labels(app).get("enter") == "Continue"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_escape_goes_back_to_the_questions(size):
    app = make_app(make_session(), vendor="pexip")
    async with app.run_test(size=size) as pilot:
        await code_on_screen(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        assert app.is_running


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_p_shows_the_link_sign_in_and_its_keys_fit(size):
    app = make_app(make_session(), vendor="pexip")
    async with app.run_test(size=size) as pilot:
        await code_on_screen(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.state == "paste", "the link sign-in")
        await pilot.pause()
        assert footer_fits(app)
        keys = footer_labels(app)
        assert keys.get("escape") == "Back" and keys.get("f1") == "Help"
        await pilot.press("ctrl+l")
        assert app.clipboard == app.session.paste_link.url
        await pilot.press("q")  # the field has the focus: q is a letter there
        assert isinstance(app.screen, SignInScreen) and app.screen.query_one("#ps-input").value == "q"


def test_footer_keeps_the_essential_keys_and_whole_labels():
    from textual.binding import Binding

    keys = [(Binding("escape", "back", "Back"), "esc"), (Binding("c", "copy", "Copy code"), "c"),
            (Binding("a", "approve", "Approve (demo)"), "a"), (Binding("p", "paste", "Use a link"), "p"),
            (Binding("ctrl+q", "leave", "Quit"), "^q"), (Binding("f1", "help", "Help"), "f1")]
    narrow = [b.key for b, _ in fitting(keys, 50)]
    assert narrow == ["escape", "c", "ctrl+q", "f1"]  # order kept, "a" and what follows left out
    assert [b.key for b, _ in fitting(keys, 200)] == [b.key for b, _ in keys]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_signin_code_at_each_size(snap_compare, size):
    assert snap_compare(make_app(make_session(), vendor="pexip"), terminal_size=size, run_before=code_shown)


async def test_waiting_for_the_sign_in_shows_the_elapsed_seconds_by_the_session_clock():
    session = make_session()
    app = make_app(session, vendor="pexip")
    async with app.run_test(size=(80, 24)) as pilot:
        await code_on_screen(pilot)
        wait = lambda: str(app.screen.query_one("#signin-wait").render())
        assert wait() == "waiting for you to sign in… 0 s"
        session.clock.advance(12)  # the poll is held: only the test moves the clock
        # the screen's own once-a-second timer picks it up (no call from the test)
        await wait_for(pilot, lambda: wait() == "waiting for you to sign in… 12 s", "the elapsed time")
        session.clock.advance(30)
        await wait_for(pilot, lambda: wait().endswith("… 42 s"), "the elapsed time to move on")
        await pilot.press("escape")  # back: no longer waiting
        await wait_for(pilot, lambda: not showing(app, SignInScreen), "the previous screen")
