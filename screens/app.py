"""The Textual app: `WizardApp` and `run_app(args)`, which `wizard.cli` calls.

The whole wizard is one worker coroutine, `WizardApp.run_flow`, that reads top
to bottom: vendor → questions → sign-in → (verify mode: pick the existing
registration) → plan → apply → secret → token test → result. Each step is `await self.push_screen_wait(SomeScreen(...))`; a screen
answering None means "back": the flow goes to the previous step and every
answer is kept in the `WizardSession`.

Keys everywhere (the README and the help screen say the same):
- F1 opens help for the current step, even in a text field; `?` does too outside one.
- ctrl+q (or ctrl+c, or `q` outside a text field) leaves the wizard. Once there is
  something to lose (answers typed, a sign-in, a change under way) it asks first;
  ctrl+q or ctrl+c again on that question leaves.
- Esc goes back one step; on the first step it asks before leaving.
- In a text field letters type: `q` and `?` are letters there.
No single letter both leaves and does something else: `q` is never bound by a screen
(the result screen's `q` finishes, which is leaving too).
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from screens.session import WizardSession
from wizard.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK

if TYPE_CHECKING:
    from screens.confirm import ConfirmScreen

#: Steps during which leaving would cut a change in half (or lose the secret).
CHANGING = ("apply", "secret", "tokentest")


class WizardApp(App[int]):
    """Connect a vendor product to Microsoft 365, one screen per step."""

    #: The first screen's styles come with the app's: a screen with a CSS_PATH of its own makes
    #: Textual parse every style sheet again and restyle every widget when it is first shown
    #: (`App._load_screen_css`), which the first frame would wait for. Later screens keep theirs.
    CSS_PATH = ["app.tcss", "vendor.tcss"]
    TITLE = "m365-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help", priority=True),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "leave(False)", "Quit", show=False),
        Binding("ctrl+q", "leave(True)", "Quit", priority=True),
        Binding("ctrl+c", "leave(True)", "Quit", show=False, priority=True),
    ]

    #: The "Leave the wizard?" question while it is on screen (ctrl+q again answers it).
    leave_question: ConfirmScreen | None = None

    step_id: reactive[str] = reactive("vendor")
    """The step the flow is on; the header shows it as "Step N of M"."""

    def __init__(self, session: WizardSession, vendor: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.start_vendor = vendor

    def run(self, *, headless: bool = False, **options: Any) -> int | None:
        """Run the app, at a terminal only: on a pipe or /dev/null it would wait for keys nobody
        can press, with a screen nobody sees (`NotATerminal`; `run_app` says what to do instead)."""
        if not headless and not at_terminal():
            raise NotATerminal
        return super().run(headless=headless, **options)

    def on_mount(self) -> None:
        if not gc.isenabled():  # paused for start-up by the CLI: back on after the first step's frame
            self.screen_change_signal.subscribe(self, self._first_screen)
        self.run_flow()

    def _first_screen(self, _screen: object) -> None:
        self.screen_change_signal.unsubscribe(self)
        self.call_after_refresh(resume_collector)

    # -- the flow --------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="flow")
    async def run_flow(self) -> None:
        """Every step in order; None from a screen goes back one step."""
        # Each screen is imported at its step, not at the top: the first frame needs only the
        # vendor screen (tests/tui/test_startup_imports.py keeps it so).
        from screens.vendor import VendorScreen

        s = self.session
        problem = None  # an answer the plan found wrong (AnswerProblem): shown on the questions
        step = "vendor"
        try:
            if self.start_vendor:  # --vendor: a local file that cannot be used is explained, not a blank screen
                s.choose_vendor(self.start_vendor)
                step = "questions"
            while step != "done":
                self.step_id = step

                if step == "vendor":
                    vendor = await self.push_screen_wait(VendorScreen(s.vendor_choices(), s.profile.id if s.profile else None))
                    if vendor is None:  # Esc on the first step: leave, but never without asking
                        if await self.ask_to_leave("Leave the wizard?"):
                            self.exit(EXIT_OK)
                            return
                        continue
                    s.choose_vendor(vendor)
                    step = "questions"

                elif step == "questions":
                    from screens.questions import QuestionsScreen

                    resume = s.take_resume()  # the last run's answers, when it did not finish
                    screen = QuestionsScreen(s.profile, s.draft(), mode=s.mode, problem=problem,
                                             field_help=s.field_help, resume=resume)
                    problem = None
                    result = await self.push_screen_wait(screen)
                    s.mode = screen.mode
                    if result is None:
                        step = "vendor"
                        continue
                    s.set_answers(result.answers, result.mode)
                    if s.manual:
                        step = "manual"
                    else:
                        step = self.after_signin() if s.who is not None else "signin"

                elif step == "signin":
                    from screens.signin import MANUAL, SignInScreen

                    who = await self.push_screen_wait(SignInScreen(s))
                    if who == MANUAL:
                        step = "manual"
                    else:
                        step = "questions" if who is None else self.after_signin()

                elif step == "manual":  # --manual, or sign-in blocked: the admin center checklist
                    from screens.manual import ManualScreen

                    done = await self.push_screen_wait(ManualScreen(s))
                    if done is None:
                        step = "questions" if s.manual else ("signin" if s.who is None else "plan")
                        continue
                    step = "done"

                elif step == "pick":  # verify mode: which existing registration to check
                    from screens.pick_app import PickAppScreen

                    existing = await self.push_screen_wait(PickAppScreen(s))
                    if existing is None:
                        step = "questions"
                        continue
                    if existing != s.existing:
                        s.forget_plan()
                    s.existing = existing
                    step = "plan"

                elif step == "plan":
                    from screens.plan import ANOTHER_ACCOUNT, AnswerProblem, PlanScreen

                    view = await self.push_screen_wait(PlanScreen(s))
                    if isinstance(view, AnswerProblem):
                        problem, step = view, "questions"
                        continue
                    if view == ANOTHER_ACCOUNT:  # signed out; every answer is kept
                        step = "signin"
                        continue
                    if view is None:
                        step = "pick" if s.mode == "verify" else "questions"
                        continue
                    step = "apply"

                elif step == "apply":
                    from screens.apply import ApplyScreen
                    from screens.signin import MANUAL

                    applied = await self.push_screen_wait(ApplyScreen(s))
                    if applied == MANUAL:  # the account lacks the role: the checklist for one who has it
                        step = "manual"
                        continue
                    if applied is None:
                        step = "plan"
                        continue
                    step = "secret" if s.secret_to_create else "tokentest"

                elif step == "secret":
                    from screens.confirm import ConfirmScreen
                    from screens.secret import SecretScreen

                    stored = await self.push_screen_wait(SecretScreen(s))
                    if s.secret is None:
                        question = ("No client secret was created, so the token test cannot run. "
                                    "Go on without one? Running the wizard again creates it.")
                    else:
                        question = ("You have not confirmed that you stored the client secret. "
                                    "Microsoft never shows it again. Go on without it?")
                    if not stored and not await self.push_screen_wait(
                        ConfirmScreen(question, yes="Go on", no="Stay")
                    ):
                        continue  # show the secret screen again
                    step = "tokentest"

                elif step == "tokentest":
                    from screens.tokentest import TokenTestScreen

                    await self.push_screen_wait(TokenTestScreen(s))
                    step = "result"

                elif step == "result":
                    from screens.result import ResultScreen

                    await self.push_screen_wait(ResultScreen(s))
                    step = "done"
        except Exception as exc:  # a bug or an engine failure: explain it, never a traceback
            await self.fail(exc)
            return
        s.forget_secret()
        s.finish()  # the run went to its end: its answers are not offered again
        self.exit(EXIT_OK)

    def after_signin(self) -> str:
        """Verify mode picks the registration to check first; create mode goes to the plan."""
        return "pick" if self.session.mode == "verify" else "plan"

    async def fail(self, exc: Exception) -> None:
        """Show the error screen, then leave with the error's exit code."""
        from screens.error import ErrorScreen, unexpected

        error = unexpected(exc)
        self.session.forget_secret()
        await self.push_screen_wait(ErrorScreen(error))
        self.exit(error.exit_code)

    # -- keys -----------------------------------------------------------------------------

    def action_help(self) -> None:
        """F1 / ?: help for the current step (F1 again closes it)."""
        from screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.step_id))

    def change_under_way(self) -> bool:
        """True from the first write until the token test is done."""
        return self.step_id in CHANGING

    def something_to_lose(self) -> bool:
        """True once leaving would lose something: a change under way, a sign-in, or answers typed."""
        if self.change_under_way():
            return True
        if self.step_id == "result":  # all done: leaving is finishing
            return False
        s = self.session
        return bool(s.answers) or s.who is not None or self.answers_typed()

    def answers_typed(self) -> bool:
        """True when a field of the current vendor holds more than its default (a field shows its
        default from the start, so the draft has it without anything typed)."""
        from screens.questions import as_text

        s = self.session
        if s.profile is None:
            return False
        draft = s.drafts.get(s.profile.id, {})
        return any(str(draft.get(q.key, "")).strip() != as_text(q.default).strip()
                   for q in s.profile.questions if q.key in draft)

    async def ask_to_leave(self, question: str) -> bool:
        """Ask "leave?" (Leave / Stay); True when the person chose to leave."""
        from screens.confirm import ConfirmScreen

        screen = ConfirmScreen(question, yes="Leave", no="Stay")
        self.leave_question = screen
        try:
            leave: bool = await self.push_screen_wait(screen)
            return leave
        finally:
            self.leave_question = None

    def action_leave(self, again_leaves: bool = False) -> None:
        """q / ctrl+q / ctrl+c: leave, asking first when there is something to lose.

        On the "leave?" question itself, ctrl+q or ctrl+c (`again_leaves`) answers
        Leave; `q` does nothing there (y and n answer it).
        """
        from screens.confirm import ConfirmScreen

        if self.leave_question is not None and self.screen is self.leave_question:
            if again_leaves:
                self.leave_question.dismiss(True)
            return
        if isinstance(self.screen, ConfirmScreen):  # another question is open: answer it first
            return
        if self.step_id == "result":  # everything is done: leaving here is finishing
            self.session.finish()
            self.exit(EXIT_OK)
            return
        if not self.something_to_lose():
            self.session.forget_secret()
            self.exit(EXIT_INTERRUPTED)
            return
        self.ask_and_leave(self.leave_words())

    def leave_words(self) -> str:
        """The "leave?" question, naming what is really at stake at this step."""
        if not self.change_under_way():
            return "Leave the wizard now?"
        s = self.session
        if self.step_id == "apply" and s.applied is None:
            return ("A change is under way. Leave the wizard now? "
                    "Run the wizard again later: it continues where it stopped.")
        if s.secret is not None:
            return ("The changes are made. Leave the wizard now? The client secret will not be "
                    "shown again (run the wizard again later for a new one).")
        return ("The changes are made but not yet tested. Leave the wizard now? "
                "Run the wizard again later to test them.")

    @work(exclusive=True, exit_on_error=False, group="leave")
    async def ask_and_leave(self, question: str) -> None:
        if await self.ask_to_leave(question):
            self.session.forget_secret()
            self.exit(EXIT_INTERRUPTED)


