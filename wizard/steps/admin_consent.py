"""Admin consent: what an admin *granted*, read from the actual grants and assignments, never
from `requiredResourceAccess` (https://learn.microsoft.com/graph/permissions-grant-via-msgraph).

Kinds:
- `consent_delegated`: one oauth2PermissionGrant per resource API, consentType AllPrincipals
  (consent for all users), holding every delegated scope;
- `consent_app`: one appRoleAssignment per application permission;
- `verify_consent`: read everything back (a grant just written can take a moment to show on
  every replica: retried, bounded) and fail in plain words when something is missing.
The Graph calls themselves are in `wizard.consent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from wizard import consent, replication
from wizard.errors import MicrosoftError
from wizard.graph import ConnectionLost
from wizard.permissions import APPLICATION, DELEGATED, PermissionInfo
from wizard.plan import Step
from wizard.portal import MENU_API, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier


class _NotYetVisible(Exception):
    """The read-back does not show a grant yet (replication): try again."""


def delegated_by_resource(perms: tuple[PermissionInfo, ...]) -> dict[str, list[PermissionInfo]]:
    out: dict[str, list[PermissionInfo]] = {}
    for p in perms:
        if p.type == DELEGATED:
            out.setdefault(p.resource_app_id, []).append(p)
    return out


class AdminConsent(StepKind[Compared]):
    names = ("consent_delegated", "consent_app", "verify_consent")

    def diff(self, given: Compared) -> list[Step]:
        desired, existing, res_sps = given.desired, given.existing, given.resource_sp_ids
        if not desired.admin_consent:
            return []
        steps: list[Step] = []
        for res_app_id, perms in delegated_by_resource(desired.permissions).items():
            res_sp = res_sps.get(res_app_id)
            granted: set[str] = set()
            for g in existing.grants:
                if g.get("consentType") == "AllPrincipals" and res_sp and g.get("resourceId") == res_sp:
                    granted |= set((g.get("scope") or "").split())
            missing = [p.name for p in perms if p.name not in granted]
            if missing:
                steps.append(Step(
                    f"consent_delegated:{res_app_id}",
                    f"Grant admin consent for all users to {perms[0].resource}: {' '.join(missing)}",
                    "consent_delegated", {"resourceAppId": res_app_id, "scopes": [p.name for p in perms]},
                ))
        for p in desired.permissions:
            if p.type != APPLICATION:
                continue
            res_sp = res_sps.get(p.resource_app_id)
            done = any(a.get("appRoleId") == p.id and (res_sp is None or a.get("resourceId") == res_sp)
                       for a in existing.assignments)
            if not done:
                steps.append(Step(
                    f"consent_app:{p.resource_app_id}:{p.id}",
                    f"Grant admin consent to application permission {p.name} ({p.resource})",
                    "consent_app", {"resourceAppId": p.resource_app_id, "appRoleId": p.id, "name": p.name},
                ))
        if steps:
            steps.append(Step("verify_consent", "Read back the admin consent from Microsoft and check every "
                                                "permission is granted", "verify_consent"))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        sp_id = _sp_id(run)
        if step.kind == "verify_consent":
            return _verify(run, sp_id)
        res_sp = _resource_sp_id(run, step.data["resourceAppId"])
        if step.kind == "consent_delegated":
            return _retrying(run, lambda: consent.grant_delegated(run.graph, sp_id, res_sp, list(step.data["scopes"])))
        return _retrying(run, lambda: consent.assign_app_role(run.graph, sp_id, res_sp, step.data["appRoleId"]))

    def verify_line(self, step: Step, vendor: str) -> str | None:
        if step.kind == "verify_consent":
            return None  # a read-back, not a difference
        if ": " in step.sentence:
            return "Admin consent is missing: " + step.sentence.split(": ", 1)[-1]
        return "Admin consent is missing for " + step.sentence.rsplit(" permission ", 1)[-1]

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        if not (given.profile.admin_consent and given.profile.permissions):
            return []
        return [ChecklistItem(
            "Grant admin consent",
            [("Button", "Grant admin consent for <your organisation>"), ("Answer", "Yes"),
             ("Check", "Status shows 'Granted for <your organisation>' on every permission")],
            given.link(MENU_API),
            "Still on API permissions: grant consent for the whole organisation.",
        )]


def _sp_id(run: Applier) -> str:
    if not run.sp_id:
        run.sp_id = run.find_sp() or ""
    if not run.sp_id:
        raise MicrosoftError(
            "The app's enterprise application (service principal) is missing, so consent cannot be granted.",
            next_step="Run the wizard again: it creates the service principal first.",
        )
    return run.sp_id


def _resource_sp_id(run: Applier, resource_app_id: str) -> str:
    sp = run.resolver.resource_sp(resource_app_id)
    if sp and sp.get("id"):
        return sp["id"]
    made = consent.ensure_resource_sp(run.graph, resource_app_id)
    run.made_resource_sps.add(made)
    return made


def _retrying(run: Applier, action: Callable[[], str]) -> str:
    """A check-then-write consent action: repeated while replication explains its failure,
    and after a dropped connection (it reads what exists before writing again)."""
    about = run.new_ids()
    return replication.retry_transient(
        action, clock=run.clock, cancel=run.cancel,
        on_attempt=run.replicating("the new app"), max_wait=run.max_wait,
        is_transient=lambda e: isinstance(e, ConnectionLost) or replication.is_replication_error(e, about),
    )


def _verify(run: Applier, sp_id: str) -> str:
    delegated: dict[str, list[str]] = {}
    roles: list[tuple[str, str, str]] = []
    for p in run.desired.permissions:
        res_sp = _resource_sp_id(run, p.resource_app_id)
        if p.type == DELEGATED:
            delegated.setdefault(res_sp, []).append(p.name)
        else:
            roles.append((res_sp, p.id, p.name))

    def check() -> str:
        result = consent.verify(run.graph, sp_id, delegated, roles)
        if not result.ok:
            raise _NotYetVisible(result.reason)
        return "every permission is granted"

    try:
        return replication.retry_transient(
            check, clock=run.clock, cancel=run.cancel,
            is_transient=lambda e: isinstance(e, _NotYetVisible) or replication.is_replication_error(e),
            on_attempt=run.replicating("the consent"), max_wait=min(60.0, run.max_wait), what="the consent",
        )
    except MicrosoftError:
        result = consent.verify(run.graph, sp_id, delegated, roles)
        raise MicrosoftError(
            f"Admin consent is not complete: {result.reason}.",
            next_step="Run the wizard again, or grant admin consent in Entra > App registrations > API permissions.",
        ) from None


KIND = AdminConsent()
