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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from wizard.answers import as_guid
from wizard.errors import InputError
from wizard.portal import (
    MENU_API,
    MENU_AUTH,
    MENU_BRANDING,
    MENU_OVERVIEW,
    MENU_SECRETS,
    PORTAL,
    PORTALS,
    ChecklistItem,
    enterprise_apps_link,
    new_registration_link,
    portal_link,
)
from wizard.steps import ManualInput
from wizard.vendor_kinds import vendor_kind

if TYPE_CHECKING:
    from wizard.clock import Clock
    from wizard.profiles import Profile
    from wizard.target import Target


# --------------------------------------------------------------------------- the checklist

#: The text checklist's line width: it is printed, mailed and read at 80-column terminals.
TEXT_WIDTH = 80


def _wrap(text: str, width: int | None, first: str, rest: str) -> list[str]:
    """`text` wrapped at spaces only: a word longer than the line (a URL) stays whole."""
    if width is None:
        return [first + text]
    import textwrap

    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_long_words=False,
                         break_on_hyphens=False) or [first.rstrip()]


@dataclass
class Checklist:
    """The admin's to-do list for one vendor; printable, saveable, never holds a secret."""

    vendor: str
    items: list[ChecklistItem]
    notes: list[str] = field(default_factory=list)

    def as_text(self, width: int | None = TEXT_WIDTH) -> str:
        """Plain text, numbered, for a printer, a mail or a terminal.

        Prose (titles, what to click, notes) wraps at spaces to `width` columns with a hanging
        indent; a URL or a value is never broken: a value that does not fit beside its label goes
        on its own line under it, and a link longer than the line stays whole on its own line
        (a terminal wraps it softly, so a copy brings it in one piece). `width=None`: no wrapping.
        """
        def wrap(text: str, first: str, rest: str) -> list[str]:
            return _wrap(text, width, first, rest)

        lines = wrap(f"Microsoft Entra admin center checklist: {self.vendor}", "", "") + [""]
        for number, item in enumerate(self.items, start=1):
            head = f"[ ] {number}. "
            lines += wrap(item.title, head, " " * len(head))
            if item.help:
                lines += wrap(item.help, "      ", "      ")
            label_width = max((len(label) for label, _ in item.values), default=0)
            for label, value in item.values:
                line = f"      {label.ljust(label_width)} : {value}"
                if width is None or len(line) <= width:
                    lines.append(line)
                else:  # the value whole, on its own line under the label
                    lines += [f"      {label.ljust(label_width)} :", f"          {value}"]
            if item.link:
                line = f"      Link: {item.link}"
                lines += [line] if width is None or len(line) <= width else ["      Link:", f"      {item.link}"]
            lines.append("")
        if self.notes:
            lines.append("Notes:")
            for note in self.notes:
                lines += wrap(note, "  - ", "    ")
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

    def save(self, path: Any, fmt: str = "text", *, overwrite: bool = True) -> Any:
        """Write the checklist (no secret in it) atomically; creates the folder (0700) if needed.
        `overwrite=False` (the TUI, before asking) keeps an existing file (`files.FileExists`)."""
        from wizard.files import save_private

        return save_private(path, self.render(fmt), overwrite=overwrite)


def _md_code(value: str) -> str:
    return value.replace("`", "'")


def manual_checklist(
    profile: Profile,
    answers: Mapping[str, Any],
    tenant: str | None = None,
    client_id: str | None = None,
    *,
    portal: str = PORTAL,
) -> Checklist:
    """The profile's steps in the Entra admin center, with the exact values to enter.

    `answers` are the validated answers (`profile.validate`). With `client_id` (the app
    exists already) the links open that app's blades; without it they open the list.
    The vendor kind (`wizard.vendor_kinds`) gives the first item (where to sign in, with
    which role) and the last (the values to hand back); between them every step kind of
    that vendor kind (`wizard.steps`) writes its own item(s), in the portal's order.
    Items of two kinds on one blade (redirect URIs and implicit grant) become one.
    """
    vendor = vendor_kind(profile)
    first, last, notes = vendor.checklist_frame(tenant, client_id, answers, portal)
    given = ManualInput(profile, answers, client_id, portal)
    items = list(first)
    for kind in vendor.checklist_kinds:
        for item in kind.manual_items(given):
            if items and items[-1].title == item.title:  # the same blade: one item
                items[-1] = replace(items[-1], values=items[-1].values + item.values)
            else:
                items.append(item)
    return Checklist(profile.name, items + last, notes)


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
    guid = as_guid(text)
    if guid:
        return guid
    if key == "tenant_id" and "." in text and " " not in text:
        raise _fail(key, label, f"'{text[:60]}' looks like a domain name; paste the Directory (tenant) ID, "
                                f"a GUID, from {where}", "72f988bf-86f1-41af-91ab-2d7cd011db47")
    raise _fail(key, label, f"must be a GUID (8-4-4-4-12 hexadecimal digits) from {where}",
                "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809")


def validate_pasted(tenant_id: str | None, client_id: str | None, secret: str | None,
                    profile: Profile | None = None) -> Pasted:
    """Check the shapes of the pasted values; `InputError` (with `.key`) names the field.

    A secret shaped like a GUID is almost always the Secret ID, which the portal shows
    next to the Value; Entra's secret values are about 40 characters with `~` in them.
    """
    tenant = _guid(tenant_id, "tenant_id", "Directory (tenant) ID", "the app's Overview page")
    client = _guid(client_id, "client_id", "Application (client) ID", "the app's Overview page")
    if client == tenant:
        raise _fail("client_id", "Application (client) ID",
                    "is the same as the Directory (tenant) ID; copy the Application (client) ID above it")
    needed = profile is None or profile.secret_needed
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
    target: Target,
    http: Any,
    clock: Clock,
    profile: Profile,
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
    from wizard import tokentest
    from wizard.permissions import in_token

    report = tokentest.TokenTestReport()
    if not vendor_kind(profile).needs_secret:
        report.checks.append(tokentest.Check(
            "no secret", True, f"{profile.name} holds its own credentials; there is no client secret to test"))
        return report
    resource_for = target.resource_for  # the cloud table (wizard.target)
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
    roles = [p.name for p in profile.permissions if p.type == "application" and in_token(p, resource, resource_for)]
    claims = tokentest.decode_claims(result["access_token"])
    report.checks += tokentest.claim_checks(claims, tenant_id=pasted.tenant_id, client_id=pasted.client_id,
                                            roles_needed=roles)
    from wizard import ews

    if ews.uses_ews(profile) and report.ok:
        if mailbox:
            report.checks.append(ews.token_check(http, target.exchange_url, result["access_token"],
                                                 mailbox, pasted.client_id))
        else:
            report.not_checked.append(ews.NO_MAILBOX)
    return report


def pasted_snippet(target: Target, profile: Profile, answers: Mapping[str, Any], pasted: Pasted, http: Any = None):
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
    values.update(vendor_kind(profile).snippet_values(answers))
    if http is not None:
        fill_found(values, run_lookups(profile, answers, target.exchange_url, http))
    return profile.render_snippet(values)


__all__ = [
    "Checklist", "ChecklistItem", "Pasted", "manual_checklist", "validate_pasted", "run_token_test",
    "pasted_snippet", "portal_link", "new_registration_link", "enterprise_apps_link", "PORTAL", "PORTALS",
    "MENU_OVERVIEW", "MENU_AUTH", "MENU_API", "MENU_SECRETS", "MENU_BRANDING",
]
