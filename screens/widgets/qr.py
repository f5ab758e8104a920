"""A QR code drawn with text, and a full-screen view of it.

A QR code is a square of dark and light "modules". A terminal cell is about
twice as tall as it is wide, so one text line holds two module rows: the upper
half block `▀` is "top dark, bottom light", `▄` the reverse, `█` both dark and
a space both light. A version-3 code (a short URL) with a one-module border is
31 modules square, so it takes 31 columns and 16 lines.

Scanners want dark modules on a light background, so the widget pins its own
colours (black on white) instead of trusting the terminal's theme.
"""

from __future__ import annotations

import qrcode
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from screens.widgets.footer import WizardFooter


def qr_lines(text: str) -> list[str]:
    """Return the QR code of `text` as lines of half-block characters.

    Medium error correction (15 %) keeps a short URL at version 3, and a
    one-module border is the smallest quiet zone; the widget's padding adds
    more at the sides.
    """
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    if len(matrix) % 2:
        matrix = matrix + [[False] * len(matrix[0])]
    glyphs = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    return [
        "".join(glyphs[(top, bottom)] for top, bottom in zip(upper, lower))
        for upper, lower in zip(matrix[0::2], matrix[1::2])
    ]


class QrCode(Static):
    """The QR code of a text (usually the sign-in URL), black on white."""

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        color: black;
        background: white;
        padding: 0 1;
    }
    """

    def __init__(self, text: str, **kwargs) -> None:
        self.text = text
        super().__init__("\n".join(qr_lines(text)), markup=False, **kwargs)


class QrScreen(ModalScreen[None]):
    """The QR code alone, for terminals too small to show it beside the text."""

    DEFAULT_CSS = """
    QrScreen {
        align: center middle;
    }
    QrScreen Label {
        width: 100%;
        content-align: center middle;
    }
    """
    # `o` toggles (the key that opened it); never `q`, which leaves the wizard everywhere.
    BINDINGS = [
        Binding("escape,enter,o", "back", "Back"),
        Binding("q", "app.leave(False)", "Quit", show=False),  # a modal hides the app's own q
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield QrCode(self.text)
            yield Label(f"Scan to open {self.text}", markup=False)
        yield WizardFooter()

    def action_back(self) -> None:
        self.dismiss(None)
