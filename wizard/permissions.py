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
from wizard.errors import InputError, WizardError

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
    """The catalog key of a profile permission ("graph"), by key or by appId; for any other API its appId."""
    app_id = str(getattr(perm, "resource_app_id", "") or "")
    return _known(app_id or str(getattr(perm, "resource")))[0]


def _app_id(resource: str) -> str:
    """A resource's appId: the catalogue's for a bundled API, else the appId itself."""
    return _known(resource)[1]


def _known(resource: str) -> tuple[str, str]:
    """(catalogue key, appId) of a resource named by key or appId; an API the catalogue does not
    bundle is its appId twice. Anything else raises (not a known API)."""
    res = catalog.find(resource)
    if res is None and catalog.is_app_id(resource):
        app_id = resource.strip().lower()
        return app_id, app_id
    res = res or catalog.resource(resource)
    return res.key, res.app_id


class ResourceMissing(WizardError):
    """An API a profile names by appId has no service principal in this tenant (exit 5)."""

    def __init__(self, app_id: str, *, authority: str = "https://login.microsoftonline.com/organizations",
                 code: str = "") -> None:
        # The tenant-wide admin consent URL
        # (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent)
        consent_url = f"{authority.rstrip('/')}/adminconsent?client_id={app_id}"
        super().__init__(
            f"The API with appId {app_id} is not in this tenant: it has no service principal (enterprise "
            "application) here, so the wizard cannot read its permissions.",
            next_step=("Add the vendor's API to the tenant first: open the vendor's admin consent link (for a "
                       f"multi-tenant API usually {consent_url}), or run `New-MgServicePrincipal -AppId {app_id}` "
                       f"(Microsoft Graph PowerShell) or `az ad sp create --id {app_id}` as an Application "
                       "Administrator; then run the wizard again. If the appId is wrong, correct the profile."),
            code=code,
        )
        self.app_id = app_id


def _names(items: dict[str, dict]) -> str:
    shown = sorted(items)
    return ", ".join(shown[:20]) + (f" and {len(shown) - 20} more" if len(shown) > 20 else "") if shown else "none"


class PermissionResolver:
    """Resolves permissions against one tenant; one Graph read per resource API per run."""

    def __init__(self, graph: Any, authority: str = "") -> None:
        self.graph = graph
        self.authority = authority  # e.g. https://login.microsoftonline.com/<tenant id>, for the consent URL
        self._sps: dict[str, dict | None] = {}
        self._errors: dict[str, int] = {}  # appId → the HTTP status of a failed read (403, 404)
        self.used_catalog = False  # True when some resource could not be read

    def resource_sp(self, resource: str) -> dict | None:
        """The tenant's service principal of a resource API (key, appId or name), or None.

        None means it could not be read (403) or does not exist in this tenant (404).
        """
        app_id = _app_id(resource)
        if app_id not in self._sps:
            from wizard.graph import GraphError, quote

            try:
                sp = self.graph.get(f"/servicePrincipals(appId={quote(app_id)})", params={"$select": SELECT})
            except GraphError as exc:
                if exc.status not in (403, 404):
                    raise
                sp = None
                self._errors[app_id] = exc.status
                if catalog.find(app_id) is not None:
                    self.used_catalog = True
            self._sps[app_id] = sp
        return self._sps[app_id]

    def forget(self, resource: str) -> None:
        """Drop the cached read (after the wizard created a missing resource service principal)."""
        self._sps.pop(_app_id(resource), None)

    def display_name(self, resource: str) -> str:
        """The API's name: the catalogue's, else the tenant's service principal's, else its appId."""
        res = catalog.find(resource)
        if res is not None:
            return res.name
        sp = self.resource_sp(resource)
        return str((sp or {}).get("displayName") or "") or f"API {_app_id(resource)}"

    def identifier_uris(self, resource: str) -> set[str]:
        """The names a token for this API may be asked by: its appId, `api://appId`, its
        servicePrincipalNames as the tenant shows them (no trailing slash, lower case)."""
        app_id = _app_id(resource)
        names = {app_id, f"api://{app_id}"}
        res = catalog.find(resource)
        if res is not None:
            names.add(res.token_resource)
        else:
            sp = self._sps.get(app_id)
            names.update(str(n) for n in (sp or {}).get("servicePrincipalNames") or [])
        return {n.rstrip("/").lower() for n in names}

    def resolve(self, perm: Any) -> PermissionInfo:
        """A profile `Permission` (resource, name, type) → `PermissionInfo` with the id.

        Raises `InputError` when the permission does not exist as the asked type; for an API the
        catalogue does not have, `ResourceMissing` when the tenant has no service principal for it.
        """
        key = _resource_key(perm)
        res = catalog.find(key)
        kind = _type_of(perm)
        name = str(perm.name)
        sp = self.resource_sp(key)
        if res is None:
            return self._resolve_other(key, name, kind, sp)
        try:
            cat = catalog.permission(key, name)
        except InputError:
            cat = None
        description = cat.description if cat else ""
        if sp is not None:
            scopes, roles = _forms(sp)
            found = (scopes if kind == DELEGATED else roles).get(name)
            if found is None:
                other = (roles if kind == DELEGATED else scopes).get(name)
                if other is not None:
                    raise _wrong_type(name, res.name, kind)
                raise InputError(name, f"is not a permission of {res.name} in this tenant")
            admin, text = _consent_and_text(found, kind)
            return PermissionInfo(res.name, name, kind, str(found["id"]), description or text, admin, res.app_id, key)
        # Fallback: Microsoft's published ids (catalog.lookup refuses the wrong type).
        perm_id = catalog.lookup(key, name, kind)
        form = cat.form(kind) if cat else None
        return PermissionInfo(
            res.name, name, kind, perm_id, description,
            # Microsoft's "Admin Consent Required" where the catalog has it; where it does not,
            # "required" (the wizard grants tenant-wide consent anyway).
            form.admin_consent is not False if form else True, res.app_id, key,
        )

    def _resolve_other(self, app_id: str, name: str, kind: str, sp: dict | None) -> PermissionInfo:
        """A permission of an API the catalogue does not have: only the tenant's service principal knows it."""
        if sp is None:
            if self._errors.get(app_id) == 403:
                raise WizardError(
                    f"Your account may not read the service principal of the API {app_id}, so the wizard cannot "
                    f"resolve {name}.", next_step="Sign in as an Application Administrator or Cloud Application "
                    "Administrator and run the wizard again.", code="Authorization_RequestDenied")
            raise ResourceMissing(app_id, **({"authority": self.authority} if self.authority else {}))
        api = str(sp.get("displayName") or f"API {app_id}")
        scopes, roles = _forms(sp)
        found = (scopes if kind == DELEGATED else roles).get(name)
        if found is None:
            lowered = {n.lower(): n for n in (scopes if kind == DELEGATED else roles)}
            fix = "Correct the permission's name in the vendor profile and run again."
            if name.lower() in lowered:
                raise InputError(name, f"is spelled {lowered[name.lower()]} by {api}; use that spelling",
                                 example=lowered[name.lower()], next_step=fix)
            if name in (roles if kind == DELEGATED else scopes):
                other = APPLICATION if kind == DELEGATED else DELEGATED
                raise _wrong_type(name, api, kind, next_step=f"Set type = \"{other}\" for {name} in the vendor "
                                  "profile if the vendor means that form, and run again.")
            raise InputError(
                name, f"is not a permission of {api} (appId {app_id}). Its delegated permissions: {_names(scopes)}; "
                f"its application permissions: {_names(roles)}", next_step=fix)
        admin, text = _consent_and_text(found, kind)
        return PermissionInfo(api, name, kind, str(found["id"]), text, admin, app_id, app_id)

    def resolve_all(self, perms: Iterable[Any]) -> list[PermissionInfo]:
        """Every permission of a profile, in the profile's order."""
        return [self.resolve(p) for p in perms]


