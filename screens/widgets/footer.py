"""`WizardFooter`: the key line at the bottom, never cut in the middle of a label.

Textual's `Footer` lays the keys out in a row and cuts the last ones when the
terminal is narrow (`f1 He`, `⏎ Don` at 80 columns). `WizardFooter` shows the
same keys but leaves out whole keys that do not fit, from the right, keeping
always the ones a person needs to get on: Enter (go on), Esc (back), F1 (help)
and ctrl+q (leave). Every key left out still works and is named in the screen's
own text.

It is one widget that draws its line (`render`), where Textual's footer is a
container of one widget per key that it builds again (`recompose`) each time
the bindings change: at start-up that happened eight times before the first
frame and cost the vendor screen a third of its start-up time. A change of
focus or of the screen's bindings only repaints this line. The look is
Textual's footer's (the same theme variables, " key description " per key).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

#: Keys the footer always shows when they are active.
ALWAYS = ("enter", "escape", "f1", "ctrl+q")


class FooterEntry(NamedTuple):
    """One key as the footer shows it: `key` is what `App.simulate_key` takes, `display` what is drawn."""

    key: str
    display: str
    description: str
    enabled: bool


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes in the footer: " key description "."""
    return len(key_display) + len(description) + 3


def fitting(keys: list[tuple[Binding, str]], width: int) -> list[tuple[Binding, str]]:
    """The keys to show within `width` columns: `ALWAYS` first claims its room,
    then the others in order while they fit. Order on screen is kept."""
    def size(item: tuple[Binding, str]) -> int:
        return key_width(item[1], item[0].description)

    room = width - sum(size(k) for k in keys if k[0].key in ALWAYS)
    shown = []
    for item in keys:
        if item[0].key in ALWAYS:
            shown.append(item)
        elif size(item) <= room:
            room -= size(item)
            shown.append(item)
        else:
            room = -1  # keep the order: once one is left out, the rest after it are too
    return shown


class WizardFooter(Widget, can_focus=False):
    """The footer of every wizard screen: whole keys only, the essential ones always."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    DEFAULT_CSS = """
    WizardFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def entries(self) -> list[FooterEntry]:
        """The keys shown now, left to right: the screen's active bindings marked `show`
        (one per action), as many whole keys as fit the width (`fitting`)."""
        seen: set[str] = set()
        keys: list[tuple[Binding, bool]] = []
        for _, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding, enabled))
        pairs = [(b, self.app.get_key_display(b)) for b, _ in keys]
        shown = {id(b) for b, _ in fitting(pairs, self.size.width or self.app.size.width)}
        return [FooterEntry(b.key, display, b.description, enabled)
                for (b, enabled), (_, display) in zip(keys, pairs) if id(b) in shown]

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        for entry in self.entries():
            start = len(line)
            line.append(f" {entry.display} ", key_style)
            line.append(f"{entry.description} ", description_style)
            if not entry.enabled:
                line.stylize("dim", start, len(line))
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (as on Textual's footer); a disabled one rings the bell."""
        x = 0
        for entry in self.entries():
            x += key_width(entry.display, entry.description)
            if event.x < x:
                if entry.enabled:
                    self.app.simulate_key(entry.key)
                else:
                    self.app.bell()
                return
