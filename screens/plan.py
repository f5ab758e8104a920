"""Step "Plan": what the wizard is about to change, in plain words, before it changes anything.

`PlanScreen(session)` asks the engine for the plan in a thread worker
(`Setup.plan()` reads the existing registration from Microsoft), then shows

- the changes, numbered ("Create the app registration …"), or
  "Nothing to change: the registration already matches";
- each permission: its name, its type (delegated = acts as a signed-in user,
  application = acts as itself, on every mailbox unless limited), what it allows;
- which permissions need admin consent.

Enter confirms (the screen returns the `Plan`), Esc goes back (None).

When Microsoft shows that an answer is wrong (innovaphone's mailbox or a
LoopMeeting service account that is not a user in the tenant: the engine raises
`InputError`), the screen returns an `AnswerProblem` instead: the flow goes back
to the questions with the message under that field and every answer kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Static

from screens.header import WizardHeader
from screens.widgets.hanging import HangingRow
from screens.widgets.threads import call_if_shown
from wizard.errors import InputError, WizardError


@dataclass(frozen=True)
class AnswerProblem:
    """An answer Microsoft showed to be wrong: the question's key and the error, worded for its field."""

    key: str
    error: InputError


def answer_problem(profile, error: BaseException) -> AnswerProblem | None:
    """The question an `InputError` is about (by key or label), with the message under its label."""
    if not isinstance(error, InputError) or profile is None:
        return None
    field = str(getattr(error, "field", "") or "")
    wanted = {field.casefold(), str(getattr(error, "key", "") or "").casefold()} - {""}
    question = next((q for q in profile.questions
                     if q.key.casefold() in wanted or q.label.casefold() in wanted), None)
    if question is None:
        return None
    message = str(getattr(error, "message", "") or error)
    message = message.removeprefix(f"{field}: ")
    example = str(getattr(error, "example", "") or "")
    if example:
        message = message.removesuffix(f" (for example: {example})")
    return AnswerProblem(question.key, InputError(question.label, message, example=example))


def describe_permission(permission) -> str:
    """What a permission allows, in one line (from the plan, else the bundled catalog)."""
    text = getattr(permission, "description", "") or getattr(permission, "allows", "")
    if text:
        return text
    try:
        from wizard import catalog

        return catalog.describe(getattr(permission, "resource_key", "") or "graph", permission.name)
    except (WizardError, KeyError, ImportError):
        return ""


def needs_consent(permission) -> bool:
    """Application permissions always need admin consent; the plan may say so for others."""
    for name in ("admin_consent_required", "admin_consent", "needs_admin_consent"):
        value = getattr(permission, name, None)
        if value is not None:
            return bool(value)
    return getattr(permission, "type", "") == "application"


class PlanScreen(Screen):
    """Shows the plan; Enter applies it, Esc goes back."""

    CSS_PATH = "plan.tcss"
    BINDINGS = [
        Binding("enter", "confirm", "Apply these changes"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.plan = None

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("What will change in your tenant", id="plan-title")
        with VerticalScroll(id="plan-body"):
            yield Static("Reading the current app registration from Microsoft…", id="plan-wait")
            yield LoadingIndicator()
        yield Footer()

    def on_mount(self) -> None:
        self.compute_plan()

    @work(thread=True, exclusive=True, group="plan")
    def compute_plan(self) -> None:
        """Ask the engine for the plan (blocking Graph reads, so in a thread)."""
        try:
            setup = self.session.setup or self.session.make_setup()
            existing = self.session.existing if getattr(self.session, "mode", "create") == "verify" else None
            plan = setup.plan(existing=existing) if existing is not None else setup.plan()
        except Exception as error:  # shown on the error screen, in plain words
            call_if_shown(self, self.show_error, error)
            return
        call_if_shown(self, self.show_plan, plan)

    def show_error(self, error: BaseException) -> None:
        from screens.error import ErrorScreen

        problem = answer_problem(getattr(self.session, "profile", None), error)
        if problem is not None:  # a wrong answer: correct it on the questions screen
            self.dismiss(problem)
            return
        self.query_one("#plan-wait", Static).update(
            "Could not read the registration from Microsoft. Esc goes back; then try again."
        )
        self.query(LoadingIndicator).remove()
        self.app.push_screen(ErrorScreen(error))

    def show_plan(self, plan) -> None:
        """Replace the spinner with the plan in words."""
        self.plan = plan
        body = self.query_one("#plan-body", VerticalScroll)
        body.remove_children()
        body.mount_all(self._plan_widgets(plan))
        body.focus()
        self.refresh_bindings()

    def _plan_widgets(self, plan) -> list:
        widgets: list = []
        if getattr(plan, "nothing_to_do", False) or not plan.steps:
            widgets.append(Static("Nothing to change: the registration already matches.", id="plan-nothing"))
        else:
            widgets.append(Static("Changes, in this order:", classes="plan-heading"))
            for number, step in enumerate(plan.steps, 1):
                text = escape(step.sentence)
                detail = getattr(step, "detail", "")
                if detail:
                    text += f"\n[dim]{escape(detail)}[/dim]"
                widgets.append(HangingRow(f"{number:2d}.", text, classes="plan-step"))
        permissions = list(getattr(plan, "permissions", ()) or ())
        if permissions:
            widgets.append(Static("Permissions the vendor's product gets:", classes="plan-heading"))
            widgets.append(Static(
                "delegated: acts for a signed-in user · application: acts as itself, without a user",
                classes="plan-legend",
            ))
            for permission in permissions:
                facts = getattr(permission, "type", "")
                resource = getattr(permission, "resource", "")
                if resource:
                    facts += f" on {resource}"
                if needs_consent(permission):
                    facts += ", needs admin consent"
                text = f"[b]{escape(permission.name)}[/b] ({escape(facts)})"
                allows = describe_permission(permission)
                if allows:
                    text += f"\n{escape(allows)}"
                widgets.append(HangingRow("•", text, classes="plan-permission"))
            for note in getattr(plan, "notes", ()) or ():
                widgets.append(HangingRow("!", escape(note), classes="plan-note"))
            if any(needs_consent(p) for p in permissions):
                widgets.append(Static(
                    f"Admin consent is granted once for the whole organisation, {escape(plan.consent_by)}."
                    if getattr(plan, "consent_by", "") else "Admin consent is granted once for the whole organisation.",
                    id="plan-consent",
                ))
        widgets.append(Static(
            ("Enter continues (nothing to write)" if getattr(plan, "nothing_to_do", False)
             else "Enter applies these changes") + " · Esc goes back without changing anything.",
            id="plan-keys",
        ))
        return widgets

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "confirm" and self.plan is None:
            return False  # hidden until the plan is known
        return True

    def action_confirm(self) -> None:
        if self.plan is not None:
            self.session.plan = self.plan
            self.dismiss(self.plan)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "plan")
        self.dismiss(None)
