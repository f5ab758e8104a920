"""Permission names → ids, read from the tenant's own resource service principals.

An app registration asks for permissions by id (`requiredResourceAccess`), and admin
consent is granted against the resource's *service principal* in the tenant (its
object id, not its appId). Both come from one read per resource API:

    GET /servicePrincipals(appId='00000003-0000-0000-c000-000000000000')
        ?$select=id,appId,displayName,appRoles,oauth2PermissionScopes

(https://learn.microsoft.com/graph/api/serviceprincipal-get — the `appId` alternate
key; https://learn.microsoft.com/graph/permissions-grant-via-msgraph step 1). We never
list all service principals: a large tenant has tens of thousands.

When the tenant cannot be read (403 for a restricted account, 404 where a resource
such as Exchange Online is not provisioned) the bundled catalog (`wizard.catalog`,
Microsoft's published ids) answers instead.

Asking for a permission in a form that does not exist (Calendars.Read.Shared as an
*application* permission, as one vendor guide does) is refused with `InputError`:
Entra would silently store an id that grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from wizard import catalog
from wizard.errors import InputError

DELEGATED = "delegated"
APPLICATION = "application"
SELECT = "id,appId,displayName,appRoles,oauth2PermissionScopes"


@dataclass(frozen=True)
class PermissionInfo:
    """One permission the vendor needs, resolved to Microsoft's id, for the plan screen."""

    resource: str  # display name of the API: "Microsoft Graph"
    name: str  # "User.Read", "full_access_as_app"
    type: str  # "delegated" | "application"
    id: str  # oauth2PermissionScope id or appRole id
    description: str  # one plain line
    admin_consent_required: bool
    resource_app_id: str = ""  # the API's appId
    resource_key: str = ""  # catalog key: "graph" | "exchange"

    @property
    def graph_type(self) -> str:
        """How requiredResourceAccess spells the type: "Scope" (delegated) or "Role" (application)."""
        return "Scope" if self.type == DELEGATED else "Role"

    @property
    def label(self) -> str:
        """'User.Read (delegated, Microsoft Graph)'."""
        return f"{self.name} ({self.type}, {self.resource})"


def _type_of(perm: Any) -> str:
    return catalog._norm_type(getattr(perm, "type", DELEGATED))


def _resource_key(perm: Any) -> str:
    """The catalog key of a profile permission ("graph"), by key or by appId."""
    app_id = getattr(perm, "resource_app_id", "") or ""
    res = catalog.resource(app_id or getattr(perm, "resource"))
    return res.key


class PermissionResolver:
    """Resolves permissions against one tenant; one Graph read per resource API per run."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self._sps: dict[str, dict | None] = {}
        self.used_catalog = False  # True when some resource could not be read

    def resource_sp(self, resource: str) -> dict | None:
        """The tenant's service principal of a resource API (key, appId or name), or None.

        None means it could not be read (403) or does not exist in this tenant (404).
        """
        res = catalog.resource(resource)
        if res.app_id not in self._sps:
            from wizard.graph import GraphError, quote

            try:
                sp = self.graph.get(f"/servicePrincipals(appId={quote(res.app_id)})", params={"$select": SELECT})
            except GraphError as exc:
                if exc.status not in (403, 404):
                    raise
                sp = None
                self.used_catalog = True
            self._sps[res.app_id] = sp
        return self._sps[res.app_id]

    def forget(self, resource: str) -> None:
        """Drop the cached read (after the wizard created a missing resource service principal)."""
        self._sps.pop(catalog.resource(resource).app_id, None)

    def resolve(self, perm: Any) -> PermissionInfo:
        """A profile `Permission` (resource, name, type) → `PermissionInfo` with the id.

        Raises `InputError` when the permission does not exist as the asked type.
        """
        key = _resource_key(perm)
        res = catalog.resource(key)
        kind = _type_of(perm)
        name = str(perm.name)
        sp = self.resource_sp(key)
        try:
            cat = catalog.permission(key, name)
        except InputError:
            cat = None
        description = cat.description if cat else ""
        if sp is not None:
            scopes = {s.get("value"): s for s in sp.get("oauth2PermissionScopes") or [] if s.get("value")}
            roles = {
                r.get("value"): r
                for r in sp.get("appRoles") or []
                if r.get("value") and "Application" in (r.get("allowedMemberTypes") or ["Application"])
            }
            found = (scopes if kind == DELEGATED else roles).get(name)
            if found is None:
                other = (roles if kind == DELEGATED else scopes).get(name)
                if other is not None:
                    raise _wrong_type(name, res.name, kind)
                raise InputError(name, f"is not a permission of {res.name} in this tenant")
            if kind == DELEGATED:
                admin = str(found.get("type", "User")) == "Admin"
                description = description or found.get("adminConsentDescription") or found.get("userConsentDescription") or ""
            else:
                admin = True
                description = description or found.get("description") or found.get("displayName") or ""
            return PermissionInfo(res.name, name, kind, str(found["id"]), description, admin, res.app_id, key)
        # Fallback: Microsoft's published ids (catalog.lookup refuses the wrong type).
        perm_id = catalog.lookup(key, name, kind)
        form = cat.form(kind) if cat else None
        return PermissionInfo(
            res.name, name, kind, perm_id, description,
            # Microsoft's "Admin Consent Required" where the catalog has it; where it does not,
            # "required" (the wizard grants tenant-wide consent anyway).
            form.admin_consent is not False if form else True, res.app_id, key,
        )

    def resolve_all(self, perms: Iterable[Any]) -> list[PermissionInfo]:
        """Every permission of a profile, in the profile's order."""
        return [self.resolve(p) for p in perms]


def _wrong_type(name: str, resource_name: str, asked: str) -> InputError:
    other = APPLICATION if asked == DELEGATED else DELEGATED
    return InputError(
        name,
        f"exists only as {'an' if other == APPLICATION else 'a'} {other} permission of {resource_name}; "
        f"it cannot be requested as {'an' if asked == APPLICATION else 'a'} {asked} permission",
    )


def required_resource_access(perms: Iterable[PermissionInfo]) -> list[dict]:
    """The `requiredResourceAccess` value for these permissions, grouped by resource API.

    https://learn.microsoft.com/graph/api/resources/requiredresourceaccess
    """
    by_res: dict[str, list[dict]] = {}
    for p in perms:
        entries = by_res.setdefault(p.resource_app_id, [])
        entry = {"id": p.id, "type": p.graph_type}
        if entry not in entries:
            entries.append(entry)
    return [{"resourceAppId": app_id, "resourceAccess": access} for app_id, access in by_res.items()]
