"""Step "Apply": the wizard makes the changes, step by step, and shows each one.

`ApplyScreen(session)` runs the run's plan (`Run.apply(on_progress, cancel)`) in a
thread worker. Each `StepProgress` the engine reports is handed to the event
loop with `app.call_from_thread` and shown in a `StepList`: running, done,
"retrying: Microsoft is still replicating the new app (attempt 3)", failed.

Esc while working sets the cancel `Event`: the engine stops at its next wait,
and because every step checks before it writes, running the wizard again
continues where it stopped. While the engine waits for the vendor's
enterprise application (LoopMeeting), a box says what to do in the vendor's
console right now (`screens.helptext.enterprise_app_wait`). On failure the error screen explains it; `r`
tries again, Esc goes back to the plan (read again). Enter, once done, returns
the `Applied` result; then Esc does nothing (it used to go forward, labelled Back).
"""

from __future__ import annotations

import threading

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.header import WizardHeader
from screens.widgets.threads import call_if_shown
from screens.widgets.step_list import StepList
from screens.widgets.footer import WizardFooter
from wizard.clock import Cancelled


class ApplyScreen(Screen):
    """Applies the plan with live progress; returns `Applied` (or None if left)."""

    CSS_PATH = "apply.tcss"
    BINDINGS = [
        Binding("enter", "continue", "Continue"),
        Binding("r", "retry", "Try again"),
        Binding("escape", "stop", "Stop safely"),
        Binding("escape", "back", "Back to the plan"),
        Binding("m", "manual", "Manual checklist"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.plan = session.plan
        self.applied = None
        self.state = "working"  # working | stopping | stopped | failed | done
        self.cancel = threading.Event()
        self.error: BaseException | None = None
        self.wait_started: dict[str, float] = {}  # step id → when it began waiting (session clock)
        self.waiting: set[str] = set()  # the steps waiting now (retrying, or a wait step running)

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("Making the changes", id="apply-title")
        plan_steps = self.plan.steps if self.plan is not None else []
        steps = [(step.id, step.sentence) for step in plan_steps]
        self.kinds = {step.id: step.kind for step in plan_steps}
        yield StepList(steps, id="apply-steps")
        yield Static("", id="apply-action", markup=False)
        yield Static("", id="apply-status")
        yield WizardFooter()

    def on_mount(self) -> None:
        self.query_one("#apply-action", Static).border_title = "Your turn"
        self._set_state("working")
        self.set_interval(1.0, self.refresh_wait)
        self.run_apply()

    def on_unmount(self) -> None:
        """Leaving the screen (or the app) stops the engine at its next wait."""
        self.cancel.set()

    # -- the worker ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="apply")
    def run_apply(self) -> None:
        """Run the engine's apply; every event crosses to the UI via call_from_thread."""
        cancel = self.cancel

        def call(callback, *args) -> None:
            call_if_shown(self, callback, *args)


        def on_progress(progress) -> None:
            call(self.on_step, progress)

        try:
            applied = self.session.apply(on_progress, cancel)
        except Cancelled:
            call(self._set_state, "stopped")
        except Exception as error:  # explained on the error screen
            call(self.failed, error)
        else:
            call(self.finished, applied)

    # -- on the event loop -----------------------------------------------------

    def on_step(self, progress) -> None:
        self.query_one(StepList).update_step(progress)
        kind = self.kinds.get(progress.step_id, "")
        waiting = progress.state == "retrying" or (progress.state == "running" and kind.startswith("wait"))
        if waiting:
            self.waiting.add(progress.step_id)
            self.wait_started.setdefault(progress.step_id, self.session.clock.monotonic())
        else:
            self.waiting.discard(progress.step_id)
            if progress.state != "running":  # done, failed, skipped: a later wait starts again at 0
                if self.wait_started.pop(progress.step_id, None) is not None:
                    self.query_one(StepList).show_waited(progress.step_id, None)
        self.refresh_wait()
        if self.kinds.get(progress.step_id) == "wait_enterprise_app":
            self.show_action(progress.state in ("pending", "running", "retrying"))

    def refresh_wait(self) -> None:
        """'retrying: … · 12 s' on each waiting step, by the session clock (a timer calls it every second)."""
        steps = self.query_one(StepList)
        now = self.session.clock.monotonic()
        for step_id, started in self.wait_started.items():
            waiting = step_id in self.waiting and self.state == "working"
            steps.show_waited(step_id, int(now - started) if waiting else None)

    def show_action(self, waiting: bool) -> None:
        """The vendor-console instruction, shown only while the wizard waits for the vendor's app."""
        from screens.helptext import enterprise_app_wait

        action = self.query_one("#apply-action", Static)
        action.update(enterprise_app_wait(self.session.profile) if waiting else "")
        action.set_class(waiting, "-shown")

    def finished(self, applied) -> None:
        self.applied = applied
        self._set_state("done")

    def failed(self, error: BaseException) -> None:
        from screens.error import ErrorScreen

        self.error = error
        self._set_state("failed")
        self.app.push_screen(ErrorScreen(error))

    def _set_state(self, state: str) -> None:
        self.state = state
        if state != "working":
            self.show_action(False)
        else:  # a new run (or r after a stop): its waits count from their own start
            self.wait_started.clear()
            self.waiting.clear()
        self.refresh_wait()
        summary = self.session.stop_summary() if state in ("stopped", "failed") else ""
        made = f"{summary} " if summary else ""  # what the engine says was really made
        status = self.query_one("#apply-status", Static)
        status.set_classes(f"-{state}")
        status.update({
            "working": "Working… Esc stops safely: a re-run continues where it stopped.",
            "stopping": "Stopping at the next safe point…",
            "stopped": f"Stopped. {made}Running the wizard again "
                       "continues where it stopped. r tries again now, Esc goes back to the plan "
                       "(read again from Microsoft).",
            # The reason itself, here: a role failure comes before any step row could show one.
            "failed": f"Failed: {escape(self._reason())} {made}Fix what it says, then press r "
                      "to try again: done steps are not repeated. Esc goes back to the plan.",
            "done": "All changes are in place. Press Enter to continue.",
        }[state] + (" m gives a checklist to hand to an admin who has the role." if self._lacks_role() else ""))
        self.refresh_bindings()

    def _reason(self) -> str:
        """The failure in the error screen's plain words (its message, never a bug's text)."""
        from screens.error import unexpected

        return unexpected(self.error).message if self.error is not None else ""

    def check_action(self, action: str, parameters) -> bool | None:
        """Only the keys that make sense now are active (and shown in the footer)."""
        allowed = {
            "continue": self.state == "done",
            "retry": self.state in ("failed", "stopped"),
            "stop": self.state == "working",
            # Once done there is no way back: the changes are made, Enter goes on.
            "back": self.state in ("failed", "stopped"),
            # The account lacks a directory role: an admin who has it can do it by hand.
            "manual": self._lacks_role(),
        }
        return allowed.get(action, True)

    def _lacks_role(self) -> bool:
        from wizard.errors import RoleError

        return self.state == "failed" and isinstance(self.error, RoleError)

    def action_manual(self) -> None:
        """The admin center checklist (`--manual` mode), for an admin who has the role."""
        if self._lacks_role():
            from screens.signin import MANUAL

            self.dismiss(MANUAL)

    def action_continue(self) -> None:
        if self.state == "done":
            self.dismiss(self.applied)

    def action_retry(self) -> None:
        if self.state in ("failed", "stopped"):
            self.cancel = threading.Event()
            self._set_state("working")
            self.run_apply()

    def action_stop(self) -> None:
        """Set the cancel Event: the engine stops at its next wait or check."""
        if self.state == "working":
            self.cancel.set()
            self._set_state("stopping")

    def action_back(self) -> None:
        """Back to the plan (the flow reads it again): only while nothing is left running."""
        if self.state in ("failed", "stopped"):
            self.dismiss(None)
