"""Guided manual mode: the Entra admin center checklist, then the pasted values.

`ManualScreen(session)` is offered when sign-in is blocked, declined or lacks a role,
and on `m365-wizard --manual`. It needs `session.profile` and `session.answers`
(validated); `session.target` / `session.http` are built on first need.

Two parts on one screen:
1. the checklist (`wizard.manual.manual_checklist`): ↑/↓ move, space ticks an item off,
   c copies the item's portal link (OSC 52), t / m save it as text / Markdown (no
   secret in it), n goes on to the values;
2. the three values the admin pastes back (the secret masked), Enter in the last field
   or ctrl+t tests them with a client-credentials token in a thread worker (no admin
   sign-in needed), then shows the vendor's settings (`SnippetView`).

It returns `ManualResult(tenant_id, client_id, ok, report)` (never the secret), or None
when the person goes back with Esc from the checklist.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from screens.widgets.field_input import FieldInput
from screens.header import WizardHeader
from screens.widgets.hanging import HangingRow
from screens.widgets.threads import call_if_shown
from screens.widgets.footer import WizardFooter
from wizard.clock import Cancelled
from wizard.errors import InputError, WizardError


@dataclass(frozen=True)
class ManualResult:
    """What manual mode found out. The secret is deliberately not here."""

    tenant_id: str
    client_id: str
    ok: bool
    report: Any  # wizard.tokentest.TokenTestReport


def word_spans(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` wrapped at spaces only, never inside a word: a word
    longer than the line (a URL, a GUID path) gets a line of its own, whole."""
    width = max(1, width)
    spans: list[tuple[int, int]] = []
    start = end = 0
    for word in re.finditer(r"\S+", text):
        if end > start and word.end() - start > width:
            spans.append((start, end))
            start = word.start()
        elif end == start:
            start = word.start()
        end = word.end()
    spans.append((start, end))
    return spans


class WholeWords(Static):
    """Text wrapped at spaces only (`word_spans`). A word longer than the line stays whole and
    uncut in the checklist's data (c copies the link; t / m save it): on screen its line ends in
    "…" at the edge rather than going on, broken, on the next line."""

    DEFAULT_CSS = """
    WholeWords {
        height: auto;
    }
    """

    def __init__(self, content: Content, **kwargs) -> None:
        super().__init__(content, **kwargs)
        self.content_text = content

    def lines(self, width: int) -> list[Content]:
        out = []
        for a, b in word_spans(self.content_text.plain, width):
            line = self.content_text[a:b]
            out.append(line[:max(0, width - 1)] + Content("…") if len(line.plain) > width else line)
        return out

    def get_content_width(self, container, viewport) -> int:
        return len(self.content_text.plain)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))


class ChecklistRow(Vertical, can_focus=True):
    """One checklist item: a box and the title, then (indented) what to click, the values
    to enter and the portal link; wrapped lines keep the indent at 80 columns."""

    DEFAULT_CSS = """
    ChecklistRow {
        height: auto;
        padding: 0 1 0 0;
        margin-bottom: 1;
        border-left: blank;
    }
    ChecklistRow:focus {
        background: $boost;
        border-left: thick $accent;
    }
    ChecklistRow > .cl-title {
        text-style: bold;
    }
    ChecklistRow > .cl-detail {
        padding-left: 4;
    }
    ChecklistRow > .cl-link {
        color: $text-muted;
    }
    ChecklistRow.-done > .cl-title {
        color: $text-success;
    }
    ChecklistRow.-done > .cl-detail {
        color: $text-muted;
    }
    """
    # Here, not on the screen: the scrolling container would take up/down first.
    BINDINGS = [
        Binding("up", "screen.focus_previous", "Up", show=False),
        Binding("down", "screen.focus_next", "Down", show=False),
    ]

    def __init__(self, number: int, item: Any, **kwargs) -> None:
        super().__init__(**kwargs)
        self.number = number
        self.item = item
        self.done = False

    def title_text(self) -> str:
        return f"{'[x]' if self.done else '[ ]'} {self.number}. {self.item.title}"

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), classes="cl-title", markup=False)
        if self.item.help:
            yield WholeWords(Content(self.item.help), classes="cl-detail")
        for label, value in self.item.values:
            yield WholeWords(Content.assemble((f"{label}: ", "bold"), value), classes="cl-detail")
        if self.item.link:
            yield WholeWords(Content(self.item.link), classes="cl-detail cl-link")

    def toggle(self) -> None:
        self.done = not self.done
        self.set_class(self.done, "-done")
        self.query_one(".cl-title", Static).update(self.title_text())


