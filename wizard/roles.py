"""Directory roles: which the signed-in admin holds, and which each step needs.

    template_ids, names, known = roles.read(graph, claims, access_token)   # at sign-in (wizard.signin)
    warning = roles.check(profile, who, graph)   # RoleError before any write; a warning when unknown
    roles.consent_sentence(profile)              # who may grant this vendor's admin consent (plan, checklist)

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


def read(graph: Any, claims: dict, access_token: str = "") -> tuple[frozenset[str], frozenset[str], bool]:
    """The admin's active directory roles: (template ids, names, known).

    Roles are often held through a role-assignable group (or PIM for Groups), which
    `/me/memberOf` does not show as a role. So the roles come from
    `GET /me/transitiveMemberOf/microsoft.graph.directoryRole` (direct and through groups;
    least privileged: User.Read, https://learn.microsoft.com/graph/api/user-list-transitivememberof);
    the `wids` claim of the id token and of the Graph access token
    (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference) adds
    ids when present. Roles held only through PIM eligibility are not active and are rightly
    not listed. `known` is False when neither told: then nothing is refused here.
    """
    template_ids: set[str] = {str(w) for w in claims.get("wids", ()) or ()}
    template_ids |= {str(w) for w in _jwt_claims(access_token).get("wids", ()) or ()}
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
    """directoryRole objects among /me/transitiveMemberOf: the OData cast, else a filter here.

    The cast segment (`/me/transitiveMemberOf/microsoft.graph.directoryRole`, "OData cast is
    also enabled") keeps groups out of the answer; a service that does not take the cast
    (400/404) gets the plain list, filtered by `@odata.type` on this side.
    """
    try:
        return graph.get_all("/me/transitiveMemberOf/microsoft.graph.directoryRole",
                             params={"$select": "id,displayName,roleTemplateId"})
    except GraphError as exc:
        if exc.status not in (400, 404):
            raise
    return [item for item in graph.get_all("/me/transitiveMemberOf")
            if item.get("@odata.type") == "#microsoft.graph.directoryRole"]


def of_user(graph: Any, user_id: str) -> frozenset[str]:
    """The active directory roles of another user (a mailbox or service account the admin named),
    direct and through role-assignable groups: `GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole`
    (least privileged: User.Read.All, which the sign-in asks for when an account is looked up;
    https://learn.microsoft.com/graph/api/user-list-transitivememberof). A role Graph returns
    without its name (limited information for an object type the token may not read) is "a
    directory role". Empty when none, or when Graph would not say (nothing to warn about then)."""
    from urllib.parse import quote

    path = f"/users/{quote(user_id, safe='')}/transitiveMemberOf"
    try:
        try:
            entries = graph.get_all(f"{path}/microsoft.graph.directoryRole",
                                    params={"$select": "id,displayName,roleTemplateId"})
        except GraphError as exc:
            if exc.status not in (400, 404):
                raise
            entries = [item for item in graph.get_all(path)
                       if item.get("@odata.type") == "#microsoft.graph.directoryRole"]
    except GraphError as exc:
        log.info("could not read the directory roles of user %s: %s (%s)", user_id, exc.code, exc.status)
        return frozenset()
    names = set()
    for role in entries:
        template = str(role.get("roleTemplateId") or "")
        names.add(ROLE_NAMES.get(template) or str(role.get("displayName") or "") or "a directory role")
    return frozenset(names)


def admin_account_warning(email: str, label: str, vendor: str, held: Iterable[str]) -> str:
    """The plain warning for a mailbox or service account that is an administrator."""
    names = sorted(held)
    what = f"the {_or(names)} role" if len(names) == 1 else f"the roles {_and(names)}"
    return (f"Warning: {email} ({label}) is an administrator: it holds {what}. {vendor} needs no administrator "
            "role for this account, and whoever holds its sign-in could then manage your tenant. Use an ordinary "
            "account without admin roles (the wizard goes on with this one if you keep it).")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _jwt_claims(token: str) -> dict:
    """The payload of a JWT, unverified (only read for `wids`; Microsoft checks the token)."""
    import base64
    import json

    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def names_held(who: Any) -> set[str]:
    """Role names of a `SignedIn` (its names plus the names of its template ids)."""
    names = {str(r) for r in getattr(who, "roles", ()) or ()}
    names |= {ROLE_NAMES[t] for t in getattr(who, "role_template_ids", ()) or () if t in ROLE_NAMES}
    names |= {ROLE_NAMES[r] for r in list(names) if r in ROLE_NAMES}
    return names


# ---------------------------------------------------------------------- checking


GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
UNKNOWN_WARNING = ("Microsoft Graph did not say which directory roles {account} holds, so the wizard cannot check "
                   "them first. It goes ahead and Microsoft decides: a step you may not do stops with Microsoft's answer.")


def _app_roles(profile: Any) -> list[Any]:
    """The application permissions (app roles) this vendor's admin consent grants."""
    if not getattr(profile, "admin_consent", False):
        return []
    return [p for p in getattr(profile, "permissions", ()) or () if getattr(p, "type", "") == "application"]


def consenters_for(profile: Any) -> tuple[str, ...]:
    """The roles that may grant this vendor's admin consent.

    Application Administrator and Cloud Application Administrator may grant delegated
    permissions and application permissions of any API except Microsoft Graph
    (permissions-reference: "...with the exception of application permissions for Microsoft
    Graph"); Microsoft Graph app roles need a Global Administrator or Privileged Role
    Administrator.
    """
    if any(str(getattr(p, "resource_app_id", "")).lower() == GRAPH_APP_ID for p in _app_roles(profile)):
        return APP_ROLE_CONSENTERS
    return (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR, APPLICATION_ADMINISTRATOR,
            CLOUD_APPLICATION_ADMINISTRATOR)


def consent_sentence(profile: Any) -> str:
    """'by a Global Administrator, …' — who may grant this vendor's admin consent, for plan and checklist."""
    names = consenters_for(profile)
    return "by a " + _or(names)


def consent_roles_text(profile: Any) -> str:
    """The checklist's 'Role needed' for a vendor with application permissions."""
    if consenters_for(profile) == APP_ROLE_CONSENTERS:
        return ("Global Administrator or Privileged Role Administrator (Microsoft Graph application "
                "permissions need one of these to consent)")
    return ("Application Administrator, Cloud Application Administrator, Global Administrator or Privileged Role "
            "Administrator (application permissions of APIs other than Microsoft Graph, such as Exchange "
            "Online's full_access_as_app, may be granted by the application administrator roles too)")


def check(profile: Any, who: Any, graph: Any) -> str | None:
    """Raise `RoleError` naming the role needed, before anything is written.

    When sign-in could not read the roles (`who.roles_known` False) they are read once more
    here; if Graph still does not tell, nothing is refused: the warning returned says so, and
    Microsoft decides (its 403 is explained).
    """
    held = names_held(who)
    account = getattr(who, "username", "") or "the signed-in account"
    if not getattr(who, "roles_known", True):
        try:
            _ids, names, known = read(graph, {})
        except GraphError:
            known, names = False, frozenset()
        if not known:
            return UNKNOWN_WARNING.format(account=account)
        held |= set(names)
    if "@" not in account:  # "the signed-in account" starts a sentence; an address keeps its spelling
        account = account[:1].upper() + account[1:]
    enterprise = getattr(profile, "kind", "registration") == "enterprise_app"
    if not held & set(APP_WRITERS):
        needed = "Application Administrator or Cloud Application Administrator (or Global Administrator)"
        what = "manage enterprise applications" if enterprise else "create app registrations"
        raise RoleError(
            f"{account} has none of the directory roles needed to {what}: {needed}.",
            next_step=f"Sign in with an account that holds {needed}, or ask your admin to assign one (PIM: activate it first). "
                      f"Or hand the checklist of `m365-wizard manual --vendor {profile.id}` to an admin who has the role.",
        )
    consenters = consenters_for(profile)
    if _app_roles(profile) and not held & set(consenters):
        permissions = ", ".join(p.name for p in _app_roles(profile))
        raise RoleError(
            f"{account} can create the app, but granting admin consent to Microsoft Graph application permissions "
            f"({permissions}) needs a Global Administrator or a Privileged Role Administrator.",
            next_step="Sign in as a Global Administrator or Privileged Role Administrator, or ask one to run the wizard "
                      f"(or to follow the checklist of `m365-wizard manual --vendor {profile.id}`).",
        )
    return None


def _or(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
