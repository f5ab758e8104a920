"""Carry out a `Plan`: idempotent, safe to re-run after an interruption.

The `Applier` is the loop; each step is carried out by its kind (`wizard.steps`, found by
`kind_of(step)`), which gets the applier as its context: the Graph client, the clock, the
journal, the app and service principal so far, and the helpers below. The vendor kind
(`wizard.vendor_kinds`) says what comes before the steps and what is returned after them.

Rules every step follows:
- check before acting (read the current value; skip when it is already right);
- create the registration with the upsert `PATCH /applications(uniqueName='…')` and
  `Prefer: create-if-missing` (https://learn.microsoft.com/graph/api/application-upsert):
  repeating it after a dropped connection updates the same app, never a duplicate;
- record progress in the journal (ids and finished steps, no secrets);
- expect replication delay: new objects are read until several reads in a row
  succeed, and writes that fail because an object is not visible yet are retried
  with bounded back-off (`wizard.replication`), all visible as "retrying" progress.

No client secret is created here: `wizard.secret` does it, once, when asked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Protocol

from wizard import replication
from wizard.clock import Cancelled, Clock
from wizard.errors import WizardError
from wizard.graph import GraphError, quote
from wizard.plan import Desired, Plan, Step

if TYPE_CHECKING:
    from wizard.journal import Journal
    from wizard.permissions import PermissionResolver

PENDING, RUNNING, RETRYING, DONE, FAILED, SKIPPED = "pending", "running", "retrying", "done", "failed", "skipped"
#: A step stopped by the user (Esc, Ctrl+C) at a wait: Microsoft had accepted its change, or not yet.
STOPPED_AFTER_CHANGE = ("changed in Microsoft before the stop (the wizard was still waiting for it to show); "
                        "a re-run checks it and finishes anything missing")
STOPPED_BEFORE_CHANGE = "not done: the wizard stopped before making this change"


@dataclass(frozen=True)
class StepProgress:
    """One change of a step's state, for the step list on screen."""

    step_id: str
    sentence: str
    state: str  # pending running retrying done failed skipped
    detail: str = ""


@dataclass(frozen=True)
class Applied:
    """What exists after apply: the ids the next steps and the vendor need."""

    object_id: str  # application object id ("" for an enterprise app of another tenant)
    client_id: str  # appId: the Application (client) ID
    sp_id: str  # service principal object id
    tenant_id: str


def failure_words(exc: BaseException) -> str:
    """A failed step's detail: the wizard's plain message, else the cause in plain words."""
    from wizard.explain import plain_cause

    return (exc.message if isinstance(exc, WizardError) else "") or plain_cause(exc)


class Frame(Protocol):
    """What a vendor kind does around the steps (`wizard.vendor_kinds`)."""

    def before_steps(self, run: Applier) -> None: ...

    def after_steps(self, run: Applier) -> Applied: ...


