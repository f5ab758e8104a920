"""Guided manual mode: a checklist for the Microsoft Entra admin center.

When the wizard cannot sign in (Conditional Access blocks device code, the admin
declined, the account lacks a role) or on request (`m365-wizard --manual`), a person
with the right role does the clicks in the Entra admin center instead. This module
turns a vendor profile and the answers into that person's to-do list:

    checklist = manual_checklist(profile, answers, tenant="contoso.com")
    print(checklist.as_text())          # or .as_markdown(), to save and hand over
    pasted = validate_pasted(tenant_id, client_id, secret, profile)
    report = run_token_test(target, http, clock, profile, pasted)   # client credentials only
    snippet = pasted_snippet(target, profile, answers, pasted)

Each item names the blade, the exact values to enter and a deep link to that blade.
The checklist never contains a secret: it is meant to be printed, mailed, saved.

The token test needs no admin sign-in: a client-credentials request with the pasted
client ID and secret value proves the pair works
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).

Portal steps follow Microsoft's documentation:
- register: https://learn.microsoft.com/entra/identity-platform/quickstart-register-app
- redirect URIs / implicit grant: https://learn.microsoft.com/entra/identity-platform/how-to-add-redirect-uri
- API permissions: https://learn.microsoft.com/entra/identity-platform/quickstart-configure-app-access-web-apis
- admin consent: https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent
- client secret: https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials?tabs=client-secret
- Branding & properties (logo, Home page URL): https://learn.microsoft.com/graph/api/application-update
  (the logo stream and web.homePageUrl the blade sets); the blade's "Upload new logo" takes .png, .jpg
  or .bmp under 100 KB
- EWS app-only (Office 365 Exchange Online, full_access_as_app):
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth
- assign users to an enterprise app: https://learn.microsoft.com/entra/identity/enterprise-apps/assign-user-or-group-access-portal
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from wizard.answers import as_guid
from wizard.errors import InputError

# The Microsoft Entra admin center (global cloud). Blade routes as the portal itself uses
# them; "isMSAApp~/false" is the flag the portal adds for work-or-school apps.
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



# --------------------------------------------------------------------------- links


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


# --------------------------------------------------------------------------- the checklist


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to do in the admin center: where, what to enter, and the link there."""

    title: str
    values: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    help: str = ""  # one or two sentences: what to click


@dataclass
class Checklist:
    """The admin's to-do list for one vendor; printable, saveable, never holds a secret."""

    vendor: str
    items: list[ChecklistItem]
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        """Plain text, numbered, for a printer, a mail or a terminal."""
        lines = [f"Microsoft Entra admin center checklist: {self.vendor}", ""]
        for number, item in enumerate(self.items, start=1):
            lines.append(f"[ ] {number}. {item.title}")
            if item.help:
                lines.append(f"      {item.help}")
            width = max((len(label) for label, _ in item.values), default=0)
            for label, value in item.values:
                lines.append(f"      {label.ljust(width)} : {value}")
            if item.link:
                lines.append(f"      Link: {item.link}")
            lines.append("")
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
            lines.append("")
        return "\n".join(lines)

    def as_markdown(self) -> str:
        """GitHub-flavoured Markdown with task-list boxes and links."""
        lines = [f"# Microsoft Entra admin center checklist: {self.vendor}", ""]
        for number, item in enumerate(self.items, start=1):
            title = f"[{item.title}]({item.link})" if item.link else item.title
            lines.append(f"- [ ] **{number}. {title}**")
            if item.help:
                lines.append(f"  {item.help}")
            for label, value in item.values:
                lines.append(f"  - {label}: `{_md_code(value)}`")
            lines.append("")
        if self.notes:
            lines.append("## Notes")
            lines.extend(f"- {note}" for note in self.notes)
            lines.append("")
        return "\n".join(lines)


    def render(self, fmt: str = "text") -> str:
        return self.as_markdown() if fmt in ("markdown", "md") else self.as_text()

    def suggested_filename(self, vendor_id: str, fmt: str = "text") -> str:
        return f"m365-wizard-{vendor_id}-checklist.{'md' if fmt in ('markdown', 'md') else 'txt'}"

    def save(self, path: Any, fmt: str = "text") -> Any:
        """Write the checklist (no secret in it) atomically; creates the folder (0700) if needed."""
        from pathlib import Path

        from wizard.files import private_dir, write_private

        target = Path(path).expanduser()
        private_dir(target.parent)
        return write_private(target, self.render(fmt))


