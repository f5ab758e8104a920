"""Exchange Online's Autodiscover V2 (the JSON endpoint), as the tenant's mailboxes answer it.

    GET /autodiscover/autodiscover.json/v1.0/{email}?Protocol=AutodiscoverV1
    GET /autodiscover/autodiscover.json?Email={email}&Protocol=AutodiscoverV1

Anonymous (no token is read). Sources: the innovaphone guide (vendor-docs/002, "Finding an
alternative Autodiscover server": the request and the answer
`{"Protocol":"AutodiscoverV1","Url":"https://outlook.office365.com/autodiscover/autodiscover.xml"}`),
and, for the failures Microsoft publishes no JSON page for, Exchange's own shapes:
- a mailbox of this tenant (by mail or user principal name, any case): 200,
  `{"Protocol": <canonical spelling>, "Url": <this host>/…}`;
- any other address: 302 to that domain's own Autodiscover (`https://autodiscover.<domain>/
  autodiscover/autodiscover.json/v1.0/<email>?Protocol=…&RedirectCount=1`), the redirect rule
  of [MS-OXDSCLI] 3.2.5 ("it SHOULD send a 302 Redirect response with the Location header set
  to the new URL"). Real Exchange Online may instead answer 200 for an unknown address in one
  of its accepted domains; the simulator is stricter so that a client sees the failure;
- a `Protocol` Autodiscover V2 does not serve (or none): 400
  `{"ErrorCode": "InvalidProtocol", "ErrorMessage": "The given protocol value '…' is invalid.
  Supported values are '…'"}`, as Exchange words it;
- not an email address: 400 `{"ErrorCode": "InvalidUser", …}`;
- another method than GET: 405 with `Allow: GET`.
The Url is on the host that was asked, so an in-process demo or a loopback simulator names
itself (nothing points at Microsoft).
"""

from __future__ import annotations

import json
from email.utils import formatdate
from urllib.parse import quote, unquote

import httpx

from wizard.simtenant.responses import RequestContext

PREFIX = "/autodiscover/autodiscover.json"
# Protocol (lower case) → (canonical spelling, path of the service on the Exchange host).
PROTOCOLS = {
    "autodiscoverv1": ("AutodiscoverV1", "/autodiscover/autodiscover.xml"),
    "ews": ("Ews", "/EWS/Exchange.asmx"),
    "activesync": ("ActiveSync", "/Microsoft-Server-ActiveSync"),
    "rest": ("Rest", "/api"),
}


def is_autodiscover(path: str) -> bool:
    return path.lower().rstrip("/") == PREFIX or path.lower().startswith(PREFIX + "/")


def handle(state, ctx: RequestContext) -> httpx.Response:
    request = ctx.request
    if request.method != "GET":
        return _json(ctx, 405, {"ErrorCode": "MethodNotAllowed",
                                "ErrorMessage": f"The HTTP method '{request.method}' is not allowed."},
                     {"Allow": "GET"})
    params = {k.lower(): v for k, v in request.url.params.multi_items()}
    rest = request.url.path[len(PREFIX):].strip("/")
    if rest.lower().startswith("v1.0/"):
        email = unquote(rest[len("v1.0/"):])
    else:
        email = params.get("email", "")
    given = params.get("protocol", "")
    protocol = PROTOCOLS.get(given.lower())
    if protocol is None:
        supported = ",".join(name for name, _ in PROTOCOLS.values())
        return _json(ctx, 400, {"ErrorCode": "InvalidProtocol",
                                "ErrorMessage": f"The given protocol value '{given}' is invalid. "
                                                f"Supported values are '{supported}'"})
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain):
        return _json(ctx, 400, {"ErrorCode": "InvalidUser",
                                "ErrorMessage": f"The given SMTP address '{email}' is invalid."})
    name, service_path = protocol
    if _has_mailbox(state, email):
        return _json(ctx, 200, {"Protocol": name, "Url": f"{ctx.base_url}{service_path}"})
    location = (f"https://autodiscover.{domain.lower()}{PREFIX}/v1.0/{quote(email, safe='@')}"
                f"?Protocol={name}&RedirectCount=1")
    headers = _headers(ctx)
    headers["Location"] = location
    headers.pop("Content-Type", None)
    return httpx.Response(302, headers=headers)


def _has_mailbox(state, email: str) -> bool:
    low = email.lower()
    return any(user.get("mail") and low in {str(user.get("mail", "")).lower(),
                                            str(user.get("userPrincipalName", "")).lower()}
               for user in state.users.values())


def _headers(ctx: RequestContext) -> dict:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "request-id": ctx.request_id,
        "Date": formatdate(ctx.now, usegmt=True),
        "Cache-Control": "private",
    }


def _json(ctx: RequestContext, status: int, body: dict, extra: dict | None = None) -> httpx.Response:
    headers = _headers(ctx)
    headers.update(extra or {})
    return httpx.Response(status, headers=headers, content=json.dumps(body).encode("utf-8"))
