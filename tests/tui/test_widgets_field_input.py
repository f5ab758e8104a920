"""FieldInput: a burst of keys (one read over SSH) lands in order, and a paste lands whole."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult

from screens.questions import QuestionsScreen
from screens.widgets.field_input import FieldInput
from app_helpers import make_app, showing, wait_for

pytestmark = pytest.mark.anyio


def burst(app, keys) -> None:
    """Every key at once, as one read from the terminal delivers them (pilot.press waits between keys)."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


class TwoFields(App):
    def compose(self) -> ComposeResult:
        yield FieldInput(id="a")
        yield FieldInput(id="b", join=", ")


async def settle(pilot) -> None:
    for _ in range(5):
        await pilot.pause(0.02)


async def test_a_burst_with_editing_keys_keeps_every_key_in_order():
    app = TwoFields()
    async with app.run_test() as pilot:
        a = app.query_one("#a", FieldInput)
        await pilot.press(*"old text")
        burst(app, ["ctrl+u", *"px01.example.com"])
        await settle(pilot)
        assert a.value == "px01.example.com"
        burst(app, [*"xy", "backspace", "z", "home", "w", "end", "!"])
        await settle(pilot)
        assert a.value == "wpx01.example.comxz!"
        burst(app, ["ctrl+u", *"ab", "tab", *"cd"])
        await settle(pilot)
        assert (a.value, app.query_one("#b", FieldInput).value) == ("ab", "cd")


async def test_pilot_press_bursts_in_the_questions_screen():
    app = make_app(vendor="pexip")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        await pilot.press(*"wrong", "ctrl+u", *"px01.example.com")
        burst(app, ["ctrl+u", *"px02.example.com"])
        await settle(pilot)
        assert app.screen.query_one("#input-addin_fqdn").value == "px02.example.com"
        assert app.session.drafts["pexip"]["addin_fqdn"] == "px02.example.com"


async def test_a_paste_lands_exactly_and_a_pasted_list_stays_a_list():
    app = TwoFields()
    async with app.run_test() as pilot:
        a, b = app.query_one("#a", FieldInput), app.query_one("#b", FieldInput)
        a.focus()
        app.screen.query_one("#a").post_message(events.Paste("px01.example.com:8443\n"))
        await settle(pilot)
        assert a.value == "px01.example.com:8443"
        b.focus()
        b.post_message(events.Paste("https://a.example.com/cb\r\nhttps://b.example.com/cb\n"))
        await settle(pilot)
        assert b.value == "https://a.example.com/cb, https://b.example.com/cb"  # Input kept only line 1
        a.value = ""
        a.post_message(events.Paste("sops.example.com\nsecond line"))
        await settle(pilot)
        assert a.value == "sops.example.com second line"  # never silently cut: the check will say so


async def test_a_paste_into_flexo_redirect_uris_keeps_every_uri():
    app = make_app(vendor="flexo")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")
        field = app.screen.query_one("#input-redirect_uri", FieldInput)
        field.post_message(events.Paste("https://flexo.example.com/oauth/office365\nhttps://flexo2.example.com/oauth"))
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.session.answers, "the answers")
        assert app.session.answers["redirect_uri"] == [
            "https://flexo.example.com/oauth/office365", "https://flexo2.example.com/oauth"]