def _md_code(value: str) -> str:
    return value.replace("`", "'")


def _secret_expiry(months: int) -> str:
    return PORTAL_EXPIRY.get(months, f"Custom: {months} months from today (Entra allows at most 24)")


def manual_checklist(
    profile: Any,
    answers: Mapping[str, Any],
    tenant: str | None = None,
    client_id: str | None = None,
    *,
    portal: str = PORTAL,
) -> Checklist:
    """The profile's steps in the Entra admin center, with the exact values to enter.

    `answers` are the validated answers (`profile.validate`). With `client_id` (the app
    exists already) the links open that app's blades; without it they open the list.
    """
    if getattr(profile, "kind", "registration") == "enterprise_app":
        return _enterprise_checklist(profile, answers, tenant, portal)
    name = profile.display_name(answers)
    audience = profile.sign_in_audience(answers)
    uris = profile.redirect_uris(answers)
    roles = "Application Administrator or Cloud Application Administrator"
    if any(p.type == "application" for p in profile.permissions):
        from wizard import roles as directory_roles

        roles = directory_roles.consent_roles_text(profile)
    items: list[ChecklistItem] = []
    sign_in = [("Role needed", roles)]
    if tenant:
        sign_in.insert(0, ("Tenant", tenant))
    items.append(ChecklistItem(
        "Sign in to the Microsoft Entra admin center", sign_in, portal.rstrip("/") + "/",
        "Use an account that holds the role below (with PIM: activate the role first).",
    ))

    register = [("Name", name), ("Supported account types", AUDIENCE_CHOICE.get(audience, audience))]
    if uris:
        register += [("Redirect URI: platform", "Web"), ("Redirect URI", uris[0])]
    else:
        register.append(("Redirect URI", "leave empty"))
    if client_id:
        items.append(ChecklistItem(
            "Open the existing app registration", [("Name", name), ("Application (client) ID", client_id),
                                                   ("Supported account types", AUDIENCE_CHOICE.get(audience, audience))],
            portal_link(client_id, MENU_OVERVIEW, portal=portal),
            "App registrations > All applications > the app. Check the name and supported account types.",
        ))
    else:
        items.append(ChecklistItem(
            "Register the application", register, new_registration_link(portal=portal),
            "App registrations > New registration. Enter these values, then Register. "
            "On Overview, note the Application (client) ID and the Directory (tenant) ID.",
        ))

    # Without the client ID the links open the list: say which app to open there.
    opener = "" if client_id else f"In App registrations open '{name}'. "
    auth: list[tuple[str, str]] = [("Web redirect URI", uri) for uri in uris]
    auth.append(("Access tokens (used for implicit flows)",
                 "checked" if profile.implicit_access_tokens else "not checked"))
    auth.append(("ID tokens (used for implicit and hybrid flows)",
                 "checked" if profile.implicit_id_tokens else "not checked"))
    items.append(ChecklistItem(
        "Set redirect URIs and implicit grant (Authentication)", auth,
        portal_link(client_id, MENU_AUTH, portal=portal),
        opener + "Authentication > Web: add every redirect URI listed; under Implicit grant and hybrid flows set the "
        "two boxes as listed; Save.",
    ))

    perms: list[tuple[str, str]] = []
    for p in profile.permissions:
        perms.append((f"{_api_words(p)}, {TYPE_WORDS.get(p.type, p.type)}", p.name))
    if perms:
        help_text = ("API permissions > Add a permission. Pick the API (Microsoft Graph is under Microsoft APIs), "
                     "then the permission type, tick each permission, Add permissions. Remove any other "
                     "permission listed there.")
        if any(p.resource == "exchange" for p in profile.permissions):
            help_text += (" Office 365 Exchange Online is under 'APIs my organization uses' (search 'Office 365 "
                          "Exchange Online').")
        items.append(ChecklistItem("Add the API permissions", perms,
                                   portal_link(client_id, MENU_API, portal=portal), opener + help_text))
    if profile.admin_consent and perms:
        items.append(ChecklistItem(
            "Grant admin consent",
            [("Button", "Grant admin consent for <your organisation>"), ("Answer", "Yes"),
             ("Check", "Status shows 'Granted for <your organisation>' on every permission")],
            portal_link(client_id, MENU_API, portal=portal),
            "Still on API permissions: grant consent for the whole organisation.",
        ))
    if profile.secret_needed:
        months = profile.secret_months(answers)
        items.append(ChecklistItem(
            "Create a client secret",
            [("Description", f"{profile.id} secret"), ("Expires", _secret_expiry(months)),
             ("Copy", "the Value column (not the Secret ID), right away: it is shown only once")],
            portal_link(client_id, MENU_SECRETS, portal=portal),
            opener + "Certificates & secrets > Client secrets > New client secret; Add. Note the expiry date.",
        ))
    branding = _branding_values(profile, answers)
    if branding:
        items.append(ChecklistItem(
            "Add the branding (optional)", branding, portal_link(client_id, MENU_BRANDING, portal=portal),
            opener + "Branding & properties: Upload new logo (the file listed; .png, .jpg or .bmp under 100 KB) "
            "and enter the URLs listed; Save.",
        ))
    if profile.admin_consent and any(p.resource == "exchange" and p.type == "application" for p in profile.permissions):
        from wizard import ews

        commands = ews.allow_commands(client_id or "<Application (client) ID>")
        items.append(ChecklistItem(
            "Put the app on Exchange Online's EWS allow list (Exchange Online PowerShell)",
            [(f"Line {n}", line) for n, line in enumerate(commands, 1)], "",
            f"Since {ews.BLOCKING_SINCE} EWS answers only apps on the allow list (EwsAllowedAppIDs); EWS ends on "
            f"{ews.EWS_ENDS}. The list is replaced as a whole, so these lines keep the apps already on it; "
            "a change can take up to 24 hours.",
        ))
    back = [("Directory (tenant) ID", "from Overview"), ("Application (client) ID", "from Overview")]
    if profile.secret_needed:
        back.append(("Client secret Value", "the value copied in the step before (not the Secret ID)"))
    items.append(ChecklistItem(
        "Give the values to the person running the wizard", back,
        portal_link(client_id, MENU_OVERVIEW, portal=portal),
        "Pass the secret by a safe way (not in a ticket or a chat). The wizard tests them before showing the "
        "vendor's settings.",
    ))
    return Checklist(profile.name, items, list(profile.notes))


