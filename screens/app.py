"""The Textual app: `WizardApp` and `run_app(args)`, which `wizard.cli` calls.

The whole wizard is one worker coroutine, `WizardApp.run_flow`, that reads top
to bottom: vendor → questions → sign-in → (verify mode: pick the existing
registration) → plan → apply → secret → token test → result. Each step is `await self.push_screen_wait(SomeScreen(...))`; a screen
answering None means "back": the flow goes to the previous step and every
answer is kept in the `WizardSession`.

Keys everywhere: F1 (or `?` outside a text field) opens help for the current
step; `q` (outside a text field), ctrl+q and ctrl+c leave, after asking when a
change is under way.
"""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from screens.session import WizardSession
from wizard.errors import EXIT_INTERRUPTED, EXIT_OK

#: Steps during which leaving would cut a change in half (or lose the secret).
CHANGING = ("apply", "secret", "tokentest")


class WizardApp(App[int]):
    """Connect a vendor product to Microsoft 365, one screen per step."""

    CSS_PATH = "app.tcss"
    TITLE = "m365-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help", priority=True),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "leave", "Quit", show=False),
        Binding("ctrl+q", "leave", "Quit", priority=True),
        Binding("ctrl+c", "leave", "Quit", show=False, priority=True),
    ]

    step_id: reactive[str] = reactive("vendor")
    """The step the flow is on; the header shows it as "Step N of M"."""

    def __init__(self, session: WizardSession, vendor: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.start_vendor = vendor

    def on_mount(self) -> None:
        self.run_flow()

    # -- the flow --------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="flow")
    async def run_flow(self) -> None:
        """Every step in order; None from a screen goes back one step."""
        # Screens are imported here, not at the top: the first frame stays fast.
        from screens.questions import QuestionsScreen
        from screens.signin import MANUAL, SignInScreen
        from screens.vendor import VendorScreen

        s = self.session
        problem = None  # an answer the plan found wrong (AnswerProblem): shown on the questions
        step = "vendor"
        if self.start_vendor:
            s.choose_vendor(self.start_vendor)
            step = "questions"
        try:
            while step != "done":
                self.step_id = step

                if step == "vendor":
                    vendor = await self.push_screen_wait(VendorScreen(s.profile.id if s.profile else None))
                    if vendor is None:
                        self.exit(EXIT_OK)
                        return
                    s.choose_vendor(vendor)
                    step = "questions"

                elif step == "questions":
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

    def action_leave(self) -> None:
        """q / ctrl+q / ctrl+c: leave, asking first when a change is under way."""
        from screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return
        if not self.change_under_way():
            self.session.forget_secret()
            self.exit(EXIT_INTERRUPTED)
            return
        question = "A change is under way. Leave the wizard now?"
        if self.session.secret is not None:
            question += " The client secret will not be shown again."
        question += " Run the wizard again later: it continues where it stopped."

        def answered(leave: bool | None) -> None:
            if leave:
                self.session.forget_secret()
                self.exit(EXIT_INTERRUPTED)

        self.push_screen(ConfirmScreen(question, yes="Leave", no="Stay"), answered)


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


def run_app(args) -> int:
    """Run the interactive wizard; returns the process exit code."""
    session = session_from_args(args)
    app = WizardApp(session, vendor=args.vendor)
    code = app.run()
    session.save_signin()  # --remember: tokens refreshed during the run are kept too
    return code if isinstance(code, int) else EXIT_OK
