"""The client secret: the plan says whether a new one is needed (none yet, expired, or
expiring within `wizard.plan.EXPIRING_DAYS`), or notes the one that is valid.

Kind: `secret`. The applier lists the step but does not run it: the secret is created once,
afterwards, by `Setup.create_secret` (`wizard.secret`), so its value is shown to the person
exactly once (https://learn.microsoft.com/graph/api/application-addpassword).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.plan import Step, secret_state
from wizard.portal import MENU_SECRETS, PORTAL_EXPIRY, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier


def portal_expiry(months: int) -> str:
    """The "Expires" choice of "Add a client secret" for this lifetime."""
    return PORTAL_EXPIRY.get(months, f"Custom: {months} months from today (Entra allows at most 24)")


class ClientSecret(StepKind[Compared]):
    names = ("secret",)
    pending_detail = "created on the next screen"
    runs_in_apply = False

    def _state(self, given: Compared) -> tuple[str, str]:
        if given.app is None:
            return "none", f"Create a client secret valid {given.desired.secret_months} months (its value is shown once)"
        return secret_state(given.app, given.now)

    def diff(self, given: Compared) -> list[Step]:
        if not given.desired.secret_needed:
            return []
        state, sentence = self._state(given)
        return [] if state == "ok" else [Step("secret", sentence, "secret", {"state": state})]

    def notes(self, given: Compared) -> list[str]:
        if not given.desired.secret_needed:
            return []
        state, sentence = self._state(given)
        return [sentence] if state == "ok" else []

    def apply(self, step: Step, run: Applier) -> str:
        raise AssertionError("the client secret is created by Setup.create_secret, not by the applier")

    def verify_line(self, step: Step, vendor: str) -> str | None:
        return step.sentence.split(": ", 1)[0]

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        profile = given.profile
        if not profile.secret_needed:
            return []
        return [ChecklistItem(
            "Create a client secret",
            [("Description", f"{profile.id} secret"), ("Expires", portal_expiry(profile.secret_months(given.answers))),
             ("Copy", "the Value column (not the Secret ID), right away: it is shown only once")],
            given.link(MENU_SECRETS),
            given.opener + "Certificates & secrets > Client secrets > New client secret; Add. Note the expiry date.",
        )]


KIND = ClientSecret()
