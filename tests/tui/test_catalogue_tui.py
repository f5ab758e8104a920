"""Issue 18 in the TUI: a local profile is listed (marked "local") and runs to its snippet."""

from __future__ import annotations

import pytest

from profile_files import ROOMSIGN
from screens.questions import QuestionsScreen
from screens.vendor import VendorScreen
from app_helpers import make_app, make_session, showing, text_of, wait_for
from test_tui_paths import walk

pytestmark = pytest.mark.anyio


async def signed_in_as_admin(pilot, app, session) -> None:
    """On the sign-in screen: the demo admin approves the code shown, and the flow goes on."""
    from screens.signin import SignInScreen

    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    session.sim.approve_device_code(session.device_code.user_code, as_user="admin@contoso.onmicrosoft.com")
    session.clock.gate.set()


def option_texts(screen) -> list[str]:
    from textual.widgets import OptionList

    options = screen.query_one("#vendors", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_a_local_profile_is_listed_marked_and_reaches_its_snippet(_own_profiles_folder):
    _own_profiles_folder.mkdir(parents=True)
    (_own_profiles_folder / "roomsign.toml").write_text(ROOMSIGN, "utf-8")
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
        texts = option_texts(app.screen)
        assert any("RoomSign room signs" in t and "(local)" in t for t in texts)
        assert not any("Pexip" in t and "(local)" in t for t in texts)
        await pilot.press(*"roomsign")
        assert "Local profile:" in text_of(app.screen) and "roomsign.toml" in text_of(app.screen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press("ctrl+s")
        await signed_in_as_admin(pilot, app, session)
        await walk(pilot, app, session, until=lambda name: name == "ResultScreen")
        await pilot.pause(0.1)
        from screens.widgets.snippet_view import SnippetView

        shown = app.screen.query_one(SnippetView).body()
        assert "RoomSign App ID" in shown and "RoomSign Directory (tenant) ID" in shown
        assert "RoomSign App Secret" in shown
    assert session.report is not None and all(c.ok for c in session.report.checks)


async def test_a_local_file_that_cannot_be_used_is_listed_with_the_reason(_own_profiles_folder):
    _own_profiles_folder.mkdir(parents=True)
    (_own_profiles_folder / "pexip.toml").write_text(ROOMSIGN.replace('id = "roomsign"', 'id = "pexip"'), "utf-8")
    app = make_app(make_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
        texts = option_texts(app.screen)
        assert any("cannot be used" in t and "wizard/profiles/pexip.toml" in t for t in texts)
        # the bundled one cannot be picked either while two files claim its id: the reason is shown
        assert not any(t.startswith("Pexip") for t in texts)
        await pilot.press(*"pexip", "enter")
        await pilot.pause(0.1)
        assert showing(app, VendorScreen)


async def test_a_profile_file_in_tmp_path_runs_through_the_tui_to_its_snippet(tmp_path):
    """Acceptance: `m365-wizard --profile FILE` (the file only in tmp_path) starts on that vendor,
    which runs to its snippet with its own labels and a passed token test."""
    from wizard import profiles

    path = tmp_path / "roomsign.toml"
    path.write_text(ROOMSIGN, "utf-8")
    vendor = profiles.vendor_from_options(None, str(path))  # what wizard.cli does with --profile
    session = make_session()
    app = make_app(session, vendor=vendor)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        assert session.profile.source == str(path)
        await pilot.press("ctrl+s")
        await signed_in_as_admin(pilot, app, session)
        await walk(pilot, app, session, until=lambda name: name == "ResultScreen")
        await pilot.pause(0.1)
        from screens.widgets.snippet_view import SnippetView

        shown = app.screen.query_one(SnippetView).body()
        assert "RoomSign App ID" in shown and "RoomSign App Secret" in shown
    checks = {c.name: c for c in session.report.checks}
    assert all(c.ok for c in checks.values())
    assert "Place.Read.All" in checks["application permissions"].reason


async def test_a_profile_for_another_api_shows_its_name_on_the_plan_and_passes_the_token_test(tmp_path):
    """Issue 18 item 4: permissions of an API named by appId are resolved from the tenant; the plan
    screen names the API as the tenant's service principal does."""
    from profile_files import FABROOMS

    from screens.plan import PlanScreen
    from wizard import profiles

    path = tmp_path / "fabrooms.toml"
    path.write_text(FABROOMS, "utf-8")
    session = make_session()
    app = make_app(session, vendor=profiles.vendor_from_options(None, str(path)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press("ctrl+s")
        await signed_in_as_admin(pilot, app, session)
        await walk(pilot, app, session, until=lambda name: name == "PlanScreen")
        await wait_for(pilot, lambda: "Rooms.Read.All" in text_of(app.screen), "the plan's permissions")
        shown = text_of(app.screen)
        assert "Fabrikam Rooms API" in shown
        await walk(pilot, app, session, until=lambda name: name == "ResultScreen")
    checks = {c.name: c for c in session.report.checks}
    assert all(c.ok for c in checks.values()), checks
    assert checks["application permissions"].reason == "the token carries Rooms.Read.All"
