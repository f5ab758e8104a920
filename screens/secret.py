"""Step "Client secret": create it, show it ONCE, make sure the admin stored it.

Microsoft shows a client secret's value only when it is created; nobody can
read it again later (a lost value means a new secret). `SecretScreen(session)`
creates the secret in a thread worker (`Run.create_secret`), shows
it masked in a `SecretReveal` (r reveal, c copy with OSC 52), offers to save
it to the system keyring (k) or to a file readable by you only (f, 0600) —
both through the engine, never written here — and waits for an explicit
"I have stored it" (s). Then the widget forgets the value. Esc ("Go on
unsaved") goes on without confirming (returns False); the flow in
`screens.app` then asks first. When Microsoft refused to create the secret, r
tries again and Esc is "Go on without a secret".

Coming back to this screen does not create a second secret: the session's
`secret` is shown again while it is still there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import LoadingIndicator, Static

from screens.header import WizardHeader
from screens.widgets.threads import call_if_shown
from screens.widgets.save_prompt import SavePrompt
from screens.widgets.secret_reveal import SecretReveal
from screens.widgets.snippet_view import default_save_dir
from screens.widgets.footer import WizardFooter

from wizard.explain import plain_cause

log = logging.getLogger("wizard.screens")

if TYPE_CHECKING:
    from wizard.secret import NewSecret


def end_date_words(end) -> str:
    """`2026-09-14` from a datetime, an ISO string or epoch seconds ('' if unknown)."""
    if not end:
        return ""
    if isinstance(end, (int, float)):
        end = datetime.fromtimestamp(end, tz=timezone.utc)
    if isinstance(end, str):
        return end[:10]
    return end.strftime("%Y-%m-%d")


class SecretScreen(Screen[bool]):
    """Creates and shows the client secret once; returns True when stored."""

    CSS_PATH = "secret.tcss"
    BINDINGS = [
        Binding("s", "stored", "Stored it"),
        Binding("k", "save_keyring", "Keyring"),
        Binding("f", "save_file", "File"),
        Binding("r", "retry", "Try again"),
        # Esc never goes back (the secret exists now): it goes on, after asking.
        Binding("escape", "back", "Go on unsaved"),
        Binding("escape", "skip", "Go on without a secret"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.applied = session.applied
        self.secret: NewSecret | None = None
        self.failed = False  # Microsoft did not create the secret

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("The client secret", id="secret-title")
        with VerticalScroll(id="secret-body"):
            yield Static(
                "Microsoft shows this value only now. Store it where the vendor's "
                "setup needs it (a password manager, or paste it into the vendor's "
                "console). If it is lost, the wizard can make a new one.",
                id="secret-intro",
            )
            yield Static("Creating the client secret…", id="secret-wait")
            yield LoadingIndicator()
        yield WizardFooter()

    def on_mount(self) -> None:
        if self.session.secret is not None:
            self.show_secret(self.session.secret)
        else:
            self.create_secret()

    @work(thread=True, exclusive=True, group="secret")
    def create_secret(self) -> None:
        """Ask Microsoft for a new client secret (addPassword), in a thread."""
        try:
            secret = self.session.create_secret()  # kept by the run even if the user left: shown on return
        except Exception as error:  # explained on the error screen
            call_if_shown(self, self.show_error, error)
            return
        call_if_shown(self, self.show_secret, secret)

    def show_error(self, error: BaseException) -> None:
        from screens.error import ErrorScreen

        self.failed = True
        self.query(LoadingIndicator).remove()
        self.query_one("#secret-wait", Static).update(
            "No secret was created. r tries again; Esc goes on without a secret "
            "(after asking)."
        )
        self.refresh_bindings()
        self.app.push_screen(ErrorScreen(error))

    def show_secret(self, secret) -> None:
        self.secret = secret
        self.query(LoadingIndicator).remove()
        self.query_one("#secret-wait", Static).remove()
        body = self.query_one("#secret-body", VerticalScroll)
        reveal = SecretReveal(secret.value, hint=secret.hint, id="secret-reveal")
        ends = end_date_words(secret.end)
        facts = "Valid until " + ends + ". " if ends else ""
        if secret.key_id:
            facts += f"Its Secret ID is {secret.key_id}: do not give that to the vendor."
        for note in secret.notes:
            facts += f"\n{note}"
        body.mount(reveal)
        body.mount(Static(facts, id="secret-facts", markup=False))
        body.mount(Static(
            "r reveal · c copy · k save to the keyring · f save to a file (0600)\n"
            "s  I have stored it: continue    Esc  go on without storing it (asks first)",
            id="secret-keys",
        ))
        reveal.focus()
        self.refresh_bindings()

    @property
    def _has_value(self) -> bool:
        reveal = self.query(SecretReveal)
        return bool(reveal) and reveal.first().has_value

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("stored", "save_keyring", "save_file", "back"):
            return self._has_value
        if action in ("retry", "skip"):
            return self.failed
        return True

    def action_retry(self) -> None:
        if self.failed:
            self.failed = False
            self.query_one("#secret-wait", Static).update("Creating the client secret…")
            self.refresh_bindings()
            self.create_secret()

    def action_skip(self) -> None:
        """No secret was created: go on (the flow asks first)."""
        if self.failed:
            self.dismiss(False)

    def action_stored(self) -> None:
        """The admin says the value is safe: forget it here and go on."""
        if not self._has_value:
            return
        self.query_one(SecretReveal).clear()
        self.session.secret_delivered()  # the journal: the admin holds it (a re-run keeps it)
        # The token test (next step) still needs the value; it forgets it when done.
        self.dismiss(True)

    def action_save_keyring(self) -> None:
        try:
            if self.secret is None:
                raise ValueError("the secret is no longer here")
            where = self.secret.save_to_keyring(self.applied.client_id)
        except Exception as error:  # noqa: BLE001 - no keyring backend, locked, refused…
            log.warning("keyring save failed: %s", type(error).__name__)  # the debug log, for support
            self.notify(f"Could not save to the keyring ({plain_cause(error)}). "
                        "Copy the value instead.", severity="error")
            return
        self.notify(f"Saved to the system keyring{f': {where}' if where else ''}.")

    def action_save_file(self) -> None:
        vendor = self.session.vendor.id
        default = Path(default_save_dir()) / f"{vendor}-client-secret.txt"

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Saved to {path} (readable by you only).")

        def write(path: Path, overwrite: bool):
            if self.secret is None:
                raise ValueError("the secret is no longer here")
            return self.secret.save_to_file(path, overwrite=overwrite)

        self.app.push_screen(SavePrompt(default, "The file will contain the client secret VALUE; "
                                        "it is written readable by you only (0600).",
                                        title="Save the client secret to a file", write=write), chosen)

    def action_back(self) -> None:
        """Go on without confirming: the flow (`screens.app`) asks before going on."""
        if self._has_value:
            self.dismiss(False)
