"""What a QA walk of the faster vendor list found: a local file that cannot be used, picked with
`--vendor`, opened a blank screen; Down from the filter landed on greyed entries; the footer never
named Enter; a stray SIGINT ended the wizard with 0 ("done")."""

from __future__ import annotations

import pytest

from screens.error import ErrorScreen
from screens.vendor import VendorScreen
from screens.widgets.footer import WizardFooter
from textual.widgets import OptionList

from app_helpers import make_app, showing, text_of, wait_for

pytestmark = pytest.mark.anyio

BROKEN = 'id = "broken"\nname = "Broken"\nsummary = [\n'


async def test_starting_on_a_local_vendor_that_cannot_be_used_explains_why_and_exits_2(_own_profiles_folder):
    _own_profiles_folder.mkdir(parents=True)
    (_own_profiles_folder / "broken.toml").write_text(BROKEN, encoding="utf-8")
    app = make_app(vendor="broken")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, ErrorScreen), "the error screen")
        shown = text_of(app.screen)
        assert "broken.toml" in shown and "TOML" in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.return_value is not None, "the wizard to end")
        assert app.return_value == 2  # what `app.run()` returns: run_app's exit code


async def test_down_from_the_filter_never_highlights_a_file_that_cannot_be_used(_own_profiles_folder):
    _own_profiles_folder.mkdir(parents=True)
    (_own_profiles_folder / "broken.toml").write_text(BROKEN, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
        options = app.screen.query_one("#vendors", OptionList)
        assert options.option_count == 6 and options.get_option_at_index(5).disabled
        for _ in range(8):
            await pilot.press("down")
        assert options.highlighted == 4 and app.screen.highlighted_id() == "loopmeeting"
        assert {e.description for e in app.screen.query_one(WizardFooter).entries()} >= {"Pick", "Help"}
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not None and app.session.profile is not None
        assert app.session.profile.id == "loopmeeting"


def test_the_wizard_stopped_from_outside_exits_as_interrupted(monkeypatch):
    """Textual ends the app without a code on SIGINT (`kill -INT`): that is no "done" (0)."""
    import argparse

    import screens.app as app_module
    from wizard.errors import EXIT_INTERRUPTED

    monkeypatch.setattr(app_module.WizardApp, "run", lambda self, **kwargs: None)
    args = argparse.Namespace(demo=True, simtenant=None, cloud="global", tenant=None, client_id=None,
                              ca_bundle=None, manual=False, remember=False, auth="device", vendor=None)
    assert app_module.run_app(args) == EXIT_INTERRUPTED
