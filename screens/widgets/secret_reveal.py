"""The client secret VALUE, shown once: masked until revealed, copyable, wipeable.

Entra shows two things for a client secret: its *Secret ID* (a GUID, useless
to a vendor) and its *Value* (what the vendor needs). Admins often paste the
ID by mistake, so the widget says which one it is in its label.

The value is masked by default so that a screen share or a snapshot never
shows it by accident. `r` reveals or hides it, `c` copies it to the clipboard
of the terminal (OSC 52, works over SSH in most terminals) and `clear()` wipes
it from the widget once the admin has stored it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

MASK = "•" * 24


class SecretReveal(Vertical, can_focus=True):
    """One secret value: masked, revealable (`r`), copyable (`c`), clearable."""

    DEFAULT_CSS = """
    SecretReveal {
        height: auto;
        border: round $accent;
        border-title-color: $text-accent;
        padding: 0 1;
    }
    SecretReveal:focus {
        border: heavy $accent;
    }
    SecretReveal #sr-value {
        text-style: bold;
        color: $text;
    }
    SecretReveal #sr-note {
        color: $text-muted;
    }
    """

    # Not in the footer: the box itself says "r reveal/hide · c copy", and at 80 columns the
    # footer needs the room for the secret step's own keys (Stored it, Keyring, File, Esc).
    BINDINGS = [
        Binding("r", "toggle_reveal", "Reveal", show=False),
        Binding("c", "copy", "Copy", show=False),
    ]

    revealed: reactive[bool] = reactive(False)

    class Copied(Message):
        """Posted after the value was sent to the terminal's clipboard."""

    def __init__(self, value: str, hint: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._value = value
        self.hint = hint
        self.border_title = "client secret VALUE"

    @property
    def has_value(self) -> bool:
        """False once `clear()` has wiped the value."""
        return bool(self._value)

    def compose(self) -> ComposeResult:
        yield Static(self._shown(), id="sr-value", markup=False)
        yield Static(
            "It is the VALUE, not the Secret ID (a GUID).   r reveal/hide · c copy",
            id="sr-note",
        )

    def _shown(self) -> str:
        if not self._value:
            return "(cleared: the value is no longer kept by the wizard)"
        if self.revealed:
            return self._value
        starts = f"   starts with {self.hint}…" if self.hint else ""
        return MASK + starts

    def watch_revealed(self) -> None:
        if self.is_mounted:
            self.query_one("#sr-value", Static).update(self._shown())

    def action_toggle_reveal(self) -> None:
        """Show the value, or mask it again."""
        if self._value:
            self.revealed = not self.revealed

    def action_copy(self) -> None:
        """Send the value to the terminal's clipboard (OSC 52)."""
        if not self._value:
            self.notify("The value has been cleared; nothing to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(self._value)
        self.notify(
            "Copied with OSC 52. If your terminal ignores it, press r and copy by hand.",
            title="client secret VALUE",
        )
        self.post_message(self.Copied())

    def clear(self) -> None:
        """Forget the value and show that it is gone."""
        self._value = ""
        self.revealed = False
        if self.is_mounted:
            self.query_one("#sr-value", Static).update(self._shown())
