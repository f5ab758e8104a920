"""Step 3: sign in with a device code. `SignInScreen(session) -> SignedIn | None`.

With `--remember` the worker first tries the sign-in kept in the system
keyring (`session.try_remembered()`): when it still works no code is shown
("Signed in as … (remembered)"); without a keyring the plain note from
`wizard.tokencache.open_cache` is shown and the device code follows as usual.
Otherwise a thread worker asks Microsoft for a device code (`session.start_signin()`),
shows it with the URL, a QR code and a countdown (`DeviceCodePanel`), then
waits for the admin to approve it on another device
(`session.wait_signin(cancel)`). The wait polls through the session's clock,
so Esc simply sets the worker's `cancel` event: the poll stops at once and
no thread is left behind.

Right after sign-in the worker runs the engine's role check (`Run.check_roles`):
an account without the directory role the vendor's setup needs is told so here,
before any plan or write, with `u` to use another account (signed out; every
answer is kept) and `m` for the checklist an admin with the role can follow.
Where the tenant refuses the device code by policy (the engine's `SignInError.flow_blocked`:
Conditional Access 53003, 50097, 50005) the screen goes at once to the paste-back sign-in
(`PastePanel`): a link to open on any device, and a field for the address the browser lands on
(`session.start_paste()` / `finish_paste(address)`); `p` offers the same by choice while a code
is shown or after a failure. A bad paste is said under the field (the text stays to fix).
In the paste state the field has the focus, so its keys are ctrl keys: ctrl+l copies the link,
ctrl+o shows its QR code (where it fits), ctrl+t signs in at the demo tenant's page and fills
the field (demo only), ctrl+n the manual checklist.

Keys: `o` shows the QR code full-screen where it does not fit beside the code (never `q`:
`q` leaves the wizard on every screen), `c` copies the code (OSC 52, works over SSH), `a` approves the code as
the demo admin (demo tenant only), `r` tries again after a failure, `m` (after a failure)
answers `MANUAL` for the admin-center checklist, `u` (once signed in) signs in as
another account, Esc goes back, Enter continues once signed in with the role. Failures (declined, expired, Conditional Access,
public client flows off) open `ErrorScreen` with the way out.
"""

from __future__ import annotations

import threading

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.error import ErrorScreen, unexpected
from screens.header import WizardHeader
from screens.widgets.paste_signin import PastePanel, PasteSubmitted
from screens.widgets.footer import WizardFooter
from wizard.clock import Cancelled
from wizard.errors import PastedAddressError, SignInError, WizardError


#: What `SignInScreen` answers when the person chooses the manual checklist instead.
MANUAL = "manual"