def _forms(sp: dict) -> tuple[dict[str, dict], dict[str, dict]]:
    """A service principal's enabled delegated scopes and application roles, by value
    (https://learn.microsoft.com/graph/api/resources/permissionscope, .../approle: an app role a
    client may hold has "Application" in allowedMemberTypes)."""
    scopes = {s.get("value"): s for s in sp.get("oauth2PermissionScopes") or []
              if s.get("value") and s.get("isEnabled", True) is not False}
    roles = {
        r.get("value"): r
        for r in sp.get("appRoles") or []
        if r.get("value") and r.get("isEnabled", True) is not False
        and "Application" in (r.get("allowedMemberTypes") or ["Application"])
    }
    return scopes, roles


def _consent_and_text(found: dict, kind: str) -> tuple[bool, str]:
    """Whether admin consent is required, and the API's own one-line description."""
    if kind == DELEGATED:
        return (str(found.get("type", "User")) == "Admin",
                str(found.get("adminConsentDescription") or found.get("userConsentDescription") or ""))
    return True, str(found.get("description") or found.get("displayName") or "")


def in_token(perm: Any, resource: str, resource_for: Any = None, names: set[str] | None = None) -> bool:
    """Is the application permission `perm` carried by a token asked for `resource`?

    A bundled API: its token resource as the cloud names it (`resource_for`) is `resource`. Any other
    API: `resource` is its appId, `api://appId` or one of `names` (its servicePrincipalNames, from
    `PermissionResolver.identifier_uris`, when the tenant was read).
    """
    wanted = resource.rstrip("/").lower()
    app_id = str(getattr(perm, "resource_app_id", "") or "").lower()
    res = catalog.find(app_id or str(getattr(perm, "resource", "")))
    if res is not None:
        mapped = (resource_for or (lambda r: r))(res.token_resource)
        return mapped.rstrip("/").lower() == wanted
    return wanted in {app_id, f"api://{app_id}", *(names or set())}


def _wrong_type(name: str, resource_name: str, asked: str, next_step: str = "") -> InputError:
    other = APPLICATION if asked == DELEGATED else DELEGATED
    return InputError(
        name,
        f"exists only as {'an' if other == APPLICATION else 'a'} {other} permission of {resource_name}; "
        f"it cannot be requested as {'an' if asked == APPLICATION else 'a'} {asked} permission",
        next_step=next_step,
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
