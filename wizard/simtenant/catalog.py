"""Microsoft's own identifiers, as the simulated tenant seeds them.

Every GUID here is copied from /work/shared/reference/permissions.md (Microsoft's
published permission ids and first-party client ids) or from Microsoft's role
reference. Nothing is invented: a wrong id that "looks right" would make the
wizard pass against the simulator and fail against Microsoft.

Sources:
- Graph permission ids: https://learn.microsoft.com/en-us/graph/permissions-reference
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


@dataclass(frozen=True)
class Role:
    """An application permission (appRole)."""

    value: str
    id: str
    display: str


GRAPH_SCOPES = (
    Scope("openid", "37f7f235-527c-4136-accd-4a02d197296e", False, "Sign users in"),
    Scope("profile", "14dad69e-099b-42c9-810b-d002981feec1", False, "View users' basic profile"),
    Scope("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", False, "View users' email address"),
    Scope("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", False, "Maintain access to data you have given it access to"),
    Scope("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", False, "Sign in and read user profile"),
    Scope("User.Read.All", "a154be20-db9c-4678-8ab7-66f6cc099a59", True, "Read all users' full profiles"),
    Scope("Calendars.Read", "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", False, "Read user calendars"),
    Scope("Calendars.Read.Shared", "2b9c4092-424d-4249-948d-b43879977640", False, "Read user and shared calendars"),
    Scope("Calendars.ReadWrite", "1ec239c2-d7c9-4623-a91a-a9775856bb36", False, "Have full access to user calendars"),
    Scope("Calendars.ReadWrite.Shared", "12466101-c9b8-439a-8589-dd09ee67e8e9", False, "Read and write user and shared calendars"),
    Scope("OnlineMeetings.Read", "9be106e1-f4e3-4df5-bdff-e4bc531cbe43", False, "Read user's online meetings"),
    Scope("OnlineMeetings.ReadWrite", "a65f2972-a4f8-4f5e-afd7-69ccb046d5dc", False, "Read and create user's online meetings"),
    Scope("Application.ReadWrite.All", "bdfbf15f-ee85-4955-8675-146e8e5296b5", True, "Read and write all applications"),
    Scope("AppRoleAssignment.ReadWrite.All", "84bccea3-f856-4a8a-967b-dbe0a3d53a64", True, "Manage app permission grants and app role assignments"),
    Scope("DelegatedPermissionGrant.ReadWrite.All", "41ce6ca6-6826-4807-84f1-1c82854f7ee5", True, "Manage all delegated permission grants"),
    Scope("Directory.Read.All", "06da0dbc-49e2-44d2-8312-53f166ab848a", True, "Read directory data"),
)

GRAPH_ROLES = (
    Role("User.Read.All", "df021288-bdef-4463-88db-98f22de89214", "Read all users' full profiles"),
    Role("Calendars.Read", "798ee544-9d2d-430c-a058-570e29e34338", "Read calendars in all mailboxes"),
    Role("Calendars.ReadWrite", "ef54d2bf-783f-4e0f-bca1-3210c0444d99", "Read and write calendars in all mailboxes"),
    Role("OnlineMeetings.ReadWrite.All", "b8bb2037-6e08-44ac-a4ea-4674e010e2a4", "Read and create online meetings"),
    Role("Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Read and write all applications"),
    Role("AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f", "Manage app permission grants and app role assignments"),
    Role("DelegatedPermissionGrant.ReadWrite.All", "8e8e4742-1d95-4f68-9d56-6ee75648c72a", "Manage all delegated permission grants"),
    Role("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Read directory data"),
)

EXCHANGE_SCOPES = (
    Scope("EWS.AccessAsUser.All", "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", False,
          "Access mailboxes as the signed-in user via Exchange Web Services"),
)
EXCHANGE_ROLES = (
    Role("full_access_as_app", "dc890d15-9560-4a4c-9b7f-a736ec74ec40", "Use Exchange Web Services with full access to all mailboxes"),
)

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
