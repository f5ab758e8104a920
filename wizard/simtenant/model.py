"""Builders for Graph objects: application, servicePrincipal, grants, users.

Each builder returns the dict Microsoft Graph v1.0 returns for that resource
type, with the default values a freshly created object has.

- application: https://learn.microsoft.com/en-us/graph/api/resources/application
- servicePrincipal: https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal
- oauth2PermissionGrant: https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant
- appRoleAssignment: https://learn.microsoft.com/en-us/graph/api/resources/approleassignment
- passwordCredential: https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import math
import random
import uuid

from wizard.simtenant import catalog, resources


def iso(ts: float) -> str:
    """Graph's DateTimeOffset, always UTC, as its OData serializer writes it (XmlConvert): up to 7
    fraction digits (100 ns ticks) with trailing zeros dropped, no fraction on a whole second.

    So `2019-09-17T19:10:35.2742618Z` (application-post-applications), `2021-09-09T19:50:29.3086381Z`
    (application-addpassword), `2021-02-15T16:14:59.8643039Z` (serviceprincipal-post-approleassignedto),
    and `2014-01-01T00:00:00Z` for a whole second such as a client-given endDateTime.
    """
    whole = math.floor(ts)
    ticks = round((ts - whole) * 1_000_000) * 10  # the clock's microseconds, without float noise
    if ticks >= 10_000_000:
        whole, ticks = whole + 1, 0
    base = dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{ticks:07d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


def parse_iso(text: str) -> float:
    """Parse an ISO 8601 timestamp (Z or offset, optional fraction) to epoch seconds."""
    value = text.strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    if "." in value:  # Python < 3.11 quirks aside, trim to microseconds
        head, _, tail = value.partition(".")
        frac = "".join(ch for ch in tail if ch.isdigit())
        zone = tail[len(frac):]
        value = f"{head}.{frac[:6].ljust(6, '0')}{zone}"
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


# Read-only or managed elsewhere: writing them is a 400 (application resource page: "Read-only"; passwords
# only through addPassword: "passwordCredentials … not updatable" per application-update).
# keyCredentials are writable: "keyCredentials … The collection of key credentials associated with the
# application. Not nullable." (application resource), updated by PATCH (application-update lists it).
APPLICATION_READ_ONLY = frozenset({"id", "appId", "createdDateTime", "deletedDateTime", "publisherDomain",
                                   "passwordCredentials", "disabledByMicrosoftStatus", "applicationTemplateId",
                                   "certification", "verifiedPublisher", "createdByAppId", "isDisabled"})
# Properties a client may write on an application (POST / PATCH): every other property of the resource.
APPLICATION_WRITABLE = resources.keys("application") - APPLICATION_READ_ONLY


def new_application(object_id: str, app_id: str, now: float, domain: str) -> dict:
    """A new application object with Graph's defaults (body applied by the caller)."""
    return resources.new("application", id=object_id, appId=app_id, createdDateTime=iso(now),
                         publisherDomain=domain)


def merge(target: dict, patch: dict) -> None:
    """Apply a PATCH body: complex properties merge one level, collections replace.

    Graph replaces collection-valued properties wholesale and merges complex types
    property by property (https://learn.microsoft.com/en-us/graph/api/application-update).
    """
    for key, value in patch.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            for sub, sub_value in value.items():
                if isinstance(current.get(sub), dict) and isinstance(sub_value, dict):
                    current[sub] = {**current[sub], **copy.deepcopy(sub_value)}
                else:
                    current[sub] = copy.deepcopy(sub_value)
        else:
            target[key] = copy.deepcopy(value)


def new_service_principal(object_id: str, app: dict, now: float, owner_tenant: str) -> dict:
    """A service principal (enterprise app) for `app`, as POST /servicePrincipals creates it."""
    uris = list(app.get("identifierUris") or [])
    web = app.get("web") or {}
    sp = resources.new(
        "servicePrincipal",
        id=object_id,
        appDisplayName=app.get("displayName"),
        appDescription=app.get("description"),
        appId=app["appId"],
        appOwnerOrganizationId=owner_tenant,
        displayName=app.get("displayName"),
        homepage=web.get("homePageUrl"),
        logoutUrl=web.get("logoutUrl"),
        replyUrls=list(web.get("redirectUris") or []),
        servicePrincipalNames=[app["appId"], *uris],
        signInAudience=app.get("signInAudience"),
        appRoles=copy.deepcopy(app.get("appRoles") or []),
        oauth2PermissionScopes=copy.deepcopy((app.get("api") or {}).get("oauth2PermissionScopes") or []),
    )
    if app.get("info"):
        sp["info"] = {**sp["info"], **copy.deepcopy(app["info"])}
    del now  # a v1.0 servicePrincipal has no createdDateTime (the resource page lists none)
    return sp


SERVICE_PRINCIPAL_WRITABLE = {"accountEnabled", "appRoleAssignmentRequired", "description", "displayName",
                              "homepage", "loginUrl", "logoutUrl", "notes", "notificationEmailAddresses",
                              "preferredSingleSignOnMode", "replyUrls", "servicePrincipalNames", "tags",
                              "alternativeNames", "appId", "appDescription", "info"}


