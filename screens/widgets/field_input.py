"""`FieldInput`: a one-line text field that keeps every key of a fast burst, in order.

Over SSH keys often arrive several at a time (one network packet), and pasting
into a terminal without bracketed paste sends them as single keys too. Textual's
`Input` inserts a printable key at once, in its own handler, but an editing key
(backspace, ←, ctrl+u…) or a key bound further up (Tab) travels up the widget
tree first and only then runs. With a burst, the printable keys that came
*after* that key are already typed by then: `ctrl+u` + `px01.example.com` in one
read cleared the text typed after it, `ab←c` gave `abc`, and after Tab the rest
still went into the old field.

`FieldInput` runs each key's binding in its own handler, in arrival order, and
hands keys that arrive after focus moved on to the field that now has focus.

Pasting (bracketed paste): `Input` keeps only the first line of a paste. A
`FieldInput` keeps all of it; the lines are joined with `join` (", " for fields
that take several values, so a pasted list of URIs stays a list; " " otherwise,
so a wrong paste is visible and checked, never silently cut).

Focus: arriving in a field puts the cursor at the end of its text and selects
nothing (Textual's `Input` selects all, so one key would replace a whole Client ID).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FieldInput(Input):
    """An `Input` that handles bursts of keys in order and keeps every pasted line."""

    def __init__(self, *args, join: str = " ", **kwargs) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self.join = join

    def _on_focus(self, event: events.Focus) -> None:
        # Runs before Input._on_focus (which then places the terminal cursor here).
        self.cursor_position = len(self.value)

    async def _on_key(self, event: events.Key) -> None:
        focused = self.app.focused
        if focused is not self and focused is not None and self.screen is focused.screen:
            # Focus moved on (Tab, Enter to the next field) while this key waited here:
            # it belongs to the field that has focus now.
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        if not event.is_printable:
            # Run the binding now, not after the keys that follow it (see the module doc).
            check = getattr(self.app, "_check_bindings", None)
            if check is not None and await check(event.key):
                event.stop()
                event.prevent_default()
        # Otherwise Textual calls Input._on_key next (handlers run down the class tree).

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines()]
        text = self.join.join(line for line in lines if line)
        if len(lines) <= 1:
            text = event.text.rstrip("\r\n")
        if text:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()  # not Input._on_paste too: it would add the first line again
