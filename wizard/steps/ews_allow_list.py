"""Exchange Online's EWS allow list, for app-only EWS (innovaphone's full_access_as_app).

Since 1 October 2026 Exchange Online answers EWS only for apps on the tenant's allow list
(`Set-OrganizationConfig -EwsAllowedAppIDs`), and EWS ends on 1 April 2027 (`wizard.ews`
cites Microsoft). Graph cannot read or write that list, so this kind makes no step: it adds
the plan note (with the PowerShell once the app id is known), the checklist item for doing it
in Exchange Online PowerShell, and `ews_check`, the token test's real EWS call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard import ews, tokentest
from wizard.apply import DONE, FAILED, RUNNING, StepProgress
from wizard.permissions import APPLICATION
from wizard.portal import ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.vendor_kinds.base import Emit


def ews_check(http: Any, exchange_url: str, client_id: str, token: str, mailbox: str, emit: Emit) -> tokentest.Check:
    """The Calendar's first EWS call (GetFolder of the mailbox's calendar), shown as a step:
    'passed' means EWS answered (`wizard.ews.token_check`)."""
    sentence = f"Open the calendar of {mailbox} over EWS, as the Calendar does"
    if not mailbox:
        return tokentest.Check("EWS", False, "no mailbox to open over EWS")
    emit(StepProgress("ews", sentence, RUNNING))
    check = ews.token_check(http, exchange_url, token, mailbox, client_id)
    emit(StepProgress("ews", sentence, DONE if check.ok else FAILED, "" if check.ok else check.reason.split("\n")[0]))
    return check


class EwsAllowList(StepKind[Compared]):
    names = ()  # nothing Graph can change: a note, a checklist item, a token-test check

    def notes(self, given: Compared) -> list[str]:
        if not ews.uses_ews(given.desired):  # its permissions: an Exchange Online app role
            return []
        return [ews.plan_note(given.app.get("appId", "") if given.app else "")]

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        profile = given.profile
        if not (profile.admin_consent and any(p.resource == "exchange" and p.type == APPLICATION
                                              for p in profile.permissions)):
            return []
        commands = ews.allow_commands(given.client_id or "<Application (client) ID>")
        return [ChecklistItem(
            "Put the app on Exchange Online's EWS allow list (Exchange Online PowerShell)",
            [(f"Line {n}", line) for n, line in enumerate(commands, 1)], "",
            f"Since {ews.BLOCKING_SINCE} EWS answers only apps on the allow list (EwsAllowedAppIDs); EWS ends on "
            f"{ews.EWS_ENDS}. The list is replaced as a whole, so these lines keep the apps already on it; "
            "a change can take up to 24 hours.",
        )]


KIND = EwsAllowList()
