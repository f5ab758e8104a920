"""Step 2: the vendor's questions. `QuestionsScreen(profile, answers)`.

Each of the profile's questions is a labelled input with its help and an
example. Answers are checked as you leave a field (`wizard.answers.validate_one`)
and all together on Continue (`profile.validate`); a wrong answer shows, under
its field, what is wrong and an example, and keeps what was typed.

Questions marked `repeatable` (FlexO redirect URIs, LoopMeeting service
accounts) take several values separated by commas.

Below the questions: create a new registration, or verify an existing one.

Starting a vendor again after a run that did not finish, the fields hold that run's answers
and a box above them says so, and what that run had done (`WizardSession.take_resume`).

Returns `QuestionsResult(answers, mode)`, or None when the user pressed Esc
(back to the vendor list). The `answers` dict passed in is the draft: it is
updated with the raw text as the user types, so nothing typed is lost on Esc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, RadioSet, Static

from screens.header import WizardHeader
from screens.widgets.choice import ChoiceSet, MarkedButton
from screens.widgets.field_input import FieldInput
from screens.widgets.footer import WizardFooter
from wizard.errors import InputError

MODES = ("create", "verify")

#: The two audiences in the admin center's terms (short enough for 80 columns),
#: when a profile gives no labels of its own.
AUDIENCE_LABELS = {
    "single": "only accounts in this organization (single tenant)",
    "multi": "accounts in any organization (multitenant)",
}


class ModeButton(MarkedButton):
    """Create / verify: the chosen one is marked "(●)", readable without colour.

    Textual draws "●" in both states and tells them apart by colour alone, which
    is lost with NO_COLOR and hard to see with 16 colours.
    """


class ModeSet(RadioSet):
    """The create / verify choice: Enter chooses and moves on to Continue (space only chooses)."""

    BINDINGS = [Binding("enter", "choose", "Choose")]

    def action_choose(self) -> None:
        self.action_toggle_button()
        self.screen.query_one("#continue", Button).focus()


def choice_labels(question) -> list[tuple[str, str]]:
    """`(value, words)` for each choice: the profile's labels if it has them
    (`choice_labels`, a mapping or pairs), else the admin center's words for
    single / multi, else the value alone. The value is kept in front: it is what
    `--set key=value` takes on the command line."""
    labels = dict(question.choice_labels)
    rows = []
    for value in question.choices:
        words = labels.get(value) or AUDIENCE_LABELS.get(value, "")
        rows.append((value, f"{value} — {words}" if words and words != value else value))
    return rows


@dataclass(frozen=True)
class QuestionsResult:
    """The checked answers, and whether to create or only verify a registration."""

    answers: dict
    mode: str = "create"


def as_text(value) -> str:
    """An answer (or a list of answers) as the text shown in an input."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def check_one(question, raw: str):
    """Check one field; returns the value or raises `InputError` naming the field.

    Repeatable questions take several values in one string (commas, spaces or
    semicolons between them): `wizard.answers.validate_one` splits them.
    """
    from wizard.answers import validate_one

    return validate_one(question, raw)


