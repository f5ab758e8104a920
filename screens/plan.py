"""Step "Plan": what the wizard is about to change, in plain words, before it changes anything.

`PlanScreen(session)` asks the engine for the plan in a thread worker
(`Setup.plan()` reads the existing registration from Microsoft), then shows

- the changes, numbered ("Create the app registration …"), or
  "Nothing to change: the registration already matches";
- each permission: its name, its type (delegated = acts as a signed-in user,
  application = acts as itself, on every mailbox unless limited), what it allows;
- which permissions need admin consent.

It also asks what the engine (`wizard.run.Run.make_plan`) says must be asked:

- a registration of the same name that the wizard did not make: `r` checks and
  repairs that one (the plan is read again against it), `n` creates a separate new
  one; until one is chosen, Enter does nothing (never a silent duplicate);
- the app already has a valid client secret: it is kept (the vendor already has it)
  unless `s` asks for a new one (`s` again keeps it).

`u` uses another account: the admin is signed out and the flow goes back to the
sign-in; every answer is kept. Enter confirms (the screen returns the `PlanView`),
Esc goes back (None).

When Microsoft shows that an answer is wrong (innovaphone's mailbox or a
LoopMeeting service account that is not a user in the tenant: the engine raises
`InputError`), the screen returns an `AnswerProblem` instead: the flow goes back
to the questions with the message under that field and every answer kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import LoadingIndicator, Static

from screens.header import WizardHeader
from screens.widgets.hanging import HangingRow
from screens.widgets.threads import call_if_shown
from screens.widgets.footer import WizardFooter
from wizard.errors import InputError, WizardError
from wizard.permissions import PermissionInfo
from wizard.run import KEEP, NEW

if TYPE_CHECKING:
    from wizard.profiles import Profile

#: What `PlanScreen` answers when the admin chose "use another account" (already signed out).
ANOTHER_ACCOUNT = "another_account"


@dataclass(frozen=True)
class AnswerProblem:
    """An answer Microsoft showed to be wrong: the question's key and the error, worded for its field."""

    key: str
    error: InputError


def answer_problem(profile: Profile | None, error: BaseException) -> AnswerProblem | None:
    """The question an `InputError` is about (by key or label), with the message under its label."""
    if not isinstance(error, InputError) or profile is None:
        return None
    field = error.field
    wanted = {field.casefold(), error.key.casefold()} - {""}
    question = next((q for q in profile.questions
                     if q.key.casefold() in wanted or q.label.casefold() in wanted), None)
    if question is None:
        return None
    message = error.message.removeprefix(f"{field}: ")
    example = error.example
    if example:
        message = message.removesuffix(f" (for example: {example})")
    return AnswerProblem(question.key, InputError(question.label, message, example=example))


def describe_permission(permission: PermissionInfo) -> str:
    """What a permission allows, in one line (from the plan, else the bundled catalog)."""
    if permission.description:
        return permission.description
    try:
        from wizard import catalog

        return catalog.describe(permission.resource_key or "graph", permission.name)
    except (WizardError, KeyError):
        return ""


def needs_consent(permission: PermissionInfo) -> bool:
    """Application permissions always need admin consent; the plan says so for the others."""
    return permission.admin_consent_required or permission.type == "application"


