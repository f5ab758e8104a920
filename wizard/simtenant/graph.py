"""Microsoft Graph v1.0 for the simulated tenant: authentication, routing, collections.

Every request under `/v1.0/` is checked the way Graph checks it:

1. `Authorization: Bearer <token>`: signature (the tenant's key), lifetime (the
   simulated clock), audience Microsoft Graph, this tenant. Otherwise 401
   `InvalidAuthenticationToken` (https://learn.microsoft.com/en-us/graph/errors).
2. The permission: the delegated token's `scp` or the app token's `roles` must
   hold one of the permissions the API's doc page lists, else 403
   `Authorization_RequestDenied` "Insufficient privileges to complete the operation."
3. For delegated writes, the signed-in user's directory role: app registrations
   and consent need Global Administrator, Application Administrator or Cloud
   Application Administrator; application permissions for Microsoft Graph need
   Global Administrator
   (https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference#application-administrator).

The resource handlers live in `graph_directory`, `graph_apps`, `graph_sps`,
`graph_grants`; this module holds what they share.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlencode

import httpx
import jwt

from wizard.simtenant import catalog, odata
from wizard.simtenant.responses import GraphFailure, RequestContext, graph_error, graph_json

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

# Permission sets, from each API's "Permissions" table on learn.microsoft.com/graph/api/…
# (least privileged first; any one of them is enough).
PERMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # name: (delegated scopes, application roles)
    "me": (frozenset({"User.Read", "User.ReadWrite", "User.Read.All", "User.ReadWrite.All",
                      "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}),
           frozenset()),
    "memberOf": (frozenset({"User.Read", "Directory.Read.All", "Directory.ReadWrite.All",
                            "GroupMember.Read.All"}), frozenset()),
    "organization": (frozenset({"User.Read", "Organization.Read.All", "Organization.ReadWrite.All",
                                "Directory.Read.All", "Directory.ReadWrite.All"}),
                     frozenset({"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All",
                                "Directory.ReadWrite.All"})),
    "users": (frozenset({"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
                         "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}),
              frozenset({"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"})),
    "apps.read": (frozenset({"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All",
                             "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}),
                  frozenset({"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy",
                             "Directory.Read.All", "Directory.ReadWrite.All"})),
    "apps.write": (frozenset({"Application.ReadWrite.All", "Directory.ReadWrite.All",
                              "Directory.AccessAsUser.All"}),
                   frozenset({"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"})),
    "grants.read": (frozenset({"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All",
                               "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}),
                    frozenset({"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All",
                               "Directory.Read.All", "Directory.ReadWrite.All"})),
    "grants.write": (frozenset({"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All",
                                "Directory.AccessAsUser.All"}),
                     frozenset({"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"})),
    "assignments.read": (frozenset({"Application.Read.All", "Application.ReadWrite.All",
                                    "AppRoleAssignment.ReadWrite.All", "Directory.Read.All",
                                    "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}),
                         frozenset({"Application.Read.All", "Application.ReadWrite.All",
                                    "AppRoleAssignment.ReadWrite.All", "Directory.Read.All",
                                    "Directory.ReadWrite.All"})),
    # POST appRoleAssignedTo: "AppRoleAssignment.ReadWrite.All and Application.Read.All"
    "assignments.write": (frozenset({"AppRoleAssignment.ReadWrite.All"}),
                          frozenset({"AppRoleAssignment.ReadWrite.All"})),
}
INSUFFICIENT = "Insufficient privileges to complete the operation."


@dataclass
class Caller:
    """Who is calling Graph, from the verified access token."""

    kind: str                       # "user" | "app"
    permissions: frozenset[str]     # scp values (user) or roles (app)
    client_app_id: str
    user: dict | None = None
    role_templates: frozenset[str] = frozenset()
    claims: dict = field(default_factory=dict)


@dataclass
class Call:
    """One Graph request as the handlers see it."""

    ctx: RequestContext
    caller: Caller
    match: re.Match
    params: dict[str, str]
    path: str                       # path after /v1.0, decoded
    _body: object = field(default=None, repr=False)
    _parsed: bool = False

    def body(self) -> dict:
        """The JSON body; 400 BadRequest when it is not a JSON object."""
        if not self._parsed:
            raw = self.ctx.request.content
            try:
                self._body = json.loads(raw.decode("utf-8")) if raw else None
            except (ValueError, UnicodeDecodeError):
                raise GraphFailure(400, "BadRequest", "Unable to read JSON request payload. Please ensure "
                                   "Content-Type header is set and payload is of valid JSON format.")
            self._parsed = True
        if not isinstance(self._body, dict):
            raise GraphFailure(400, "BadRequest", "Empty Payload. JSON content expected.")
        return self._body

    @property
    def base(self) -> str:
        return f"{self.ctx.base_url}/v1.0"

    def context_url(self, fragment: str) -> str:
        return f"{self.base}/$metadata#{fragment}"

    def header(self, name: str) -> str:
        return self.ctx.request.headers.get(name, "")


Handler = Callable[[Call], httpx.Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    permission: str


def not_found(key: str) -> GraphFailure:
    return GraphFailure(404, "Request_ResourceNotFound",
                        f"Resource '{key}' does not exist or one of its queried reference-property objects are "
                        "not present.")


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphFailure:
    return GraphFailure(400, code, message)


def unquote_key(value: str) -> str:
    """The value of an OData key literal: `'O''Brien'` -> `O'Brien`."""
    return value.replace("''", "'")


class GraphApi:
    """Dispatches `/v1.0/…` requests to the resource handlers."""

    def __init__(self, sim: "SimTenant") -> None:
        from wizard.simtenant import graph_apps, graph_directory, graph_grants, graph_sps

        self.sim = sim
        self.routes: list[Route] = []
        for module in (graph_directory, graph_apps, graph_sps, graph_grants):
            for method, pattern, handler, permission in module.routes(sim):
                # Entity sets, navigation properties, key names, casts and actions resolve
                # case-insensitively: /Applications, /me/MemberOf, applications(appid='…').
                self.routes.append(Route(method, re.compile(f"^{pattern}$", re.IGNORECASE), handler, permission))

    def handle(self, ctx: RequestContext, path: str) -> httpx.Response:
        try:
            return self._dispatch(ctx, path)
        except GraphFailure as failure:
            return graph_error(ctx, failure.status, failure.code, failure.message, failure.headers)
        except odata.QueryError as failure:
            return graph_error(ctx, 400, failure.code, failure.message)

    def _dispatch(self, ctx: RequestContext, path: str) -> httpx.Response:
        method = ctx.request.method.upper()
        candidates = [(r, m) for r in self.routes if (m := r.pattern.match(path))]
        if not candidates:
            segment = path.strip("/").split("/")[0] or "v1.0"
            raise GraphFailure(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
        found = next(((r, m) for r, m in candidates if r.method == method), None)
        if found is None:
            raise GraphFailure(405, "Request_BadRequest",
                               f"The request method '{method}' is not allowed on '{path}'.")
        route, match = found
        caller = self.authenticate(ctx)
        self.authorize(caller, route.permission)
        params = query_options(ctx.request)
        call = Call(ctx=ctx, caller=caller, match=match, params=params, path=path)
        return route.handler(call)

    # ---- OpenID Connect UserInfo -----------------------------------------------------------
    def userinfo(self, ctx: RequestContext) -> httpx.Response:
        """`GET`/`POST /oidc/userinfo` on the Graph host, the `userinfo_endpoint` of the OpenID
        configuration (https://learn.microsoft.com/en-us/entra/identity-platform/userinfo).

        A Graph access token of a signed-in user with the `openid` scope; `sub` is the one of the
        app's ID token; `name`, `family_name`, `given_name`, `picture` with `profile`, `email` with
        `email` (when the user has one). Plain JSON, not an OData payload.
        """
        try:
            method = ctx.request.method.upper()
            if method not in ("GET", "POST"):
                raise GraphFailure(405, "Request_BadRequest",
                                   f"The request method '{method}' is not allowed on '/oidc/userinfo'.")
            caller = self.authenticate(ctx)
            if caller.kind != "user" or caller.user is None \
                    or "openid" not in {p.lower() for p in caller.permissions}:
                raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)
        except GraphFailure as failure:
            return graph_error(ctx, failure.status, failure.code, failure.message, failure.headers)
        from wizard.simtenant import tokens

        user, scopes = caller.user, {p.lower() for p in caller.permissions}
        body: dict = {"sub": tokens.pairwise_sub(user["id"], str(caller.client_app_id).lower())}
        if "profile" in scopes:
            body["name"] = user.get("displayName")
            body["family_name"] = user.get("surname")
            body["given_name"] = user.get("givenName")
            body["picture"] = f"{ctx.base_url}/v1.0/me/photo/$value"
        if "email" in scopes and user.get("mail"):
            body["email"] = user["mail"]
        body = {k: v for k, v in body.items() if v is not None}
        headers = ctx.graph_headers()
        headers["Content-Type"] = "application/json; charset=utf-8"
        return httpx.Response(200, headers=headers, content=json.dumps(body).encode("utf-8"))

    # ---- authentication and permissions -------------------------------------------------
    def authenticate(self, ctx: RequestContext) -> Caller:
        header = ctx.request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise GraphFailure(401, "InvalidAuthenticationToken", "Access token is empty.",
                               {"WWW-Authenticate": self._challenge()})
        token = header[7:].strip()
        try:
            claims = self.sim.signer.verify(token, ctx.now)
        except jwt.ExpiredSignatureError:
            raise GraphFailure(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.",
                               {"WWW-Authenticate": self._challenge()})
        except jwt.InvalidTokenError:
            raise GraphFailure(401, "InvalidAuthenticationToken",
                               "IDX14100: JWT is not well formed, there are no dots (.) or the signature is invalid.",
                               {"WWW-Authenticate": self._challenge()})
        aud = str(claims.get("aud", "")).rstrip("/")
        if aud not in (catalog.GRAPH_APP_ID, catalog.GRAPH_RESOURCE):
            raise GraphFailure(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.",
                               {"WWW-Authenticate": self._challenge()})
        state = self.sim.state
        if claims.get("tid") != state.tenant_id:
            raise GraphFailure(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid issuer.",
                               {"WWW-Authenticate": self._challenge()})
        if claims.get("idtyp") == "app" or "scp" not in claims:
            return Caller("app", frozenset(claims.get("roles", [])), claims.get("appid", ""))
        user = state.users.get(claims.get("oid", ""))
        if user is None:
            raise GraphFailure(401, "InvalidAuthenticationToken", "Access token validation failure. User not found.",
                               {"WWW-Authenticate": self._challenge()})
        return Caller("user", frozenset(str(claims["scp"]).split()), claims.get("appid", ""), user,
                      frozenset(state.user_role_templates(user["id"])), claims)

    @staticmethod
    def _challenge() -> str:
        return ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                f'client_id="{catalog.GRAPH_APP_ID}"')

    @staticmethod
    def authorize(caller: Caller, permission: str) -> None:
        delegated, application = PERMS[permission]
        if caller.kind == "app" and not application:  # only the /me routes: they need a signed-in user
            raise GraphFailure(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        allowed = delegated if caller.kind == "user" else application
        if not caller.permissions & allowed:
            raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)
        if permission == "assignments.write" and not caller.permissions & PERMS["apps.read"][
                0 if caller.kind == "user" else 1]:
            raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)


# OData system query options Graph knows. Their names are case-insensitive ($FILTER, $Select) and,
# on the directory APIs this tenant simulates, the `$` prefix may be left out (filter=, select=):
# https://learn.microsoft.com/en-us/graph/query-parameters ("On the v1.0 endpoint, the $ prefix is
# optional for only a subset of APIs"), OData 4.01 URL conventions section 5.
SYSTEM_QUERY_OPTIONS = ("filter", "select", "top", "skiptoken", "count", "orderby", "search", "expand", "skip",
                        "format")


def query_options(request: httpx.Request) -> dict[str, str]:
    """The query string with system query options under their canonical names (`$filter`, …).

    A system query option given twice (also as `$filter` and `filter`) is a 400, as in OData;
    other names (custom query options) pass through unchanged and are ignored by the handlers.
    """
    params: dict[str, str] = {}
    for key, value in request.url.params.multi_items():
        low = key.lower()
        bare = low[1:] if low.startswith("$") else low
        name = f"${bare}" if bare in SYSTEM_QUERY_OPTIONS else key
        if name in params and name.startswith("$"):
            raise odata.QueryError(f"Query option '{name}' was specified more than once, but it must be specified "
                                   "at most once.", "BadRequest")
        params[name] = value
    return params


def require_writer(call: Call) -> None:
    """Delegated writes to apps and consent need an application-managing directory role."""
    if call.caller.kind == "user" and not call.caller.role_templates & catalog.APP_WRITER_ROLES:
        raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)


ORDERBY_DEFAULT = {"user": {"displayName", "userPrincipalName"}}  # others: advanced queries only
ORDERBY_ADVANCED = {"application": {"displayName", "createdDateTime"},
                    "servicePrincipal": {"displayName", "createdDateTime"},
                    "user": {"displayName", "userPrincipalName", "createdDateTime"}}
SEARCHABLE = {"application": frozenset({"displayName", "description"}),
              "servicePrincipal": frozenset({"displayName", "description"}),
              "user": frozenset({"displayName", "mail", "userPrincipalName", "givenName", "surname"})}


def collection(call: Call, items: list[dict], spec: odata.Filterable, context: str,
               visible: Callable[[dict], bool], known: set[str] | None = None,
               hidden: frozenset[str] = frozenset()) -> httpx.Response:
    """List a collection with `$filter`, `$select`, `$top`, `$count`, `$orderby`, `$search` and
    `@odata.nextLink` paging.

    https://learn.microsoft.com/en-us/graph/paging, https://learn.microsoft.com/en-us/graph/query-parameters,
    https://learn.microsoft.com/en-us/graph/aad-advanced-queries: `$count=true` without
    `ConsistencyLevel: eventual` is silently ignored (no `@odata.count`); `@odata.count` is only
    on the first page; `$search`, `$orderby` on applications and service principals, and
    `$filter` with `$orderby` need the advanced query parameters.
    """
    params = call.params
    consistency = call.header("ConsistencyLevel").lower() == "eventual"
    for option in params:
        if option.startswith("$") and option not in ("$filter", "$select", "$top", "$skiptoken", "$count",
                                                     "$orderby", "$search"):
            raise odata.QueryError(f"Query option '{option}' is not supported by the simulated tenant "
                                   f"on '{call.path}'.")
    if "$count" in params and params["$count"].lower() not in ("true", "false"):
        raise odata.QueryError(f"Invalid value '{params['$count']}' for $count: true or false.", "BadRequest")
    advanced = consistency and params.get("$count", "").lower() == "true"
    count = advanced
    predicate = None
    if "$filter" in params:
        predicate = odata.compile_filter(params["$filter"], spec, advanced)
    if "$search" in params:
        if not consistency:
            raise odata.QueryError("Request with $search query parameter only works through MSGraph with a special "
                                   "request header: 'ConsistencyLevel: eventual'")
        searched = odata.compile_search(params["$search"], SEARCHABLE.get(spec.resource, frozenset()),
                                        spec.resource)
        predicate = searched if predicate is None else (lambda obj, a=predicate, b=searched: a(obj) and b(obj))
    select = odata.parse_select(params.get("$select"), known or set().union(*[set(i) for i in items]) or set(),
                                spec.resource)
    top = odata.parse_top(params.get("$top"))
    offset = odata.decode_skiptoken(params["$skiptoken"]) if "$skiptoken" in params else 0
    matched = [i for i in items if predicate is None or predicate(i)]
    matched = [i for i in matched if visible(i)]
    if "$orderby" in params:
        field_name, _, direction = params["$orderby"].strip().partition(" ")
        allowed = ORDERBY_ADVANCED if advanced else ORDERBY_DEFAULT
        field_name = odata.canonical(field_name, allowed.get(spec.resource, set())) or ""
        if direction.strip().lower() not in ("", "asc", "desc") \
                or not field_name \
                or ("$filter" in params and not advanced):
            raise odata.QueryError("Sorting not supported for current query.")
        matched.sort(key=lambda i: (i.get(field_name) or "").lower(), reverse=direction.strip().lower() == "desc")
    page = matched[offset:offset + top]
    body: dict = {"@odata.context": call.context_url(odata.context_with_select(context, select))}
    if count and "$skiptoken" not in params:
        body["@odata.count"] = len(matched)
    if offset + top < len(matched):
        rest = {k: v for k, v in params.items() if k != "$skiptoken"}
        rest["$skiptoken"] = odata.encode_skiptoken(offset + top)
        body["@odata.nextLink"] = f"{call.base}/{call.path.lstrip('/')}?{urlencode(rest, safe='$,')}"
    body["value"] = [odata.project(i, select, hidden) for i in page]
    return graph_json(call.ctx, body)


def count_segment(call: Call, items: list[dict], visible: Callable[[dict], bool]) -> httpx.Response:
    """`GET /applications/$count`: the number as text/plain, with `ConsistencyLevel: eventual` only
    (https://learn.microsoft.com/en-us/graph/aad-advanced-queries#error-handling-for-advanced-queries-on-directory-objects)."""
    if call.header("ConsistencyLevel").lower() != "eventual":
        raise GraphFailure(400, "Request_BadRequest", "$count is not currently supported.")
    headers = call.ctx.graph_headers()
    headers["Content-Type"] = "text/plain"
    return httpx.Response(200, headers=headers, content=str(sum(1 for i in items if visible(i))).encode())


def single(call: Call, obj: dict, context: str, known: set[str] | None = None,
           status: int = 200, headers: dict | None = None, hidden: frozenset[str] = frozenset()) -> httpx.Response:
    """One entity, with `$select` applied and its `@odata.context`; `hidden` properties (Graph's
    "returned only on $select") are left out unless `$select` names them."""
    select = odata.parse_select(call.params.get("$select"), known or set(obj), context.split("/")[0])
    body = {"@odata.context": call.context_url(odata.context_with_select(context, select)),
            **odata.project(obj, select, hidden)}
    return graph_json(call.ctx, body, status, headers)
