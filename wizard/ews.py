"""EWS for the innovaphone Calendar: the call it makes, Exchange Online's allow list, and the end of EWS.

    answer = ews.get_calendar(http, exchange_url, token, mailbox)   # EwsAnswer(ok, status, code, reason, blocked)
    ews.allow_commands(app_id, ews_enabled=None)                    # Exchange Online PowerShell, app id filled in
    ews.plan_note(client_id)                                        # what to do about the allow list, in words
    ews.uses_ews(profile)                                           # app-only EWS (an Exchange app role)?
    ews.token_check(http, exchange_url, token, mailbox, client_id)  # the token test's "EWS" Check

Today (December 2026) Exchange Online blocks EWS for every app that is not on the tenant's
allow list (since 1 October 2026), and EWS in Exchange Online ends for good on 1 April 2027
(https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-ews-exchange-online).

The call is the Calendar's first one, app-only
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth):
`POST <exchange host>/EWS/Exchange.asmx` with the app-only token for Exchange Online,
`X-AnchorMailbox: <mailbox>`, the `ExchangeImpersonation` SOAP header naming the mailbox and a
`GetFolder` of its calendar
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/getfolder-operation).
A request blocked by the EWS access controls is HTTP 403 with `X-EWS-Policy-Reason`
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange).

The allow list is `Set-OrganizationConfig -EwsAllowedAppIDs "<id>,<id>"`: one comma-separated
string that replaces the whole list (no `@{Add=…}` form for this parameter), read with
`Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy`; it restricts EWS only while
`EwsEnabled` is `$true`
(https://learn.microsoft.com/powershell/module/exchangepowershell/set-organizationconfig, -EwsAllowedAppIDs);
changes can take up to 24 hours. The token never appears in a message or a log.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from wizard.explain import plain_cause

BLOCKING_SINCE = "1 October 2026"
EWS_ENDS = "1 April 2027"
POLICY_DISABLED = "EWS is disabled for this user or tenant"
POLICY_BLOCKED = "EWS is blocked by policy for this user or tenant"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
ERRORS = "http://schemas.microsoft.com/exchange/services/2006/errors"


@dataclass(frozen=True)
class EwsAnswer:
    """What EWS said to the Calendar's first call, in plain words."""

    ok: bool
    status: int
    code: str      # "NoError", an EWS ResponseCode, "policy", "disabled", an x-ms-diagnostics number, "network"
    reason: str
    blocked: bool = False  # refused by the EWS access controls (allow list / EwsEnabled)


def allow_commands(app_id: str, ews_enabled: bool | None = None) -> list[str]:
    """Exchange Online PowerShell that puts `app_id` on the EWS allow list, keeping the apps on it.

    `ews_enabled` is what the wizard knows of EwsEnabled (None: not known or not set).
    """
    lines = [
        "Connect-ExchangeOnline",
        "$ids = @(((Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs -join ',') -split ','"
        " | ForEach-Object { $_.Trim() } | Where-Object { $_ })",
        f"Set-OrganizationConfig -EwsAllowedAppIDs ((@($ids) + '{app_id}' | Sort-Object -Unique) -join ',')",
    ]
    if ews_enabled is not True:
        lines += [
            "# EWS then answers only the apps on the list: put every app that still needs EWS on it first",
            "Set-OrganizationConfig -EwsEnabled $true",
        ]
    return lines


def allow_advice(app_id: str, ews_enabled: bool | None = None) -> str:
    """The sentence and the commands, for a plan note, the checklist or a failed token test."""
    return ("Allow the app on the EWS allow list in Exchange Online PowerShell (the list is replaced as a whole, "
            "so these lines keep the apps already on it; a change can take up to 24 hours):\n    "
            + "\n    ".join(allow_commands(app_id, ews_enabled)))


EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
NO_MAILBOX = "EWS: no mailbox was given, so the Calendar's EWS call was not made (give the mailbox: --set mailbox=…)"


def uses_ews(profile: Any) -> bool:
    """App-only EWS: the profile asks for an application permission of Exchange Online (full_access_as_app)."""
    return any(getattr(p, "type", "") == "application" and str(getattr(p, "resource_app_id", "")).lower() == EXCHANGE_APP_ID
               for p in getattr(profile, "permissions", ()) or ())


def token_check(http: Any, exchange_url: str, token: str, mailbox: str, client_id: str):
    """The token test's "EWS" check: the Calendar's GetFolder; "passed" means EWS answered."""
    from wizard.tokentest import Check

    answer = get_calendar(http, exchange_url, token, mailbox, app_id=client_id)
    return Check("EWS", answer.ok, answer.reason)


def plan_note(client_id: str = "") -> str:
    """The plan's and the result's sentence about the allow list (the dates are in the profile's notes)."""
    if not client_id:
        return ("Since " + BLOCKING_SINCE + " EWS answers only apps on the tenant's EWS allow list. The wizard cannot "
                "read that list (EwsEnabled, EwsAllowedAppIDs: could not check); after apply it prints the Exchange "
                "Online PowerShell that puts the new app on it, and the token test opens the mailbox's calendar over "
                "EWS to show whether Exchange Online lets the app in.")
    return ("EWS answers only apps on the tenant's EWS allow list (since " + BLOCKING_SINCE + "; EWS ends on "
            + EWS_ENDS + "). The wizard could not read the list (EwsEnabled, EwsAllowedAppIDs). " + allow_advice(client_id))


