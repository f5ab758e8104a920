"""The vendor's settings block: labels exactly as the vendor's console shows them.

`SnippetView(snippet, show_secret=…, save=…)` shows a `wizard.snippet.Snippet`
in one of three formats (`f` switches text → JSON → .env). The client secret is
shown when the engine says so (`Run.settings()`: while the run still holds the
secret it made), else masked; `v` shows or hides it. What is shown is what `c`
copies (OSC 52) and what `s` saves, so a masked copy never carries the secret.
`p` opens the plain view (`PlainSettingsScreen`): one `Label: value` line per
setting, no frame, nothing wrapped, for a hand copy where OSC 52 does nothing;
there ↑/↓ pick one setting and `c` copies just its value. Saving asks for a
path (default in `wizard.snippet.default_save_dir()`) and lets the engine
write the file (`save`, e.g. `Run.save_settings`: 0600, an existing file only
replaced after asking).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget

from screens.widgets.save_prompt import SavePrompt

FORMATS = ("text", "json", "env")
FORMAT_NAMES = {"text": "text", "json": "JSON", "env": ".env"}
EXTENSIONS = {"text": "txt", "json": "json", "env": "env"}


#: Where a value starts on a line of each format: after " : " (text), after "=" (.env),
#: after '": ' (JSON).
_VALUE_START = re.compile(r"^(?P<key>.*? : |[A-Za-z_][A-Za-z0-9_]*=|\s*\".*?\": )(?P<value>.*)$")
#: A value column narrower than this gets the value on its own line(s) under the label.
MIN_VALUE_COLUMN = 24
#: Indent of a value put under its label.
UNDER_INDENT = 4


def _break_at(text: str, room: int) -> int:
    """How many characters of `text` go on a line of `room` columns.

    Prefer ending the line just after a '/' (URLs), then after other separators
    ('-', '.', ',', ';', '?', '&', '=', ' '), never cutting a value where the
    reader could take the break for part of it, unless nothing else fits.
    """
    if len(text) <= room:
        return len(text)
    for separators in ("/", ",; ", "-.?&=_~"):
        cut = max(text.rfind(c, 0, room) for c in separators) + 1
        if cut > room // 3:
            return cut
    return room


def wrap_value(value: str, room: int) -> list[str]:
    """`value` in pieces of at most `room` columns (see `_break_at`); at least one piece."""
    room = max(1, room)
    pieces: list[str] = []
    while len(value) > room:
        n = _break_at(value, room)
        pieces.append(value[:n].rstrip(" "))
        value = value[n:].lstrip(" ")
    pieces.append(value)
    return pieces


def wrap_lines(text: str, width: int) -> list[str]:
    """The settings block as screen lines of at most `width` columns, every character kept.

    A line that fits is unchanged. A longer one keeps its label and wraps the value
    with a hanging indent under the value column:

        User OAuth token URI         : https://login.microsoftonline.com/3c1e0f5a-
                                       8d2b-…/oauth2/v2.0/token

    and when the value column is too narrow, the value goes on its own lines under
    the label, indented. What is copied or saved is the unwrapped text.
    """
    width = max(8, width)
    out: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        match = _VALUE_START.match(line)
        key, value = (match["key"], match["value"]) if match else ("", line)
        column = len(key)
        if key and width - column >= MIN_VALUE_COLUMN:
            pieces = wrap_value(value, width - column)
            out.append(key + pieces[0])
            out += [" " * column + piece for piece in pieces[1:]]
        elif key:
            out += wrap_value(key.rstrip(), width)
            out += [" " * UNDER_INDENT + piece for piece in wrap_value(value, width - UNDER_INDENT)]
        else:
            indent = len(line) - len(line.lstrip(" "))
            pieces = wrap_value(line.lstrip(" "), width - indent)
            out += [" " * indent + piece for piece in pieces]
    return out


class SnippetBody(Widget):
    """The block's text, wrapped to the widget's width by `wrap_lines` (nothing is cut off)."""

    DEFAULT_CSS = """
    SnippetBody {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text

    def update(self, text: str) -> None:
        self.text = text
        self.refresh(layout=True)

    def lines(self, width: int | None = None) -> list[str]:
        return wrap_lines(self.text, self.size.width if width is None else width)

    def get_content_width(self, container, viewport) -> int:
        return max((len(line) for line in self.text.split("\n")), default=0)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n".join(self.lines()), no_wrap=True, overflow="crop")


def default_save_dir() -> Path:
    """Where saved settings go unless the admin names another place."""
    from wizard.snippet import default_save_dir as engine_default

    return Path(engine_default())


class SaveSettings(Protocol):
    """The engine function that writes the block (`Run.save_settings` bound to the snippet)."""

    def __call__(self, path: Path, fmt: str, *, mask: bool, overwrite: bool) -> Path: ...


class SnippetView(Vertical, can_focus=True):
    """The settings block with keys: v show/hide the secret, c copy, p plain view, s save, f format."""

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
    """

    BINDINGS = [
        Binding("v", "toggle_reveal", "Show/hide secret", show=False),  # the frame's subtitle says v
        Binding("c", "copy", "Copy all"),
        Binding("p", "plain", "Plain, one field"),
        Binding("s", "save", "Save"),
        Binding("f", "next_format", "Format", show=False),
    ]

    revealed: reactive[bool] = reactive(False)
    fmt: reactive[str] = reactive("text")

    def __init__(self, snippet, title: str = "", *, show_secret: bool = False,
                 save: SaveSettings | None = None, **kwargs) -> None:
        """`title` names the block (default: "Settings for <vendor>"); `show_secret`: the engine's
        word that the secret is shown; `save` writes the file (default: `Snippet.save`)."""
        super().__init__(**kwargs)
        self.snippet = snippet
        self.title = title or f"Settings for {snippet.vendor}"
        self.set_reactive(SnippetView.revealed, bool(show_secret) and self.has_secret)
        self.save_file: SaveSettings = save or self._engine_save

    def _engine_save(self, path: Path, fmt: str, *, mask: bool, overwrite: bool) -> Path:
        return self.snippet.save(path, fmt, mask=mask, overwrite=overwrite)

    @property
    def has_secret(self) -> bool:
        return any(row.secret and row.value for row in self.snippet.rows)

    def compose(self) -> ComposeResult:
        yield SnippetBody(self.body(), id="sv-body")

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
        keys = ""
        if self.has_secret:
            keys = "v hide secret · " if self.revealed else "v show secret · "
        self.border_subtitle = f"{keys}c copy · p plain / one field · s save · f format"

    def _redraw(self) -> None:
        if self.is_mounted:
            self.query_one("#sv-body", SnippetBody).update(self.body())
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
            self.notify("Copied with OSC 52. If your terminal ignores it, p shows lines to select by hand.")

    def action_plain(self) -> None:
        """The plain view: one line per setting, nothing wrapped; ↑/↓ and c copy one value."""
        from screens.plain_settings import PlainSettingsScreen

        def back(revealed: bool | None) -> None:
            if revealed is not None and self.has_secret:
                self.revealed = revealed

        self.app.push_screen(PlainSettingsScreen(self.snippet, title=self.title, revealed=self.revealed), back)

    def action_save(self) -> None:
        """Ask for a path, then let the engine write the file (0600; replacing a file only after asking)."""
        fmt, mask = self.fmt, not self.revealed
        name = f"{self.snippet.vendor.lower().replace(' ', '-')}-settings.{EXTENSIONS[fmt]}"
        if self.has_secret and not mask:
            note = "The file WILL contain the client secret; it is written readable by you only (0600)."
        elif self.has_secret:
            note = "The secret will be masked in the file. Press v first to include it."
        else:
            note = ""

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Saved to {path}.")

        def write(path: Path, overwrite: bool) -> Path:
            return self.save_file(path, fmt, mask=mask, overwrite=overwrite)

        self.app.push_screen(SavePrompt(default_save_dir() / name, note, write=write), saved)