def resource_service_principal(object_id: str, resource: catalog.ResourceApp, now: float) -> dict:
    """Microsoft Graph / Exchange Online (a first-party resource) or another tenant's multi-tenant API,
    with its permissions."""
    sp = new_service_principal(object_id, {"appId": resource.app_id, "displayName": resource.display_name},
                               now, resource.owner_tenant)
    sp["servicePrincipalNames"] = list(resource.service_principal_names)
    sp["appRoles"] = [published_app_role(r) for r in resource.roles]
    sp["oauth2PermissionScopes"] = [published_scope(s) for s in resource.scopes]
    return sp


def published_app_role(r: catalog.Role) -> dict:
    """An appRole of a Microsoft resource, in Graph's appRole shape
    (https://learn.microsoft.com/graph/api/resources/approle)."""
    return {
        "allowedMemberTypes": ["Application"],
        "description": r.description or f"Allows the app to use {r.value} without a signed-in user.",
        "displayName": r.display,
        "id": r.id,
        "isEnabled": True,
        "origin": "Application",
        "value": r.value,
    }


def published_scope(s: catalog.Scope) -> dict:
    """An oauth2PermissionScope of a Microsoft resource, in Graph's permissionScope shape
    (https://learn.microsoft.com/graph/api/resources/permissionscope). Microsoft's reference gives one
    display string and description per delegated permission; both consent texts use them."""
    description = s.description or f"Allows the app to use {s.value} on behalf of the signed-in user."
    return {
        "adminConsentDescription": description,
        "adminConsentDisplayName": s.display,
        "id": s.id,
        "isEnabled": True,
        "type": "Admin" if s.admin_only else "User",
        "userConsentDescription": description,
        "userConsentDisplayName": s.display,
        "value": s.value,
    }


def first_party_client_sp(object_id: str, app_id: str, name: str, now: float) -> dict:
    """A Microsoft public client (Graph Command Line Tools, Azure CLI) as seen in a tenant."""
    sp = new_service_principal(object_id, {"appId": app_id, "displayName": name}, now,
                               catalog.MICROSOFT_OWNER_TENANT)
    sp["signInAudience"] = "AzureADandPersonalMicrosoftAccount"
    return sp


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def grant_id(client_id: str, resource_id: str, principal_id: str | None = None) -> str:
    """An oauth2PermissionGrant's id as Graph makes it: base64url (no padding) of the client,
    resource and (for consentType Principal) principal object ids' bytes — 43 or 64 characters,
    e.g. `-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc` in
    https://learn.microsoft.com/graph/api/oauth2permissiongrant-get. Case-sensitive."""
    raw = uuid.UUID(client_id).bytes_le + uuid.UUID(resource_id).bytes_le
    if principal_id:
        raw += uuid.UUID(principal_id).bytes_le
    return _b64url(raw)


def assignment_id(principal_id: str, rng: random.Random) -> str:
    """An appRoleAssignment's id as Graph shows it: 43 base64url characters starting with the
    principal's id bytes (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto)."""
    return _b64url(uuid.UUID(principal_id).bytes_le + rng.getrandbits(128).to_bytes(16, "little"))


def new_grant(client_id: str, resource_id: str, scope: str,
              consent_type: str, principal_id: str | None) -> dict:
    return resources.new("oAuth2PermissionGrant", clientId=client_id, consentType=consent_type,
                         id=grant_id(client_id, resource_id, principal_id),
                         principalId=principal_id, resourceId=resource_id, scope=scope)


def new_assignment(object_id: str, principal: dict, principal_type: str, resource: dict,
                   app_role_id: str, now: float) -> dict:
    return resources.new(
        "appRoleAssignment",
        id=object_id,
        appRoleId=app_role_id,
        createdDateTime=iso(now),
        principalDisplayName=principal.get("displayName"),
        principalId=principal["id"],
        principalType=principal_type,
        resourceDisplayName=resource.get("displayName"),
        resourceId=resource["id"],
    )


def new_user(object_id: str, upn: str, display_name: str, mail: str | None,
             given: str | None = None, surname: str | None = None) -> dict:
    """A member user as the tenant holds it; answers carry only the default set unless `$select` asks."""
    local = upn.split("@")[0]
    return resources.new(
        "user",
        id=object_id,
        displayName=display_name,
        givenName=given,
        mail=mail,
        preferredLanguage="en-US",
        surname=surname,
        userPrincipalName=upn,
        accountEnabled=True,
        mailNickname=local,
        userType="Member",
        proxyAddresses=[f"SMTP:{mail}"] if mail else [],
        usageLocation="US",
    )


def password_credential(key_id: str, secret: str, start: float, end: float,
                        display_name: str | None) -> dict:
    """The passwordCredential returned by addPassword (secretText only this once)."""
    return resources.new("passwordCredential", displayName=display_name, endDateTime=iso(end), hint=secret[:3],
                         keyId=key_id, secretText=secret, startDateTime=iso(start))