class QuestionsScreen(Screen[QuestionsResult | None]):
    """One field per question, inline errors, create/verify choice, Continue."""

    CSS_PATH = "questions.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Continue"),
    ]

    def __init__(self, profile, answers: dict, mode: str = "create", problem=None,
                 field_help: Callable[[Any], str] | None = None, resume: list[str] | None = None) -> None:
        """`problem`: an `AnswerProblem` (screens.plan) to show under its field on arrival.
        `field_help`: the help under each field as the run words it (`Run.field_help`: with --demo
        it lists the demo tenant's accounts); default the profile's help.
        `resume`: the sentences of the last run's offer (its answers are in `answers` already)."""
        super().__init__()
        self.field_help = field_help or (lambda question: question.help or "")
        self.resume = resume
        self.profile = profile
        self.draft = answers
        self.mode = mode if mode in MODES else "create"
        self.problem = problem

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        with VerticalScroll(id="form"):
            yield Static(f"A few details for [b]{escape(self.profile.name)}[/b].", id="intro")
            if self.resume:
                from screens.widgets.hanging import WrappedText

                yield WrappedText("\n".join(self.resume), id="resume", markup=False)
            for question in self.profile.questions:
                yield from self.compose_field(question)
            yield Label("What should the wizard do?", classes="label")
            create, verify = self.mode_labels()
            with ModeSet(id="mode", compact=True, classes="choice"):
                yield ModeButton(create, value=self.mode == "create", id="mode-create")
                yield ModeButton(verify, value=self.mode == "verify", id="mode-verify")
            with Horizontal(id="buttons"):  # Continue first: Tab after the last field lands on it
                yield Button("Continue", id="continue", variant="primary", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
        yield WizardFooter()

    def mode_labels(self) -> tuple[str, str]:
        """The two choices in words that fit the vendor (LoopMeeting's app already exists)."""
        if self.profile.kind == "enterprise_app":
            return (
                "Set it up: check the vendor's app and assign the accounts",
                "Verify only: compare, change nothing yet",
            )
        return (
            "Create a new registration (or repair ours)",
            "Verify an existing registration, change nothing yet",
        )

    def compose_field(self, question) -> ComposeResult:
        optional = "" if question.required else " (optional)"
        several = " (several: separate with commas)" if question.repeatable else ""
        with Vertical(classes="field", id=f"field-{question.key}"):
            yield Label(f"{escape(question.label)}{optional}{several}", classes="label")
            value = self.draft.get(question.key, question.default)
            hint = self.field_help(question)
            if question.kind == "choice" and question.choices:
                yield ChoiceSet(choice_labels(question), as_text(value), id=f"input-{question.key}",
                                compact=True, classes="choice")
            else:
                yield FieldInput(
                    as_text(value),
                    placeholder=f"e.g. {question.example}" if question.example else "",
                    id=f"input-{question.key}",
                    compact=True,
                    join=", " if question.repeatable else " ",
                )
                if question.choices:
                    hint = f"{hint} One of: {', '.join(question.choices)}.".strip()
            if hint:
                yield Static(escape(hint), classes="help")
            yield Static("", classes="error", id=f"error-{question.key}")

    def on_mount(self) -> None:
        problem = self.problem
        if problem is not None and self.query(f"#input-{problem.key}"):
            self.query_one("#intro", Static).update(
                "Microsoft says one answer is not right. Correct it below, then Continue (ctrl+s)."
            )
            self.show_error(problem.key, problem.error)
            self.field(problem.key).focus()
            self.call_after_refresh(self.query_one(f"#field-{problem.key}").scroll_visible, animate=False)
            return
        fields = self.fields()
        if fields:
            fields[0].focus()

    # -- helpers ----------------------------------------------------------------

    def question(self, key: str):
        return next(q for q in self.profile.questions if q.key == key)

    def field(self, key: str):
        """The widget of one question: a `FieldInput`, or a `ChoiceSet` for a choice."""
        return self.query_one(f"#input-{key}")

    def fields(self) -> list:
        """Every question's widget, in order."""
        return [self.field(q.key) for q in self.profile.questions]

    def raw_value(self, key: str) -> str:
        return self.field(key).value

    def show_error(self, key: str, error: InputError | None) -> None:
        """Show (or clear) the message under a field: what is wrong, and an example."""
        label = self.query_one(f"#error-{key}", Static)
        if error is None:
            label.update("")
            label.remove_class("-shown")
            return
        question = self.question(key)
        example = error.example or question.example
        message = error.message
        text = f"✗ {escape(message)}"
        if example and example not in message:
            text += f"\n  for example: {escape(str(example))}"
        label.update(text)
        label.add_class("-shown")

    def check_field(self, key: str) -> bool:
        raw = self.raw_value(key)
        try:
            check_one(self.question(key), raw)
        except InputError as exc:
            self.show_error(key, exc)
            return False
        self.show_error(key, None)
        return True

    # -- events -------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("input-")
        self.draft[key] = event.value

    def on_input_blurred(self, event: Input.Blurred) -> None:
        key = (event.input.id or "").removeprefix("input-")
        if event.input.value.strip():
            self.check_field(key)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: check this field, then go to the next one (or Continue after the last)."""
        event.stop()
        key = (event.input.id or "").removeprefix("input-")
        if not self.check_field(key):
            return
        self.focus_after(event.input)

    def focus_after(self, widget) -> None:
        """The next question's field, or the create / verify choice after the last."""
        fields = self.fields()
        index = fields.index(widget)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self.query_one("#mode", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "mode":
            self.mode = "verify" if event.pressed.id == "mode-verify" else "create"
            return
        if not isinstance(event.radio_set, ChoiceSet):  # "mode" is the only other radio set
            return
        key = (event.radio_set.id or "").removeprefix("input-")
        self.draft[key] = event.radio_set.value
        self.show_error(key, None)

    def on_choice_set_chosen(self, event: ChoiceSet.Chosen) -> None:
        """Enter on a choice: chosen, on to the next field (space only chooses)."""
        self.focus_after(event.choice_set)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.action_back()
        else:
            self.action_submit()

    # -- actions ------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        """Check every field, then the answers together; focus the first wrong field."""
        raw = {}
        first_bad = None
        for question in self.profile.questions:
            raw[question.key] = self.raw_value(question.key)
            if not self.check_field(question.key) and first_bad is None:
                first_bad = question.key
        if first_bad is None:
            try:
                answers = self.profile.validate(raw)
            except InputError as exc:
                key = exc.key
                first_bad = key if key in raw else self.profile.questions[0].key
                self.show_error(first_bad, exc)
        if first_bad is not None:
            self.field(first_bad).focus()
            self.query_one(f"#field-{first_bad}").scroll_visible()
            return
        self.dismiss(QuestionsResult(answers=answers, mode=self.mode))
