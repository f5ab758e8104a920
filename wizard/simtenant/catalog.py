"""Microsoft's own identifiers, as the simulated tenant seeds them.

Every GUID here is copied from /work/shared/reference/permissions.md (Microsoft's
published permission ids and first-party client ids) or from Microsoft's role
reference. Nothing is invented: a wrong id that "looks right" would make the
wizard pass against the simulator and fail against Microsoft.

Sources:
- Graph permissions (every delegated scope and app role the Microsoft Graph service principal
  publishes): the wizard's bundled catalog, `wizard/data/graph_permissions.json`, built from
  https://learn.microsoft.com/en-us/graph/permissions-reference (`wizard.catalog.graph_source()`).
- Exchange Online full_access_as_app / EWS.AccessAsUser.All: the Office 365 Exchange
  Online service principal (see permissions.md).
- Directory role template ids:
  https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference
"""

from __future__ import annotations

from dataclasses import dataclass

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

GRAPH_RESOURCE = "https://graph.microsoft.com"
EXCHANGE_RESOURCE = "https://outlook.office365.com"

# The tenant that owns Microsoft's first-party applications ("Microsoft Services").
MICROSOFT_OWNER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

# Directory role template ids (Microsoft Entra built-in roles reference).
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
APPLICATION_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
CLOUD_APPLICATION_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"

