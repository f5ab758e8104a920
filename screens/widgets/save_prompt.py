"""A small dialog that asks where to save a file; returns the path or None.

The screens never write files themselves: the caller passes an engine function
(`Run.save_settings`, `NewSecret.save_to_file` …) as `write(path, overwrite)`,
which makes a missing folder (0700: the default, Documents/m365-wizard, usually
does not exist yet on a fresh server) and writes the file atomically, 0600.
An existing file is never replaced without asking: the engine refuses
(`wizard.files.FileExists`), the dialog says so and a second Enter on the same
path replaces it. When writing fails, the dialog names the path and the reason
and stays open with the path as typed, so it can be corrected instead of typed
again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from screens.widgets.field_input import FieldInput
from wizard.errors import WizardError
from wizard.files import FileExists


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
    SavePrompt #sp-error {
        color: $text-error;
        display: none;
    }
    SavePrompt #sp-error.-shown {
        display: block;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_path: Path | str, note: str = "", title: str = "Save to a file",
                 write: Callable[[Path, bool], object] | None = None) -> None:
        """`write(path, overwrite)` saves the file (an engine function); its result, or the path,
        is returned."""
        super().__init__()
        self.default_path = str(default_path)
        self.note = note
        self.title_text = title
        self.write = write
        self.replace_ok: Path | None = None  # the existing file the person agreed to replace

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Label("File name (Enter saves, Esc cancels):")
            yield FieldInput(self.default_path, id="sp-path")
            yield Static("", id="sp-error", markup=False)
            if self.note:
                yield Static(self.note, classes="sp-note", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.dismiss(None)
            return
        path = Path(text).expanduser()
        if self.write is None:
            self.dismiss(path)
            return
        try:
            written = self.write(path, path == self.replace_ok)
        except FileExists as exists:
            self.replace_ok = path
            self.show_error(f"{exists.path} exists already. Enter again replaces it; "
                            "or change the name, or Esc.")
            return
        except WizardError as error:  # the engine's words name the path and the reason
            self.replace_ok = None
            self.show_error(f"Could not save: {error.message}. Correct the path and press Enter, or Esc.")
            return
        except (OSError, ValueError) as error:  # ValueError: e.g. "the secret is no longer here"
            self.replace_ok = None
            reason = (error.strerror if isinstance(error, OSError) else str(error)) or type(error).__name__
            self.show_error(f"Could not save to {path}: {reason}. Correct the path and press Enter, or Esc.")
            return
        self.dismiss(Path(written) if isinstance(written, (str, Path)) else path)

    def show_error(self, text: str) -> None:
        error = self.query_one("#sp-error", Static)
        error.update(f"✗ {text}")
        error.add_class("-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)
