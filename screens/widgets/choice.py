"""`ChoiceSet`: pick one of a few answers with the keyboard, readable without colour.

A `RadioSet` whose buttons (`MarkedButton`) show the chosen answer with a
character, "(●)" chosen and "( )" not, instead of a colour alone (lost with
NO_COLOR, hard to see with 16 colours). ↑/↓ move the cursor (shown reversed,
which survives NO_COLOR), space chooses, Enter chooses and posts `Chosen`
(the questions screen then moves on to the next field). `ChoiceSet(choices, value)`:
`choices` is a list of `(value, label)`; `.value` is the chosen value. On
arrival the cursor is on the chosen answer, not on the first one.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import RadioButton, RadioSet


class MarkedButton(RadioButton):
    """A radio button whose mark is a character: "●" chosen, " " not."""

    # Textual draws the side characters in the button's background colour (a half-block
    # trick): the brackets go inside, in the text colour, so they show in every palette.
    BUTTON_LEFT = ""
    BUTTON_RIGHT = ""

    def __init__(self, label: str, value: bool = False, *, choice: str = "", **kwargs) -> None:
        super().__init__(label, value=value, **kwargs)
        self.choice = choice
        self._mark()

    def watch_value(self) -> None:
        self._mark()
        super().watch_value()

    def _mark(self) -> None:
        # Textual reads BUTTON_INNER at each render: the mark follows the value.
        self.BUTTON_INNER = "(●) " if self.value else "( ) "


class ChoiceSet(RadioSet):
    """One answer out of a few; `.value` is the chosen answer's value."""

    DEFAULT_CSS = """
    ChoiceSet {
        width: 100%;
    }
    """

    BINDINGS = [Binding("enter", "choose", "Choose")]

    class Chosen(Message):
        """Enter was pressed on an answer (it is chosen now)."""

        def __init__(self, choice_set: "ChoiceSet") -> None:
            super().__init__()
            self.choice_set = choice_set

        @property
        def control(self) -> "ChoiceSet":
            return self.choice_set

    def __init__(self, choices: list[tuple[str, str]], value: str | None = None, **kwargs) -> None:
        self.choices = list(choices)
        values = [v for v, _ in self.choices]
        chosen = value if value in values else None
        buttons = [MarkedButton(label, value=(v == chosen), choice=v) for v, label in self.choices]
        super().__init__(*buttons, **kwargs)

    def on_mount(self) -> None:
        """The cursor starts on the chosen answer (RadioSet's own mount puts it on the first)."""
        self.call_later(self._cursor_on_chosen)

    def _cursor_on_chosen(self) -> None:
        index = self.pressed_index
        if index >= 0:
            self._selected = index

    def action_choose(self) -> None:
        """Enter: choose the answer under the cursor, then say so (`Chosen`)."""
        self.action_toggle_button()
        self.post_message(self.Chosen(self))

    @property
    def value(self) -> str:
        button = self.pressed_button
        return getattr(button, "choice", "") if button is not None else ""
