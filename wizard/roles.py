"""Directory roles: which the signed-in admin holds, and which each step needs.

    template_ids, names, known = roles.read(graph, claims)   # at sign-in (wizard.signin)
    roles.check(profile, who, graph)                          # RoleError before any write
    roles.consenters(profile)                                 # "a Global Administrator or …" (plan, checklist)

Who may do what (Microsoft Entra built-in roles,
https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference):
- create and change app registrations, service principals and enterprise apps, and grant
  delegated permissions: Application Administrator, Cloud Application Administrator,
  Global Administrator;
- grant application permissions (app roles): the two application administrator roles may
  grant them for any API *except Microsoft Graph* ("...with the exception of application
  permissions for Microsoft Graph"); Microsoft Graph app roles need a Global Administrator
  or a Privileged Role Administrator.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from wizard.errors import RoleError
from wizard.graph import GraphError

log = logging.getLogger("wizard.roles")

GLOBAL_ADMINISTRATOR = "Global Administrator"
APPLICATION_ADMINISTRATOR = "Application Administrator"
CLOUD_APPLICATION_ADMINISTRATOR = "Cloud Application Administrator"
PRIVILEGED_ROLE_ADMINISTRATOR = "Privileged Role Administrator"
# Role template ids: the same in every tenant (permissions-reference, "Template ID").
ROLE_NAMES: dict[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": GLOBAL_ADMINISTRATOR,
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": APPLICATION_ADMINISTRATOR,
    "158c047a-c907-4556-b7ef-446551a6b5f7": CLOUD_APPLICATION_ADMINISTRATOR,
    "e8611ab8-c189-46e8-94e1-60213ab1f814": PRIVILEGED_ROLE_ADMINISTRATOR,
}
APP_WRITERS = (APPLICATION_ADMINISTRATOR, CLOUD_APPLICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
APP_ROLE_CONSENTERS = (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR)


# ---------------------------------------------------------------------- reading


def read(graph: Any, claims: dict) -> tuple[frozenset[str], frozenset[str], bool]:
    """The admin's active directory roles: (template ids, names, known).

    `GET /me/memberOf/microsoft.graph.directoryRole` (least privileged: User.Read,
    https://learn.microsoft.com/graph/api/user-list-memberof) returns the roles the user is
    a direct member of; the `wids` claim
    (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference) adds
    the same ids when the token has it. Roles held only through PIM eligibility are not
    active and are rightly not listed. `known` is False when neither told.
    """
    template_ids: set[str] = {str(w) for w in claims.get("wids", ()) or ()}
    names: set[str] = set()
    known = True
    try:
        entries = _directory_roles(graph)
    except GraphError as exc:
        log.info("could not read the signed-in user's directory roles: %s (%s)", exc.code, exc.status)
        entries, known = [], bool(template_ids)
    for role in entries:
        template = str(role.get("roleTemplateId") or "")
        if template:
            template_ids.add(template)
        if template not in ROLE_NAMES and role.get("displayName"):
            names.add(str(role["displayName"]))  # a role the wizard has no name for
    names.update(ROLE_NAMES[t] for t in template_ids if t in ROLE_NAMES)
    return frozenset(template_ids), frozenset(names), known


def _directory_roles(graph: Any) -> list[dict]:
    """directoryRole objects among /me/memberOf: the OData cast, else a filter here.

    The cast segment (`/me/memberOf/microsoft.graph.directoryRole`) keeps groups out of the
    answer; a service that does not support the cast (400/404) gets the plain list,
    filtered by `@odata.type` on this side.
    """
    try:
        return graph.get_all("/me/memberOf/microsoft.graph.directoryRole",
                             params={"$select": "id,displayName,roleTemplateId"})
    except GraphError as exc:
        if exc.status not in (400, 404):
            raise
    return [item for item in graph.get_all("/me/memberOf")
            if item.get("@odata.type") == "#microsoft.graph.directoryRole"]


def names_held(who: Any) -> set[str]:
    """Role names of a `SignedIn` (its names plus the names of its template ids)."""
    names = {str(r) for r in getattr(who, "roles", ()) or ()}
    names |= {ROLE_NAMES[t] for t in getattr(who, "role_template_ids", ()) or () if t in ROLE_NAMES}
    names |= {ROLE_NAMES[r] for r in list(names) if r in ROLE_NAMES}
    return names


# ---------------------------------------------------------------------- checking


def _needs_app_role_consent(profile: Any) -> bool:
    return bool(getattr(profile, "admin_consent", False)) and any(
        getattr(p, "type", "") == "application" for p in getattr(profile, "permissions", ()) or ())


def check(profile: Any, who: Any, graph: Any) -> None:
    """Raise `RoleError` naming the role needed, before anything is written.

    When sign-in could not read the roles (`who.roles_known` False) they are read once more
    here; if Graph still does not tell, nothing is refused: Microsoft decides, and its 403
    is explained.
    """
    held = names_held(who)
    if not getattr(who, "roles_known", True):
        try:
            _ids, names, known = read(graph, {})
        except GraphError:
            return
        if not known:
            return  # Graph would not tell us the roles: let Microsoft decide, and explain its 403.
        held |= set(names)
    account = getattr(who, "username", "") or "The signed-in account"
    enterprise = getattr(profile, "kind", "registration") == "enterprise_app"
    if not held & set(APP_WRITERS):
        needed = "Application Administrator or Cloud Application Administrator (or Global Administrator)"
        what = "manage enterprise applications" if enterprise else "create app registrations"
        raise RoleError(
            f"{account} has none of the directory roles needed to {what}: {needed}.",
            next_step=f"Sign in with an account that holds {needed}, or ask your admin to assign one (PIM: activate it first). "
                      f"Or hand the checklist of `m365-wizard manual --vendor {profile.id}` to an admin who has the role.",
        )
    if _needs_app_role_consent(profile) and not held & set(APP_ROLE_CONSENTERS):
        raise RoleError(
            f"{account} can create the app, but granting admin consent to application permissions "
            "(such as full_access_as_app) needs a Global Administrator or a Privileged Role Administrator.",
            next_step="Sign in as a Global Administrator or Privileged Role Administrator, or ask one to run the wizard "
                      f"(or to follow the checklist of `m365-wizard manual --vendor {profile.id}`).",
        )


def _or(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
