"""Something went wrong: `ErrorScreen(error)` explains it and shows the way out.

It shows the plain message, the next step, Microsoft's own code and the ids
Microsoft support asks for (request-id, client-request-id). `c` copies those
ids to the clipboard through the terminal (OSC 52), so a helpdesk engineer on
SSH can paste them into a ticket. `WizardError` never carries a secret, so
nothing here can leak one.
"""

from __future__ import annotations

import logging

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.errors import WizardError
from wizard.explain import plain_cause

log = logging.getLogger("wizard.screens")


def unexpected(exc: BaseException) -> WizardError:
    """Wrap a bug (not a `WizardError`) for the error screen.

    Only the exception's type is shown: its text could quote data we must not
    show (an unexpected exception may carry anything).
    """
    if isinstance(exc, WizardError):
        return exc
    log.warning("unexpected %s shown on the error screen", type(exc).__name__)  # the debug log, for support
    return WizardError(
        f"Something went wrong: {plain_cause(exc)}. Nothing more was changed.",
        next_step="Run the wizard again: it continues where it stopped. "
        "If it keeps happening, run `m365-wizard --manual` for the manual checklist.",
    )


class ErrorScreen(ModalScreen[None]):
    """The error in plain words; Enter or Esc closes it."""

    CSS_PATH = "error.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("c", "copy_ids", "Copy support ids"),
        Binding("q", "app.leave(False)", "Quit", show=False),  # a modal hides the app's own q
    ]

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = unexpected(error)

    def compose(self) -> ComposeResult:
        error = self.error
        with Vertical(id="dialog"):
            yield Static("Something went wrong", id="title")
            with VerticalScroll(id="body"):
                yield Static(escape(error.message), id="message")
                if error.next_step:
                    yield Static(f"[b]What to do next:[/b] {escape(error.next_step)}", id="next-step")
                if error.code:
                    yield Static(f"[b]Microsoft code:[/b] {escape(error.code)}", id="code")
                ids = [
                    f"request-id {error.request_id}" if error.request_id else "",
                    f"client-request-id {error.client_request_id}" if error.client_request_id else "",
                ]
                ids = [i for i in ids if i]
                if ids:
                    yield Static(
                        "[b]For Microsoft support:[/b]\n" + escape("\n".join(ids)),
                        id="support",
                    )
            yield Button("OK (Enter)", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_ids(self) -> None:
        line = self.error.support_line()
        if line:
            self.app.copy_to_clipboard(line)
            self.notify("Support ids copied (if your terminal allows it).")
        else:
            self.notify("There are no support ids for this error.")