class SignInScreen(Screen):
    """Device-code sign-in, with a live countdown; returns `SignedIn` or None (back)."""

    CSS_PATH = "signin.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("o", "show_qr", "QR code"),
        Binding("c", "copy_code", "Copy code"),
        Binding("a", "approve", "Approve (demo)"),
        Binding("r", "retry", "Try again"),
        Binding("m", "manual", "Manual checklist"),
        Binding("u", "another_account", "Another account"),
        Binding("p", "paste", "Use a link"),
        Binding("enter", "proceed", "Continue"),
        Binding("ctrl+l", "copy_link", "Copy link"),
        Binding("ctrl+o", "link_qr", "QR code"),
        Binding("ctrl+t", "demo_paste", "Demo sign-in"),
        Binding("ctrl+n", "manual_from_paste", "Manual checklist"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.cancel = threading.Event()
        self.wait_started = session.clock.monotonic()
        self._state = "starting"  # starting | waiting | failed | paste | checking | done | no_role
        self.who = None
        self.role_error: WizardError | None = None

    @property
    def state(self) -> str:
        """starting | waiting | failed | paste | checking | done | no_role"""
        return self._state

    @state.setter
    def state(self, state: str) -> None:
        self._state = state
        if self.is_mounted:
            self.refresh_wait()  # the elapsed time shows only while waiting for the sign-in

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        with VerticalScroll(id="body"):
            yield Static("Sign in to Microsoft 365 as an administrator.", id="intro")
            yield Static("", id="note", markup=False)
            yield Vertical(id="code-area")
            yield Static("Asking Microsoft for a sign-in code…", id="status")
            yield Static("", id="signin-wait")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_wait)
        if self.session.auth in ("paste", "browser") and self.session.who is None:
            self.start_paste()  # --auth paste (or browser: here the link, which Esc can cancel)
        else:
            self.start()

    def on_unmount(self) -> None:
        self.cancel.set()

    # -- the worker -----------------------------------------------------------------

    def start(self) -> None:
        self.cancel.set()
        self.cancel = threading.Event()
        self.state = "starting"
        self.query_one("#intro", Static).update("Sign in to Microsoft 365 as an administrator.")
        self.query_one("#status", Static).display = True
        self.refresh_bindings()
        self.sign_in(self.cancel)

    @work(thread=True, exclusive=True, exit_on_error=False, group="signin")
    def sign_in(self, cancel: threading.Event) -> None:
        """Get a code, show it, wait for approval. Runs in a thread."""
        try:
            who = self.session.try_remembered()  # --remember: no device code when it still works
            if who is None:
                if self.session.remember_note and not cancel.is_set():
                    self.app.call_from_thread(self.show_note, self.session.remember_note)
                code = self.session.start_signin()
                if cancel.is_set():
                    return
                self.app.call_from_thread(self.show_code, code, cancel)
                who = self.session.wait_signin(cancel)
        except Cancelled:
            return
        except Exception as exc:  # every failure is shown, never a traceback
            self._fail_from_worker(exc, cancel)
            return
        self._check_roles_from_worker(who, cancel)

    def _check_roles_from_worker(self, who, cancel: threading.Event) -> None:
        """In the worker, after any way of signing in: the role check, before any plan or write."""
        if cancel.is_set():
            return
        self.app.call_from_thread(self.checking_roles, who, cancel)
        try:
            role_error = self.session.role_problem()
        except Cancelled:
            return
        except Exception as exc:  # Graph failed while reading the roles: shown, never a traceback
            self._fail_from_worker(exc, cancel)
            return
        if not cancel.is_set():
            self.app.call_from_thread(self.signed_in, who, cancel, role_error)

    def _fail_from_worker(self, exc: Exception, cancel: threading.Event) -> None:
        if not cancel.is_set():
            self.app.call_from_thread(self.failed, unexpected(exc), cancel)

    # -- called on the event loop by the worker ----------------------------------------

    def show_note(self, note: str) -> None:
        """Why the sign-in cannot be remembered (--remember without a keyring): the wizard goes on."""
        label = self.query_one("#note", Static)
        label.update(note)
        label.display = True

    def show_code(self, code, cancel: threading.Event) -> None:
        if cancel is not self.cancel:
            return
        from screens.widgets.device_code import DeviceCodePanel

        area = self.query_one("#code-area", Vertical)
        area.remove_children()
        area.mount(DeviceCodePanel(code.user_code, code.verification_uri, code.expires_at, self.session.clock))
        self.wait_started = self.session.clock.monotonic()
        self.state = "waiting"
        self.query_one(WizardHeader).refresh()  # the tenant is known now (demo)
        self.query_one("#status", Static).update(self.waiting_text())
        self.refresh_bindings()

    def refresh_wait(self) -> None:
        """'waiting for you to sign in… 12 s', by the session clock (a timer calls it every second)."""
        wait = self.query_one("#signin-wait", Static)
        wait.display = self.state == "waiting"
        if self.state == "waiting":
            seconds = int(self.session.clock.monotonic() - self.wait_started)
            wait.update(f"waiting for you to sign in… {seconds} s")

    def waiting_text(self) -> str:
        # The key comes first, so a narrow terminal never wraps it away from its words.
        text = "3. Sign in there ([b]c[/b] copies the code). This screen continues by itself."
        if self.session.can_approve:
            # No hard line breaks: the text wraps to the terminal's width (60 columns too).
            text += "\nDemo tenant: nothing to open. Press [b]a[/b] to approve the code as the demo admin"
            if self.session.sim is not None and self.session.sim.auto_approve_after is not None:
                text += ", or wait a few seconds: the demo approves it by itself."
            else:
                text += "."
        return text

    def failed(self, error: WizardError, cancel: threading.Event) -> None:
        if cancel is not self.cancel:
            return
        if isinstance(error, SignInError) and error.flow_blocked:
            # The tenant refuses the device code itself: the link sign-in first, not the checklist.
            self.start_paste(blocked=error)
            return
        self.state = "failed"
        self.query_one("#status", Static).display = True
        self.query_one("#code-area", Vertical).remove_children()
        self.query_one("#status", Static).update(
            "Sign-in did not complete.  [b]r[/b] tries again, [b]Esc[/b] goes back,\n"
            "[b]m[/b] shows a checklist to do the same by hand in the Entra admin center."
        )
        self.refresh_bindings()
        self.app.push_screen(ErrorScreen(error))

    def checking_roles(self, who, cancel: threading.Event) -> None:
        if cancel is not self.cancel:
            return
        self.query_one("#code-area", Vertical).remove_children()
        self.query_one("#status", Static).update(
            f"Signed in as {escape(who.username)}; checking the account's directory roles…")

    def signed_in(self, who, cancel: threading.Event, role_error: WizardError | None = None) -> None:
        if cancel is not self.cancel:
            return
        self.query_one("#status", Static).display = True
        self.who = who
        self.role_error = role_error
        self.state = "no_role" if role_error is not None else "done"
        self.query_one("#code-area", Vertical).remove_children()
        name = who.display_name or who.username
        how = " (remembered)" if self.session.remembered else ""
        if self.session.remember_note:  # e.g. the keyring refused to store it: say so, go on
            self.show_note(self.session.remember_note)
        signed = (f"[b]✓ Signed in[/b] as {escape(name)} ({escape(who.username)}){how}\n"
                  f"  tenant {escape(self.session.tenant_label)} ({escape(who.tenant_id)})\n\n")
        if role_error is not None:
            self.query_one("#status", Static).update(
                signed + f"[b]✗ This account cannot do this setup.[/b] {escape(role_error.message)}\n"
                + (f"{escape(role_error.next_step)}\n" if role_error.next_step else "")
                + "\nNothing was changed. [b]u[/b] signs in as another account (your answers are kept), "
                  "[b]m[/b] shows the checklist for an admin who has the role, [b]Esc[/b] goes back.")
        else:
            self.query_one("#status", Static).update(
                signed + "Press [b]Enter[/b] to continue. [b]u[/b] signs in as another account.")
        self.query_one(WizardHeader).refresh()
        self.refresh_bindings()

    # -- the paste-back sign-in -------------------------------------------------------------

    def start_paste(self, blocked: SignInError | None = None) -> None:
        self.cancel.set()  # stop the device-code wait, if any
        self.cancel = threading.Event()
        self.state = "starting"
        self.query_one("#code-area", Vertical).remove_children()
        self.query_one("#status", Static).display = True
        self.query_one("#status", Static).update("Making a sign-in link…")
        self.refresh_bindings()
        self.paste_worker(self.cancel, blocked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="signin")
    def paste_worker(self, cancel: threading.Event, blocked: SignInError | None) -> None:
        try:
            link = self.session.start_paste()
        except Exception as exc:  # every failure is shown, never a traceback
            if not cancel.is_set():
                self.app.call_from_thread(self.failed, unexpected(exc), cancel)
            return
        if not cancel.is_set():
            self.app.call_from_thread(self.show_paste, link, blocked, cancel)

    def show_paste(self, link, blocked: SignInError | None, cancel: threading.Event) -> None:
        if cancel is not self.cancel:
            return
        area = self.query_one("#code-area", Vertical)
        area.remove_children()
        area.mount(PastePanel(link.url, link.landing_hint))
        self.state = "paste"
        if blocked is not None:
            self.query_one("#intro", Static).update(
                f"Your organisation blocks sign-in with a code ({blocked.code}). Use a link:")
        else:
            self.query_one("#intro", Static).update("Sign in to Microsoft 365 as an administrator, with a link:")
        # The footer names the keys (ctrl+l, ctrl+t in the demo, ctrl+n, Esc): the panel needs the room.
        self.query_one("#status", Static).display = False
        self.query_one(WizardHeader).refresh()
        self.refresh_bindings()

    def on_paste_submitted(self, event: PasteSubmitted) -> None:
        event.stop()
        if self.state != "paste":
            return
        self.state = "checking"
        self.query_one(PastePanel).show_error("Checking the address and finishing the sign-in…", note=True)
        self.refresh_bindings()
        self.finish_paste_worker(event.value, self.cancel)

    @work(thread=True, exclusive=True, exit_on_error=False, group="signin")
    def finish_paste_worker(self, address: str, cancel: threading.Event) -> None:
        try:
            who = self.session.finish_paste(address)
        except PastedAddressError as error:
            if not cancel.is_set():
                self.app.call_from_thread(self.paste_refused, error, cancel)
            return
        except Exception as exc:  # every failure is shown, never a traceback
            self._fail_from_worker(exc, cancel)
            return
        self._check_roles_from_worker(who, cancel)  # as after a device code

    def paste_refused(self, error: PastedAddressError, cancel: threading.Event) -> None:
        if cancel is not self.cancel:
            return
        self.state = "paste"
        message = error.message if error.message.endswith((".", ":")) else error.message + "."
        self.query_one(PastePanel).show_error(f"{message} {error.next_step}".strip())
        self.refresh_bindings()

    def action_paste(self) -> None:
        self.start_paste()

    def action_copy_link(self) -> None:
        if self.session.paste_link is not None:
            self.app.copy_to_clipboard(self.session.paste_link.url)
            self.notify("Sign-in link copied (if your terminal allows it).")

    def action_link_qr(self) -> None:
        panel = self.query(PastePanel)
        if panel:
            panel.first().action_show_qr()

    def action_demo_paste(self) -> None:
        address = self.session.demo_paste_address()
        if address:
            self.query_one(PastePanel).fill(address)

    # -- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key only when it does something now."""
        if action == "copy_code":
            return self.state == "waiting"
        if action == "show_qr":  # only while the QR code does not fit beside the code
            return self.state == "waiting" and self.code_panel() is not None and self.code_panel().qr_hidden
        if action == "approve":
            return self.state == "waiting" and self.session.can_approve
        if action == "retry":
            return self.state == "failed"
        if action == "manual":
            return self.state in ("failed", "no_role")
        if action == "another_account":
            return self.state in ("done", "no_role")
        if action == "manual_from_paste":
            return self.state == "paste"
        if action == "paste":
            return self.state in ("waiting", "failed")
        if action == "copy_link":
            return self.state == "paste"
        if action == "link_qr":
            return self.state == "paste" and self.query_one(PastePanel).qr_fits()
        if action == "demo_paste":
            return self.state == "paste" and self.session.can_approve
        if action == "proceed":
            return self.state == "done"
        return True

    def code_panel(self):
        """The device-code panel while a code is shown, else None."""
        from screens.widgets.device_code import DeviceCodePanel

        panels = self.query(DeviceCodePanel)
        return panels.first() if panels else None

    def action_show_qr(self) -> None:
        panel = self.code_panel()
        if panel is not None:
            panel.action_show_qr()

    def action_back(self) -> None:
        self.cancel.set()
        self.dismiss(None)

    def action_copy_code(self) -> None:
        code = self.session.device_code
        if code is not None:
            self.app.copy_to_clipboard(code.user_code)
            self.notify(f"Code {code.user_code} copied (if your terminal allows it).")

    def action_approve(self) -> None:
        self.session.approve_demo()
        self.query_one("#status", Static).update("Approved in the demo tenant; finishing sign-in…")

    def action_retry(self) -> None:
        self.query_one("#status", Static).update("Asking Microsoft for a new sign-in code…")
        self.start()

    def action_manual(self) -> None:
        self.cancel.set()
        self.dismiss(MANUAL)

    def action_manual_from_paste(self) -> None:
        self.action_manual()

    def action_proceed(self) -> None:
        if self.who is not None and self.state == "done":
            self.dismiss(self.who)

    def action_another_account(self) -> None:
        """Sign out and show a new device code; the answers stay in the session."""
        if self.state in ("done", "no_role"):
            self.session.sign_out()
            self.who = None
            self.role_error = None
            self.query_one("#status", Static).update("Signed out. Asking Microsoft for a new sign-in code…")
            self.start()