class ManualScreen(Screen):
    """The checklist for the tenant's admin, then test the values they paste back."""

    CSS_PATH = "manual.tcss"
    BINDINGS = [
        Binding("space", "tick", "Tick"),
        Binding("c", "copy_link", "Link"),
        Binding("t", "save('text')", "Save .txt"),
        Binding("m", "save('markdown')", "Save .md"),
        Binding("n", "values", "Values"),
        Binding("ctrl+t", "test", "Test"),
        Binding("ctrl+l", "checklist", "Checklist"),
        Binding("escape", "back", "Back"),
        Binding("enter", "finish", "Done"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        from wizard.manual import manual_checklist

        tenant = session.checklist_tenant  # never the header's words ("after sign-in")
        self.checklist = manual_checklist(session.profile, session.answers, tenant=tenant,
                                          portal=session.portal())
        self.part = "checklist"  # "checklist" | "values"
        self.running = False
        self.result: ManualResult | None = None
        self.cancel = threading.Event()

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield WizardHeader()
        yield Static("", id="mn-title")
        with VerticalScroll(id="mn-list"):
            yield Static("Do these steps in the Microsoft Entra admin center, or hand the list to the "
                         "tenant's admin (t / m save it; it holds no secret). A line ending in … is longer than "
                         "the screen: c copies the link, t / m save every value whole.", id="mn-intro", markup=False)
            for number, item in enumerate(self.checklist.items, start=1):
                yield ChecklistRow(number, item, classes="mn-item")
        with VerticalScroll(id="mn-values"):
            secret = self.session.secret_needed
            yield Label("Directory (tenant) ID")
            yield FieldInput(placeholder="from the app's Overview page, a GUID", id="mn-tenant", compact=True)
            yield Label("Application (client) ID")
            yield FieldInput(placeholder="from the app's Overview page, a GUID", id="mn-client", compact=True)
            yield Label("Client secret value (not the Secret ID)", id="mn-secret-label")
            yield FieldInput(placeholder="hidden as you type", password=True, id="mn-secret", compact=True)
            if not secret:
                self.call_after_refresh(self._hide_secret)
            yield Static("", id="mn-progress", markup=False)
            yield Vertical(id="mn-checks")
            yield Vertical(id="mn-snippet")
        yield Static("", id="mn-status", markup=False)
        yield WizardFooter()

    def _hide_secret(self) -> None:
        self.query_one("#mn-secret-label").display = False
        self.query_one("#mn-secret").display = False

    def on_mount(self) -> None:
        self.show_part("checklist")

    def on_unmount(self) -> None:
        self.cancel.set()

    def show_part(self, part: str) -> None:
        self.part = part
        checklist = part == "checklist"
        self.query_one("#mn-list").display = checklist
        self.query_one("#mn-values").display = not checklist
        title = self.query_one("#mn-title", Static)
        if checklist:
            title.update(f"Manual setup in the Entra admin center: {self.session.short_vendor_name}")
            rows = list(self.query(ChecklistRow))
            if rows:
                rows[0].focus()
            self.status("space ticks an item off · n: enter the values the admin gives you")
        else:
            title.update("The values from the admin center")
            self.query_one("#mn-tenant", Input).focus()
            self.status("Paste each value; Enter in the last field tests them (no admin sign-in needed).")
        self.refresh_bindings()

    def status(self, text: str, kind: str = "") -> None:
        widget = self.query_one("#mn-status", Static)
        widget.set_classes(kind)
        widget.update(text)

    # ----------------------------------------------------------------- checklist part

    def check_action(self, action: str, parameters) -> bool | None:
        checklist = self.part == "checklist"
        if action in ("tick", "copy_link", "save", "values", "focus_previous", "focus_next"):
            return checklist
        if action == "test":
            return not checklist and not self.running
        if action == "checklist":
            return not checklist and not self.running
        if action == "finish":
            return not checklist and self.result is not None and not self.running
        return True

    def _focused_row(self) -> ChecklistRow | None:
        return self.focused if isinstance(self.focused, ChecklistRow) else None

    def action_tick(self) -> None:
        row = self._focused_row()
        if row is None:
            return
        row.toggle()
        rows = list(self.query(ChecklistRow))
        done = sum(r.done for r in rows)
        if done == len(rows):
            self.status("Every step is ticked off. n: enter the values.", "-passed")
        else:
            self.status(f"{done} of {len(rows)} done · space ticks · n: enter the values")
            if row.done:
                self.focus_next()

    def action_copy_link(self) -> None:
        row = self._focused_row()
        if row is not None and row.item.link:
            self.app.copy_to_clipboard(row.item.link)
            self.status("The link was copied (your terminal must allow OSC 52).")

    def action_save(self, fmt: str) -> None:
        from screens.widgets.save_prompt import SavePrompt
        from wizard.snippet import default_save_dir

        name = self.checklist.suggested_filename(self.session.profile.id, fmt)

        def chosen(path) -> None:
            if path is not None:
                self.status(f"Saved to {path}", "-passed")

        def write(path, overwrite: bool):
            return self.checklist.save(path, fmt, overwrite=overwrite)

        self.app.push_screen(SavePrompt(default_save_dir() / name, "The checklist holds no secret.",
                                        write=write), chosen)

    def action_values(self) -> None:
        self.show_part("values")

    def action_checklist(self) -> None:
        self.show_part("checklist")

    def action_back(self) -> None:
        if self.running:
            self.cancel.set()
            return
        if self.part == "values":
            self.show_part("checklist")
        else:
            self.dismiss(None)

    def action_focus_previous(self) -> None:
        self.focus_previous(ChecklistRow)

    def action_focus_next(self) -> None:
        self.focus_next(ChecklistRow)

    # ----------------------------------------------------------------- values part

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["mn-tenant", "mn-client"] + (["mn-secret"] if self.session.secret_needed else [])
        if event.input.id in order[:-1]:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
        else:
            self.action_test()

    def action_test(self) -> None:
        if self.running or self.part != "values":
            return
        from wizard.manual import validate_pasted

        try:
            pasted = validate_pasted(self.query_one("#mn-tenant", Input).value,
                                     self.query_one("#mn-client", Input).value,
                                     self.query_one("#mn-secret", Input).value, self.session.profile)
        except InputError as error:
            self.status(error.message, "-failed")
            field = {"tenant_id": "#mn-tenant", "client_id": "#mn-client", "secret": "#mn-secret"}.get(
                error.key, "#mn-tenant")
            self.query_one(field, Input).focus()
            return
        self.result = None
        self.cancel = threading.Event()
        self.running = True
        self.query_one("#mn-checks", Vertical).remove_children()
        self.query_one("#mn-snippet", Vertical).remove_children()
        self.query_one("#mn-progress", Static).update("Asking Microsoft for a token with these values…")
        self.status("Testing… Esc stops.")
        self.refresh_bindings()
        self.run_test(pasted)

    @work(thread=True, exclusive=True, group="manual-test")
    def run_test(self, pasted) -> None:
        """Client-credentials token with the pasted values; the snippet when it passes."""
        from wizard.manual import pasted_snippet, run_token_test

        def call(callback, *args) -> None:
            call_if_shown(self, callback, *args)

        session = self.session
        try:
            session.ensure_connected()
            report = run_token_test(
                session.target, session.http, session.clock, session.profile, pasted, cancel=self.cancel,
                on_attempt=lambda n, code: call(self.progress, f"Microsoft does not accept them yet (AADSTS{code}); attempt {n}…"),
                mailbox=str((session.answers or {}).get("mailbox") or ""),
            )
            snippet = pasted_snippet(session.target, session.profile, session.answers, pasted,
                                     http=session.http) if report.ok else None
        except Cancelled:
            call(self.stopped)
        except WizardError as error:
            call(self.failed, error)
        else:
            call(self.finished, pasted, report, snippet)

    def progress(self, text: str) -> None:
        self.query_one("#mn-progress", Static).update(text)

    async def finished(self, pasted, report, snippet) -> None:
        from screens.widgets.snippet_view import SnippetView

        self.running = False
        self.query_one("#mn-progress", Static).update("")
        checks = self.query_one("#mn-checks", Vertical)
        checks.mount_all([HangingRow("[ok]" if c.ok else "[!!]", f"{c.name}: {c.reason}", markup=False,
                                     classes="-passed" if c.ok else "-failed") for c in report.checks]
                         + [HangingRow("[--]", f"not checked: {line}", markup=False)
                            for line in report.not_checked])
        self.result = ManualResult(pasted.tenant_id, pasted.client_id, report.ok, report)
        if snippet is not None:
            view = SnippetView(snippet, title=f"Settings for {self.session.short_vendor_name}",
                               save=partial(self.session.save_settings, snippet))
            await self.query_one("#mn-snippet", Vertical).mount(view)
            self.status("The values work. v shows the secret, c copies, s saves; Enter finishes.", "-passed")
            self.query_one("#mn-secret", Input).value = ""  # our copy of the secret is in the snippet only
            self.call_after_refresh(self._show_snippet, view)
        else:
            self.status("The test failed: see the reason above. Correct a value and press Enter to test "
                        "again; Esc goes back to the checklist.", "-failed")
        self.refresh_bindings()

    def _show_snippet(self, view) -> None:
        """Focus the settings (Enter now reaches the screen: finish) and scroll to their end.

        One step, no animation: the view is the same however fast the test ran.
        """
        view.focus(scroll_visible=False)
        self.query_one("#mn-values", VerticalScroll).scroll_end(animate=False, immediate=True)

    def failed(self, error: WizardError) -> None:
        self.running = False
        self.query_one("#mn-progress", Static).update("")
        self.status(f"{error.message} {error.next_step}".strip(), "-failed")
        self.refresh_bindings()

    def stopped(self) -> None:
        self.running = False
        self.query_one("#mn-progress", Static).update("")
        self.status("Stopped. ctrl+t tests again.")
        self.refresh_bindings()

    def action_finish(self) -> None:
        if self.part == "values" and self.result is not None and not self.running:
            if self.result.ok:  # the summary after the app names these ids (never the secret)
                self.session.manual_done(self.result.tenant_id, self.result.client_id)
            self.dismiss(self.result)


__all__ = ["ManualScreen", "ManualResult", "ChecklistRow"]
