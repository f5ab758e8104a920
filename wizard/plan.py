"""Desired state + what exists → an ordered `Plan` of human sentences. Writes nothing.

The desired registration comes from the vendor profile and the admin's answers
(`desired_state`). What exists is read from Graph (`read_existing`): the application,
its service principal, and — for consent — the ACTUAL grants and app role
assignments, never `requiredResourceAccess` (that only lists what the app *asks*
for; consent is what an admin *granted*:
https://learn.microsoft.com/graph/permissions-grant-via-msgraph).

`make_plan` compares the two and returns one `Step` per change, each with a sentence
the admin can read ("Add Web redirect URI https://sops.example.com/m"). The comparing is
done by the step kinds (`wizard.steps`, one module per kind), in the registry's order;
`apply.py` executes the steps, and each kind checks again before it acts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from wizard.dates import day, parse_graph_time
from wizard.permissions import PermissionInfo, required_resource_access

if TYPE_CHECKING:
    from wizard.answers import FileData
    from wizard.profiles import BrandingUrl, Profile

WIZARD_TAG = "m365-wizard"
EXPIRING_DAYS = 30
AUDIENCE_WORDS = {
    "AzureADMyOrg": "accounts in this organizational directory only (single tenant)",
    "AzureADMultipleOrgs": "accounts in any organizational directory (multitenant)",
    "AzureADandPersonalMicrosoftAccount": "any organizational directory and personal Microsoft accounts",
    "PersonalMicrosoftAccount": "personal Microsoft accounts only",
}
# Answer kinds that identify *which* registration this is (a server name, a redirect
# URI, a mailbox); changing the lifetime or the display name repairs the same app.
IDENTIFYING_KINDS = ("fqdn", "domain", "url", "email")


@dataclass(frozen=True)
class Desired:
    """The registration the vendor's guide describes, for these answers."""

    vendor: str
    display_name: str
    unique_name: str
    sign_in_audience: str
    redirect_uris: tuple[str, ...]
    id_tokens: bool
    access_tokens: bool
    permissions: tuple[PermissionInfo, ...]
    admin_consent: bool
    secret_needed: bool
    secret_months: int
    notes: str = ""
    # Optional branding (profile `[branding]`): URL properties and the logo to upload.
    branding_urls: tuple[BrandingUrl, ...] = ()
    logo: FileData | None = None  # the file to upload (path, bytes, type)

    def logo_sentence(self, replace: bool = False) -> str:
        logo = self.logo
        assert logo is not None, "only a plan with a logo answer has a logo step"
        what = f"{logo.shown} ({logo.size_words} {logo.type.upper()} image)"
        return f"Replace the app's logo with {what}" if replace else f"Set the logo from {what}"

    @property
    def tags(self) -> list[str]:
        return [WIZARD_TAG, f"{WIZARD_TAG}-vendor-{self.vendor}"]

    @property
    def required_resource_access(self) -> list[dict]:
        return required_resource_access(self.permissions)

    def application_body(self) -> dict:
        """The body of the upsert (https://learn.microsoft.com/graph/api/application-upsert)."""
        return {
            "displayName": self.display_name,
            "signInAudience": self.sign_in_audience,
            "web": {
                **self.web_extras(),
                "redirectUris": list(self.redirect_uris),
                "implicitGrantSettings": {
                    "enableIdTokenIssuance": self.id_tokens,
                    "enableAccessTokenIssuance": self.access_tokens,
                },
            },
            "requiredResourceAccess": self.required_resource_access,
            "tags": self.tags,
            "notes": self.notes,
            **self._branding_body(),
        }

    def _branding_body(self) -> dict:
        """The branding URLs for the create body (`web` is merged into the web object above)."""
        body: dict = {}
        for url in self.branding_urls:
            if url.parent == "info":
                body.setdefault("info", {})[url.name] = url.value
        return body

    def web_extras(self) -> dict:
        return {u.name: u.value for u in self.branding_urls if u.parent == "web"}