ROLE_NAMES = {
    GLOBAL_ADMIN: ("Global Administrator",
                   "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
    APPLICATION_ADMIN: ("Application Administrator",
                        "Can create and manage all aspects of app registrations and enterprise apps."),
    CLOUD_APPLICATION_ADMIN: ("Cloud Application Administrator",
                              "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."),
}

# Roles that may create and change app registrations and enterprise apps.
APP_WRITER_ROLES = frozenset({GLOBAL_ADMIN, APPLICATION_ADMIN, CLOUD_APPLICATION_ADMIN})
# Application permissions for Microsoft Graph: Application Administrator and Cloud
# Application Administrator may consent to everything EXCEPT these (role reference,
# "Application Administrator": "...with the exception of application permissions for
# Microsoft Graph").
GRAPH_APP_ROLE_CONSENT_ROLES = frozenset({GLOBAL_ADMIN})


@dataclass(frozen=True)
class Scope:
    """A delegated permission (oauth2PermissionScope)."""

    value: str
    id: str
    admin_only: bool
    display: str
    description: str = ""  # Microsoft's admin-consent description; "" when not recorded


@dataclass(frozen=True)
class Role:
    """An application permission (appRole)."""

    value: str
    id: str
    display: str
    description: str = ""  # Microsoft's description; "" when not recorded


def _catalog_forms(resource: str) -> tuple[tuple[Scope, ...], tuple[Role, ...]]:
    """The scopes and roles of a resource from the bundled catalog (Microsoft's published list).

    Where the catalog records no admin-consent flag for a delegated scope, it is published as
    "Admin": the safe side (a user cannot consent to it alone; the wizard's admin consent works).
    Where it records no display name, the permission's value stands in.
    """
    from wizard import catalog as published

    scopes, roles = [], []
    for perm in published.resource(resource).permissions.values():
        if perm.delegated:
            f = perm.delegated
            scopes.append(Scope(perm.name, f.id, f.admin_consent is not False, f.display_name or perm.name,
                                f.description or ""))
        if perm.application:
            f = perm.application
            roles.append(Role(perm.name, f.id, f.display_name or perm.name, f.description or ""))
    return tuple(scopes), tuple(roles)


# Microsoft Graph publishes every permission of Microsoft's reference; Exchange Online the two
# the wizard uses (both from the bundled catalog, so the simulator and the engine share one list).
GRAPH_SCOPES, GRAPH_ROLES = _catalog_forms("graph")
EXCHANGE_SCOPES, EXCHANGE_ROLES = _catalog_forms("exchange")

# OpenID Connect scopes: they shape the id_token, never appear as a resource's `scp`
# on their own (https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc).
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


@dataclass(frozen=True)
class ResourceApp:
    """A Microsoft resource (API) seeded as a service principal in every tenant."""

    app_id: str
    display_name: str
    identifier: str              # the resource URI clients put before "/.default"
    service_principal_names: tuple[str, ...]
    scopes: tuple[Scope, ...]
    roles: tuple[Role, ...]
    owner_tenant: str = MICROSOFT_OWNER_TENANT  # appOwnerOrganizationId of its service principal


GRAPH = ResourceApp(
    GRAPH_APP_ID, "Microsoft Graph", GRAPH_RESOURCE,
    (GRAPH_APP_ID, "https://graph.microsoft.com", "https://graph.microsoft.com/",
     "https://canary.graph.microsoft.com"),
    GRAPH_SCOPES, GRAPH_ROLES,
)
EXCHANGE = ResourceApp(
    EXCHANGE_APP_ID, "Office 365 Exchange Online", EXCHANGE_RESOURCE,
    (EXCHANGE_APP_ID, "https://outlook.office365.com", "https://outlook.office365.com/",
     "https://outlook.office.com", "https://outlook.office.com/"),
    EXCHANGE_SCOPES, EXCHANGE_ROLES,
)
RESOURCES = (GRAPH, EXCHANGE)

# Windows Azure Service Management API: the resource `az login` asks for (`https://management.core.windows.net//.default`).
# Its appId and display name as Microsoft's own sign-in log example shows them
# (https://learn.microsoft.com/en-us/graph/api/signin-list, "resourceDisplayName": "Windows Azure Service Management
# API", "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013"). Its one delegated scope is user_impersonation; its
# id is not in shared/reference/permissions.md (see docs/DESIGN.md, fidelity).
AZURE_SM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
AZURE_SM_RESOURCE = "https://management.core.windows.net/"
AZURE_SM = ResourceApp(
    AZURE_SM_APP_ID, "Windows Azure Service Management API", AZURE_SM_RESOURCE,
    (AZURE_SM_APP_ID, "https://management.core.windows.net/", "https://management.azure.com/"),
    (Scope("user_impersonation", "41094075-9dad-400e-a0bd-54e686782033", False, "Access Azure Service Management as "
                                                                                 "organization users (preview)"),),
    (),
)
# A third-party multi-tenant API, as a vendor's own API appears in a customer's tenant once its
# service principal exists (https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/create-service-principal-cross-tenant).
# FICTIONAL: "Fabrikam" is Microsoft's sample company name; the appId, the owner tenant and the permission
# ids are made up for the simulated tenant (no real API has them). A profile names it by appId
# (`resource = "<appId>"`); the wizard resolves its permissions from this service principal at run time.
FABRIKAM_APP_ID = "6f1d3c2a-9b4e-4a7d-8c15-2e0b9f7a4d61"
FABRIKAM_OWNER_TENANT = "b7e0c4d2-5a1f-4e8b-9c3d-7f2a6e1b0c94"
FABRIKAM_RESOURCE = f"api://{FABRIKAM_APP_ID}"
FABRIKAM = ResourceApp(
    FABRIKAM_APP_ID, "Fabrikam Rooms API", FABRIKAM_RESOURCE,
    (FABRIKAM_APP_ID, FABRIKAM_RESOURCE),
    (Scope("Rooms.Read", "0c7e5b1a-3f2d-4e6a-9b8c-1d4f7a2e5c30", False, "Read room bookings as the signed-in user",
           "Allows the app to read the room bookings the signed-in user can see."),
     Scope("Rooms.ReadWrite", "4a9d2e6f-1b3c-4d5e-8f7a-6c2b9e0d1a47", True, "Book rooms as the signed-in user",
           "Allows the app to read and make room bookings on behalf of the signed-in user.")),
    (Role("Rooms.Read.All", "8e3b6a1d-2c4f-4b7e-a9d0-5f1c3e7b2a68", "Read all room bookings",
          "Allows the app to read every room's bookings without a signed-in user."),
     Role("Bookings.ReadWrite.All", "2d5f8c3e-7a1b-4c9d-b6e2-0a4f9d3c1b75", "Read and write all bookings",
          "Allows the app to read and make bookings of every room without a signed-in user.")),
    FABRIKAM_OWNER_TENANT,
)
# Resources seeded after the users (so the earlier objects keep their seeded ids).
LATER_RESOURCES = (AZURE_SM, FABRIKAM)

# First-party public clients that can run the device-code flow.
PUBLIC_CLIENTS = {
    GRAPH_CLI_CLIENT_ID: "Microsoft Graph Command Line Tools",
    AZURE_CLI_CLIENT_ID: "Microsoft Azure CLI",
}
# Their redirect URIs for the interactive (auth-code) sign-in: the loopback `http://localhost` that
# Graph PowerShell (Connect-MgGraph) and MSAL's acquire_token_interactive use; the port is ignored
# (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions).
PUBLIC_CLIENT_REDIRECT_URIS = {
    GRAPH_CLI_CLIENT_ID: ("http://localhost",),
    AZURE_CLI_CLIENT_ID: ("http://localhost",),
}
# Clients pre-authorized for any Microsoft Graph delegated scope (no consent prompt).
GRAPH_PREAUTHORIZED = frozenset({GRAPH_CLI_CLIENT_ID})
# Microsoft's public clients pre-authorized for a fixed set of a resource's scopes: client -> resource appId ->
# scopes. Asking for anything else is AADSTS65002 ("must be configured via preauthorization"). The Azure CLI
# (`az ad app/sp …` since its move to Microsoft Graph, https://learn.microsoft.com/en-us/cli/azure/microsoft-graph-migration)
# gets the app-management scopes its `az ad` commands need, and user_impersonation on Azure Service Management;
# `az rest` for anything else fails (Azure/azure-cli#26471, #33778: PermissionScopeNotGranted / no preauthorization).
PREAUTHORIZED_SCOPES = {
    AZURE_CLI_CLIENT_ID: {
        GRAPH_APP_ID: ("User.Read", "User.Read.All", "User.ReadWrite.All", "Application.ReadWrite.All",
                       "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All",
                       "Directory.AccessAsUser.All", "Group.ReadWrite.All", "AuditLog.Read.All"),
        AZURE_SM_APP_ID: ("user_impersonation",),
    },
}
