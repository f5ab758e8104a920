"""What a vendor kind provides (`wizard.vendor_kinds`): the base class both kinds extend.

A vendor kind is built once per `Setup` (and per manual checklist) from the profile. The
methods that read the tenant take the `Setup` they work for: its Graph client, clock,
journal and answers, and the helpers it shares between kinds (`find_user`, `look_up`…).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from wizard.apply import Applied, Applier, StepProgress
from wizard.graph import GraphError
from wizard.plan import Plan
from wizard.portal import ChecklistItem

if TYPE_CHECKING:
    from wizard.profiles import Profile
    from wizard.setup import Setup
    from wizard.steps import StepKind
    from wizard.tokentest import TokenTestReport

Emit = Callable[[StepProgress], None]


@dataclass(frozen=True)
class AppSummary:
    """A registration (or enterprise app) that may be the one to verify and repair."""

    object_id: str
    client_id: str
    display_name: str
    unique_name: str = ""
    match: str = ""  # "appId" | "uniqueName" | "journal" | "displayName" | "enterprise_app"
    managed: bool = False  # created by the wizard (has its uniqueName / tag)
    created: str = ""


def read_or_none(graph: Any, path: str) -> dict | None:
    """GET `path`; None when Graph answers 404."""
    try:
        return graph.get(path)
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise


class VendorKind:
    """One way a vendor is set up in a tenant. Subclasses: registration, enterprise app."""

    name: ClassVar[str] = ""  # the profile's `kind`
    # The step kinds of this vendor kind, in plan order (`wizard.steps`).
    kinds: ClassVar[tuple[StepKind[Any], ...]] = ()
    # The step kinds in the order the manual checklist clicks through the portal.
    checklist_kinds: ClassVar[tuple[StepKind[Any], ...]] = ()

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    # -- the tenant --------------------------------------------------------------------

    def find_existing(self, setup: Setup, app_id: str | None) -> list[AppSummary]:
        raise NotImplementedError

    def plan(self, setup: Setup, existing: AppSummary | None) -> Plan:
        raise NotImplementedError

    # -- apply: around the steps (`wizard.apply.Frame`) --------------------------------

    def before_steps(self, run: Applier) -> None:
        """Set the applier up (the objects the steps work on) before the first step."""

    def after_steps(self, run: Applier) -> Applied:
        raise NotImplementedError

    # -- after apply -------------------------------------------------------------------

    @property
    def needs_secret(self) -> bool:
        """Whether the wizard creates (and tests) a client secret for this vendor."""
        return self.profile.secret_needed

    def check_secret_allowed(self) -> None:
        """Raise `InputError` when this kind has no client secret to create."""

    def test_token(self, setup: Setup, client_id: str, secret_value: str | None, emit: Emit,
                   cancel: threading.Event | None, *, typed: bool = False) -> TokenTestReport:
        raise NotImplementedError

    def snippet_values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The engine values of the vendor's settings block that depend on the kind."""
        return {}

    # -- manual mode -------------------------------------------------------------------

    def checklist_frame(self, tenant: str | None, client_id: str | None, answers: Mapping[str, Any],
                        portal: str) -> tuple[list[ChecklistItem], list[ChecklistItem], list[str]]:
        """(items before the step kinds' items, items after them, the checklist's notes)."""
        raise NotImplementedError


def sign_in_item(tenant: str | None, role: str, portal: str) -> ChecklistItem:
    """The checklist's first item: where to sign in, and with which role."""
    values = [("Role needed", role)]
    if tenant:
        values.insert(0, ("Tenant", tenant))
    return ChecklistItem("Sign in to the Microsoft Entra admin center", values, portal.rstrip("/") + "/",
                         "Use an account that holds the role below (with PIM: activate the role first).")
