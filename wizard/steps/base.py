"""What every step kind provides, and what it is given.

A step kind is one sort of change to a tenant ("add a Web redirect URI", "grant admin
consent"). Its module answers five questions about it, and nothing else does:

- `diff(given)`: desired vs current → the `Step`s (each with its plan sentence), or none;
- `apply(step, run)`: carry one step out, checking first (returns "already …" when nothing
  had to change, which the step list shows as skipped);
- `verify_line(step, vendor)`: what is wrong, in words, for `verify` (None: not a difference);
- `manual_items(given)`: the admin center checklist item(s) for doing it by hand;
- `notes(given)`: sentences for the plan that are not changes ("the secret is valid until …").

`names` are the `Step.kind` strings the kind makes; `wizard.steps.kind_of(step)` finds the
kind of a step by them. The plan, the applier, verify and manual mode are loops over the
registered kinds (`wizard.steps.REGISTRATION`, `wizard.steps.ENTERPRISE_APP`).

A kind is generic over what its diff compares: the registration kinds get `Compared`
(the desired registration and what the tenant has), the enterprise-app kinds get
`EnterpriseCompared` (the vendor's app, if it is there, and the accounts to assign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Mapping, TypeVar

from wizard.plan import Desired, Existing, Step
from wizard.portal import PORTAL, ChecklistItem, portal_link

if TYPE_CHECKING:
    from wizard.apply import Applier
    from wizard.profiles import Profile


@dataclass(frozen=True)
class Compared:
    """The inputs of a registration diff."""

    desired: Desired
    existing: Existing
    resource_sp_ids: Mapping[str, str | None]  # resource appId → its service principal's object id
    now: float  # epoch seconds (secret expiry)

    @property
    def app(self) -> dict | None:
        """The application as Graph returned it; None when it does not exist yet."""
        return self.existing.app


@dataclass(frozen=True)
class EnterpriseCompared:
    """The inputs of an enterprise-app diff (LoopMeeting): the vendor's app, if it is there."""

    name: str  # the vendor's enterprise application, e.g. "LoopMeeting"
    hint: str  # how the vendor's console asks for the consent (the profile's first note)
    sp: dict | None  # its service principal in this tenant, None before the consent
    users: list[dict]  # the service accounts to assign (Graph user objects)
    assigned: frozenset[str] = frozenset()  # principal ids already assigned to the app
    chosen_app_id: str = ""  # the app ID the admin chose among several of that name (--client-id-app)
    demo: bool = False  # --demo: the simulated tenant does the vendor's consent by itself


@dataclass(frozen=True)
class ManualInput:
    """What a checklist item is written from: the profile, the answers, and where the app is."""

    profile: Profile
    answers: Mapping[str, Any]
    client_id: str | None = None  # the app exists already: links open its blades
    portal: str = PORTAL

    def link(self, menu: str) -> str:
        return portal_link(self.client_id, menu, portal=self.portal)

    @property
    def opener(self) -> str:
        """Without the client ID the links open the list: say which app to open there."""
        return "" if self.client_id else f"In App registrations open '{self.profile.display_name(self.answers)}'. "


C = TypeVar("C", Compared, EnterpriseCompared)


class StepKind(Generic[C]):
    """Base class of a step kind; a module subclasses it and registers one instance.

    The defaults say "nothing": no steps, no notes, the step's own sentence as its verify
    line, no checklist item. Only `apply` has no default: a kind that makes steps runs them.
    """

    names: ClassVar[tuple[str, ...]] = ()
    # Said in the step list while the step waits; "" for most kinds.
    pending_detail: ClassVar[str] = ""
    # False for a step the applier lists but does not run (the client secret: created
    # once, later, by `Setup.create_secret`, so its value can be shown).
    runs_in_apply: ClassVar[bool] = True

    def diff(self, given: C) -> list[Step]:
        return []

    def notes(self, given: C) -> list[str]:
        return []

    def apply(self, step: Step, run: Applier) -> str:
        raise NotImplementedError(f"{type(self).__name__} does not apply {step.kind}")

    def verify_line(self, step: Step, vendor: str) -> str | None:
        return step.sentence

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        return []


def count(n: int, noun: str) -> str:
    """'1 API permission', '6 API permissions'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
