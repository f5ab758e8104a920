"""`WizardFooter`: the key line at the bottom, never cut in the middle of a label.

Textual's `Footer` lays the keys out in a row and cuts the last ones when the
terminal is narrow (`f1 He`, `⏎ Don` at 80 columns). `WizardFooter` shows the
same keys but leaves out whole keys that do not fit, from the right, keeping
always the ones a person needs to get on: Enter (go on), Esc (back), F1 (help)
and ctrl+q (leave). Every key left out still works and is named in the screen's
own text.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Keys the footer always shows when they are active.
ALWAYS = ("enter", "escape", "f1", "ctrl+q")


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes in the footer: " key description " and one space between."""
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


class WizardFooter(Footer):
    """The footer of every wizard screen: whole keys only, the essential ones always."""

    _laid_out_for: int | None = None  # the width the keys were chosen for

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        seen: set[str] = set()
        keys: list[tuple[Binding, bool, str]] = []
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding, enabled, tooltip))
        pairs = [(b, self.app.get_key_display(b)) for b, _, _ in keys]
        width = self.size.width or self.app.size.width
        shown = {id(b) for b, _ in fitting(pairs, width)}
        for binding, enabled, tooltip in keys:
            if id(binding) in shown:
                yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                                binding.action, disabled=not enabled,
                                tooltip=tooltip).data_bind(compact=Footer.compact)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._laid_out_for:
            self._laid_out_for = event.size.width
            self.call_after_refresh(self.recompose)