def request_body(mailbox: str) -> str:
    """The GetFolder of the mailbox's calendar, impersonating the mailbox (app-only EWS)."""
    smtp = escape(mailbox)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:t="{TYPES}" xmlns:m="{MESSAGES}">'
        '<soap:Header><t:RequestServerVersion Version="Exchange2013"/>'
        f'<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{smtp}</t:PrimarySmtpAddress>'
        '</t:ConnectingSID></t:ExchangeImpersonation></soap:Header>'
        '<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
        '<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder></soap:Body>'
        '</soap:Envelope>'
    )


def ews_url(exchange_url: str) -> str:
    return (exchange_url or "https://outlook.office365.com").rstrip("/") + "/EWS/Exchange.asmx"


def get_calendar(http: Any, exchange_url: str, token: str, mailbox: str, *, app_id: str = "",
                 ews_enabled: bool | None = None, timeout: float = 30.0) -> EwsAnswer:
    """Make the Calendar's first EWS call and say what EWS answered."""
    import httpx

    url = ews_url(exchange_url)
    try:
        response = http.post(url, content=request_body(mailbox).encode("utf-8"), timeout=timeout, headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/xml; charset=utf-8",
            "X-AnchorMailbox": mailbox,
            "Accept": "text/xml",
        })
    except httpx.HTTPError as exc:
        return EwsAnswer(False, 0, "network", f"EWS at {url} could not be reached ({plain_cause(exc)}).")
    return read_answer(response, mailbox, app_id, ews_enabled)


def read_answer(response: Any, mailbox: str, app_id: str = "", ews_enabled: bool | None = None) -> EwsAnswer:
    status = response.status_code
    policy = response.headers.get("X-EWS-Policy-Reason", "")
    if status == 403 and policy.strip().lower() == POLICY_BLOCKED.lower():
        return EwsAnswer(False, 403, "policy", (
            f"Exchange Online refused EWS for this app: it is not on the tenant's EWS allow list "
            f"(EwsAllowedAppIDs; Exchange said \"{policy}\"). Since {BLOCKING_SINCE} only apps on that list may use EWS. "
            + allow_advice(app_id or "<the app's client ID>", True if ews_enabled is None else ews_enabled)), True)
    if status == 403 and policy.strip().lower() == POLICY_DISABLED.lower():
        return EwsAnswer(False, 403, "disabled", (
            f"EWS is switched off for this tenant or for {mailbox} (EwsEnabled is False; Exchange said \"{policy}\"). "
            "Enabling it for the organization turns on the allow list: "
            + allow_advice(app_id or "<the app's client ID>", False)
            + f"\n  and check the mailbox: Get-CASMailbox -Identity {mailbox} | Format-List EwsEnabled"), True)
    if status == 403:
        return EwsAnswer(False, 403, "403", "Exchange Online answered 403 Forbidden to the EWS call"
                         + (f" ({policy})" if policy else "") + ".")
    if status == 401:
        diag = response.headers.get("x-ms-diagnostics", "")
        number = diag.split(";", 1)[0].strip()
        if number == "2000008":
            return EwsAnswer(False, 401, number, "Exchange Online found no permission in the app's token: "
                             "full_access_as_app is not granted (admin consent) or not in Microsoft's tokens yet.")
        return EwsAnswer(False, 401, number or "401", "Exchange Online did not accept the app's token for EWS"
                         + (f" ({diag})" if diag else "") + ".")
    try:
        envelope = ET.fromstring(response.content)
    except ET.ParseError:
        return EwsAnswer(False, status, str(status), f"EWS answered HTTP {status} without a SOAP envelope.")
    fault = envelope.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    if fault is not None:
        code = fault.findtext(f"detail/{{{ERRORS}}}ResponseCode") or (fault.findtext("faultcode") or "").split(":")[-1]
        fault_text = fault.findtext("faultstring") or ""
        return EwsAnswer(False, status, code, _fault_words(code, fault_text, mailbox))
    message = envelope.find(f".//{{{MESSAGES}}}GetFolderResponseMessage")
    if message is None:
        return EwsAnswer(False, status, str(status), f"EWS answered HTTP {status} without a GetFolder response.")
    code = message.findtext(f"{{{MESSAGES}}}ResponseCode") or ""
    if message.get("ResponseClass") == "Success" and code == "NoError":
        return EwsAnswer(True, status, code, f"EWS answered: the calendar of {mailbox} opened, as the Calendar will open it")
    return EwsAnswer(False, status, code, _fault_words(code, message.findtext(f"{{{MESSAGES}}}MessageText") or "", mailbox))


def _fault_words(code: str, message: str, mailbox: str) -> str:
    plain = {
        "ErrorNonExistentMailbox": f"{mailbox} has no mailbox in Exchange Online: enter a user with a mailbox.",
        "ErrorImpersonateUserDenied": (f"the app may not open {mailbox}: an application access policy or an RBAC for "
                                       "Applications scope leaves this mailbox out."),
        "ErrorAccessDenied": f"Exchange Online denied the app access to {mailbox}.",
        "ErrorInvalidExchangeImpersonationHeaderData": "Exchange Online wants the ExchangeImpersonation header for an app-only token.",
    }.get(code, "")
    said = f" (EWS: {code}" + (f", \"{message}\"" if message else "") + ")"
    return (plain or "EWS refused the call.") + said
