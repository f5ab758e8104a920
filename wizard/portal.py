"""The Microsoft Entra admin center: deep links to its blades, and one checklist item.

Manual mode (`wizard.manual`) hands a person a to-do list for the admin center; every step
kind (`wizard.steps`) writes its own item of that list. Both need the blade links and the
words the portal uses, so they live here, apart from either.

    portal_link(client_id, MENU_AUTH)   # one blade of one registration
    ChecklistItem("Grant admin consent", [("Button", "Grant admin consent for …")], link)

Blade routes as the portal itself uses them; "isMSAApp~/false" is the flag the portal adds
for work-or-school apps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The Microsoft Entra admin center (global cloud).
PORTAL = "https://entra.microsoft.com"
PORTALS = {  # national clouds: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
    "global": "https://entra.microsoft.com",
    "usgov": "https://entra.microsoft.us",
    "china": "https://entra.microsoftonline.cn",
}
_REGISTERED = "#view/Microsoft_AAD_RegisteredApps"
BLADE_APPS = "ApplicationsListBlade"
BLADE_NEW = "CreateApplicationBlade/quickStartType~/null/isMSAApp~/false"
# Menu items of one registration (ApplicationMenuBlade/~/<item>/appId/<appId>).
MENU_OVERVIEW, MENU_AUTH, MENU_API, MENU_SECRETS = "Overview", "Authentication", "CallAnAPI", "Credentials"
MENU_BRANDING = "Branding"  # Branding & properties
ENTERPRISE_APPS = "#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview"

# What the "Expires" list of "Add a client secret" offers (else: Custom, with an end date).
PORTAL_EXPIRY = {3: "90 days (3 months)", 6: "180 days (6 months)", 12: "365 days (12 months)",
                 18: "545 days (18 months)", 24: "730 days (24 months)"}
AUDIENCE_CHOICE = {
    "AzureADMyOrg": "Accounts in this organizational directory only (Single tenant)",
    "AzureADMultipleOrgs": "Accounts in any organizational directory (Any Microsoft Entra ID tenant - Multitenant)",
}
TYPE_WORDS = {"delegated": "Delegated", "application": "Application"}


def portal_link(client_id: str | None = None, menu: str = MENU_OVERVIEW, *, portal: str = PORTAL) -> str:
    """Deep link to one blade of a registration, or the app registrations list without an id."""
    base = f"{portal.rstrip('/')}/{_REGISTERED}"
    if not client_id:
        return f"{base}/{BLADE_APPS}"
    return f"{base}/ApplicationMenuBlade/~/{menu}/appId/{client_id}/isMSAApp~/false"


def new_registration_link(*, portal: str = PORTAL) -> str:
    return f"{portal.rstrip('/')}/{_REGISTERED}/{BLADE_NEW}"


def enterprise_apps_link(*, portal: str = PORTAL) -> str:
    return f"{portal.rstrip('/')}/{ENTERPRISE_APPS}"


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to do in the admin center: where, what to enter, and the link there."""

    title: str
    values: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    help: str = ""  # one or two sentences: what to click
