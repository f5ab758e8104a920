"""Graph: delegated permission grants (`/oauth2PermissionGrants`), i.e. consent to scopes.

- GET /oauth2PermissionGrants?$filter=clientId eq '…' [and resourceId eq '…' and consentType eq '…']
      https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-list
- POST /oauth2PermissionGrants   https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post
- GET/PATCH/DELETE /oauth2PermissionGrants/{id}
      https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-update
      https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-delete

`consentType` "AllPrincipals" is admin consent for everyone (principalId null);
"Principal" is consent for one user (principalId = the user's id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from wizard.simtenant import model, odata, resources
from wizard.simtenant.graph import Call, bad_request, collection, not_found, require_writer, single
from wizard.simtenant.responses import GraphFailure, graph_empty

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

GRANTS = odata.Filterable("oAuth2PermissionGrant", frozenset({"id", "clientId", "resourceId", "consentType",
                                                              "principalId"}))
GRANT_PROPS = set(resources.keys("oAuth2PermissionGrant"))


def routes(sim: "SimTenant"):
    state = sim.state

    def find(call: Call) -> dict:
        grant_id = call.match.group("gid")
        grant = state.grants.get(grant_id)
        if grant is None:
            raise not_found(grant_id)
        return grant

    def check_scope(scope: object, resource: dict) -> str:
        if not isinstance(scope, str):
            raise bad_request("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.")
        published = {s["value"] for s in resource.get("oauth2PermissionScopes", []) if s.get("isEnabled")}
        unknown = [s for s in scope.split() if s not in published]
        if unknown:
            raise bad_request(f"Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': "
                              f"'{' '.join(unknown)}' is not a delegated permission of '{resource['displayName']}'.")
        return " ".join(scope.split())

    def list_grants(call: Call) -> httpx.Response:
        return collection(call, list(state.grants.values()), GRANTS, "oauth2PermissionGrants",
                          lambda _g: True, GRANT_PROPS)

    def get_grant(call: Call) -> httpx.Response:
        return single(call, find(call), "oauth2PermissionGrants/$entity", GRANT_PROPS)

    def post_grant(call: Call) -> httpx.Response:
        require_writer(call)
        body = call.body()
        for key in body:
            # `id` is a declared, read-only property: the documented request example sends one
            # ("id": "id-value") and Graph assigns its own, so it is ignored here, not refused.
            if key not in GRANT_PROPS and key not in ("startTime", "expiryTime") \
                    and not key.startswith("@odata."):
                raise bad_request(f"Property '{key}' does not exist as a declared property or extension property.")
        client_id = str(body.get("clientId") or "")
        resource_id = str(body.get("resourceId") or "")
        consent_type = body.get("consentType")
        principal_id = body.get("principalId")
        if consent_type not in ("AllPrincipals", "Principal"):
            raise bad_request("Invalid value specified for property 'consentType' of resource "
                              "'OAuth2PermissionGrant'.")
        if consent_type == "AllPrincipals" and principal_id:
            raise bad_request("principalId must be null when consentType is AllPrincipals.")
        if consent_type == "Principal" and (not principal_id or principal_id not in state.users):
            raise bad_request("Invalid value specified for property 'principalId' of resource "
                              "'OAuth2PermissionGrant'.")
        client = state.service_principals.get(client_id)
        if client is None or not state.visible(client_id):
            raise not_found(client_id)
        resource = state.service_principals.get(resource_id)
        if resource is None or not state.visible(resource_id):
            raise not_found(resource_id)
        scope = check_scope(body.get("scope", ""), resource)
        duplicate = any(g["clientId"] == client_id and g["resourceId"] == resource_id
                        and g["consentType"] == consent_type and g.get("principalId") == (principal_id or None)
                        for g in state.grants.values())
        if duplicate:
            raise GraphFailure(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
        sim.ids.object_id()  # grant ids derive from their objects; the draw keeps seeded ids stable
        grant = model.new_grant(client_id, resource_id, scope, consent_type,
                                principal_id or None)
        state.grants[grant["id"]] = grant
        return single(call, grant, "oauth2PermissionGrants/$entity", GRANT_PROPS, 201)

    def patch_grant(call: Call) -> httpx.Response:
        require_writer(call)
        grant = find(call)
        body = call.body()
        for key in body:
            if key != "scope":
                raise bad_request(f"Property '{key}' is read-only and cannot be set.")
        resource = state.service_principals[grant["resourceId"]]
        grant["scope"] = check_scope(body.get("scope", ""), resource)
        return graph_empty(call.ctx)

    def delete_grant(call: Call) -> httpx.Response:
        require_writer(call)
        grant = find(call)
        del state.grants[grant["id"]]
        return graph_empty(call.ctx)

    return [
        ("GET", r"/oauth2PermissionGrants", list_grants, "grants.read"),
        ("POST", r"/oauth2PermissionGrants", post_grant, "grants.write"),
        ("GET", r"/oauth2PermissionGrants/(?P<gid>[^/]+)", get_grant, "grants.read"),
        ("PATCH", r"/oauth2PermissionGrants/(?P<gid>[^/]+)", patch_grant, "grants.write"),
        ("DELETE", r"/oauth2PermissionGrants/(?P<gid>[^/]+)", delete_grant, "grants.write"),
    ]
