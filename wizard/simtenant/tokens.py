"""Scopes in, claims out: what goes into the tenant's access and id tokens.

Microsoft's rules the simulator follows:

- One token is for one resource. Scopes name it by identifier URI or appId
  (`https://graph.microsoft.com/User.Read`); an unqualified scope (`User.Read`)
  means Microsoft Graph; asking for two resources at once is AADSTS28000
  (https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc).
- Access tokens for Microsoft Graph and Exchange Online are v1.0 tokens: issuer
  `https://sts.windows.net/{tid}/`, `appid`, `scp` (delegated) or `roles` (app-only),
  `aud` = the resource as the client named it
  (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference).
- id tokens are v2.0: issuer `{authority host}/{tid}/v2.0`, `aud` = the client id
  (https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from wizard.simtenant import catalog
from wizard.simtenant.responses import IdentityFailure
from wizard.simtenant.state import TenantState

ACCESS_TOKEN_SECONDS = 3599


@dataclass
class ScopeRequest:
    """The scopes of one token request, resolved against the tenant."""

    resource_sp: dict | None          # the resource's service principal (None: only OIDC scopes)
    audience: str                     # `aud`: the resource as the client named it
    names: list[str]                  # permission values, e.g. ["User.Read"]
    default: bool                     # "<resource>/.default"
    oidc: set[str]                    # openid, profile, email, offline_access
    requested: list[str]              # the non-OIDC scopes in the form the client sent them

    def resource(self) -> dict:
        """`resource_sp`, for a request known to name a resource (not only OIDC scopes)."""
        if self.resource_sp is None:
            raise RuntimeError(f"scopes {self.requested} name no resource")
        return self.resource_sp


def split_scopes(raw: str | None) -> list[str]:
    return [s for s in (raw or "").split() if s]


def resolve(state: TenantState, scopes: list[str], graph_aliases: tuple[str, ...] = ()) -> ScopeRequest:
    """Work out which resource and permissions a scope list asks for.

    `graph_aliases`: other URLs that name Microsoft Graph here (the simulator's own Graph URL), so a
    client that derives the resource from the endpoint it calls (`{graph endpoint}/.default`) gets a
    Graph token, as it would naming https://graph.microsoft.com on Microsoft's cloud."""
    aliases = {a.rstrip("/").lower() for a in graph_aliases}
    scopes = [f"{catalog.GRAPH_RESOURCE}/{s.rpartition('/')[2]}"
              if "/" in s and s.rpartition("/")[0].rstrip("/").lower() in aliases else s for s in scopes]
    # Scope values are matched without regard to case: the device-code doc's own example asks for
    # `user.read` (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code).
    oidc = {s.lower() for s in scopes if s.lower() in catalog.OIDC_SCOPES}
    rest = [s for s in scopes if s.lower() not in catalog.OIDC_SCOPES]
    resource_sp, audience, names, default = None, "", [], False
    for scope in rest:
        prefix, name = _split_resource(scope)
        sp: dict | None
        if prefix is None:
            sp = state.graph_sp()
            aud = catalog.GRAPH_APP_ID
        else:
            sp = state.sp_by_name(prefix)
            if sp is None:
                raise IdentityFailure(
                    400, "invalid_resource", 500011,
                    f"The resource principal named {prefix} was not found in the tenant named "
                    f"{state.display_name}. This can happen if the application has not been installed by the "
                    "administrator of the tenant or consented to by any user in the tenant. You might have sent "
                    "your authentication request to the wrong tenant.")
            aud = prefix.rstrip("/")
        if resource_sp is not None and sp["id"] != resource_sp["id"]:
            raise IdentityFailure(400, "invalid_scope", 28000,
                                  "Provided value for the input parameter scope is not valid because it contains "
                                  "more than one resource. Scope " + " ".join(scopes) + " is not valid.")
        resource_sp, audience = sp, audience or aud
        if name.lower() == ".default":
            default = True
        else:
            names.append(name)
    if default and names:
        raise IdentityFailure(400, "invalid_scope", 70011,
                              "The provided value for the input parameter 'scope' is not valid. The scope "
                              f"{' '.join(scopes)} is not valid. .default scope can't be combined with resource-specific scopes.")
    if resource_sp is not None:  # the permission's own spelling: user.read -> User.Read
        canonical = {p["value"].lower(): p["value"] for p in resource_sp.get("oauth2PermissionScopes", [])}
        names = [canonical.get(n.lower(), n) for n in names]
        rest = [(f"{_split_resource(r)[0]}/" if "/" in r else "") + canonical.get(_split_resource(r)[1].lower(),
                                                                                   _split_resource(r)[1])
                for r in rest]
    return ScopeRequest(resource_sp, audience, names, default, oidc, rest)


def _split_resource(scope: str) -> tuple[str | None, str]:
    """'https://graph.microsoft.com/User.Read' -> ('https://graph.microsoft.com', 'User.Read')."""
    if "/" not in scope:
        return None, scope
    prefix, _, name = scope.rpartition("/")
    return prefix, name


def check_scopes_exist(req: ScopeRequest, client_name: str, client_id: str) -> None:
    """Every named scope must be a delegated permission the resource publishes (AADSTS650053)."""
    if req.resource_sp is None:
        return
    published = {s["value"] for s in req.resource_sp.get("oauth2PermissionScopes", []) if s.get("isEnabled")}
    for name in req.names:
        if name not in published:
            raise IdentityFailure(
                400, "invalid_scope", 650053,
                f"The application '{client_name}' asked for scope '{name}' that doesn't exist on the resource "
                f"'{req.resource_sp['appId']}'. Contact the app vendor.")


def app_roles_for(state: TenantState, client_sp: dict, resource_sp: dict,
                  now: float | None = None, lag: float = 0.0) -> list[str]:
    """Values of the app roles granted to the client on the resource (the `roles` claim).

    With `lag`, a role assigned less than `lag` seconds before `now` is not in the token yet:
    right after admin consent, tokens often lack `roles` for minutes although Graph reads the
    assignment back (the token service has its own copy of the directory).
    """
    from wizard.simtenant.model import parse_iso

    by_id = {r["id"]: r["value"] for r in resource_sp.get("appRoles", []) if r.get("isEnabled")}
    values = [by_id[a["appRoleId"]] for a in state.assignments.values()
              if a["principalId"] == client_sp["id"] and a["resourceId"] == resource_sp["id"]
              and a["appRoleId"] in by_id
              and not (lag and now is not None and now - parse_iso(a["createdDateTime"]) < lag)]
    return sorted(set(values))


def consented_scopes(state: TenantState, client_sp: dict | None, resource_sp: dict, user_id: str) -> set[str]:
    """Delegated scopes consented for this client on this resource: tenant-wide or for this user."""
    if client_sp is None:
        return set()
    granted: set[str] = set()
    for grant in state.grants.values():
        if grant["clientId"] != client_sp["id"] or grant["resourceId"] != resource_sp["id"]:
            continue
        if grant["consentType"] == "AllPrincipals" or grant.get("principalId") == user_id:
            granted.update((grant.get("scope") or "").split())
    return granted


def pairwise_sub(*parts: str) -> str:
    """`sub` is pairwise per user and client; derived deterministically."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(digest[:32]).rstrip(b"=").decode()


def delegated_claims(state: TenantState, *, user: dict, client_id: str, client_name: str,
                     audience: str, scp: list[str], now: float, uti: str) -> dict:
    """A v1.0 delegated access token (Graph, Exchange).

    `wids` carries the roles assigned to the user directly. Whether Microsoft adds the roles
    a user holds through a role-assignable group is not documented
    (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), so the
    simulated tenant leaves them out: a client must not depend on it.
    """
    roles = sorted(state.direct_role_templates(user["id"]))
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{state.tenant_id}/",
        "iat": int(now), "nbf": int(now), "exp": int(now) + ACCESS_TOKEN_SECONDS,
        "acct": 0,
        "acr": "1",
        "amr": ["pwd", "mfa"],
        "app_displayname": client_name,
        "appid": client_id,
        "appidacr": "0",
        "family_name": user.get("surname"),
        "given_name": user.get("givenName"),
        "idtyp": "user",
        "name": user["displayName"],
        "oid": user["id"],
        "scp": " ".join(scp),
        "sub": pairwise_sub(user["id"], client_id, audience),
        "tid": state.tenant_id,
        "unique_name": user["userPrincipalName"],
        "upn": user["userPrincipalName"],
        "uti": uti,
        "ver": "1.0",
    }
    if roles:
        claims["wids"] = roles
    return {k: v for k, v in claims.items() if v is not None}


def app_claims(state: TenantState, *, client_sp: dict, audience: str, roles: list[str],
               now: float, uti: str) -> dict:
    """A v1.0 app-only access token (client credentials)."""
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{state.tenant_id}/",
        "iat": int(now), "nbf": int(now), "exp": int(now) + ACCESS_TOKEN_SECONDS,
        "app_displayname": client_sp.get("displayName"),
        "appid": client_sp["appId"],
        "appidacr": "1",
        "idp": f"https://sts.windows.net/{state.tenant_id}/",
        "idtyp": "app",
        "oid": client_sp["id"],
        "sub": client_sp["id"],
        "tid": state.tenant_id,
        "uti": uti,
        "ver": "1.0",
    }
    if roles:  # Microsoft omits the claim when no role is granted
        claims["roles"] = roles
    return claims


def id_token_claims(state: TenantState, *, user: dict, client_id: str, issuer: str, now: float,
                    uti: str) -> dict:
    """A v2.0 id token for the signed-in user."""
    return {
        "aud": client_id,
        "iss": issuer,
        "iat": int(now), "nbf": int(now), "exp": int(now) + 3600,
        "name": user["displayName"],
        "oid": user["id"],
        "preferred_username": user["userPrincipalName"],
        "upn": user["userPrincipalName"],
        "sub": pairwise_sub(user["id"], client_id),
        "tid": state.tenant_id,
        "uti": uti,
        "ver": "2.0",
    }
