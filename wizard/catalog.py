"""The bundled catalog of Microsoft's published permission ids (`data/permissions.toml`).

An app registration asks for permissions by id, not by name: `requiredResourceAccess`
lists `{"id": <guid>, "type": "Scope"}` for a delegated permission and `"Role"` for an
application permission
(https://learn.microsoft.com/en-us/graph/api/resources/requiredresourceaccess).
The ids are published in the Microsoft Graph permissions reference
(https://learn.microsoft.com/en-us/graph/permissions-reference). The engine prefers the ids
from the tenant's own resource service principal (`wizard.permissions`); this catalog is the
fallback, the source of the one-line descriptions on the plan screen, and the seed of the
simulated tenant's resource service principals.

Dependency-free on purpose (stdlib only), so anything may import it cheaply.

    >>> from wizard import catalog
    >>> catalog.resource_app_id("graph")
    '00000003-0000-0000-c000-000000000000'
    >>> catalog.lookup("graph", "User.Read", "delegated")
    'e1fe6dd8-ba31-4d61-89e7-88639da4683d'
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from wizard.errors import InputError

DELEGATED = "delegated"
APPLICATION = "application"

# requiredResourceAccess spells the types "Scope" and "Role"; accept both spellings.
_TYPE_ALIASES = {
    "delegated": DELEGATED,
    "scope": DELEGATED,
    "application": APPLICATION,
    "role": APPLICATION,
    "app": APPLICATION,
}


@dataclass(frozen=True)
class CatalogPermission:
    """One permission of one resource, as Microsoft publishes it."""

    resource: str  # catalog key: "graph" | "exchange"
    name: str  # e.g. "Calendars.ReadWrite" (Microsoft's spelling)
    delegated_id: str | None  # oauth2PermissionScope id, None if it has no delegated form
    application_id: str | None  # appRole id, None if it has no application form
    description: str  # one plain line for the plan screen

    def id_for(self, type_: str) -> str | None:
        """The id for "delegated" or "application" (None when that form does not exist)."""
        return self.delegated_id if _norm_type(type_) == DELEGATED else self.application_id


@dataclass(frozen=True)
class CatalogResource:
    """A resource application (an API) whose permissions an app can request."""

    key: str  # "graph" | "exchange"
    name: str  # "Microsoft Graph"
    app_id: str  # the resource's appId, e.g. 00000003-0000-0000-c000-000000000000
    token_resource: str  # what a token is requested for: https://graph.microsoft.com
    permissions: dict[str, CatalogPermission]  # by name, Microsoft's spelling


def _norm_type(type_: str) -> str:
    try:
        return _TYPE_ALIASES[str(type_).strip().lower()]
    except KeyError:
        raise InputError(
            "permission type",
            f"'{type_}' is not a permission type; use 'delegated' or 'application'",
        ) from None


def normalise_type(type_: str) -> str:
    """"delegated" | "application" from any accepted spelling (Scope, Role, …)."""
    return _norm_type(type_)


@functools.cache
def resources_() -> dict[str, CatalogResource]:
    """All resources of the catalog by key ("graph", "exchange"), loaded once."""
    text = resources.files("wizard").joinpath("data/permissions.toml").read_text("utf-8")
    data = tomllib.loads(text)
    out: dict[str, CatalogResource] = {}
    for key, res in data["resources"].items():
        perms = {
            name: CatalogPermission(
                resource=key,
                name=name,
                delegated_id=p.get("delegated"),
                application_id=p.get("application"),
                description=p["description"],
            )
            for name, p in res.get("permissions", {}).items()
        }
        out[key] = CatalogResource(
            key=key,
            name=res["name"],
            app_id=res["app_id"].lower(),
            token_resource=res["token_resource"],
            permissions=perms,
        )
    return out


def resource(resource_: str) -> CatalogResource:
    """Find a resource by key ("graph"), appId, or display name ("Microsoft Graph")."""
    wanted = str(resource_).strip().lower()
    for res in resources_().values():
        if wanted in (res.key, res.app_id, res.name.lower()):
            return res
    known = ", ".join(resources_())
    raise InputError("resource", f"'{resource_}' is not a known API; known: {known}")


def resource_app_id(resource_: str) -> str:
    """The appId of a resource: "graph" → 00000003-0000-0000-c000-000000000000."""
    return resource(resource_).app_id


def permission(resource_: str, name: str) -> CatalogPermission:
    """One permission by name (exact spelling first, then ignoring case)."""
    res = resource(resource_)
    perm = res.permissions.get(name)
    if perm is None:
        lowered = str(name).lower()
        perm = next((p for n, p in res.permissions.items() if n.lower() == lowered), None)
    if perm is None:
        raise InputError(
            str(name),
            f"is not a {res.name} permission the wizard knows",
            example=next(iter(res.permissions)),
        )
    return perm


def lookup(resource_: str, name: str, type_: str) -> str:
    """The id of permission `name` of `resource_` as `type_` ("delegated" | "application").

    Raises `InputError` when the permission does not exist in that form, e.g.
    Calendars.Read.Shared as an application permission: it "exists only as a delegated
    permission" (see the "—" cells of the Graph permissions reference).
    """
    kind = _norm_type(type_)
    perm = permission(resource_, name)
    found = perm.id_for(kind)
    if found:
        return found
    res = resource(resource_)
    other = APPLICATION if kind == DELEGATED else DELEGATED
    raise InputError(
        perm.name,
        f"exists only as {'an' if other == APPLICATION else 'a'} {other} permission of "
        f"{res.name}; it cannot be requested as {'an' if kind == APPLICATION else 'a'} "
        f"{kind} permission",
    )


def describe(resource_: str, name: str) -> str:
    """One plain line saying what the permission allows, for the plan screen."""
    return permission(resource_, name).description


def all_permissions() -> list[CatalogPermission]:
    """Every permission of every resource (the simulated tenant seeds its APIs from this)."""
    return [p for res in resources_().values() for p in res.permissions.values()]
