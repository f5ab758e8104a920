"""Graph: service principals (enterprise apps) and app role assignments.

- GET/POST /servicePrincipals     https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list
                                  https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-serviceprincipals
- GET/PATCH/DELETE /servicePrincipals/{id} and /servicePrincipals(appId='…')
                                  https://learn.microsoft.com/en-us/graph/api/serviceprincipal-get
- /servicePrincipals/{resource-id}/appRoleAssignedTo (GET, POST, DELETE /{assignment-id})
                                  https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto
- /servicePrincipals/{client-id}/appRoleAssignments (GET, POST, DELETE /{assignment-id})
                                  https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignments

Granting an app role to a client service principal is "admin consent" for an
application permission. Application Administrator and Cloud Application
Administrator may do it for any resource except Microsoft Graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from wizard.simtenant import catalog, model, odata, resources
from wizard.simtenant.graph import (INSUFFICIENT, Call, bad_request, collection, count_segment, not_found,
                                    require_writer,
                                    single, unquote_key)
from wizard.simtenant.responses import GraphFailure, graph_empty

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

SPS = odata.Filterable("servicePrincipal", frozenset({"id", "appId", "displayName", "servicePrincipalType",
                                                      "accountEnabled", "appOwnerOrganizationId",
                                                      "preferredSingleSignOnMode", "signInAudience"}),
                       frozenset({"servicePrincipalNames", "tags"}))
SP_PROPS = set(resources.keys("servicePrincipal"))
SP_HIDDEN = resources.select_only("servicePrincipal")  # "Returned only on $select"
ASSIGNMENTS = odata.Filterable("appRoleAssignment", frozenset({"principalId", "resourceId", "appRoleId",
                                                               "principalType"}))
ASSIGNMENT_PROPS = set(resources.keys("appRoleAssignment"))
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"
SP_REF = r"/servicePrincipals(?:/(?P<id>[^/()]+)|\((?P<key>appId)='(?P<kval>(?:[^']|'')*)'\))"


def routes(sim: "SimTenant"):
    state = sim.state

    def find(call: Call) -> dict:
        groups = call.match.groupdict()
        if groups.get("id"):
            key = groups["id"]
            sp = state.service_principals.get(key) or state.service_principals.get(key.lower())  # GUIDs: any case
        else:
            key = unquote_key(groups["kval"])
            sp = state.sp_by_app_id(key)
        if sp is None or not state.visible(sp["id"]):
            raise not_found(key)
        return sp

    # ---- service principals -------------------------------------------------------------
    def list_sps(call: Call) -> httpx.Response:
        return collection(call, list(state.service_principals.values()), SPS, "servicePrincipals",
                          lambda s: state.visible(s["id"]), SP_PROPS, hidden=SP_HIDDEN)

    def post_sp(call: Call) -> httpx.Response:
        require_writer(call)
        body = call.body()
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise bad_request("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.")
        for key in body:
            if key not in model.SERVICE_PRINCIPAL_WRITABLE and not key.startswith("@odata."):
                raise bad_request(f"Property '{key}' does not exist as a declared property or extension property.")
        app = state.app_by_app_id(app_id)
        if app is None or not state.visible(app["id"]):
            raise bad_request(f"The appId '{app_id}' of the service principal does not reference a valid "
                              "application object.")
        if state.sp_by_app_id(app_id) is not None:
            raise GraphFailure(409, "Request_MultipleObjectsWithSameKeyValue",
                               "Another object with the same value for property servicePrincipalNames already "
                               "exists.")
        sp = sim.create_service_principal(app, call.ctx.now)
        model.merge(sp, {k: v for k, v in body.items() if k != "appId" and not k.startswith("@odata.")})
        headers = {"Location": f"{call.ctx.base_url}/v2/{state.tenant_id}/directoryObjects/{sp['id']}"
                               "/Microsoft.DirectoryServices.ServicePrincipal"}
        return single(call, sp, "servicePrincipals/$entity", SP_PROPS, 201, headers, hidden=SP_HIDDEN)

    def get_sp(call: Call) -> httpx.Response:
        return single(call, find(call), "servicePrincipals/$entity", SP_PROPS, hidden=SP_HIDDEN)

    def patch_sp(call: Call) -> httpx.Response:
        require_writer(call)
        sp = find(call)
        body = call.body()
        for key in body:
            if key not in model.SERVICE_PRINCIPAL_WRITABLE or key == "appId":
                raise bad_request(f"Property '{key}' does not exist as a declared property or extension property.")
        model.merge(sp, body)
        return graph_empty(call.ctx)

    def delete_sp(call: Call) -> httpx.Response:
        require_writer(call)
        sp = find(call)
        if sp["appOwnerOrganizationId"] == catalog.MICROSOFT_OWNER_TENANT:
            raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)
        sim.delete_service_principal(sp)
        return graph_empty(call.ctx)

    # ---- app role assignments ----------------------------------------------------------------
    def list_assigned_to(call: Call) -> httpx.Response:
        sp = find(call)
        items = [a for a in state.assignments.values() if a["resourceId"] == sp["id"]]
        return collection(call, items, ASSIGNMENTS, f"servicePrincipals('{sp['id']}')/appRoleAssignedTo",
                          lambda _a: True, ASSIGNMENT_PROPS)

    def list_assignments(call: Call) -> httpx.Response:
        sp = find(call)
        items = [a for a in state.assignments.values() if a["principalId"] == sp["id"]]
        return collection(call, items, ASSIGNMENTS, f"servicePrincipals('{sp['id']}')/appRoleAssignments",
                          lambda _a: True, ASSIGNMENT_PROPS)

    def principal_of(principal_id: str) -> tuple[dict, str]:
        sp = state.service_principals.get(principal_id)
        if sp is not None and state.visible(sp["id"]):
            return sp, "ServicePrincipal"
        user = state.users.get(principal_id)
        if user is not None:
            return user, "User"
        raise not_found(principal_id)

    def assign(call: Call, anchor: dict, anchor_is_resource: bool) -> httpx.Response:
        require_writer(call)
        body = call.body()
        principal_id = str(body.get("principalId") or "")
        resource_id = str(body.get("resourceId") or "")
        app_role_id = str(body.get("appRoleId") or "")
        if not principal_id or not resource_id or not app_role_id:
            raise bad_request("principalId, resourceId and appRoleId are required.")
        if anchor_is_resource and resource_id != anchor["id"]:
            raise bad_request("resourceId must be the service principal in the request URL.")
        if not anchor_is_resource and principal_id != anchor["id"]:
            raise bad_request("principalId must be the service principal in the request URL.")
        resource = anchor if anchor_is_resource else state.service_principals.get(resource_id)
        if resource is None or not state.visible(resource["id"], consume=not anchor_is_resource):
            raise not_found(resource_id)
        principal, principal_type = (anchor, "ServicePrincipal") if not anchor_is_resource \
            else principal_of(principal_id)
        role = next((r for r in resource.get("appRoles", []) if r["id"] == app_role_id and r.get("isEnabled")), None)
        member_type = "Application" if principal_type == "ServicePrincipal" else "User"
        # https://learn.microsoft.com/en-us/graph/api/resources/approleassignment (appRoleId): a resource that
        # declares no app roles takes the default id 00000000-0000-0000-0000-000000000000 ("default access").
        default_access = app_role_id == DEFAULT_ACCESS and not resource.get("appRoles")
        if not default_access and (role is None or member_type not in role.get("allowedMemberTypes", [])):
            raise bad_request(f"Permission being assigned was not found on application '{resource['appId']}'.")
        if call.caller.kind == "user" and resource["appId"] == catalog.GRAPH_APP_ID \
                and not call.caller.role_templates & catalog.GRAPH_APP_ROLE_CONSENT_ROLES:
            raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)
        duplicate = any(a["principalId"] == principal["id"] and a["resourceId"] == resource["id"]
                        and a["appRoleId"] == app_role_id for a in state.assignments.values())
        if duplicate:
            raise bad_request("Permission being assigned already exists on the object.")
        assignment = model.new_assignment(sim.ids.assignment_id(principal["id"]), principal, principal_type, resource,
                                          app_role_id, call.ctx.now)
        state.assignments[assignment["id"]] = assignment
        context = "appRoleAssignedTo" if anchor_is_resource else "appRoleAssignments"
        return single(call, assignment, f"servicePrincipals('{anchor['id']}')/{context}/$entity",
                      ASSIGNMENT_PROPS, 201)

    def post_assigned_to(call: Call) -> httpx.Response:
        return assign(call, find(call), anchor_is_resource=True)

    def post_assignment(call: Call) -> httpx.Response:
        return assign(call, find(call), anchor_is_resource=False)

    def delete_assignment(field_name: str):
        def handler(call: Call) -> httpx.Response:
            require_writer(call)
            sp = find(call)
            assignment_id = call.match.group("aid")
            assignment = state.assignments.get(assignment_id)
            if assignment is None or assignment[field_name] != sp["id"]:
                raise not_found(assignment_id)
            resource = state.service_principals.get(assignment["resourceId"]) or {}
            if call.caller.kind == "user" and resource.get("appId") == catalog.GRAPH_APP_ID \
                    and not call.caller.role_templates & catalog.GRAPH_APP_ROLE_CONSENT_ROLES:
                raise GraphFailure(403, "Authorization_RequestDenied", INSUFFICIENT)
            del state.assignments[assignment_id]
            return graph_empty(call.ctx)
        return handler

    return [
        ("GET", r"/servicePrincipals", list_sps, "apps.read"),
        ("GET", r"/servicePrincipals/\$count",
         lambda call: count_segment(call, list(state.service_principals.values()), lambda s: state.visible(s["id"])),
         "apps.read"),
        ("POST", r"/servicePrincipals", post_sp, "apps.write"),
        ("GET", SP_REF, get_sp, "apps.read"),
        ("PATCH", SP_REF, patch_sp, "apps.write"),
        ("DELETE", SP_REF, delete_sp, "apps.write"),
        ("GET", SP_REF + r"/appRoleAssignedTo", list_assigned_to, "assignments.read"),
        ("POST", SP_REF + r"/appRoleAssignedTo", post_assigned_to, "assignments.write"),
        ("DELETE", SP_REF + r"/appRoleAssignedTo/(?P<aid>[^/]+)", delete_assignment("resourceId"),
         "assignments.write"),
        ("GET", SP_REF + r"/appRoleAssignments", list_assignments, "assignments.read"),
        ("POST", SP_REF + r"/appRoleAssignments", post_assignment, "assignments.write"),
        ("DELETE", SP_REF + r"/appRoleAssignments/(?P<aid>[^/]+)", delete_assignment("principalId"),
         "assignments.write"),
    ]
