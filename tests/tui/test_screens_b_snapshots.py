"""80x24 snapshots of every state of the later steps (fake engine, FakeClock, no animation).

Regenerate with `--snapshot-update`, then look at the SVGs in
`tests/tui/__snapshots__/test_screens_b_snapshots/` before committing.
"""

from __future__ import annotations

import pytest

from screens_b_fakes import APPLIED, SECRET_VALUE, NewSecret
from test_screens_b_flow import (
    ScreenApp, apply_app, fake_engine_session, secret_app, settle, token_app,
)
from screens.plan import PlanScreen
from screens.result import ResultScreen
from wizard.settings import STORED_PLACEHOLDER

SIZE = (80, 24)


def test_plan_with_changes(snap_compare):
    assert snap_compare(ScreenApp(fake_engine_session(), PlanScreen), terminal_size=SIZE, run_before=settle)


def test_plan_nothing_to_change(snap_compare):
    app = ScreenApp(fake_engine_session(nothing_to_do=True), PlanScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_plan_asks_about_a_same_name_registration(snap_compare):
    app = ScreenApp(fake_engine_session(same_name=True), PlanScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_plan_keeps_the_existing_secret(snap_compare):
    app = ScreenApp(fake_engine_session(kept_secret=True), PlanScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_plan_with_a_new_secret_asked_for(snap_compare):
    async def ask(pilot):
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    app = ScreenApp(fake_engine_session(kept_secret=True), PlanScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ask)


def test_apply_in_progress(snap_compare):
    app = apply_app(hold_at="grant_consent")

    async def until_holding(pilot):
        await pilot.pause()
        assert app.session.setup.holding.wait(5)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=until_holding)


def test_apply_done(snap_compare):
    assert snap_compare(apply_app(), terminal_size=SIZE, run_before=settle)


def test_apply_failed_error_screen(snap_compare):
    assert snap_compare(apply_app(fail_at="grant_consent"), terminal_size=SIZE, run_before=settle)


def test_apply_failed_after_error_closed(snap_compare):
    async def close_error(pilot):
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(apply_app(fail_at="grant_consent"), terminal_size=SIZE, run_before=close_error)


def test_secret_masked(snap_compare):
    assert snap_compare(secret_app(), terminal_size=SIZE, run_before=settle)


def test_token_test_waiting(snap_compare):
    app = token_app(hold_at="token")

    async def until_holding(pilot):
        assert app.session.setup.holding.wait(5)
        app.screen.refresh_wait()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=until_holding)


def test_token_test_passed(snap_compare):
    assert snap_compare(token_app(ok=True), terminal_size=SIZE, run_before=settle)


def test_token_test_failed(snap_compare):
    assert snap_compare(token_app(ok=False), terminal_size=SIZE, run_before=settle)


def test_result(snap_compare):
    session = fake_engine_session()
    session.applied = APPLIED
    assert snap_compare(ScreenApp(session, ResultScreen, step_id="result"), terminal_size=SIZE,
                        run_before=settle)


@pytest.mark.anyio
async def test_masked_secret_screen_svg_has_no_secret():
    """The secret step's screenshot shows the hint only; revealing on purpose shows the value."""
    app = secret_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
        assert "Qm7" in svg
        for fragment in (SECRET_VALUE[3:10], "SeCrEtVaLuE", "xyzzy"):
            assert fragment not in svg
        await pilot.press("r")
        assert "SeCrEtVaLuE" in app.export_screenshot()


@pytest.mark.anyio
async def test_result_shows_the_secret_while_the_run_holds_it_and_v_hides_it():
    """While the run holds the new secret, the block shows it (so it can be pasted as is);
    v hides it; finishing forgets it and the block shows only the placeholder."""
    session = fake_engine_session()
    session.applied = APPLIED
    session.secret = NewSecret(SECRET_VALUE, "kid", "2027-03-14", "Qm7")
    app = ScreenApp(session, ResultScreen, step_id="result")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "SeCrEtVaLuE" in app.export_screenshot()
        await pilot.press("v")
        assert "SeCrEtVaLuE" not in app.export_screenshot()
        await pilot.press("enter")
        assert session.secret is None and session.finished
        assert SECRET_VALUE not in session.snippet().as_plain(mask=False)
        assert STORED_PLACEHOLDER in session.snippet().as_plain(mask=False)
