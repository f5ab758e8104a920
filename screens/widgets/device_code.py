"""The device-code panel: what to open, what to type, and how long it stays valid.

Device-code sign-in shows a short code and a URL; the admin opens the URL on
any device (a phone is fine), types the code and signs in there. This panel
shows the code in bold, exactly as Microsoft gives it, the URL, a QR code of the URL beside them
and a live countdown. Everything fits an 80x24 terminal; when the space given
to the panel is too small for the QR code (16 lines, 33 columns), the QR code
is hidden and `o` shows it full-screen instead (the sign-in screen's key; `q` is
never used here: it leaves the wizard everywhere).

The countdown reads the time from the injected `wizard.clock.Clock`, so tests
pass a `FakeClock` and the picture does not change between runs.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Static

from screens.widgets.qr import QrCode, QrScreen, qr_lines


def shown_code(user_code: str) -> str:
    """The code exactly as Microsoft gives it (`GQLD7VRKC`): no spaces added, so none get typed."""
    return user_code.strip()


def countdown_text(seconds_left: float) -> str:
    """Plain words for the time left: `expires in 14:32`, or that it has expired."""
    if seconds_left <= 0:
        return "This code has expired. Go back and start the sign-in again."
    whole = int(seconds_left)
    return f"expires in {whole // 60:d}:{whole % 60:02d}"


class DeviceCodePanel(Vertical, can_focus=True):
    """The code, the URL, a QR code of the URL and a countdown to expiry.

    `expires_at` is seconds since the epoch (or a `datetime`), compared with
    `clock.now()`. Press `o` to show the QR code full-screen.
    """

    DEFAULT_CSS = """
    DeviceCodePanel {
        height: auto;
        width: 1fr;
    }
    DeviceCodePanel > Horizontal {
        height: auto;
    }
    DeviceCodePanel #dc-text {
        width: 1fr;
        height: auto;
        padding-right: 1;
    }
    DeviceCodePanel #dc-code {
        width: auto;
        text-style: bold;
        color: $text;
        border: heavy $accent;
        padding: 0 1;
        margin-left: 3;
    }
    DeviceCodePanel #dc-url {
        text-style: bold;
        color: $text-accent;
        padding-left: 3;
    }
    DeviceCodePanel #dc-scan {
        padding-left: 3;
        color: $text-muted;
    }
    DeviceCodePanel .dc-step {
        margin-top: 1;
    }
    DeviceCodePanel #dc-countdown {
        margin-top: 1;
        color: $text-warning;
    }
    DeviceCodePanel #dc-countdown.-expired {
        color: $text-error;
        text-style: bold;
    }
    DeviceCodePanel.-no-qr QrCode {
        display: none;
    }
    DeviceCodePanel:focus {
        background-tint: $foreground 3%;
    }
    """

    BINDINGS = [Binding("o", "show_qr", "QR code", show=False)]

    #: The key that shows the QR code full-screen (the sign-in screen binds it too).
    QR_KEY = "o"

    def __init__(self, user_code: str, verification_uri: str, expires_at, clock, **kwargs) -> None:
        super().__init__(**kwargs)
        self.user_code = user_code
        self.verification_uri = verification_uri
        if isinstance(expires_at, datetime):
            expires_at = expires_at.timestamp()
        self.expires_at = float(expires_at)
        self.clock = clock
        self._qr_height = len(qr_lines(verification_uri))
        self._qr_width = len(qr_lines(verification_uri)[0]) + 2

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="dc-text"):
                yield Static("1. On a phone or any computer, open:", classes="dc-step")
                yield Static(self.verification_uri, id="dc-url", markup=False)
                yield Static("(or scan the QR code)", id="dc-scan")
                yield Static("2. Enter this code:", classes="dc-step")
                yield Static(shown_code(self.user_code), id="dc-code", markup=False)
                yield Static(self._countdown(), id="dc-countdown")
            yield QrCode(self.verification_uri, id="dc-qr")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_countdown)

    def seconds_left(self) -> float:
        """Seconds until the code expires, by the injected clock."""
        return self.expires_at - self.clock.now()

    def _countdown(self) -> str:
        return countdown_text(self.seconds_left())

    def refresh_countdown(self) -> None:
        """Redraw the countdown (called every second by a timer)."""
        label = self.query_one("#dc-countdown", Static)
        label.update(self._countdown())
        label.set_class(self.seconds_left() <= 0, "-expired")

    def on_resize(self, event: Resize) -> None:
        """Hide the QR code when it would not fit beside the text."""
        # The URL must fit on one line beside the QR code (it is typed from the screen).
        too_narrow = event.size.width < self._qr_width + max(40, len(self.verification_uri) + 5)
        too_short = self.app.size.height < self._qr_height + 6
        too_narrow = too_narrow or too_short
        self.set_class(too_narrow, "-no-qr")
        self.query_one("#dc-scan", Static).update(
            f"(press {self.QR_KEY} for a QR code)" if too_narrow else "(or scan the QR code)"
        )
        self.screen.refresh_bindings()  # the screen's QR key shows only while the QR is hidden

    @property
    def qr_hidden(self) -> bool:
        """True when the QR code does not fit beside the text (the key shows it full-screen)."""
        return self.has_class("-no-qr")

    def action_show_qr(self) -> None:
        """Show the QR code of the URL full-screen."""
        self.app.push_screen(QrScreen(self.verification_uri))
