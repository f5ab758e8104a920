"""Step kinds, one module each, and the registry the plan, apply, verify and manual mode loop over.

Every kind (`wizard.steps.base.StepKind`) says, for one sort of change, how it is diffed,
applied, reported by verify and written as a manual checklist item. Nothing else knows
about a kind: `wizard.plan.make_plan`, `wizard.apply.Applier`, `wizard.day2.verify` and
`wizard.manual.manual_checklist` only iterate these tuples or look a step's kind up here.

Registration vendors (FlexO, SyncSign, innovaphone, Pexip), in plan order:
    app, redirect_uris, implicit_grant, api_permissions, branding, service_principal,
    admin_consent, client_secret, ews_allow_list (no step: a note and a checklist item)
Enterprise-app vendors (LoopMeeting):
    enterprise_app, user_assignment

A new kind is a module with a `KIND` instance, added to the tuple where its steps belong.
"""

from __future__ import annotations

from typing import Any, Sequence

from wizard.plan import Step
from wizard.steps import (
    admin_consent,
    api_permissions,
    app,
    branding,
    client_secret,
    enterprise_app,
    ews_allow_list,
    implicit_grant,
    redirect_uris,
    service_principal,
    user_assignment,
)
from wizard.steps.base import C, Compared, EnterpriseCompared, ManualInput, StepKind

# Plan order: the application first (its create body carries the next four), then the
# service principal, consent on it, the secret, and what only Exchange Online can change.
REGISTRATION: tuple[StepKind[Compared], ...] = (
    app.KIND,
    redirect_uris.KIND,
    implicit_grant.KIND,
    api_permissions.KIND,
    branding.KIND,
    service_principal.KIND,
    admin_consent.KIND,
    client_secret.KIND,
    ews_allow_list.KIND,
)
ENTERPRISE_APP: tuple[StepKind[EnterpriseCompared], ...] = (
    enterprise_app.KIND,
    user_assignment.KIND,
)

_ALL: tuple[StepKind[Any], ...] = (*REGISTRATION, *ENTERPRISE_APP)
_BY_NAME: dict[str, StepKind[Any]] = {name: kind for kind in _ALL for name in kind.names}


def kind_of(step: Step) -> StepKind[Any]:
    """The kind that made `step` (KeyError for a kind no module registers: a bug)."""
    return _BY_NAME[step.kind]


def diff(kinds: Sequence[StepKind[C]], given: C) -> tuple[list[Step], list[str]]:
    """Every kind's steps and notes, in the order of `kinds`."""
    steps: list[Step] = []
    notes: list[str] = []
    for kind in kinds:
        steps += kind.diff(given)
        notes += kind.notes(given)
    return steps, notes


__all__ = ["REGISTRATION", "ENTERPRISE_APP", "StepKind", "Compared", "EnterpriseCompared", "ManualInput",
           "kind_of", "diff"]
