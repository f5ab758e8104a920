"""Step "Existing app" (verify mode only): which registration in the tenant to check.

`PickAppScreen(session)` asks the engine for the candidates in a thread worker
(`Setup.find_existing()`: the wizard's own registration by its uniqueName, then
registrations with the vendor's display name) and lists them by name, with
their Application (client) ID and why they matched. Up/Down and Enter pick
one (the screen returns its `AppSummary`); a registration that is not listed
can be found by typing its Application (client) ID. Esc goes back (None).

The plan then compares the picked registration with what the vendor needs and
lists the repairs in plain words, or says there is nothing to change.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Label, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from screens.widgets.field_input import FieldInput
from screens.header import WizardHeader
from screens.widgets.threads import call_if_shown
from screens.widgets.footer import WizardFooter

#: Why a registration is listed, in words.
MATCHES = {
    "uniqueName": "made by this wizard",
    "journal": "made by this wizard",
    "appId": "the client ID you typed",
    "displayName": "same name",
    "enterprise_app": "the vendor's enterprise app",
}


def describe(app) -> str:
    """`Name  (client ID …, made by this wizard)` for the list."""
    why = MATCHES.get(app.match, "")
    facts = f"client ID {app.client_id}" + (f", {why}" if why else "")
    return f"{app.display_name or '(no name)'}\n  {facts}"


class PickAppScreen(Screen):
    """Lists the tenant's registrations that may be the vendor's; Enter picks one."""

    CSS_PATH = "pick_app.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.apps: list = []

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("Which registration should the wizard check?", id="pa-title")
        yield Static("Looking for registrations of this product in your tenant…", id="pa-status")
        yield LoadingIndicator(id="pa-loading")
        yield OptionList(id="pa-list")
        yield Label("Not listed? Type its Application (client) ID and press Enter:", id="pa-id-label")
        yield FieldInput(placeholder="a GUID, from Entra > App registrations > Overview", id="pa-id", compact=True)
        yield Static("Up/Down and Enter pick · Esc goes back to the questions.", id="pa-keys")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.query_one("#pa-list").display = False
        self.find()

    @work(thread=True, exclusive=True, group="pick")
    def find(self, app_id: str | None = None) -> None:
        """Ask the engine for the candidates (blocking Graph reads, so in a thread)."""
        try:
            apps = self.session.find_existing(app_id or None)
        except Exception as error:  # plain words on the status line, or the error screen
            call_if_shown(self, self.show_error, error)
            return
        call_if_shown(self, self.show_apps, apps, app_id)

    def show_apps(self, apps: list, app_id: str | None) -> None:
        self.query("#pa-loading").remove()
        if app_id:
            apps = [a for a in apps if a.match == "appId"] + [a for a in apps if a.match != "appId"]
        self.apps = list(apps)
        options = self.query_one("#pa-list", OptionList)
        options.clear_options()
        options.add_options([Option(describe(app), id=str(i)) for i, app in enumerate(self.apps)])
        options.display = bool(self.apps)
        status = self.query_one("#pa-status", Static)
        if app_id and not any(a.match == "appId" for a in self.apps):
            status.update(f"No registration has the client ID {app_id} in this tenant.")
        elif not self.apps:
            status.update(f"No registration for {self.session.vendor_name} was found in this tenant. "
                          "Type its client ID below, or Esc and choose to create one.")
        else:
            status.update(f"{len(self.apps)} found. Pick the one the product uses:")
        if self.apps:
            options.highlighted = 0
            options.focus()
        else:
            self.query_one("#pa-id", Input).focus()

    def show_error(self, error: BaseException) -> None:
        from screens.error import ErrorScreen
        from wizard.errors import InputError

        self.query("#pa-loading").remove()
        if isinstance(error, InputError):
            self.query_one("#pa-status", Static).update(str(error))
            self.query_one("#pa-id", Input).focus()
            return
        self.query_one("#pa-status", Static).update("Could not read the registrations. Esc goes back.")
        self.app.push_screen(ErrorScreen(error))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.apps[event.option_index])  # options are the apps, in order

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if value:
            self.query_one("#pa-status", Static).update("Looking for that client ID…")
            self.find(value)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "pick")
        self.dismiss(None)