def resume_collector() -> None:
    """Garbage collection on again after start-up (`wizard.cli._run_tui` paused it).

    What start-up made stays alive for the whole run (modules, classes, styles), so it is moved
    out of the collector's sight (`gc.freeze`) instead of being scanned at every full collection.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def session_from_args(args) -> WizardSession:
    """Build the session from the command line; Microsoft is reached lazily (`wizard.run.connect`).

    `--demo`: an in-process simulated tenant that approves the sign-in code by
    itself after about 3 seconds, on the real clock. `--simtenant URL`: a running
    `m365-wizard simtenant serve`. Otherwise the real cloud (`--cloud`).
    """
    from wizard.clock import Clock
    from wizard.run import ConnectOptions, connect

    clock = Clock()
    options = ConnectOptions.from_args(args, demo_auto_approve=3.0)
    return WizardSession(clock=clock, connect=lambda: connect(options, clock), tenant_hint=options.tenant_hint,
                         tenant=options.tenant, demo_mode=options.demo, keep_last_run=True, place=options.place,
                         manual=bool(args.manual), remember=bool(args.remember), auth=args.auth or "device")


class NotATerminal(Exception):
    """Standard input or output is not a terminal (a pipe, a file, /dev/null)."""


def at_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced
        return False


NOT_A_TERMINAL = (
    "m365-wizard: the interactive wizard needs a terminal (its input and output are a pipe or a file "
    "here).\nNext step: run it in a terminal, or use a headless command, e.g. "
    "`m365-wizard --demo apply --vendor pexip --set addin_fqdn=px01.example.com` "
    "(`m365-wizard --help` lists them; `m365-wizard --manual --vendor pexip --set addin_fqdn=…` prints "
    "the checklist for the Entra admin center)."
)


def run_app(args) -> int:
    """Run the interactive wizard; returns the process exit code."""
    session = session_from_args(args)
    app = WizardApp(session, vendor=args.vendor)
    try:
        code = app.run()
    except NotATerminal:
        print(NOT_A_TERMINAL, file=sys.stderr)
        return EXIT_BAD_INPUT
    session.save_signin()  # --remember: tokens refreshed during the run are kept too
    print_summary(session)
    # Every way the wizard ends gives its code (`App.exit(code)`); none means it was stopped from
    # outside (SIGINT from `kill -INT`: Textual ends the app without one): interrupted, not done.
    return code if isinstance(code, int) else EXIT_INTERRUPTED


def print_summary(session: WizardSession, out=None) -> None:
    """After the app has given the terminal back: what was set up and where the settings were
    saved (`Run.exit_summary`, which never holds a secret), so the terminal is not left empty."""
    lines = session.exit_summary()
    if lines:
        print("\n".join(lines), file=out or sys.stdout, flush=True)
