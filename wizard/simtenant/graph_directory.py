"""Graph: the organization, the signed-in user, users and their role memberships.

- GET /organization        https://learn.microsoft.com/en-us/graph/api/organization-list
- GET /organization/{id}   https://learn.microsoft.com/en-us/graph/api/organization-get
- GET /me, /users/{id|upn} https://learn.microsoft.com/en-us/graph/api/user-get
- GET /me/memberOf         https://learn.microsoft.com/en-us/graph/api/user-list-memberof
  (directoryRole objects carry `roleTemplateId`: how a client learns the user's roles)
- GET /me/transitiveMemberOf https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof
  Both (and /users/{id}/…) take an OData cast segment, "OData cast is also enabled":
  `/me/memberOf/microsoft.graph.directoryRole` lists only the directory roles
  (also `microsoft.graph.group`, `microsoft.graph.administrativeUnit`); any other type
  is 400 Request_UnsupportedQuery. `memberOf` lists the roles assigned to the user
  directly and the groups the user is in; `transitiveMemberOf` adds the roles those
  groups hold (role-assignable groups, scenario flag `role_groups`; such a group cannot
  contain groups, so one level is all there is:
  https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
- GET /users               https://learn.microsoft.com/en-us/graph/api/user-list
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from wizard.simtenant import odata, resources
from wizard.simtenant.graph import Call, collection, count_segment, not_found, single
from wizard.simtenant.responses import GraphFailure, graph_json

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

USERS = odata.Filterable("user", frozenset({"id", "userPrincipalName", "mail", "displayName", "givenName",
                                            "surname", "jobTitle"}))
USER_PROPS = set(resources.keys("user"))
# "By default, only a limited set of properties are returned" (the user resource page): the rest on $select.
USER_HIDDEN = resources.select_only("user")
ROLE_PROPS = set(resources.keys("directoryRole"))
GROUP_PROPS = set(resources.keys("group"))
GROUP_HIDDEN = resources.select_only("group")
# OData casts a memberOf collection accepts: type -> @odata.context entity set.
MEMBER_CASTS = {
    "microsoft.graph.directoryRole": "directoryRoles",
    "microsoft.graph.group": "groups",
    "microsoft.graph.administrativeUnit": "administrativeUnits",
}
CAST = r"(?:/(?P<cast>microsoft\.graph\.[A-Za-z]+))?"


def routes(sim: "SimTenant"):
    state = sim.state

    def delegated_only(call: Call) -> dict:
        if call.caller.kind != "user" or call.caller.user is None:
            raise GraphFailure(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        return call.caller.user

    def organization(call: Call) -> httpx.Response:
        return collection(call, [state.organization], odata.Filterable("organization", frozenset({"id"})),
                          "organization", lambda _o: True, set(state.organization))

    def get_organization(call: Call) -> httpx.Response:
        # https://learn.microsoft.com/en-us/graph/api/organization-get
        if call.match.group("oid").lower() != state.tenant_id.lower():
            raise not_found(call.match.group("oid"))
        return single(call, state.organization, "organization/$entity", set(state.organization))

    def me(call: Call) -> httpx.Response:
        return single(call, delegated_only(call), "users/$entity", USER_PROPS, hidden=USER_HIDDEN)

    def member_of(user: dict, call: Call) -> httpx.Response:
        cast = call.match.groupdict().get("cast")
        if cast:  # type names in a cast segment resolve case-insensitively too
            cast = next((c for c in MEMBER_CASTS if c.lower() == cast.lower()), cast)
        transitive = "/transitivememberof" in call.path.lower()
        memberships = state.user_roles(user["id"], transitive=transitive) + state.user_groups(user["id"])
        context = "directoryObjects"
        if cast:
            if cast not in MEMBER_CASTS:
                raise GraphFailure(400, "Request_UnsupportedQuery",
                                   f"The type cast '{cast}' is not supported on this relationship.")
            context = MEMBER_CASTS[cast]
            memberships = [m for m in memberships if m.get("@odata.type") == f"#{cast}"]
        return collection(call, memberships, odata.Filterable("directoryObject", frozenset({"displayName", "id"})),
                          context, lambda _r: True, ROLE_PROPS | GROUP_PROPS, hidden=GROUP_HIDDEN)

    def me_member_of(call: Call) -> httpx.Response:
        return member_of(delegated_only(call), call)

    def find_user(call: Call) -> dict:
        key = call.match.group("uid")
        user = state.user(key)
        if user is None:
            raise not_found(key)
        return user

    def get_user(call: Call) -> httpx.Response:
        return single(call, find_user(call), "users/$entity", USER_PROPS, hidden=USER_HIDDEN)

    def user_member_of(call: Call) -> httpx.Response:
        return member_of(find_user(call), call)

    def list_users(call: Call) -> httpx.Response:
        return collection(call, list(state.users.values()), USERS, "users", lambda _u: True, USER_PROPS,
                          hidden=USER_HIDDEN)

    return [
        ("GET", r"/organization", organization, "organization"),
        ("GET", r"/organization/(?P<oid>[^/]+)", get_organization, "organization"),
        ("GET", r"/me", me, "me"),
        ("GET", r"/me/(?:transitiveMemberOf|memberOf)" + CAST, me_member_of, "memberOf"),
        ("GET", r"/users", list_users, "users"),
        ("GET", r"/users/\$count", lambda call: count_segment(call, list(state.users.values()), lambda _u: True),
         "users"),
        ("GET", r"/users/(?P<uid>[^/]+)", get_user, "users"),
        ("GET", r"/users/(?P<uid>[^/]+)/(?:transitiveMemberOf|memberOf)" + CAST, user_member_of, "users"),
    ]
