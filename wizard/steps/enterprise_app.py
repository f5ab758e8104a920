"""The vendor's multi-tenant app (LoopMeeting): it appears in this tenant as an enterprise
application (service principal) once an admin consents in the vendor's own console.

Kind: `wait_enterprise_app`, planned while the app is not there: apply polls for it,
bounded by `Applier.enterprise_app_wait` seconds, every `POLL_SECONDS`, saying each time what
the admin should do. The wizard never creates this app; it only finds it by its display name
(https://learn.microsoft.com/graph/api/serviceprincipal-list, `$filter=displayName eq`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.errors import MicrosoftError
from wizard import consent
from wizard.plan import Step
from wizard.portal import ChecklistItem, enterprise_apps_link
from wizard.steps.base import EnterpriseCompared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier

POLL_SECONDS = 10.0
CONSENT_HOW = "in the vendor's console, sign in as an administrator and consent on behalf of the organization"


def find_enterprise_sp(graph: Any, name: str, tenant_id: str, chosen_app_id: str = "") -> dict | None:
    """The vendor's enterprise app: never the first display-name match (`wizard.consent.pick_enterprise_app`:
    only a multi-tenant app of another organisation; several: AmbiguousEnterpriseApp, exit 2)."""
    candidates = consent.enterprise_candidates(graph, name, tenant_id)
    return consent.pick_enterprise_app(candidates, name, chosen_app_id)


def _times(n: int) -> str:
    """'checked once', 'checked 3 times'."""
    return "checked once" if n == 1 else f"checked {n} times"


class EnterpriseAppWait(StepKind[EnterpriseCompared]):
    names = ("wait_enterprise_app",)

    def diff(self, given: EnterpriseCompared) -> list[Step]:
        if given.sp is not None:
            return []
        name = given.name
        if given.demo:  # nobody is to open the real console for the simulated tenant
            sentence = (f"Wait for the {name} enterprise application (demo: the simulated tenant does {name}'s "
                        "'Get Access Token' consent by itself in a few seconds)")
        else:
            sentence = (f"Wait for the {name} enterprise application: do the 'Get Access Token' consent in "
                        f"{name} Central Config now")
        return [Step("wait_enterprise_app", sentence, "wait_enterprise_app",
                     {"name": name, "hint": given.hint, "app_id": given.chosen_app_id, "demo": given.demo})]

    def apply(self, step: Step, run: Applier) -> str:
        """Poll (bounded) until the vendor's app appears after the admin's consent."""
        name = step.data["name"]
        waited, checks = 0.0, 0
        while True:
            checks += 1
            sp = find_enterprise_sp(run.graph, name, run.tenant_id, step.data.get("app_id", ""))
            if sp is not None:
                run.sp, run.sp_id = sp, sp["id"]
                return f"found, client ID {sp['appId']}"
            if waited + POLL_SECONDS > run.enterprise_app_wait:
                raise MicrosoftError(
                    f"The {name} enterprise application did not appear within {int(waited // 60)} minutes.",
                    next_step=step.data.get("hint") or "Do the vendor's consent, then run the wizard again.",
                )
            where = "the simulated tenant's own consent (demo)" if step.data.get("demo") else f"the consent in {name} Central Config"
            run.retrying(step, f"Not there yet ({_times(checks)}); waiting for {where}")
            run.clock.sleep(POLL_SECONDS, run.cancel)
            waited += POLL_SECONDS

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        profile = given.profile
        name = profile.enterprise_app_name
        # The profile's first note says how the vendor's console asks for the consent (the
        # follow-up steps are for after it, so they are not used here).
        return [
            ChecklistItem(f"Consent to {name} in the vendor's console",
                          [("How", profile.notes[0] if profile.notes else CONSENT_HOW)]),
            ChecklistItem(f"Find the {name} enterprise application", [("Search", name)],
                          enterprise_apps_link(portal=given.portal),
                          "Enterprise applications > All applications; open it and note its Application ID."),
        ]


KIND = EnterpriseAppWait()
