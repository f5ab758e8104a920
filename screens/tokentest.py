"""Step "Token test": prove the new credentials work before the vendor tries them.

`TokenTestScreen(session)` runs `Run.test_token(on_progress, cancel)` in a
thread worker. A brand-new secret is often refused
for a minute while Microsoft replicates it, so the engine retries; the screen
shows the wait ("waiting for Microsoft to accept the new secret… 12 s", timed
with the session's clock) and then each check with pass or fail and the reason
in plain words. Enter returns the `TokenTestReport`; `r` runs it again. When
there is no secret value to test with (a re-run that kept the app's secret), the
engine says why the test was skipped and the screen shows that.

The secret value stays with the run until the result step is finished
(`Run.finish`): the settings block there carries it, so it can be pasted as is.
"""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from screens.header import WizardHeader
from screens.widgets.hanging import HangingRow
from screens.widgets.threads import call_if_shown
from screens.widgets.step_list import StepList
from screens.widgets.footer import WizardFooter
from wizard.clock import Cancelled


class TokenTestScreen(Screen):
    """Runs the token test with the new secret and shows each check."""

    CSS_PATH = "tokentest.tcss"
    BINDINGS = [
        Binding("enter", "continue", "Continue"),
        Binding("r", "retry", "Test again"),
        Binding("escape", "stop", "Stop"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.report = None
        self.cancel = threading.Event()
        self.started = 0.0
        self.running = False

    @property
    def _enterprise_app(self) -> bool:
        """LoopMeeting: no new credentials, the check reads the vendor's app back."""
        return self.session.is_enterprise_app

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        enterprise = self._enterprise_app
        yield Static("Checking the vendor's app" if enterprise else "Testing the new credentials",
                     id="tt-title")
        with VerticalScroll(id="tt-body"):
            yield Static(
                "The wizard reads the vendor's enterprise application back from Microsoft: "
                "that it is there, who is assigned, and what was consented."
                if enterprise else
                "The wizard signs in as the vendor's product would, with the new client ID "
                "and secret, and checks what Microsoft puts in the token.",
                id="tt-intro",
            )
            yield StepList(id="tt-steps")
            yield Static("", id="tt-wait")
            yield Vertical(id="tt-checks")
        yield Static("", id="tt-status")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_wait)
        self.start()

    def on_unmount(self) -> None:
        """Leaving the screen (or the app) stops the engine at its next wait."""
        self.cancel.set()

    def start(self) -> None:
        self.report = None
        self.cancel = threading.Event()
        self.started = self.session.clock.monotonic()
        self.running = True
        self.query_one("#tt-checks", Vertical).remove_children()
        self.query_one("#tt-status", Static).update("Testing… Esc stops.")
        self.refresh_wait()
        self.refresh_bindings()
        self.run_test()

    @work(thread=True, exclusive=True, group="tokentest")
    def run_test(self) -> None:
        """Ask Microsoft for a token with the new credentials (retries inside the engine)."""

        def call(callback, *args) -> None:
            call_if_shown(self, callback, *args)

        try:
            report = self.session.test_token(lambda p: call(self.on_step, p), self.cancel)
        except Cancelled:
            call(self.stopped)
        except Exception as error:  # explained on the error screen
            call(self.failed, error)
        else:
            call(self.finished, report)

    def on_step(self, progress) -> None:
        self.query_one(StepList).update_step(progress)

    def refresh_wait(self) -> None:
        """'waiting for Microsoft to accept the new secret… 12 s', by the session clock."""
        wait = self.query_one("#tt-wait", Static)
        wait.display = self.running
        if not self.running:
            return
        seconds = int(self.session.clock.monotonic() - self.started)
        what = "to accept the new secret" if self.session.secret is not None else "to answer"
        wait.update(f"waiting for Microsoft {what}… {seconds} s")

    def finished(self, report) -> None:
        self.running = False
        self.report = report
        self.refresh_wait()
        status = self.query_one("#tt-status", Static)
        if report.skipped:
            status.set_classes("-skipped")
            status.update(f"Token test skipped: {report.skipped}. Enter shows the vendor's settings.")
            self.refresh_bindings()
            return
        checks = self.query_one("#tt-checks", Vertical)
        checks.remove_children()
        rows = []
        for check in report.checks:
            icon = Content.styled("[ok]" if check.ok else "[!!]", "bold $text-success" if check.ok else "bold $text-error")
            rows.append(HangingRow(icon, check.name + (f"\n{check.reason}" if check.reason else ""), markup=False,
                                   classes="-passed" if check.ok else "-failed"))
        checks.mount_all(rows)
        status.set_classes("-passed" if report.ok else "-failed")
        status.update(
            ("Everything is in place. Enter shows the vendor's settings." if self._enterprise_app
             else "The new credentials work. Enter shows the vendor's settings.")
            if report.ok else
            "The test failed: see the reasons above. r tests again (Microsoft can take a few "
            "minutes); Enter continues to the vendor's settings anyway."
        )
        self.refresh_bindings()

    def failed(self, error: BaseException) -> None:
        from screens.error import ErrorScreen

        self.running = False
        self.refresh_wait()
        status = self.query_one("#tt-status", Static)
        status.set_classes("-failed")
        status.update("The test could not run. r tries again; Enter continues without it.")
        self.refresh_bindings()
        self.app.push_screen(ErrorScreen(error))

    def stopped(self) -> None:
        self.running = False
        self.refresh_wait()
        self.query_one("#tt-status", Static).update("Stopped. r tests again; Enter continues.")
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        """Only the keys that make sense now are active (and shown in the footer)."""
        if action == "continue":
            return not self.running
        if action == "retry":
            return not self.running and not (self.report is not None and self.report.skipped)
        if action == "stop":
            return self.running
        return True

    def action_continue(self) -> None:
        if not self.running:
            self.dismiss(self.report)

    def action_retry(self) -> None:
        if not self.running:
            self.start()

    def action_stop(self) -> None:
        if self.running:
            self.cancel.set()
