"""80x24 snapshots of the first steps: vendor list, questions (with an error), sign-in.

Deterministic: a FakeClock (the countdown never moves), a seeded simulated
tenant, and the test decides when the device code is approved. Look at the
SVGs in tests/__snapshots__/test_screens_a_snapshots/ after --snapshot-update.
"""

from __future__ import annotations

from textual.widgets import Input

from screens.questions import QuestionsScreen
from screens.vendor import VendorScreen
from app_helpers import make_app, make_session, showing, wait_for


async def on_vendor_list(pilot) -> None:
    await wait_for(pilot, lambda: showing(pilot.app, VendorScreen), "the vendor list")


async def on_questions(pilot) -> None:
    await wait_for(pilot, lambda: showing(pilot.app, QuestionsScreen), "the questions")


def test_snapshot_vendor_list(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=on_vendor_list)


def test_snapshot_vendor_list_filtered(snap_compare):
    async def filtered(pilot) -> None:
        await on_vendor_list(pilot)
        await pilot.press(*"calendar")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=filtered)


def test_snapshot_questions_pexip_with_an_error(snap_compare):
    async def wrong(pilot) -> None:
        await on_questions(pilot)
        await pilot.press(*"px01 vc.example.com", "ctrl+s")

    assert snap_compare(make_app(vendor="pexip"), terminal_size=(80, 24), run_before=wrong)


def test_snapshot_questions_flexo_several_redirect_uris(snap_compare):
    async def typed(pilot) -> None:
        await on_questions(pilot)
        field = pilot.app.screen.query_one("#input-redirect_uri", Input)
        await pilot.press(*"https://flexo.example.com/oauth/office365, https://flexo2.example.com/oauth")
        await pilot.press("tab")
        assert field.value.count("https://") == 2, field.value

    assert snap_compare(make_app(vendor="flexo"), terminal_size=(80, 24), run_before=typed)


def test_snapshot_questions_loopmeeting_bottom(snap_compare):
    async def at_bottom(pilot) -> None:
        await on_questions(pilot)
        await pilot.press(*"rooms@contoso.com lm2@contoso.com")
        pilot.app.screen.query_one("#continue").focus()
        await pilot.pause()

    assert snap_compare(make_app(vendor="loopmeeting"), terminal_size=(80, 24), run_before=at_bottom)


async def code_shown(pilot) -> None:
    """Pexip answered, sign-in started, the code on screen, the poll held."""
    from screens.signin import SignInScreen

    app = pilot.app
    await on_questions(pilot)
    await pilot.press(*"px01.vc.example.com", "ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen), "the sign-in screen")
    await wait_for(pilot, lambda: app.screen.state == "waiting" and app.session.clock.held.is_set(), "the code")
    await pilot.pause()


def test_snapshot_signin_code(snap_compare):
    assert snap_compare(make_app(make_session(), vendor="pexip"), terminal_size=(80, 24), run_before=code_shown)


def test_snapshot_signin_done(snap_compare):
    async def approved(pilot) -> None:
        app = pilot.app
        await code_shown(pilot)
        await pilot.press("a")
        app.session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
        await pilot.pause()

    assert snap_compare(make_app(make_session(), vendor="pexip"), terminal_size=(80, 24), run_before=approved)


def test_snapshot_signin_declined_error(snap_compare, monkeypatch):
    # MSAL sends a random client-request-id with each request; pin it for the picture.
    monkeypatch.setattr(
        "msal.telemetry._get_new_correlation_id", lambda: "0a0b0c0d-1111-4222-8333-444455556666"
    )

    async def declined(pilot) -> None:
        from screens.error import ErrorScreen

        app = pilot.app
        await code_shown(pilot)
        app.session.sim.decline_device_code(app.session.device_code.user_code)
        app.session.clock.gate.set()
        await wait_for(pilot, lambda: showing(app, ErrorScreen), "the error")
        await pilot.pause()

    assert snap_compare(make_app(make_session(), vendor="pexip"), terminal_size=(80, 24), run_before=declined)
