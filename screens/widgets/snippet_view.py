"""The vendor's settings block: labels exactly as the vendor's console shows them.

`SnippetView(snippet)` shows a `wizard.snippet.Snippet` in one of three
formats (`f` switches text → JSON → .env). The client secret is masked unless
the admin reveals it (`v`); what is shown is what `c` copies (OSC 52) and what
`s` saves, so a masked copy never carries the secret. Saving asks for a path
(default in `wizard.snippet.default_save_dir()`) and lets the engine write the
file (0600 when it holds the secret).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from screens.widgets.save_prompt import SavePrompt
from wizard.errors import WizardError

FORMATS = ("text", "json", "env")
FORMAT_NAMES = {"text": "text", "json": "JSON", "env": ".env"}
EXTENSIONS = {"text": "txt", "json": "json", "env": "env"}


def default_save_dir() -> Path:
    """Where saved settings go unless the admin names another place."""
    try:
        from wizard.snippet import default_save_dir as engine_default
    except ImportError:  # the engine function is optional; fall back to the cwd
        return Path.cwd()
    return Path(engine_default())


class SnippetView(Vertical, can_focus=True):
    """The settings block with keys: v reveal, c copy, s save, f format."""

    DEFAULT_CSS = """
    SnippetView {
        height: auto;
        border: round $accent;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    SnippetView:focus {
        border: heavy $accent;
    }
    SnippetView #sv-body {
        width: auto;
    }
    """

    BINDINGS = [
        Binding("v", "toggle_reveal", "Show secret"),
        Binding("c", "copy", "Copy"),
        Binding("s", "save", "Save"),
        Binding("f", "next_format", "Format"),
    ]

    revealed: reactive[bool] = reactive(False)
    fmt: reactive[str] = reactive("text")

    def __init__(self, snippet, title: str = "", **kwargs) -> None:
        """`title` names the block (default: "Settings for <vendor>")."""
        super().__init__(**kwargs)
        self.snippet = snippet
        self.title = title or f"Settings for {snippet.vendor}"

    @property
    def has_secret(self) -> bool:
        return any(row.secret and row.value for row in self.snippet.rows)

    def compose(self) -> ComposeResult:
        yield Static(self.body(), id="sv-body", markup=False)

    def on_mount(self) -> None:
        self._retitle()

    def body(self) -> str:
        """The block as currently shown (masked unless revealed)."""
        mask = not self.revealed
        if self.fmt == "json":
            return self.snippet.as_json(mask=mask)
        if self.fmt == "env":
            return self.snippet.as_env(mask=mask)
        return self.snippet.as_text(mask=mask)

    def _retitle(self) -> None:
        self.border_title = f"{self.title} ({FORMAT_NAMES[self.fmt]})"
        keys = "v show secret · " if self.has_secret and not self.revealed else ""
        if self.revealed:
            keys = "v hide secret · "
        self.border_subtitle = f"{keys}c copy · s save · f format"

    def _redraw(self) -> None:
        if self.is_mounted:
            self.query_one("#sv-body", Static).update(self.body())
            self._retitle()

    def watch_revealed(self) -> None:
        self._redraw()

    def watch_fmt(self) -> None:
        self._redraw()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "toggle_reveal":
            return self.has_secret
        return True

    def action_toggle_reveal(self) -> None:
        if self.has_secret:
            self.revealed = not self.revealed

    def action_next_format(self) -> None:
        self.fmt = FORMATS[(FORMATS.index(self.fmt) + 1) % len(FORMATS)]

    def action_copy(self) -> None:
        """Copy what is shown, in the shown format, to the terminal's clipboard."""
        self.app.copy_to_clipboard(self.body())
        if self.has_secret and not self.revealed:
            self.notify("Copied, with the secret MASKED. Press v first to copy it with the secret.")
        else:
            self.notify("Copied with OSC 52 (if your terminal ignores it, select and copy by hand).")

    def action_save(self) -> None:
        """Ask for a path, then let the engine write the file (0600 with a secret)."""
        fmt, mask = self.fmt, not self.revealed
        name = f"{self.snippet.vendor.lower().replace(' ', '-')}-settings.{EXTENSIONS[fmt]}"
        if self.has_secret and not mask:
            note = "The file WILL contain the client secret; it is written readable by you only (0600)."
        elif self.has_secret:
            note = "The secret will be masked in the file. Press v first to include it."
        else:
            note = ""

        def saved(path: Path | None) -> None:
            if path is None:
                return
            try:
                self.snippet.save(path, fmt, mask=mask)
            except (OSError, ValueError, WizardError) as error:
                self.notify(f"Could not save: {error.__class__.__name__}: {getattr(error, 'strerror', '') or error}",
                            severity="error")
                return
            self.notify(f"Saved to {path}")

        self.app.push_screen(SavePrompt(default_save_dir() / name, note), saved)
