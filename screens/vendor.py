"""Step 1: pick the vendor product. `VendorScreen(selected) -> vendor id | None`.

The vendors come from `wizard.profiles.catalogue()`: the bundled ones, then the
user's own profile files (profiles folder, `--profile PATH`) marked "local", each
with one line on what will be set up; a local file that cannot be used is listed,
greyed, with the reason. Keyboard only: the filter box has the focus, so
typing narrows the list at once ("pex" leaves Pexip), Up/Down move the
highlight in the list below and Enter picks (Tab to the list, then Enter, picks too).
Esc answers None: the app asks before leaving.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.widgets.field_input import FieldInput
from screens.header import WizardHeader
from screens.widgets.footer import WizardFooter


def matches(profile, words: str) -> bool:
    """True when every typed word appears in the vendor's id, name or summary."""
    haystack = f"{profile.id} {profile.name} {profile.summary}".lower()
    return all(word in haystack for word in words.lower().split())


class VendorScreen(Screen[str | None]):
    """The list of vendors, filtered by what is typed."""

    CSS_PATH = "vendor.tcss"
    BINDINGS = [
        Binding("escape", "leave", "Leave"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "pick", "Pick", show=True),
    ]

    def __init__(self, selected: str | None = None) -> None:
        super().__init__()
        from wizard.profiles import BUNDLED, catalogue

        self.entries = catalogue()
        self.profiles = [e.profile for e in self.entries if e.profile is not None]
        self.local = {e.id for e in self.entries if e.profile is not None and e.origin != BUNDLED}
        self.broken = [e for e in self.entries if e.profile is None]
        self.selected = selected

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        with Vertical(id="body"):
            yield Static("Which product are you connecting to Microsoft 365?", id="prompt")
            yield Static("Type to filter · Up/Down move · Enter picks · F1 help", id="keys")
            yield FieldInput(placeholder="Type to filter, e.g. pexip", id="filter", compact=True)
            yield OptionList(id="vendors")
            yield Static("", id="nothing")
            yield Static("", id="detail")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.refill("")
        self.query_one("#filter", Input).focus()

    def option_for(self, profile) -> Option:
        """Two lines: the name, then what will be set up (cut to the width, no wrapping)."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(profile.name, style="bold")
        if profile.id in self.local:
            text.append("  (local)", style="italic")
        text.append("\n  ")
        text.append(profile.summary, style="dim")
        return Option(text, id=profile.id)

    def option_for_broken(self, entry) -> Option:
        """A local file that cannot be used: its name, then why (greyed, cannot be picked)."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        where = "local, " if entry.origin != "bundled" else ""
        text.append(f"{entry.id}  ({where}cannot be used)")
        text.append("\n  ")
        text.append(entry.problem)
        return Option(text, id=f"broken:{entry.path}", disabled=True)

    def refill(self, words: str) -> None:
        """Show the vendors that match `words`, keeping the highlight if possible."""
        options = self.query_one("#vendors", OptionList)
        keep = self.highlighted_id() or self.selected
        shown = [p for p in self.profiles if matches(p, words)]
        options.clear_options()
        options.add_options([self.option_for(p) for p in shown])
        options.add_options([self.option_for_broken(e) for e in self.broken
                             if all(w in f"{e.id} {e.path}".lower() for w in words.lower().split())])
        if not shown:
            self.query_one("#detail", Static).update("")
        ids = [p.id for p in shown]
        if ids:
            options.highlighted = ids.index(keep) if keep in ids else 0
        self.query_one("#nothing", Static).update(
            "" if ids else f"No product matches '{words}'. Backspace to clear."
        )

    def highlighted_id(self) -> str | None:
        options = self.query_one("#vendors", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        option = options.get_option_at_index(options.highlighted)
        return None if option.disabled else option.id

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Below the list: the full description of the highlighted vendor."""
        profile = next((p for p in self.profiles if p.id == event.option.id), None)
        detail = profile.summary if profile else ""
        if profile is not None and profile.id in self.local:
            detail += f"\nLocal profile: {profile.source}"
        self.query_one("#detail", Static).update(Text(detail))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#vendors", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_pick(self) -> None:
        vendor = self.highlighted_id()
        if vendor is None:
            self.notify("Nothing to pick: no product matches the filter.", severity="warning")
            return
        self.dismiss(vendor)

    def action_leave(self) -> None:
        self.dismiss(None)
