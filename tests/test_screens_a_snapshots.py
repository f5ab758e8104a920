"""80x24 snapshots of the first steps: vendor list, questions (with an error), sign-in.

Deterministic: a FakeClock (the countdown never moves), a seeded simulated
tenant, and the test decides when the device code is approved. Look at the
SVGs in tests/__snapshots__/test_screens_a_snapshots/ after --snapshot-update.
"""

from __future__ import annotations

from textual.widgets import Input

from screens.questions import QuestionsScreen
from screens.vendor import VendorScreen
from test_app_helpers import make_app, showing, wait_for


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
