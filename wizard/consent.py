"""Admin consent, granted and verified through Microsoft Graph.

Following https://learn.microsoft.com/graph/permissions-grant-via-msgraph :

- delegated permissions: one `oauth2PermissionGrant` with `consentType: AllPrincipals`
  per (client service principal, resource service principal), its `scope` a
  space-separated list of scope names. If a grant already exists, the missing scopes
  are merged into it with PATCH (a second AllPrincipals grant for the same pair is
  refused by Microsoft);
  https://learn.microsoft.com/graph/api/oauth2permissiongrant-post-oauth2permissiongrants
  https://learn.microsoft.com/graph/api/oauth2permissiongrant-update
- application permissions: an `appRoleAssignment` on the resource service principal,
  `POST /servicePrincipals/{resource-sp-id}/appRoleAssignedTo` with
  `principalId` (our service principal), `resourceId` and `appRoleId`;
  https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto

Both are read back afterwards (`verify`): what counts is what Microsoft stored.
Writes right after the service principal was created may answer 404/400 while it
replicates; the caller wraps them in `replication.retry_transient`.

A POST that Microsoft applied but whose answer was lost (a 504 from the gateway, which the
Graph client retries, or a dropped connection) meets its own earlier write: the retry is
answered "already exists" (409 `Request_MultipleObjectsWithSameKeyValue` for a grant or a
service principal, 400 "Permission being assigned already exists on the object" for an app
role assignment). Every create here then reads back and takes a match as success; when the
read-back does not show it yet, `replication.ReadBackPending` lets the caller's bounded
retry look again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard import replication
from wizard.errors import EXIT_BAD_INPUT, InputError, WizardError
from wizard.graph import GraphError, quote
from wizard.plan import read_grants

DEFAULT_ACCESS_ROLE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ConsentCheck:
    """The outcome of reading consent back: what is missing, in words."""

    ok: bool
    missing_scopes: tuple[str, ...] = ()
    missing_roles: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        parts = []
        if self.missing_scopes:
            parts.append("delegated scopes not granted: " + " ".join(self.missing_scopes))
        if self.missing_roles:
            parts.append("application permissions not granted: " + ", ".join(self.missing_roles))
        return "; ".join(parts) or "every permission is granted"


def find_all_principals_grant(graph: Any, client_sp_id: str, resource_sp_id: str) -> dict | None:
    for g in read_grants(graph, client_sp_id):
        if g.get("consentType") == "AllPrincipals" and g.get("resourceId") == resource_sp_id:
            return g
    return None


def grant_delegated(graph: Any, client_sp_id: str, resource_sp_id: str, scopes: list[str]) -> str:
    """Make sure an AllPrincipals grant holds every scope; return what was done, in words."""
    existing = find_all_principals_grant(graph, client_sp_id, resource_sp_id)
    if existing is None:
        try:
            graph.post("/oauth2PermissionGrants", json={
                "clientId": client_sp_id,
                "consentType": "AllPrincipals",
                "resourceId": resource_sp_id,
                "scope": " ".join(scopes),
            })
            return "granted"
        except GraphError as exc:
            if not replication.is_already_exists(exc):
                raise
            existing = find_all_principals_grant(graph, client_sp_id, resource_sp_id)
            if existing is None:
                raise _pending("the admin consent grant", exc) from None
            if all(s in (existing.get("scope") or "").split() for s in scopes):
                return "granted"  # the earlier, unanswered POST was applied
    have = (existing.get("scope") or "").split()
    missing = [s for s in scopes if s not in have]
    if not missing:
        return "already granted"
    graph.patch(f"/oauth2PermissionGrants/{existing['id']}", json={"scope": " ".join(have + missing)})
    return "added " + " ".join(missing)


def _assign(graph: Any, listed_at: str, principal_id: str, resource_sp_id: str, app_role_id: str) -> bool:
    """Post an app role assignment unless `listed_at` already shows it; True when posted.

    https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
    """
    def present() -> bool:
        return any((a.get("principalId"), a.get("resourceId"), a.get("appRoleId")) == (principal_id, resource_sp_id, app_role_id)
                   for a in graph.get_all(listed_at))

    if present():
        return False
    try:
        graph.post(f"/servicePrincipals/{resource_sp_id}/appRoleAssignedTo", json={
            "principalId": principal_id,
            "resourceId": resource_sp_id,
            "appRoleId": app_role_id,
        })
    except GraphError as exc:
        if not replication.is_already_exists(exc):
            raise
        if not present():  # "already exists", yet not readable here: a replica behind
            raise _pending("the app role assignment", exc) from None
    return True


def _pending(what: str, exc: GraphError) -> replication.ReadBackPending:
    return replication.ReadBackPending(
        f"Microsoft answered that {what} already exists, but does not show it yet.",
        next_step="Run the wizard again in a minute: it reads what exists before writing.",
        status=exc.status, code=exc.code, request_id=exc.request_id, client_request_id=exc.client_request_id)


def assign_app_role(graph: Any, client_sp_id: str, resource_sp_id: str, app_role_id: str) -> str:
    """Make sure our service principal holds the app role; return what was done."""
    posted = _assign(graph, f"/servicePrincipals/{client_sp_id}/appRoleAssignments",
                     client_sp_id, resource_sp_id, app_role_id)
    return "granted" if posted else "already granted"


def assign_user(graph: Any, user_id: str, resource_sp_id: str, app_role_id: str = DEFAULT_ACCESS_ROLE) -> str:
    """Assign a user to an enterprise application (Users and groups), the default role.

    The default role 00000000-0000-0000-0000-000000000000 is for an app that declares no app
    roles (https://learn.microsoft.com/graph/api/resources/approleassignment, appRoleId).
    """
    posted = _assign(graph, f"/servicePrincipals/{resource_sp_id}/appRoleAssignedTo",
                     user_id, resource_sp_id, app_role_id)
    return "assigned" if posted else "already assigned"


def verify(graph: Any, client_sp_id: str, delegated: dict[str, list[str]], roles: list[tuple[str, str, str]]) -> ConsentCheck:
    """Read back grants and assignments.

    delegated: resource SP id → scope names; roles: (resource SP id, appRoleId, name).
    """
    grants = read_grants(graph, client_sp_id) if delegated else []
    missing_scopes: list[str] = []
    for res_sp, scopes in delegated.items():
        have: set[str] = set()
        for g in grants:
            if g.get("consentType") == "AllPrincipals" and g.get("resourceId") == res_sp:
                have |= set((g.get("scope") or "").split())
        missing_scopes += [s for s in scopes if s not in have]
    missing_roles: list[str] = []
    if roles:
        assigned = {(a.get("resourceId"), a.get("appRoleId")) for a in graph.get_all(f"/servicePrincipals/{client_sp_id}/appRoleAssignments")}
        missing_roles = [name for res_sp, role_id, name in roles if (res_sp, role_id) not in assigned]
    return ConsentCheck(not missing_scopes and not missing_roles, tuple(missing_scopes), tuple(missing_roles))


def find_service_principal(graph: Any, app_id: str) -> str | None:
    """The object id of the service principal of `app_id` in this tenant, or None."""
    try:
        return graph.get(f"/servicePrincipals(appId={quote(app_id)})", params={"$select": "id"})["id"]
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise


def create_service_principal(graph: Any, app_id: str, body: dict | None = None) -> tuple[str, str]:
    """Check, then POST /servicePrincipals; (id, "" | "already exists").

    A 409 `Request_MultipleObjectsWithSameKeyValue` answer (an earlier POST was applied,
    its answer lost) is read back: the service principal found is the one created.
    https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals
    """
    found = find_service_principal(graph, app_id)
    if found:
        return found, "already exists"
    try:
        created = graph.post("/servicePrincipals", json={"appId": app_id, **(body or {})})
        return created["id"], ""
    except GraphError as exc:
        if not replication.is_already_exists(exc):
            raise
        found = find_service_principal(graph, app_id)
        if not found:
            raise _pending("the service principal", exc) from None
        return found, ""


def ensure_resource_sp(graph: Any, resource_app_id: str) -> str:
    """The resource API's service principal id, creating it if the tenant lacks it.

    https://learn.microsoft.com/graph/permissions-grant-via-msgraph ("If the resource
    service principal doesn't exist, create it").
    """
    return create_service_principal(graph, resource_app_id)[0]


# ---------------------------------------------------------------- the vendor's enterprise app (LoopMeeting)

ENTERPRISE_SELECT = ("id,appId,displayName,appOwnerOrganizationId,servicePrincipalType,signInAudience,"
                     "verifiedPublisher,appRoles,tags")
MULTI_TENANT = ("AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount")


@dataclass(frozen=True)
class EnterpriseCandidate:
    """A service principal of the vendor's display name, with what tells one from another."""

    sp: dict
    app_id: str
    publisher: str
    created: str  # the local registration's createdDateTime; "" for another organisation's app
    owned_here: bool  # appOwnerOrganizationId is this tenant: a local registration, not the vendor's app

    def line(self) -> str:
        where = "a registration of this tenant" if self.owned_here else f"publisher {self.publisher}"
        created = f", created {self.created[:10]}" if self.created else ""
        return f"'{self.sp.get('displayName', '')}' ({where}, app ID {self.app_id}{created})"


class AmbiguousEnterpriseApp(WizardError):
    """Several multi-tenant apps of the vendor's name: the admin says which (exit 2)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, candidates: list[EnterpriseCandidate], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.candidates = candidates


def enterprise_candidates(graph: Any, name: str, tenant_id: str) -> list[EnterpriseCandidate]:
    """Every service principal named `name`, each marked: another organisation's app or this tenant's own.

    https://learn.microsoft.com/graph/api/resources/serviceprincipal (appOwnerOrganizationId: "the
    tenant ID where the application is registered"; a v1.0 service principal has no createdDateTime,
    so "created" is the local registration's, when there is one)."""
    sps = graph.get_all("/servicePrincipals", params={"$filter": f"displayName eq {quote(name)}",
                                                      "$select": ENTERPRISE_SELECT})
    out = []
    for sp in sps:
        owner = str(sp.get("appOwnerOrganizationId") or "")
        owned_here = bool(owner) and owner.lower() == str(tenant_id).lower()
        created = ""
        if owned_here:
            try:
                created = str(graph.get(f"/applications(appId={quote(sp['appId'])})",
                                        params={"$select": "createdDateTime"}).get("createdDateTime") or "")
            except GraphError:
                created = ""
        verified = (sp.get("verifiedPublisher") or {}).get("displayName") or ""
        publisher = verified or (f"organisation {owner}" if owner else "unknown")
        out.append(EnterpriseCandidate(sp, str(sp.get("appId", "")), str(publisher), created, owned_here))
    return out


def qualifies(c: EnterpriseCandidate) -> bool:
    """Only a multi-tenant app owned by another organisation can be the vendor's app."""
    audience = c.sp.get("signInAudience")
    return not c.owned_here and (not audience or audience in MULTI_TENANT)


def pick_enterprise_app(candidates: list[EnterpriseCandidate], name: str, chosen_app_id: str = "") -> dict | None:
    """The vendor's enterprise app among same-name service principals, never the first match.

    None when none qualifies (the vendor's consent is still to come); the one that qualifies;
    with `chosen_app_id` that one (it must qualify); several: `AmbiguousEnterpriseApp` listing them."""
    good = [c for c in candidates if qualifies(c)]
    if chosen_app_id:
        match = [c for c in candidates if c.app_id.lower() == chosen_app_id.lower()]
        if not match:
            raise InputError("--client-id-app", f"no service principal named '{name}' has the app ID {chosen_app_id}")
        if not qualifies(match[0]):
            raise InputError("--client-id-app", f"{match[0].line()} is not the vendor's app: it is registered in this "
                             "tenant (only a multi-tenant app of another organisation qualifies)")
        return match[0].sp
    if len(good) == 1:
        return good[0].sp
    if not good:
        return None
    listed = "; ".join(c.line() for c in candidates)
    raise AmbiguousEnterpriseApp(
        f"Several multi-tenant apps named '{name}' are in this tenant: {listed}. Nothing was changed.",
        good, next_step=("Check which one the vendor's console consented to (its app ID), then run again with "
                         f"--client-id-app <that app ID> (e.g. --client-id-app {good[0].app_id})."))


def user_role_for(sp: dict) -> str:
    """The app role to assign users to `sp` with, read from its appRoles.

    The default role 00000000-0000-0000-0000-000000000000 only for an app that declares no
    user-assignable role (https://learn.microsoft.com/graph/api/resources/approleassignment);
    else its one enabled role for users; several: InputError naming them."""
    roles = [r for r in sp.get("appRoles") or []
             if r.get("isEnabled", True) and "User" in (r.get("allowedMemberTypes") or [])]
    if not roles:
        return DEFAULT_ACCESS_ROLE
    if len(roles) == 1:
        return str(roles[0]["id"])
    names = ", ".join(f"{r.get('displayName') or r.get('value')} ({r['id']})" for r in roles)
    raise InputError("app role", f"{sp.get('displayName')} offers several roles for users: {names}; the wizard "
                     "cannot tell which one the service account needs",
                     example="assign it by hand in Entra > Enterprise applications > Users and groups")
