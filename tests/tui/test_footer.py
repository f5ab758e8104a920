"""`WizardFooter`: one line drawn from the screen's active bindings, repainted when they change."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget

from screens.widgets.footer import WizardFooter, key_width

pytestmark = pytest.mark.anyio


class Alpha(Widget, can_focus=True):
    BINDINGS = [Binding("a", "app.record('alpha')", "Alpha")]
    DEFAULT_CSS = "Alpha { height: 1; }"


class Beta(Widget, can_focus=True):
    BINDINGS = [Binding("b", "app.record('beta')", "Beta")]
    DEFAULT_CSS = "Beta { height: 1; }"


class Keys(Screen):
    BINDINGS = [
        Binding("enter", "app.record('enter')", "Go on"),
        Binding("x", "app.record('x')", "Not now"),
        Binding("f1", "app.record('help')", "Help"),
    ]

    def compose(self) -> ComposeResult:
        yield Alpha()
        yield Beta()
        yield WizardFooter()


class KeysApp(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.bells = 0

    def on_mount(self) -> None:
        self.push_screen(Keys())

    def action_record(self, what: str) -> None:
        self.done.append(what)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record" and parameters == ("x",):
            return None  # shown, dimmed: not possible now
        return True

    def bell(self) -> None:
        self.bells += 1


def painted(app: App) -> str:
    """The footer's line as it is drawn now (its render cache, as the compositor reads it)."""
    footer = app.screen.query_one(WizardFooter)
    [strip] = footer.render_lines(Region(0, 0, footer.size.width, 1))
    return strip.text


async def test_the_line_shows_the_focused_widgets_keys_and_is_repainted_when_focus_moves():
    app = KeysApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one(Alpha).focus()
        await pilot.pause()
        assert "a Alpha" in painted(app) and "Beta" not in painted(app)
        app.screen.query_one(Beta).focus()
        await pilot.pause()
        line = painted(app)
        assert "b Beta" in line and "Alpha" not in line and "Go on" in line and "Help" in line


async def test_a_click_on_a_key_presses_it_and_a_disabled_key_rings_the_bell():
    app = KeysApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one(Beta).focus()
        await pilot.pause()
        footer = app.screen.query_one(WizardFooter)
        entries = footer.entries()
        assert [(e.description, e.enabled) for e in entries] == [
            ("Beta", True), ("Go on", True), ("Not now", False), ("Help", True)]
        starts, x = {}, 0
        for entry in entries:
            starts[entry.description] = x
            x += key_width(entry.display, entry.description)
        await pilot.click(WizardFooter, offset=(starts["Go on"] + 1, 0))
        await pilot.click(WizardFooter, offset=(starts["Not now"] + 1, 0))
        await pilot.pause()
        assert app.done == ["enter"] and app.bells == 1


async def test_at_24_columns_whole_keys_are_left_out_from_the_right_but_enter_and_help_stay():
    app = KeysApp()
    async with app.run_test(size=(24, 10)) as pilot:
        app.screen.query_one(Beta).focus()
        await pilot.pause()
        line = painted(app)
        assert "Go on" in line and "Help" in line and "Not now" not in line
        assert sum(key_width(e.display, e.description) for e in app.screen.query_one(WizardFooter).entries()) <= 24
