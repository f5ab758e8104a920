"""Step 1: pick the vendor product. `VendorScreen(choices, selected) -> vendor id | None`.

The choices come from the engine (`Run.vendor_choices()`, `wizard.profile_files`): the
bundled vendors, then the user's own profile files (profiles folder, `--profile PATH`)
marked "local", each with one line on what will be set up; a local file that cannot be
used is listed, greyed, with the reason. Keyboard only: the filter box has the focus, so
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

from screens.header import WizardHeader
from screens.widgets.field_input import FieldInput
from screens.widgets.footer import WizardFooter
from wizard.profile_files import BUNDLED, VendorChoice


class FilterInput(FieldInput):
    """The filter box: Enter picks the highlighted vendor, and the footer says so."""

    BINDINGS = [Binding("enter", "submit", "Pick")]


class VendorList(OptionList):
    """The vendors: Enter picks the highlighted one, and the footer says so."""

    BINDINGS = [Binding("enter", "select", "Pick")]


def matches(choice: VendorChoice, words: str) -> bool:
    """True when every typed word appears in the vendor's id, name or summary."""
    haystack = f"{choice.id} {choice.name} {choice.summary}".lower()
    return all(word in haystack for word in words.lower().split())


class VendorScreen(Screen[str | None]):
    """The list of vendors, filtered by what is typed."""

    # Its styles (vendor.tcss) are loaded with the app's (WizardApp.CSS_PATH): see there why.
    BINDINGS = [
        Binding("escape", "leave", "Leave"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "pick", "Pick", show=True),
    ]

    def __init__(self, choices: list[VendorChoice], selected: str | None = None) -> None:
        super().__init__()
        self.profiles = [c for c in choices if not c.problem]
        self.local = {c.id for c in self.profiles if c.origin != BUNDLED}
        self.broken = [c for c in choices if c.problem]
        self.selected = selected

    def compose(self) -> ComposeResult:
        # The first list is built here, not after mounting: every later change of the list or of
        # the texts below it is another layout pass before the first frame.
        options, self.highlight, self.nothing = self.listing("")
        self.words = ""
        self.detail = self.detail_for(options[self.highlight].id if self.highlight is not None else None)
        yield WizardHeader()
        with Vertical(id="body"):
            yield Static("Which product are you connecting to Microsoft 365?", id="prompt")
            yield Static("Type to filter · Up/Down move · Enter picks · F1 help", id="keys")
            yield FilterInput(placeholder="Type to filter, e.g. pexip", id="filter", compact=True)
            yield VendorList(*options, id="vendors")
            yield Static(self.nothing, id="nothing", markup=False)
            yield Static(Text(self.detail), id="detail")
        yield WizardFooter()

    def on_mount(self) -> None:
        if self.highlight is not None:
            self.query_one("#vendors", OptionList).highlighted = self.highlight
        self.query_one("#filter", Input).focus()

    def option_for(self, profile: VendorChoice) -> Option:
        """Two lines: the name, then what will be set up (cut to the width, no wrapping)."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(profile.name, style="bold")
        if profile.id in self.local:
            text.append("  (local)", style="italic")
        text.append("\n  ")
        text.append(profile.summary, style="dim")
        return Option(text, id=profile.id)

    def option_for_broken(self, entry: VendorChoice) -> Option:
        """A local file that cannot be used: its name, then why (greyed, cannot be picked)."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        where = "local, " if entry.origin != BUNDLED else ""
        text.append(f"{entry.id}  ({where}cannot be used)")
        text.append("\n  ")
        text.append(entry.problem)
        return Option(text, id=f"broken:{entry.path}", disabled=True)

    def listing(self, words: str) -> tuple[list[Option], int | None, str]:
        """The options for `words`, the one to highlight (the one highlighted before, or the
        selected vendor, if still listed) and the "no product matches" line."""
        keep = (self.highlighted_id() if self.is_mounted else None) or self.selected
        shown = [p for p in self.profiles if matches(p, words)]
        options = [self.option_for(p) for p in shown]
        options += [self.option_for_broken(e) for e in self.broken
                    if all(w in f"{e.id} {e.path}".lower() for w in words.lower().split())]
        ids = [p.id for p in shown]
        highlight = (ids.index(keep) if keep in ids else 0) if ids else None
        return options, highlight, "" if ids else f"No product matches '{words}'. Backspace to clear."

    def refill(self, words: str) -> None:
        """Show the vendors that match `words`, keeping the highlight if possible."""
        if words == self.words:  # e.g. the filter's first Changed, for the empty value it starts with
            return
        self.words = words
        options, highlight, nothing = self.listing(words)
        option_list = self.query_one("#vendors", OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        if highlight is None:
            self.show_detail("")
        else:
            option_list.highlighted = highlight
        if nothing != self.nothing:
            self.nothing = nothing
            self.query_one("#nothing", Static).update(nothing)

    def detail_for(self, vendor: str | None) -> str:
        """Below the list: the full description of a vendor (and where a local one comes from)."""
        profile = next((p for p in self.profiles if p.id == vendor), None)
        detail = profile.summary if profile else ""
        if profile is not None and profile.id in self.local:
            detail += f"\nLocal profile: {profile.path}"
        return detail

    def show_detail(self, detail: str) -> None:
        if detail != self.detail:
            self.detail = detail
            self.query_one("#detail", Static).update(Text(detail))

    def highlighted_id(self) -> str | None:
        options = self.query_one("#vendors", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        option = options.get_option_at_index(options.highlighted)
        return None if option.disabled else option.id

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail(self.detail_for(event.option.id))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        """Up/Down from the filter box: to the next vendor that can be picked (a file that cannot
        be used is listed, greyed, but never highlighted)."""
        options = self.query_one("#vendors", OptionList)
        current = options.highlighted
        if current is None:
            return
        index = current + delta
        while 0 <= index < options.option_count:
            if not options.get_option_at_index(index).disabled:
                options.highlighted = index
                return
            index += delta

    def action_pick(self) -> None:
        vendor = self.highlighted_id()
        if vendor is None:
            self.notify("Nothing to pick: no product matches the filter." if not self.profiles or
                        not any(matches(p, self.words) for p in self.profiles) else
                        "That profile cannot be used: its reason is in the list. Pick another one.",
                        severity="warning")
            return
        self.dismiss(vendor)

    def action_leave(self) -> None:
        self.dismiss(None)
