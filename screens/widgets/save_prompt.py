"""A small dialog that asks where to save a file; returns the path or None.

The screens never write files themselves: the caller passes the chosen path
to an engine function (`Snippet.save`, `wizard.secret` …), which writes it
atomically and 0600 when it holds a secret.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class SavePrompt(ModalScreen[Path | None]):
    """Ask for a file path (prefilled); Enter saves, Esc cancels."""

    DEFAULT_CSS = """
    SavePrompt {
        align: center middle;
    }
    SavePrompt > Vertical {
        width: 76;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SavePrompt .sp-note {
        color: $text-muted;
        margin-top: 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_path: Path | str, note: str = "", title: str = "Save to a file") -> None:
        super().__init__()
        self.default_path = str(default_path)
        self.note = note
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Label("File name (Enter saves, Esc cancels):")
            yield Input(self.default_path, id="sp-path")
            if self.note:
                yield Static(self.note, classes="sp-note", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