class Applier:
    """Runs the steps of one plan against one tenant; the context every step kind's `apply` gets."""

    def __init__(
        self,
        graph: Any,
        *,
        clock: Clock,
        resolver: PermissionResolver,
        journal: Journal,
        tenant_id: str,
        on_progress: Callable[[StepProgress], None] | None = None,
        cancel: threading.Event | None = None,
        consecutive_reads: int = 3,
        max_wait: float = 180.0,
        enterprise_app_wait: float = 900.0,
    ) -> None:
        self.graph = graph
        self.clock = clock
        self.resolver = resolver
        self.journal = journal
        self.tenant_id = tenant_id
        self.on_progress = on_progress or (lambda p: None)
        self.cancel = cancel
        self.consecutive_reads = consecutive_reads
        self.max_wait = max_wait
        self.enterprise_app_wait = enterprise_app_wait
        self._current: Step | None = None
        self.plan: Plan = Plan(steps=[], permissions=[], nothing_to_do=True)
        self.app: dict | None = None  # the application as last read or written
        self.sp_id: str = ""  # the app's service principal
        self.sp: dict | None = None  # an enterprise app's service principal (LoopMeeting)
        self.made_resource_sps: set[str] = set()  # resource SPs this run had to create

    def new_ids(self) -> tuple[str, ...]:
        """Ids of the objects this run works on: a 404 naming none of them is not replication."""
        app = self.app or {}
        return tuple(i for i in (app.get("id"), app.get("appId"), self.sp_id, *self.made_resource_sps) if i)

    # -- what the kinds read -------------------------------------------------------

    @property
    def desired(self) -> Desired:
        """The registration the plan was made for (registration vendors only)."""
        assert self.plan.desired is not None, "this step needs a plan made by make_plan"
        return self.plan.desired

    @property
    def current_app(self) -> dict:
        """The application (it exists once the create step, or the frame, has run)."""
        assert self.app is not None, "the application is read or created before this step"
        return self.app

    @property
    def enterprise_sp_id(self) -> str:
        assert self.sp is not None, "the enterprise application is found before this step"
        return str(self.sp["id"])

    # -- progress -------------------------------------------------------------

    def emit(self, step: Step, state: str, detail: str = "") -> None:
        self.on_progress(StepProgress(step.id, step.sentence, state, detail))

    def retrying(self, step: Step, detail: str) -> None:
        """Say why a step is still running (a wait the kind does itself)."""
        self.emit(step, RETRYING, detail)

    def _on_retry(self, notice: Any) -> None:
        from wizard.clock import seconds_words

        if self._current is None:
            return
        why = "Microsoft Graph is throttling requests" if notice.reason == "throttled" else (
            "Microsoft Graph is busy" if notice.reason == "unavailable" else "the connection dropped")
        self.emit(self._current, RETRYING, f"{why}; waiting {seconds_words(notice.wait)} (attempt {notice.attempt + 1})")

    def replicating(self, what: str) -> Callable[[int, float], None]:
        """An `on_attempt` for `wizard.replication` that says "still replicating <what>"."""
        def report(attempt: int, wait: float) -> None:
            if self._current is not None:
                self.emit(self._current, RETRYING, f"Microsoft is still replicating {what}, attempt {attempt}")
        return report

    # -- the run --------------------------------------------------------------

    def run(self, plan: Plan, frame: Frame) -> Applied:
        from wizard.steps import kind_of

        self.plan = plan
        kinds = [(step, kind_of(step)) for step in plan.steps]
        for step, kind in kinds:
            self.emit(step, PENDING, kind.pending_detail)
        previous_on_retry = self.graph.on_retry
        self.graph.on_retry = self._on_retry
        try:
            frame.before_steps(self)
            for step, kind in kinds:
                if kind.runs_in_apply:
                    self._step(step, partial(kind.apply, step, self))
            return frame.after_steps(self)
        finally:
            self.graph.on_retry = previous_on_retry
            self._current = None

    def _step(self, step: Step, action: Callable[[], str | None]) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()  # between steps: everything done so far is in the journal
        self._current = step
        self.emit(step, RUNNING)
        changes = self.graph.changes
        try:
            detail = action()
        except Cancelled:
            # Stopped mid-step (at a wait): say what really happened, never "failed".
            if self.graph.changes > changes:
                self.emit(step, DONE, STOPPED_AFTER_CHANGE)
            else:
                self.emit(step, PENDING, STOPPED_BEFORE_CHANGE)
            raise
        except BaseException as exc:
            self.emit(step, FAILED, failure_words(exc))
            raise
        self.journal.step_done(step.id)
        if detail and detail.startswith("already"):
            self.emit(step, SKIPPED, detail)
        else:
            self.emit(step, DONE, detail or "")

    # -- helpers of the registration kinds ----------------------------------------

    def wait_visible_app(self, object_id: str) -> dict:
        """Read the app until `consecutive_reads` reads in a row find it (replication)."""
        return replication.wait_until_visible(
            lambda: self.graph.get(f"/applications/{object_id}"),
            clock=self.clock, cancel=self.cancel, consecutive=self.consecutive_reads,
            on_attempt=self.replicating("the new app"), max_wait=self.max_wait, what="the new app",
        )

    def patch_app(self, body: dict) -> None:
        """PATCH the application (retried while it replicates) and remember the new values."""
        app_id = self.current_app["id"]
        about = self.new_ids()
        replication.retry_transient(
            lambda: self.graph.patch(f"/applications/{app_id}", json=body),
            clock=self.clock, cancel=self.cancel, on_attempt=self.replicating("the app"), max_wait=self.max_wait,
            is_transient=lambda e: replication.is_young_app_conflict(e, about),
        )
        self.app = {**self.current_app, **body}

    def web(self) -> dict:
        """A copy of the app's `web` object to change and send back whole."""
        web = dict(self.current_app.get("web") or {})
        web["redirectUris"] = list(web.get("redirectUris") or [])
        web["implicitGrantSettings"] = dict(web.get("implicitGrantSettings") or {})
        web.pop("redirectUriSettings", None)  # derived from redirectUris; not sent back
        return web

    def find_sp(self) -> str | None:
        """The object id of the app's service principal, None when it has none."""
        try:
            return self.graph.get(f"/servicePrincipals(appId={quote(self.current_app['appId'])})",
                                  params={"$select": "id"})["id"]
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise
