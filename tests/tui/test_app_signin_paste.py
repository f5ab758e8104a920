"""The paste-back sign-in in the TUI, where Conditional Access blocks the device code.

On the `device_code_blocked` tenant the device code is refused (AADSTS53003); the sign-in
screen goes at once to the sign-in with a link (no error screen, no manual checklist), the
admin pastes the address the browser lands on, and the setup runs to its end. Keyboard only,
80x24, the real engine (MSAL) against the simulated tenant; snapshots are deterministic
(MSAL's random state, nonce and PKCE verifier and the port are pinned).
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from screens.signin import SignInScreen
from screens.widgets.paste_signin import PastePanel
from app_helpers import make_app, make_session, showing, text_of, to_questions, wait_for
from test_tui_paths import STEPS, walk

pytestmark = pytest.mark.anyio

ADMIN = "admin@contoso.onmicrosoft.com"


async def blocked_code(pilot, app, session) -> None:
    """Pexip answered; the device code approved, then refused by Conditional Access."""
    await to_questions(pilot, app, "pexip")
    await pilot.press(*"px01.vc.example.com", "ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    session.sim.approve_device_code(session.device_code.user_code)
    session.clock.gate.set()
    await wait_for(pilot, lambda: app.screen.state == "paste", "the sign-in with a link")
    await pilot.pause()


async def test_blocked_device_code_goes_to_the_link_and_the_setup_finishes_without_the_checklist():
    session = make_session(scenario="device_code_blocked")
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await blocked_code(pilot, app, session)
        screen = app.screen
        assert isinstance(screen, SignInScreen)  # no error screen in between
        text = text_of(screen)
        assert "blocks sign-in with a code (AADSTS53003)" in text
        assert "that is expected" in text and session.paste_link.redirect_uri in text
        field = screen.query_one("#ps-input", Input)
        assert field.has_focus
        await pilot.press("ctrl+t")  # demo: sign in at the tenant's page, the address is filled in
        assert field.value.startswith(session.paste_link.redirect_uri + "/?code=")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.state == "done", "signed in")
        assert session.who.username == ADMIN
        seen = await walk(pilot, app, session)
    assert seen == STEPS  # plan … result, and never the manual checklist
    assert app.return_value == 0
    assert session.report is not None and all(check.ok for check in session.report.checks)
    assert len(session.sim.state.applications) == 1


async def test_a_wrong_paste_is_said_under_the_field_and_the_text_stays():
    session = make_session(scenario="device_code_blocked")
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await blocked_code(pilot, app, session)
        await pilot.press(*"http://localhost:1/?code=abc&state=x", "enter")
        await wait_for(pilot, lambda: app.screen.state == "paste" and "sign-in address" in text_of(app.screen),
                       "the error")
        assert "expected an address starting with" in text_of(app.screen)
        assert app.screen.query_one("#ps-input", Input).value == "http://localhost:1/?code=abc&state=x"
        app.screen.query_one("#ps-input", Input).value = ""
        await pilot.press("ctrl+t", "enter")
        await wait_for(pilot, lambda: app.screen.state == "done", "signed in")


async def test_p_offers_the_link_while_a_code_is_shown():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "pexip")
        await pilot.press(*"px01.vc.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.state == "paste", "the link")
        assert "with a link" in text_of(app.screen) and session.device_code is None
        address = session.sim.authorize_redirect(session.paste_link.url)
        app.screen.query_one(PastePanel).fill(address)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.state == "done", "signed in")
        assert session.who.username == ADMIN


@pytest.fixture
def pinned(monkeypatch):
    """MSAL's random state, nonce and PKCE verifier, and the port: fixed for the picture."""
    import msal.oauth2cli.oauth2 as oauth2
    import msal.oauth2cli.oidc as oidc

    monkeypatch.setattr("wizard.signin.pick_port", lambda: 53682)
    monkeypatch.setattr(oauth2.secrets, "token_urlsafe", lambda n=None: "pinned-random")
    monkeypatch.setattr(oidc.secrets, "token_urlsafe", lambda n=None: "pinned-nonce")
    monkeypatch.setattr(oauth2, "_generate_pkce_code_verifier",
                        lambda length=43: {"code_verifier": "v" * 43, "transformation": "S256",
                                           "code_challenge": "c" * 43})
    monkeypatch.setattr("msal.telemetry._get_new_correlation_id", lambda: "0a0b0c0d-1111-4222-8333-444455556666")


def test_snapshot_paste_signin_after_a_blocked_code(snap_compare, pinned):
    session = make_session(scenario="device_code_blocked")

    async def shown(pilot) -> None:
        await blocked_code(pilot, pilot.app, session)
        pilot.app.screen.query_one("#ps-input", Input).cursor_blink = False  # a still picture
        await pilot.pause()

    assert snap_compare(make_app(session), terminal_size=(80, 24), run_before=shown)


def test_snapshot_paste_signin_wrong_state(snap_compare, pinned):
    session = make_session(scenario="device_code_blocked")

    async def wrong(pilot) -> None:
        app = pilot.app
        await blocked_code(pilot, app, session)
        app.screen.query_one("#ps-input", Input).cursor_blink = False  # a still picture
        await pilot.press(*"http://localhost:53682/?code=abc&state=forged", "enter")
        await wait_for(pilot, lambda: app.screen.state == "paste" and "state" in text_of(app.screen), "the error")
        await pilot.pause()

    assert snap_compare(make_app(session), terminal_size=(80, 24), run_before=wrong)


async def test_auth_paste_starts_with_the_link_and_no_device_code():
    session = make_session()
    session.auth = "paste"
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, "pexip")
        await pilot.press(*"px01.vc.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "paste", "the link")
        await pilot.press("ctrl+t", "enter")
        await wait_for(pilot, lambda: app.screen.state == "done", "signed in")
    assert not any(path.endswith("/devicecode") for _, path, _ in session.sim.requests)


def test_auth_option_reaches_the_tui_session():
    from screens.app import session_from_args
    from wizard.cli import build_parser

    assert session_from_args(build_parser().parse_args(["--demo", "--auth", "paste"])).auth == "paste"
    assert session_from_args(build_parser().parse_args(["--demo"])).auth == "device"