@dataclass(frozen=True)
class Step:
    """One change, in words. `data` carries what apply needs (never a secret)."""

    id: str
    sentence: str
    kind: str
    data: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Existing:
    """What the tenant has now for this registration."""

    app: dict | None = None
    sp: dict | None = None
    grants: list[dict] = field(default_factory=list)  # oauth2PermissionGrants with clientId = sp
    assignments: list[dict] = field(default_factory=list)  # appRoleAssignments of sp
    # The logo (read only when the answers give one): SHA-256 of the bytes GET …/logo returned
    # (None: no logo), and the journal's record of the last upload {"sha256", "tenant_sha256"}.
    logo_sha256: str | None = None
    logo_uploaded: dict = field(default_factory=dict)


@dataclass
class Plan:
    """Ordered steps, the permissions shown on the plan screen, and whether anything changes."""

    steps: list[Step]
    permissions: list[PermissionInfo]
    nothing_to_do: bool
    desired: Desired | None = None
    existing: Existing | None = None
    notes: list[str] = field(default_factory=list)
    needs_secret: bool = False  # True when a step of kind "secret" is in the plan
    consent_by: str = ""  # who may grant the admin consent: "by a Global Administrator or …" (wizard.roles)

    def sentences(self) -> list[str]:
        return [s.sentence for s in self.steps]


# --------------------------------------------------------------------------- desired state