def _branding_values(profile: Any, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Branding & properties values these answers give (none when the answers are blank)."""
    values: list[tuple[str, str]] = []
    question = profile.logo_question() if hasattr(profile, "logo_question") else None
    if question is not None and answers.get(question.key):
        values.append(("Upload new logo", str(answers[question.key])))
    if hasattr(profile, "branding_urls"):
        values += [(url.label, url.value) for url in profile.branding_urls(answers)]
    return values


def _api_words(permission: Any) -> str:
    """The API as the 'Request API permissions' pane names it."""
    if permission.resource == "exchange":
        return "Office 365 Exchange Online"
    return "Microsoft Graph"


def _enterprise_checklist(profile: Any, answers: Mapping[str, Any], tenant: str | None, portal: str) -> Checklist:
    """LoopMeeting: the vendor's multi-tenant app appears after consent; assign the accounts."""
    accounts = answers.get("service_account") or []
    accounts = [accounts] if isinstance(accounts, str) else list(accounts)
    name = profile.enterprise_app_name
    sign_in = [("Role needed", "Application Administrator or Cloud Application Administrator")]
    if tenant:
        sign_in.insert(0, ("Tenant", tenant))
    items = [
        ChecklistItem("Sign in to the Microsoft Entra admin center", sign_in, portal.rstrip("/") + "/",
                      "Use an account that holds the role below (with PIM: activate the role first)."),
        # The profile's first note says how the vendor's console asks for the consent (the
        # follow-up steps are for after it, so they are not used here).
        ChecklistItem(f"Consent to {name} in the vendor's console",
                      [("How", profile.notes[0] if profile.notes else
                        "in the vendor's console, sign in as an administrator and consent on behalf of the organization")]),
        ChecklistItem(f"Find the {name} enterprise application", [("Search", name)],
                      enterprise_apps_link(portal=portal),
                      "Enterprise applications > All applications; open it and note its Application ID."),
        ChecklistItem("Assign the service account(s)", [("User", a) for a in accounts],
                      enterprise_apps_link(portal=portal),
                      "In the app: Users and groups > Add user/group > select each account > Assign."),
        ChecklistItem("Give the values to the person running the wizard",
                      [("Directory (tenant) ID", "Entra ID > Overview"), ("Application ID", f"the {name} enterprise app")],
                      enterprise_apps_link(portal=portal)),
    ]
    return Checklist(profile.name, items, list(profile.notes[1:]))


# --------------------------------------------------------------------------- pasted values


@dataclass(frozen=True)
class Pasted:
    """Tenant ID, client ID and secret VALUE as the admin pasted them, cleaned up."""

    tenant_id: str
    client_id: str
    secret: str = field(default="", repr=False)

    def __repr__(self) -> str:  # never the secret
        return f"Pasted(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, secret={'set' if self.secret else 'none'})"


def _fail(key: str, label: str, message: str, example: str = "") -> InputError:
    err = InputError(label, message, example=example)
    err.key = key
    return err


def _guid(value: str | None, key: str, label: str, where: str) -> str:
    text = (value or "").strip().strip("{}")
    if not text:
        raise _fail(key, label, f"is required: copy it from {where}")
    if as_guid(text):
        return as_guid(text)
    if key == "tenant_id" and "." in text and " " not in text:
        raise _fail(key, label, f"'{text[:60]}' looks like a domain name; paste the Directory (tenant) ID, "
                                f"a GUID, from {where}", "72f988bf-86f1-41af-91ab-2d7cd011db47")
    raise _fail(key, label, f"must be a GUID (8-4-4-4-12 hexadecimal digits) from {where}",
                "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809")


def validate_pasted(tenant_id: str | None, client_id: str | None, secret: str | None,
                    profile: Any = None) -> Pasted:
    """Check the shapes of the pasted values; `InputError` (with `.key`) names the field.

    A secret shaped like a GUID is almost always the Secret ID, which the portal shows
    next to the Value; Entra's secret values are about 40 characters with `~` in them.
    """
    tenant = _guid(tenant_id, "tenant_id", "Directory (tenant) ID", "the app's Overview page")
    client = _guid(client_id, "client_id", "Application (client) ID", "the app's Overview page")
    if client == tenant:
        raise _fail("client_id", "Application (client) ID",
                    "is the same as the Directory (tenant) ID; copy the Application (client) ID above it")
    needed = getattr(profile, "secret_needed", True)
    value = (secret or "").strip()
    if not needed:
        return Pasted(tenant, client, "")
    label = "Client secret value"
    if not value:
        raise _fail("secret", label, "is required: the Value shown once under Certificates & secrets")
    if as_guid(value):
        raise _fail("secret", label, "looks like the Secret ID (a GUID), not the secret's Value. The Value "
                                     "is shown only once, in the column left of the Secret ID; if it is gone, "
                                     "create a new client secret")
    if any(ch.isspace() for ch in value):
        raise _fail("secret", label, "contains spaces or line breaks; paste the Value in one piece")
    if len(value) < 16:
        raise _fail("secret", label, f"is only {len(value)} characters; a client secret value is about 40. "
                                     "Copy the whole Value")
    if value.lower() in (tenant, client):
        raise _fail("secret", label, "is one of the IDs; paste the secret's Value")
    return Pasted(tenant, client, value)


# --------------------------------------------------------------------------- test and snippet


def run_token_test(
    target: Any,
    http: Any,
    clock: Any,
    profile: Any,
    pasted: Pasted,
    *,
    cancel: threading.Event | None = None,
    on_attempt: Callable[[int, str], None] | None = None,
    max_wait: float = 60.0,
    keep_waiting: bool = False,
    mailbox: str = "",
):
    """Client-credentials token with the pasted values; a `TokenTestReport`.

    innovaphone (app-only EWS): with `mailbox`, the Calendar's EWS call too (`wizard.ews`).

    Typed values: a refusal (7000215 / 700016) is reported as a wrong value within about
    15 s, naming the value that is probably wrong; `keep_waiting=True` waits up to
    `max_wait` for a secret created moments ago.

    No admin sign-in is needed (and none is available in manual mode), so the
    delegated admin consent cannot be read back; for application permissions the
    token's `roles` claim proves the consent. A secret created in the last minute may
    be refused for a few seconds (AADSTS7000215): retried up to `max_wait` seconds.
    """
    from wizard import catalog, tokentest

    report = tokentest.TokenTestReport()
    if getattr(profile, "kind", "registration") == "enterprise_app" or not profile.secret_needed:
        report.checks.append(tokentest.Check(
            "no secret", True, f"{profile.name} holds its own credentials; there is no client secret to test"))
        return report
    resource_for = getattr(target, "resource_for", lambda r: r)  # the cloud table (wizard.target)
    resource = resource_for(profile.token_resource)
    started = clock.monotonic()
    result, code, attempts = tokentest.acquire_token(
        target, pasted.tenant_id, pasted.client_id, pasted.secret, resource,
        http=http, clock=clock, cancel=cancel, on_attempt=on_attempt, max_wait=max_wait, typed=not keep_waiting,
    )
    report.attempts = attempts
    report.not_checked = tokentest.delegated_not_checked(profile)
    if result is None:
        report.code = code
        report.checks.append(tokentest.typed_failure(code, pasted.secret, attempts, clock.monotonic() - started,
                                                     not keep_waiting))
        return report
    report.checks.append(tokentest.Check("token", True, f"Microsoft issued a token for {resource} (attempt {attempts})"))
    roles = [p.name for p in profile.permissions if p.type == "application"
             and resource_for(catalog.resource(p.resource_app_id).token_resource).rstrip("/") == resource.rstrip("/")]
    claims = tokentest.decode_claims(result["access_token"])
    report.checks += tokentest.claim_checks(claims, tenant_id=pasted.tenant_id, client_id=pasted.client_id,
                                            roles_needed=roles)
    from wizard import ews

    if ews.uses_ews(profile) and report.ok:
        if mailbox:
            report.checks.append(ews.token_check(http, getattr(target, "exchange_url", ""), result["access_token"],
                                                 mailbox, pasted.client_id))
        else:
            report.not_checked.append(ews.NO_MAILBOX)
    return report


def pasted_snippet(target: Any, profile: Any, answers: Mapping[str, Any], pasted: Pasted, http: Any = None):
    """The vendor's settings block for the pasted values (same values as `Setup.snippet`);
    with `http`, the profile's lookups (innovaphone's Autodiscover server) run too."""
    from wizard.autodiscover import fill_found, run_lookups

    from wizard.setup import cloud_defaults

    values: dict[str, Any] = cloud_defaults(profile, target)
    values.update({k: v for k, v in answers.items() if v not in (None, "", [])})
    values.update({
        "tenant_id": pasted.tenant_id,
        "client_id": pasted.client_id,
        "authorize_url": target.authorize_url(pasted.tenant_id),
        "token_url": target.token_url(pasted.tenant_id),
    })
    if pasted.secret:
        values["client_secret"] = pasted.secret
    if getattr(profile, "kind", "registration") != "enterprise_app":
        values["redirect_uris"] = profile.redirect_uris(answers)
        values["display_name"] = profile.display_name(answers)
    if http is not None:
        fill_found(values, run_lookups(profile, answers, getattr(target, "exchange_url", ""), http))
    return profile.render_snippet(values)


__all__ = [
    "Checklist", "ChecklistItem", "Pasted", "manual_checklist", "validate_pasted", "run_token_test",
    "pasted_snippet", "portal_link", "new_registration_link", "enterprise_apps_link", "PORTALS",
]
