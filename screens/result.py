"""Step "Result": what to type into the vendor's console, and what is left to do there.

`ResultScreen(session)` shows the vendor's settings block (`Run.settings()`) in a
`SnippetView` (labels exactly as the vendor's console names them; c copies, p the
plain view with one field at a time, s saves, f switches text / JSON / .env).
While the run still holds the client secret it made, the block carries the value,
shown, so it can be pasted as is; finishing (Enter or q: `Run.finish`) forgets it.
A kept secret's row says "<the client secret VALUE you stored>". Then the
remaining steps in the vendor's console, numbered (`profile.followup`), and the
notes (`profile.notes`, then the engine's `Run.result_notes`). Files saved here
(`Run.save_settings`) are named again in the terminal after the app closes.
"""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.header import WizardHeader
from screens.widgets.hanging import HangingRow
from screens.widgets.snippet_view import SnippetView
from screens.widgets.footer import WizardFooter
from wizard.settings import STORED_PLACEHOLDER  # noqa: F401 (tests read it from here)


class ResultScreen(Screen[None]):
    """The vendor's settings and the follow-up steps; returns None when done."""

    CSS_PATH = "result.tcss"
    BINDINGS = [
        Binding("enter,q", "done", "Finish"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        profile = self.session.profile
        report = self.session.report
        yield WizardHeader()
        title = f"Done: enter these settings in {profile.name}"
        yield Static(title, id="result-title", markup=False)
        with VerticalScroll(id="result-body"):
            if report is not None and not report.ok and not report.skipped:
                yield Static(
                    "The token test did not pass yet. Microsoft may need a few more minutes; "
                    "the settings below are still right.",
                    id="result-warning",
                )
            block = self.session.settings()
            if block.holds_secret:
                yield Static("The block holds the new client secret until you finish here; then the "
                             "wizard forgets it.", id="result-secret-note", markup=False)
            yield SnippetView(block.snippet, title=f"Settings for {self.session.short_vendor_name}",
                              show_secret=block.holds_secret,
                              save=partial(self.session.save_settings, block.snippet), id="result-snippet")
            followup = _followup(profile, self.session.answers)
            if followup:
                heading = self.session.followup_intro() or f"Then, in the {profile.name} console:"
                yield Static(heading, classes="result-heading", markup=False)
                for number, step in enumerate(followup, 1):
                    yield HangingRow(f"{number:2d}.", step, markup=False, classes="result-followup")
            notes = list(profile.notes) + self.session.result_notes()
            if notes:
                yield Static("Notes:", classes="result-heading")
                for note in notes:
                    yield HangingRow(" •", note, markup=False, classes="result-note")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.query_one(SnippetView).focus()

    def action_done(self) -> None:
        self.session.finish()  # the secret is forgotten; the summary after the app names what was saved
        self.dismiss(None)


def _followup(profile, answers) -> list[str]:
    """The vendor-console steps with the answers filled in (`https://sops.example.com/m`)."""
    return list(profile.followup_steps(answers or {}))
