"""The paste-back sign-in panel: the link to open, what the browser will show, the field to paste into.

Where the tenant blocks the device code, the admin signs in with a link instead
(`wizard.signin_authcode`): they open it on any device, sign in, and the browser lands on
`http://localhost:PORT/?code=…`, a page that cannot load. The panel says so before it
happens, then takes the address pasted from the browser's address bar. Keyboard only:
`c` (on the screen) copies the link with OSC 52; Enter in the field sends the address.

The link is long (about 500 characters): it wraps over several lines, and its QR code
needs a terminal of about 90x46, so ctrl+o (on the screen) shows it full-screen only where
it fits (else the panel says what size it needs). The whole panel fits 80x24 with an error. The panel only shows and collects; the screen calls the
engine (`PasteSubmitted`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from screens.widgets.field_input import FieldInput
from screens.widgets.qr import QrScreen, qr_lines


class PasteSubmitted(Message):
    """The admin pressed Enter in the address field."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value


class PastePanel(Vertical):
    """Link, what to expect, and the field for the address the browser lands on."""

    DEFAULT_CSS = """
    PastePanel {
        height: auto;
    }
    PastePanel #ps-open {
        margin-top: 1;
    }
    PastePanel #ps-url {
        color: $text-accent;
        padding-left: 3;
    }
    PastePanel #ps-input {
        margin: 0 0 0 2;
    }
    PastePanel #ps-error {
        display: none;
        padding-left: 3;
        color: $text-error;
    }
    PastePanel #ps-error.-shown {
        display: block;
    }
    PastePanel #ps-error.-note {
        color: $text-muted;
    }
    """

    def __init__(self, url: str, landing_hint: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.landing_hint = landing_hint
        lines = qr_lines(url)
        self.qr_size = (len(lines[0]) + 4, len(lines) + 2)  # columns, rows (padding, caption)

    def compose(self) -> ComposeResult:
        yield Static("", id="ps-open", classes="ps-step")
        yield Static(self.url, id="ps-url", markup=False)
        yield Static(f"2. Sign in. The browser then shows [b]{self.landing_hint}[/b], a page that cannot "
                     "load: that is expected, nothing runs there.", classes="ps-step")
        yield Static("3. Copy that whole address from the address bar, paste it here, press Enter:",
                     classes="ps-step")
        yield FieldInput(placeholder="http://localhost:…/?code=…&state=…", id="ps-input", join="")
        yield Static("", id="ps-error", markup=False)

    def on_mount(self) -> None:
        self.update_qr_note()
        self.query_one("#ps-input", FieldInput).focus()

    def on_resize(self) -> None:
        self.update_qr_note()

    def qr_fits(self) -> bool:
        width, height = self.qr_size
        return self.app.size.width >= width and self.app.size.height >= height

    def update_qr_note(self) -> None:
        width, height = self.qr_size
        qr = "ctrl+o: QR code" if self.qr_fits() else f"QR code needs {width}x{height}"
        self.query_one("#ps-open", Static).update(f"1. Open this link on any device ([b]ctrl+l[/b] copies it; {qr}):")

    def action_show_qr(self) -> None:
        if self.qr_fits():
            self.app.push_screen(QrScreen(self.url))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(PasteSubmitted(event.value))

    # -- called by the screen ------------------------------------------------------------

    @property
    def value(self) -> str:
        return self.query_one("#ps-input", FieldInput).value

    def fill(self, address: str) -> None:
        """Put an address into the field (the demo tenant's sign-in), ready for Enter."""
        field = self.query_one("#ps-input", FieldInput)
        field.value = address
        field.cursor_position = len(address)
        field.focus()

    def show_error(self, text: str, note: bool = False) -> None:
        """Say what is wrong with the pasted address (or, `note`, what happens now); the text
        stays in the field to fix."""
        label = self.query_one("#ps-error", Static)
        label.update(text)
        label.set_class(bool(text), "-shown")
        label.set_class(note, "-note")
        self.query_one("#ps-input", FieldInput).focus()
