"""The app's enterprise application (service principal) in this tenant: without it nobody
can sign in to the app and no consent can be granted.

Kind: `create_sp`, `POST /servicePrincipals {appId, tags}`
(https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals). The tag
`WindowsAzureActiveDirectoryIntegratedApp` is the one the portal sets so the app is listed
under Enterprise applications. Registering in the portal creates it, so the manual
checklist has no item for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard import consent, replication
from wizard.graph import ConnectionLost
from wizard.plan import Step
from wizard.steps.base import Compared, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier

SP_TAGS = ["WindowsAzureActiveDirectoryIntegratedApp"]


class ServicePrincipal(StepKind[Compared]):
    names = ("create_sp",)

    def diff(self, given: Compared) -> list[Step]:
        if given.existing.sp is not None:
            return []
        return [Step("create_sp", f"Create the enterprise application (service principal) of "
                                  f"'{given.desired.display_name}' in this tenant", "create_sp")]

    def apply(self, step: Step, run: Applier) -> str:
        """Check, then create; a retried POST after a dropped connection finds the first one."""
        outcome = {"detail": ""}
        app_id = run.current_app["appId"]

        def check_then_create() -> str:
            sp_id, detail = consent.create_service_principal(run.graph, app_id, {"tags": SP_TAGS})
            outcome["detail"] = outcome["detail"] or detail
            return sp_id

        about = run.new_ids()

        def transient(exc: Exception) -> bool:
            return replication.is_replication_error(exc, about) or isinstance(exc, ConnectionLost)

        run.sp_id = replication.retry_transient(
            check_then_create, clock=run.clock, cancel=run.cancel, is_transient=transient,
            on_attempt=run.replicating("the new app"), max_wait=run.max_wait, what="the new app",
        )
        run.journal.set(sp_id=run.sp_id)
        sp_id = run.sp_id
        replication.wait_until_visible(
            lambda: run.graph.get(f"/servicePrincipals/{sp_id}", params={"$select": "id,appId"}),
            clock=run.clock, cancel=run.cancel, consecutive=run.consecutive_reads,
            on_attempt=run.replicating("the enterprise application"), max_wait=run.max_wait,
            what="the enterprise application",
        )
        return outcome["detail"]

    def verify_line(self, step: Step, vendor: str) -> str | None:
        return "The app has no enterprise application (service principal) in this tenant, so nobody can use it"


KIND = ServicePrincipal()
