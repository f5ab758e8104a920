"""Exchange Online's EWS endpoint (`POST /EWS/Exchange.asmx`), as far as the innovaphone Calendar's
first call goes, and the organization's EWS settings.

Sources:
- the GetFolder operation and its response
  (https://learn.microsoft.com/exchange/client-developer/web-service-reference/getfolder-operation,
  .../getfolderresponsemessage): `GetFolderResponseMessage ResponseClass="Success"`,
  `ResponseCode` NoError, the folder under `Folders`;
- app-only OAuth (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth):
  a token for `https://outlook.office365.com` with the `full_access_as_app` role, the
  `ExchangeImpersonation` SOAP header naming the mailbox and `X-AnchorMailbox`; without the
  header Exchange answers the fault ErrorInvalidExchangeImpersonationHeaderData
  ("ExchangeImpersonation SOAP header must be present for this type of OAuth token.");
  an impersonated address with no mailbox is ErrorNonExistentMailbox. Faults are SOAP 1.1
  `s:Fault` with `a:<code>` in the types namespace and `e:ResponseCode` in the errors namespace,
  as Exchange sends them;
- the EWS access controls and their HTTP 403
  (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange,
  "Understand HTTP 403 responses in Exchange Online"): `X-EWS-Policy-Reason:
  EWS is disabled for this user or tenant` (EwsEnabled False) or `EWS is blocked by policy for this
  user or tenant` (EwsEnabled True and the app not in EwsAllowedAppIDs, which "only applications
  specified by this parameter can access"; Set-OrganizationConfig -EwsAllowedAppIDs). EwsEnabled
  not set ($null): the list has no effect (Set-OrganizationConfig) and EWS answers: the demo
  tenant is one Microsoft has not switched to False yet;
- a token without the role: 401 with `x-ms-diagnostics: 2000008;reason="The token contains no
  permissions, or permissions can not be understood.";error_category="invalid_grant"`.

The organization's settings are `state.ews_enabled` (True / False / None) and
`state.ews_allowed_app_ids`, from the scenario flags `ews_enabled` and `ews_allowed_app_ids`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import httpx
import jwt

from wizard.simtenant import catalog
from wizard.simtenant.responses import RequestContext

PATH = "/ews/exchange.asmx"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
ERRORS = "http://schemas.microsoft.com/exchange/services/2006/errors"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
DISABLED = "EWS is disabled for this user or tenant"
BLOCKED = "EWS is blocked by policy for this user or tenant"


def is_ews(path: str) -> bool:
    return path.lower().rstrip("/") == PATH


def handle(sim, ctx: RequestContext) -> httpx.Response:
    request = ctx.request
    state = sim.state
    if request.method != "POST":
        return httpx.Response(405, headers={"Allow": "POST"})
    claims = _claims(sim, ctx)
    if isinstance(claims, httpx.Response):
        return claims
    app_id = str(claims.get("appid", "")).lower()
    if state.ews_enabled is False:
        return httpx.Response(403, headers={"X-EWS-Policy-Reason": DISABLED})
    if state.ews_enabled is True and app_id not in {a.lower() for a in state.ews_allowed_app_ids}:
        return httpx.Response(403, headers={"X-EWS-Policy-Reason": BLOCKED})
    app_only = claims.get("idtyp") == "app" or "scp" not in claims
    if app_only and "full_access_as_app" not in (claims.get("roles") or []):
        return _unauthorized("2000008", "The token contains no permissions, or permissions can not be understood.",
                             "invalid_grant")
    try:
        envelope = ET.fromstring(request.content)
    except ET.ParseError:
        return _fault("ErrorSchemaValidation", "The request failed schema validation: Data at the root level is invalid.")
    smtp = envelope.findtext(f"{{{SOAP}}}Header/{{{TYPES}}}ExchangeImpersonation/{{{TYPES}}}ConnectingSID/"
                             f"{{{TYPES}}}PrimarySmtpAddress")
    if app_only and not smtp:
        return _fault("ErrorInvalidExchangeImpersonationHeaderData",
                      "ExchangeImpersonation SOAP header must be present for this type of OAuth token.")
    user = state.user(smtp.strip()) if smtp else None
    if user is None or not user.get("mail"):
        return _fault("ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it.", smtp or "")
    get_folder = envelope.find(f"{{{SOAP}}}Body/{{{MESSAGES}}}GetFolder")
    folder = get_folder.find(f"{{{MESSAGES}}}FolderIds/{{{TYPES}}}DistinguishedFolderId") if get_folder is not None else None
    if folder is None:
        return _fault("ErrorInvalidRequest", "The request is invalid.")
    sim.ews_calls.append({"mailbox": user["mail"], "folder": folder.get("Id", ""), "app_id": app_id,
                          "anchor": request.headers.get("X-AnchorMailbox", "")})
    kind = "CalendarFolder" if folder.get("Id") == "calendar" else "Folder"
    folder_id = f"AAMk{user['id'].replace('-', '')[:24]}{folder.get('Id', '')}"
    body = (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}"><s:Header>'
        f'<h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="8000" MinorBuildNumber="0" '
        f'Version="V2018_01_08" xmlns:h="{TYPES}" xmlns="{TYPES}"/></s:Header>'
        f'<s:Body><m:GetFolderResponse xmlns:m="{MESSAGES}" xmlns:t="{TYPES}"><m:ResponseMessages>'
        f'<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f'<m:Folders><t:{kind}><t:FolderId Id="{folder_id}" ChangeKey="AgAAABYAAAA="/></t:{kind}></m:Folders>'
        f'</m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>'
    )
    return httpx.Response(200, headers={"Content-Type": "text/xml; charset=utf-8"}, content=body.encode("utf-8"))


def _claims(sim, ctx: RequestContext) -> dict | httpx.Response:
    header = ctx.request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        return _unauthorized("2000000", "The Authorization header is missing or empty.", "invalid_request")
    try:
        claims = sim.signer.verify(header[7:].strip(), ctx.now)
    except jwt.ExpiredSignatureError:
        return _unauthorized("2000003", "The token has expired.", "invalid_token")
    except jwt.InvalidTokenError:
        return _unauthorized("2000001", "The token is not valid.", "invalid_token")
    aud = str(claims.get("aud", "")).rstrip("/")
    if aud not in (catalog.EXCHANGE_RESOURCE, EXCHANGE_APP_ID) or claims.get("tid") != sim.state.tenant_id:
        return _unauthorized("2000001", "The audience claim value is invalid.", "invalid_token")
    return claims


def _unauthorized(number: str, reason: str, category: str) -> httpx.Response:
    return httpx.Response(401, headers={
        "WWW-Authenticate": f'Bearer client_id="{EXCHANGE_APP_ID}", '
                            'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                            f'error="{category}"',
        "x-ms-diagnostics": f'{number};reason="{reason}";error_category="{category}"',
    })


def _fault(code: str, message: str, smtp: str = "") -> httpx.Response:
    extra = (f'<t:MessageXml xmlns:t="{TYPES}"><t:Value Name="SmtpAddress">{escape(smtp)}</t:Value></t:MessageXml>'
             if smtp else "")
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="{TYPES}">a:{code}</faultcode><faultstring xml:lang="en-US">{message}</faultstring>'
        f'<detail><e:ResponseCode xmlns:e="{ERRORS}">{code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{ERRORS}">{message}</e:Message>{extra}</detail>'
        f'</s:Fault></s:Body></s:Envelope>'
    )
    return httpx.Response(500, headers={"Content-Type": "text/xml; charset=utf-8"}, content=body.encode("utf-8"))