class PlanScreen(Screen):
    """Shows the plan and its questions; Enter applies it, Esc goes back."""

    CSS_PATH = "plan.tcss"
    BINDINGS = [
        Binding("enter", "confirm", "Apply these changes"),
        Binding("enter", "confirm_nothing", "Continue"),
        Binding("r", "repair", "Repair that one"),
        Binding("n", "separate", "Create a new one"),
        Binding("s", "toggle_secret", "New secret?"),
        Binding("u", "another_account", "Another account"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.view = None

    @property
    def plan(self):
        """The plan shown (None while it is read)."""
        return self.view.plan if self.view is not None else None

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("What will change in your tenant", id="plan-title")
        with VerticalScroll(id="plan-body"):
            yield Static("Reading the current app registration from Microsoft…", id="plan-wait")
            yield LoadingIndicator()
        yield WizardFooter()

    def on_mount(self) -> None:
        self.compute_plan()

    @work(thread=True, exclusive=True, group="plan")
    def compute_plan(self, repair=None) -> None:
        """Ask the engine for the plan (blocking Graph reads, so in a thread); `repair`: plan
        against that same-name registration instead."""
        try:
            view = self.session.repair(repair) if repair is not None else self.session.make_plan()
        except Exception as error:  # shown on the error screen, in plain words
            call_if_shown(self, self.show_error, error)
            return
        call_if_shown(self, self.show_plan, view)

    def show_error(self, error: BaseException) -> None:
        from screens.error import ErrorScreen

        problem = answer_problem(self.session.profile, error)
        if problem is not None:  # a wrong answer: correct it on the questions screen
            self.dismiss(problem)
            return
        self.query_one("#plan-wait", Static).update(
            "Could not read the registration from Microsoft. Esc goes back; then try again."
        )
        self.query(LoadingIndicator).remove()
        self.app.push_screen(ErrorScreen(error))

    async def show_plan(self, view) -> None:
        """Replace the spinner (or the last plan) with the plan in words."""
        self.view = view
        body = self.query_one("#plan-body", VerticalScroll)
        await body.remove_children()
        await body.mount_all(self._plan_widgets(view))
        body.focus()
        self.query_one(WizardHeader).refresh()  # "Step N of M": a secret step comes or goes
        self.refresh_bindings()

    def _question_widgets(self, view) -> list:
        """What the admin must answer (same-name registration) or may change (the secret)."""
        widgets: list = []
        if view.same_name:
            lines = ["[b]A registration of the same name exists that the wizard did not make:[/b]"]
            for app in view.same_name:
                created = f", created {app.created[:10]}" if app.created else ""
                lines.append(f"  {escape(app.display_name)} (client ID {escape(app.client_id)}{escape(created)})")
            first = view.same_name[0]
            lines.append(f"[b]r[/b] check and repair it{' (the first listed)' if len(view.same_name) > 1 else ''}"
                         " · [b]n[/b] create a separate new one · [b]Esc[/b] back")
            widgets.append(Static("\n".join(lines), id="plan-same-name"))
            self.same_name_first = first
        if view.current_secret is not None:
            facts = view.current_secret
            if self.session.secret_choice == NEW:
                text = (f"The app's client secret ({escape(facts.hint)}…, valid until {facts.end}) stays; "
                        "[b]a new one will be created[/b] and shown once. [b]s[/b] keeps the current one only.")
            else:
                text = (f"The app already has a valid client secret ({escape(facts.hint)}…, until {facts.end}). "
                        "It is kept: the vendor already has it. [b]s[/b] creates a new one instead.")
            widgets.append(Static(text, id="plan-secret"))
        return widgets

    def _plan_widgets(self, view) -> list:
        plan = view.plan
        widgets: list = self._question_widgets(view)
        nothing = plan.nothing_to_do and not self.session.secret_to_create
        if nothing:
            widgets.append(Static("Nothing to change: the registration already matches.", id="plan-nothing"))
        else:
            widgets.append(Static("Changes, in this order:", classes="plan-heading"))
            sentences = [step.sentence for step in plan.steps]
            if self.session.secret_to_create and not plan.needs_secret:
                sentences.append("Create a new client secret (its value is shown once)")
            for number, sentence in enumerate(sentences, 1):
                widgets.append(HangingRow(f"{number:2d}.", escape(sentence), classes="plan-step"))
        permissions = list(plan.permissions)
        if permissions:
            widgets.append(Static("Permissions the vendor's product gets:", classes="plan-heading"))
            widgets.append(Static(
                "delegated: acts for a signed-in user · application: acts as itself, without a user",
                classes="plan-legend",
            ))
            for permission in permissions:
                facts = permission.type
                if permission.resource:
                    facts += f" on {permission.resource}"
                if needs_consent(permission):
                    facts += ", needs admin consent"
                text = f"[b]{escape(permission.name)}[/b] ({escape(facts)})"
                allows = describe_permission(permission)
                if allows:
                    text += f"\n{escape(allows)}"
                widgets.append(HangingRow("•", text, classes="plan-permission"))
            if any(needs_consent(p) for p in permissions):
                widgets.append(Static(
                    f"Admin consent is granted once for the whole organisation, {escape(plan.consent_by)}."
                    if plan.consent_by else "Admin consent is granted once for the whole organisation.",
                    id="plan-consent",
                ))
        for note in ([self.session.role_warning] if self.session.role_warning else []) + list(plan.notes):
            if view.current_secret is not None and note.startswith("The app has a client secret valid until"):
                continue  # said in the secret box above
            widgets.append(HangingRow("!", escape(note), classes="plan-note"))
        if view.same_name:
            keys = "Answer the question above first · u uses another account · Esc goes back."
        else:
            keys = (("Enter continues (nothing to write)" if nothing else "Enter applies these changes")
                    + " · u uses another account · Esc goes back without changing anything.")
        widgets.append(Static(keys, id="plan-keys"))
        return widgets

    def check_action(self, action: str, parameters) -> bool | None:
        view = self.view
        if action in ("confirm", "confirm_nothing"):
            if view is None or view.same_name:
                return False  # hidden until the plan can be applied
            nothing = view.plan.nothing_to_do and not self.session.secret_to_create
            return nothing if action == "confirm_nothing" else not nothing
        if action in ("repair", "separate"):
            return view is not None and bool(view.same_name)
        if action == "toggle_secret":
            return view is not None and view.current_secret is not None
        if action == "another_account":
            return view is not None
        return True

    def action_confirm(self) -> None:
        if self.view is not None and not self.view.same_name:
            self.dismiss(self.view)

    def action_confirm_nothing(self) -> None:
        """Nothing to write: Enter goes on (to the token test and the settings)."""
        self.action_confirm()

    async def action_repair(self) -> None:
        """Check and repair the same-name registration: the plan is read again against it."""
        if self.view is None or not self.view.same_name:
            return
        candidate = self.view.same_name[0]
        self.view = None
        self.refresh_bindings()
        body = self.query_one("#plan-body", VerticalScroll)
        await body.remove_children()
        await body.mount_all([Static(f"Reading {candidate.display_name} ({candidate.client_id}) from Microsoft…",
                                     id="plan-wait"), LoadingIndicator()])
        self.compute_plan(candidate)

    async def action_separate(self) -> None:
        """Create a separate new registration next to the same-name one (asked explicitly)."""
        if self.view is not None and self.view.same_name:
            self.session.create_separate()
            await self.show_plan(self.view)

    async def action_toggle_secret(self) -> None:
        """Keep the app's valid secret (the default) or create a new one as well."""
        if self.view is not None and self.view.current_secret is not None:
            self.session.secret_choice = KEEP if self.session.secret_choice == NEW else NEW
            await self.show_plan(self.view)

    def action_another_account(self) -> None:
        """Sign out and sign in again; every answer is kept."""
        self.workers.cancel_group(self, "plan")
        self.session.sign_out()
        self.dismiss(ANOTHER_ACCOUNT)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "plan")
        self.dismiss(None)
