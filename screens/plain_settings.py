"""The plain view of the vendor's settings: what a hand copy from the terminal needs.

`PlainSettingsScreen(snippet, title=…, revealed=…)` shows `Snippet.as_plain()`: one
`Label: value` line per setting from the first column, no frame, no padding, and no
value ever wrapped (a long one runs past the right edge; ←/→ scroll sideways). So a
mouse selection (Shift+drag in most terminals, PuTTY too) brings exactly the text,
where OSC 52 does nothing.

↑/↓ pick one setting; `c` copies just its value, `a` the whole block (OSC 52);
`v` shows or hides the client secret (when the block holds it). `p` or Esc goes
back and hands the shown/hidden state back to the framed view.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from screens.widgets.footer import WizardFooter


class PlainLines(Widget, can_focus=True):
    """The `Label: value` lines, unwrapped; the picked line is highlighted (not marked with text,
    so a selection brings nothing extra)."""

    DEFAULT_CSS = """
    PlainLines {
        width: auto;
        height: auto;
        min-width: 100%;
    }
    """
    COMPONENT_CLASSES = {"plain-lines--picked"}

    picked: reactive[int] = reactive(0)

    def __init__(self, lines: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = lines

    def set_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self.refresh(layout=True)

    def get_content_width(self, container, viewport) -> int:
        return max((len(line) for line in self.lines), default=0)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        style = self.get_component_rich_style("plain-lines--picked")
        for number, line in enumerate(self.lines):
            if number:
                text.append("\n")
            text.append(line, style=style if number == self.picked and self.has_focus else "")
        return text

    def watch_picked(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class PlainSettingsScreen(Screen[bool]):
    """One `Label: value` line per setting, nothing wrapped; returns whether the secret is shown."""

    CSS_PATH = "plain_settings.tcss"
    BINDINGS = [
        Binding("up", "pick(-1)", "Up", show=False),
        Binding("down", "pick(1)", "Down", show=False),
        Binding("c", "copy_field", "Copy value"),
        Binding("a", "copy_all", "Copy all"),
        Binding("v", "toggle_reveal", "Show/hide secret"),
        Binding("left", "scroll_side(-1)", "Scroll", show=False),
        Binding("right", "scroll_side(1)", "Scroll", show=False),
        Binding("escape,p", "back", "Back"),
    ]

    def __init__(self, snippet, title: str = "", *, revealed: bool = False) -> None:
        super().__init__()
        self.snippet = snippet
        self.title_text = title or f"Settings for {snippet.vendor}"
        self.revealed = revealed and snippet.has_secret

    def _lines(self) -> list[str]:
        return self.snippet.as_plain(mask=not self.revealed).rstrip("\n").split("\n")

    def compose(self) -> ComposeResult:
        yield Static(f"{self.title_text}: one line per setting, nothing wrapped", id="plain-title",
                     markup=False)
        with ScrollableContainer(id="plain-scroll"):
            yield PlainLines(self._lines(), id="plain-lines")
        yield Static("", id="plain-status", markup=False)
        yield WizardFooter()

    def on_mount(self) -> None:
        self.query_one(PlainLines).focus()
        self.status()

    @property
    def _picked(self) -> int:
        return self.query_one(PlainLines).picked

    def status(self, said: str = "") -> None:
        label = self.snippet.rows[self._picked].label if self.snippet.rows else ""
        hint = ("Select by hand: hold Shift and drag (most terminals). "
                f"↑/↓ pick a setting, c copies its value ({label}).")
        if self.snippet.has_secret and not self.revealed:
            hint += " The secret is masked: v shows it."
        self.query_one("#plain-status", Static).update(said or hint)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "toggle_reveal":
            return self.snippet.has_secret
        return True

    def action_pick(self, step: int) -> None:
        lines = self.query_one(PlainLines)
        lines.picked = max(0, min(len(self.snippet.rows) - 1, lines.picked + step))
        self.query_one("#plain-scroll", ScrollableContainer).scroll_to(y=max(0, lines.picked - 2), animate=False)
        self.status()

    def action_scroll_side(self, step: int) -> None:
        scroll = self.query_one("#plain-scroll", ScrollableContainer)
        room = max(10, scroll.scrollable_content_region.width - 10)
        scroll.scroll_to(x=max(0, scroll.scroll_x + step * room), animate=False)

    def action_copy_field(self) -> None:
        if not self.snippet.rows:
            return
        label, value = self.snippet.fields(mask=not self.revealed)[self._picked]
        self.app.copy_to_clipboard(value)
        masked = " (MASKED: v first copies the real value)" if self.snippet.rows[self._picked].secret \
            and not self.revealed else ""
        self.status(f"Copied the value of {label}{masked} with OSC 52. Nothing arrived? Select it by hand.")

    def action_copy_all(self) -> None:
        self.app.copy_to_clipboard(self.snippet.as_plain(mask=not self.revealed))
        masked = " (the secret MASKED: v first copies it)" if self.snippet.has_secret and not self.revealed else ""
        self.status(f"Copied all {len(self.snippet.rows)} lines{masked} with OSC 52.")

    def action_toggle_reveal(self) -> None:
        if self.snippet.has_secret:
            self.revealed = not self.revealed
            self.query_one(PlainLines).set_lines(self._lines())
            self.status()

    def action_back(self) -> None:
        self.dismiss(self.revealed)
