"""The objects every simulated tenant starts with.

- Microsoft's resource service principals (Microsoft Graph, Office 365 Exchange
  Online) carrying their real permission ids, and the first-party public clients
  (Microsoft Graph Command Line Tools, Azure CLI), as a real tenant has them.
- The demo users and their directory roles: admin@ (Global Administrator),
  appadmin@ (Application Administrator), cloudadmin@ (Cloud Application
  Administrator), jane@ (no role), and two mailboxes (calendar-sync@, loopmeeting-svc@).

Everything is created in a fixed order from the tenant's seeded id stream, so the
ids are the same on every run with the same seed.
"""

from __future__ import annotations

import random
import uuid

from wizard.simtenant import catalog, model, resources
from wizard.simtenant.state import Ids, TenantState

DEMO_TENANT_ID = "3c1e0f5a-8d2b-4e7c-9a61-5b0d7e2f4c18"
DEMO_DOMAIN = "contoso.onmicrosoft.com"
DEMO_ORG_NAME = "Contoso"

# (local part, display name, given name, surname, role template id or None, has mailbox)
# Licensed users carry an enabled Exchange Online plan in assignedPlans
# (https://learn.microsoft.com/graph/api/resources/assignedplan: service "exchange");
# calendar-sync is a shared mailbox: a mail address, no licence, so no plan.
EXCHANGE_PLAN_ID = "9aaf7827-d63c-4b61-89c3-182f06f82e5c"  # EXCHANGE_S_STANDARD (Exchange Online Plan 1)
UNLICENSED = ("calendar-sync",)
DEMO_USERS = (
    ("admin", "Contoso Admin", "Contoso", "Admin", catalog.GLOBAL_ADMIN, True),
    ("appadmin", "App Admin", "App", "Admin", catalog.APPLICATION_ADMIN, True),
    ("cloudadmin", "Cloud App Admin", "Cloud", "Admin", catalog.CLOUD_APPLICATION_ADMIN, True),
    ("jane", "Jane Doe", "Jane", "Doe", None, True),
    ("calendar-sync", "Calendar Sync", None, None, None, True),
    ("loopmeeting-svc", "LoopMeeting Service", None, None, None, True),
)


def accounts(domain: str = DEMO_DOMAIN, users=DEMO_USERS) -> list[tuple[str, str, str]]:
    """The demo tenant's accounts, for `--demo`'s field help and "not a user" errors:
    (address, mailbox: "mailbox" | "shared mailbox" | "", directory role name or ""), e.g.
    ("appadmin@contoso.onmicrosoft.com", "mailbox", "Application Administrator").
    Read from the same table `build` seeds the tenant with (never a second copy)."""
    out = []
    for local, _display, _given, _surname, role, mailbox in users:
        kind = ("shared mailbox" if local in UNLICENSED else "mailbox") if mailbox else ""
        out.append((f"{local}@{domain}", kind, catalog.ROLE_NAMES[role][0] if role else ""))
    return out


def organization(tenant_id: str, domain: str, name: str, now: float) -> dict:
    """GET /organization: https://learn.microsoft.com/en-us/graph/api/resources/organization"""
    return resources.new(
        "organization",
        id=tenant_id,
        countryLetterCode="US",
        createdDateTime=model.iso(now - 86400 * 400),
        displayName=name,
        preferredLanguage="en",
        tenantType="AAD",
        technicalNotificationMails=[f"admin@{domain}"],
        verifiedDomains=[resources.new("verifiedDomain", capabilities="Email, OfficeCommunicationsOnline",
                                       isDefault=True, isInitial=True, name=domain, type="Managed")],
    )


def build(ids: Ids, now: float, tenant_id: str = DEMO_TENANT_ID, domain: str = DEMO_DOMAIN,
          name: str = DEMO_ORG_NAME, users=DEMO_USERS) -> TenantState:
    """A fresh tenant: resources, first-party clients, users, roles."""
    state = TenantState(tenant_id=tenant_id, domain=domain, display_name=name)
    state.organization = organization(tenant_id, domain, name, now)
    created = now - 86400 * 400  # seeded objects predate the run
    for resource in catalog.RESOURCES:
        sp = model.resource_service_principal(ids.object_id(), resource, created)
        state.service_principals[sp["id"]] = sp
    for app_id, display in catalog.PUBLIC_CLIENTS.items():
        sp = model.first_party_client_sp(ids.object_id(), app_id, display, created)
        state.service_principals[sp["id"]] = sp
    roles_by_template: dict[str, str] = {}
    for template in (catalog.GLOBAL_ADMIN, catalog.APPLICATION_ADMIN, catalog.CLOUD_APPLICATION_ADMIN):
        role_id = ids.object_id()
        display, description = catalog.ROLE_NAMES[template]
        state.directory_roles[role_id] = {
            "@odata.type": "#microsoft.graph.directoryRole",
            **resources.new("directoryRole", id=role_id, description=description, displayName=display,
                            roleTemplateId=template),
        }
        state.role_members[role_id] = set()
        roles_by_template[template] = role_id
    for local, display, given, surname, role, mailbox in users:
        upn = f"{local}@{domain}"
        user = model.new_user(ids.object_id(), upn, display, upn if mailbox else None, given, surname)
        if mailbox and local not in UNLICENSED:
            user["assignedPlans"] = [{"assignedDateTime": "2025-01-01T00:00:00Z", "capabilityStatus": "Enabled",
                                      "service": "exchange", "servicePlanId": EXCHANGE_PLAN_ID}]
        state.users[user["id"]] = user
        if role:
            state.role_members[roles_by_template[role]].add(user["id"])
    for resource in catalog.LATER_RESOURCES:  # own id stream: every other seeded or created id stays as it was
        rng = random.Random(f"later-resource-{resource.app_id}-{tenant_id}")
        sp = model.resource_service_principal(str(uuid.UUID(int=rng.getrandbits(128), version=4)), resource, created)
        state.service_principals[sp["id"]] = sp
    return state