def unique_name_for(profile: Profile, answers: Mapping[str, Any]) -> str:
    """`m365-wizard-<vendor>-<8 hex>`: a stable alternate key for the upsert.

    The hash covers the answers that identify the registration (server names, URIs,
    mailboxes), lower-cased, so re-running with the same server finds the same app.
    uniqueName is client-provided, immutable once set, and used as an alternate key
    (https://learn.microsoft.com/graph/api/resources/application, property uniqueName;
    https://learn.microsoft.com/graph/api/application-upsert). We keep it to lower-case
    letters, digits and hyphens so it needs no escaping in the key segment.
    """
    identifying = {}
    for q in profile.questions:
        if q.kind in IDENTIFYING_KINDS:
            value = answers.get(q.key)
            if isinstance(value, (list, tuple)):
                value = sorted(str(v).lower() for v in value)
            elif value is not None:
                value = str(value).lower()
            identifying[q.key] = value
    text = json.dumps({"vendor": profile.id, "answers": identifying}, sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    vendor = "".join(ch for ch in profile.id.lower() if ch.isalnum() or ch == "-")
    return f"{WIZARD_TAG}-{vendor}-{digest}"


def desired_state(profile: Profile, answers: Mapping[str, Any], permissions: list[PermissionInfo]) -> Desired:
    return Desired(
        vendor=profile.id,
        display_name=profile.display_name(answers),
        unique_name=unique_name_for(profile, answers),
        sign_in_audience=profile.sign_in_audience(answers),
        redirect_uris=tuple(profile.redirect_uris(answers)),
        id_tokens=profile.implicit_id_tokens,
        access_tokens=profile.implicit_access_tokens,
        permissions=tuple(permissions),
        admin_consent=profile.admin_consent,
        secret_needed=profile.secret_needed,
        secret_months=profile.secret_months(answers) or 24,
        notes=f"Created and managed by m365-wizard for {profile.name}. Re-run the wizard to check or repair it.",
        branding_urls=tuple(profile.branding_urls(answers)),
        logo=profile.logo_file(answers),
    )


# --------------------------------------------------------------------------- reading


def read_existing(graph: Any, app: dict | None) -> Existing:
    """The service principal, grants and assignments of `app` (None → nothing exists)."""
    from wizard.graph import GraphError, quote

    if app is None:
        return Existing()
    try:
        sp = graph.get(f"/servicePrincipals(appId={quote(app['appId'])})", params={"$select": "id,appId,displayName,tags"})
    except GraphError as exc:
        if exc.status != 404:
            raise
        sp = None
    grants: list[dict] = []
    assignments: list[dict] = []
    if sp:
        # Independent of each other: both go out at once.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="plan-read") as pool:
            grants_read = pool.submit(read_grants, graph, sp["id"])
            assignments_read = pool.submit(graph.get_all, f"/servicePrincipals/{sp['id']}/appRoleAssignments")
            grants, assignments = grants_read.result(), assignments_read.result()
    return Existing(app=app, sp=sp, grants=grants, assignments=assignments)


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def read_logo(graph: Any, object_id: str) -> bytes | None:
    """The application's logo bytes (`GET /applications/{id}/logo`), None when it has none OR
    when the answer does not say.

    The logo is a Stream property of the application
    (https://learn.microsoft.com/graph/api/resources/application); Graph documents how to PUT it
    (https://learn.microsoft.com/graph/api/application-update) but not that it can be read back.
    So only image bytes count as "this logo"; a 404 or an empty body is "none", and any other
    answer (403, 405, 5xx after retries, a JSON or HTML body, a dropped connection) is "unknown":
    None too, so the plan uploads the logo (a PUT of the same bytes is harmless). A replication
    404 of a brand-new app stays "none" as before.
    """
    from wizard.clock import Cancelled
    from wizard.errors import MicrosoftError
    from wizard.graph import GraphError

    try:
        data = graph.get_bytes(f"/applications/{object_id}/logo")
    except Cancelled:
        raise
    except (GraphError, MicrosoftError):  # 404: none; anything else: unknown (upload it)
        return None
    if not data or not data.startswith(IMAGE_MAGIC):
        return None
    return data


def logo_in_place(desired_sha: str, tenant_sha: str | None, uploaded: dict) -> bool:
    """Whether the tenant already shows this logo: the same bytes, or (should Entra store a
    re-encoded copy) the very bytes it returned right after the wizard uploaded this file."""
    if tenant_sha is None:
        return False
    if tenant_sha == desired_sha:
        return True
    return uploaded.get("sha256") == desired_sha and uploaded.get("tenant_sha256") == tenant_sha


def read_grants(graph: Any, client_sp_id: str) -> list[dict]:
    """Delegated permission grants of a client service principal.

    https://learn.microsoft.com/graph/api/oauth2permissiongrant-list ($filter=clientId eq)
    """
    from wizard.graph import quote

    return graph.get_all("/oauth2PermissionGrants", params={"$filter": f"clientId eq {quote(client_sp_id)}"})


# --------------------------------------------------------------------------- diff


def secret_state(app: dict, now: float) -> tuple[str, str]:
    """("ok" | "none" | "expired" | "expiring", sentence) for the app's client secrets."""
    ends = [e for e in (parse_graph_time(c.get("endDateTime")) for c in app.get("passwordCredentials") or []) if e is not None]
    if not ends:
        return "none", "The app has no client secret yet: create one (its value is shown once)"
    best = max(ends)
    if best <= now:
        return "expired", f"Every client secret of the app has expired (the last on {day(best)}): create a new one"
    if best <= now + EXPIRING_DAYS * 86400:
        days = int((best - now) // 86400)
        return "expiring", f"The app's client secret expires in {days} days ({day(best)}): create a new one"
    return "ok", f"The app has a client secret valid until {day(best)}"


def make_plan(desired: Desired, existing: Existing, resource_sp_ids: dict[str, str | None], now: float) -> Plan:
    """Compare and return the steps. `resource_sp_ids`: resource appId → its SP object id (or None)."""
    from wizard.steps import REGISTRATION, Compared, diff  # the kinds import this module's types

    steps, notes = diff(REGISTRATION, Compared(desired, existing, resource_sp_ids, now))
    return Plan(steps=steps, permissions=list(desired.permissions), nothing_to_do=not steps, desired=desired,
                existing=existing, notes=notes, needs_secret=any(s.kind == "secret" for s in steps))
