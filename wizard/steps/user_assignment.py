"""Users and groups of the vendor's enterprise application: assign the service account(s).

Kinds: `assign_user` (one per account not assigned yet: an appRoleAssignment with the
default role, https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto)
and `verify_assignments` (read `appRoleAssignedTo` back; fails naming the accounts missing).
The Graph call is `wizard.consent.assign_user`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard import consent, replication
from wizard.graph import ConnectionLost
from wizard.errors import MicrosoftError
from wizard.plan import Step
from wizard.portal import ChecklistItem, enterprise_apps_link
from wizard.steps.base import EnterpriseCompared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier


def assigned_principals(graph: Any, sp_id: str) -> set[str]:
    """Object ids of the users and groups assigned to a service principal."""
    return {str(a.get("principalId")) for a in graph.get_all(f"/servicePrincipals/{sp_id}/appRoleAssignedTo")}


def service_accounts(answers: Any) -> list[str]:
    """The `service_account` answer as a list (one or several addresses)."""
    value = answers.get("service_account") or []
    return [value] if isinstance(value, str) else list(value)


class UserAssignment(StepKind[EnterpriseCompared]):
    names = ("assign_user", "verify_assignments")

    def diff(self, given: EnterpriseCompared) -> list[Step]:
        steps = []
        for user in given.users:
            if user["id"] not in given.assigned:
                upn = user.get("userPrincipalName") or user.get("mail")
                steps.append(Step(f"assign_user:{upn}", f"Assign {upn} to the {given.name} enterprise application "
                                                        "(Users and groups)", "assign_user",
                                  {"user_id": user["id"], "upn": upn}))
        if steps and given.sp is not None:
            consent.user_role_for(given.sp)  # read the app's roles now: a choice the wizard cannot make stops the plan
        if steps:
            steps.append(Step("verify_assignments", "Read back the user assignments", "verify_assignments"))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        if step.kind == "assign_user":
            # the role from the SP's appRoles (the default access role only when it declares none)
            assert run.sp is not None, "the enterprise application is found before this step"
            role = consent.user_role_for(run.sp)
            user_id, sp_id = step.data["user_id"], run.enterprise_sp_id
            # check-then-assign: safe to repeat after a dropped answer (its own write reads back)
            return replication.retry_transient(
                lambda: consent.assign_user(run.graph, user_id, sp_id, role), clock=run.clock, cancel=run.cancel,
                is_transient=lambda e: isinstance(e, ConnectionLost) or replication.is_replication_error(e, (user_id, sp_id)),
                max_wait=min(60.0, run.max_wait), what="the assignment")
        assigned = assigned_principals(run.graph, run.enterprise_sp_id)
        missing = [s.data["upn"] for s in run.plan.steps if s.kind == "assign_user" and s.data["user_id"] not in assigned]
        if missing:
            raise MicrosoftError(f"These accounts are not assigned yet: {', '.join(missing)}.",
                                 next_step="Run the wizard again in a minute.")
        return "every service account is assigned"

    def verify_line(self, step: Step, vendor: str) -> str | None:
        return None if step.kind == "verify_assignments" else step.sentence

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        return [ChecklistItem("Assign the service account(s)", [("User", a) for a in service_accounts(given.answers)],
                              enterprise_apps_link(portal=given.portal),
                              "In the app: Users and groups > Add user/group > select each account > Assign.")]


KIND = UserAssignment()
