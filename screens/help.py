"""Help for the current step: `HelpScreen(step)` (F1 or `?`).

The text lives in `screens/helptext.py`, one Markdown entry per step, so it
can be read and corrected without touching any screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

import re

from screens.helptext import help_for


def numbered(text: str, step: str, session) -> str:
    """The heading's "Step N" as the header counts it for this vendor and mode.

    (LoopMeeting has no secret step, verify mode has one more: fixed numbers
    in the help text would disagree with the header.)
    """
    if session is None:
        return text
    ids = [s for s, _ in session.steps()]
    if step not in ids:
        return re.sub(r"^# Step \d+: ", "# ", text, count=1)
    return re.sub(r"^# Step \d+:", f"# Step {ids.index(step) + 1}:", text, count=1)


class HelpScreen(ModalScreen[None]):
    """The step's help in a scrollable window; Esc, F1 or `?` closes it (`q` leaves, as everywhere)."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,f1,question_mark", "close", "Close help"),
        Binding("q", "app.leave(False)", "Quit", show=False),  # a modal hides the app's own q
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
    ]

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            with VerticalScroll(id="text"):
                yield Markdown(numbered(help_for(self.step), self.step, getattr(self.app, "session", None)))
            yield Static("Esc closes this help.  Up/Down scroll.", id="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        text = self.query_one("#text", VerticalScroll)
        if direction == "up":
            text.scroll_up()
        else:
            text.scroll_down()
