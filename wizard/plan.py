"""Desired state + what exists → an ordered `Plan` of human sentences. Writes nothing.

The desired registration comes from the vendor profile and the admin's answers
(`desired_state`). What exists is read from Graph (`read_existing`): the application,
its service principal, and — for consent — the ACTUAL grants and app role
assignments, never `requiredResourceAccess` (that only lists what the app *asks*
for; consent is what an admin *granted*:
https://learn.microsoft.com/graph/permissions-grant-via-msgraph).

`make_plan` compares the two and returns one `Step` per change, each with a sentence
the admin can read ("Add Web redirect URI https://sops.example.com/m"). `apply.py`
executes them; each step there checks again before it acts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from wizard.dates import day, parse_graph_time
from wizard.permissions import APPLICATION, DELEGATED, PermissionInfo, required_resource_access

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
    branding_urls: tuple = ()  # wizard.profiles.BrandingUrl
    logo: Any = None  # wizard.answers.FileData (path, bytes, type) or None

    def logo_sentence(self, replace: bool = False) -> str:
        logo = self.logo
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


def unique_name_for(profile: Any, answers: dict) -> str:
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


def desired_state(profile: Any, answers: dict, permissions: list[PermissionInfo]) -> Desired:
    months_fn = getattr(profile, "secret_months", None)
    months = months_fn(answers) if callable(months_fn) else int(answers.get("secret_months") or profile.secret_default_months)
    return Desired(
        vendor=profile.id,
        display_name=profile.display_name(answers),
        unique_name=unique_name_for(profile, answers),
        sign_in_audience=profile.sign_in_audience(answers),
        redirect_uris=tuple(profile.redirect_uris(answers)),
        id_tokens=bool(profile.implicit_id_tokens),
        access_tokens=bool(profile.implicit_access_tokens),
        permissions=tuple(permissions),
        admin_consent=bool(profile.admin_consent),
        secret_needed=bool(profile.secret_needed),
        secret_months=int(months or 24),
        notes=f"Created and managed by m365-wizard for {profile.name}. Re-run the wizard to check or repair it.",
        branding_urls=tuple(profile.branding_urls(answers)) if hasattr(profile, "branding_urls") else (),
        logo=profile.logo_file(answers) if hasattr(profile, "logo_file") else None,
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


def _delegated_by_resource(perms: list[PermissionInfo]) -> dict[str, list[PermissionInfo]]:
    out: dict[str, list[PermissionInfo]] = {}
    for p in perms:
        if p.type == DELEGATED:
            out.setdefault(p.resource_app_id, []).append(p)
    return out


def make_plan(desired: Desired, existing: Existing, resource_sp_ids: dict[str, str | None], now: float) -> Plan:
    """Compare and return the steps. `resource_sp_ids`: resource appId → its SP object id (or None)."""
    steps: list[Step] = []
    notes: list[str] = []
    perms = list(desired.permissions)
    app = existing.app
    if app is None:
        uris = desired.redirect_uris
        if not uris:
            with_what = f"with {_count(len(perms), 'API permission')} and no redirect URI"
        else:
            noun = "Web redirect URI" if len(uris) == 1 else "Web redirect URIs"
            with_what = f"with {noun} {', '.join(uris)} and {_count(len(perms), 'API permission')}"
        steps.append(Step(
            "create_app",
            f"Create the app registration '{desired.display_name}' for "
            f"{AUDIENCE_WORDS.get(desired.sign_in_audience, desired.sign_in_audience)}, {with_what}",
            "create_app",
        ))
    else:
        steps.extend(_app_diff(desired, app))
    steps.extend(_branding_diff(desired, existing))
    if existing.sp is None:
        steps.append(Step("create_sp", f"Create the enterprise application (service principal) of '{desired.display_name}' in this tenant", "create_sp"))
    if desired.admin_consent:
        consent_steps = _consent_diff(desired, existing, resource_sp_ids)
        if consent_steps:
            consent_steps.append(Step("verify_consent", "Read back the admin consent from Microsoft and check every permission is granted", "verify_consent"))
        steps.extend(consent_steps)
    needs_secret = False
    if desired.secret_needed:
        if app is None:
            state, sentence = "none", f"Create a client secret valid {desired.secret_months} months (its value is shown once)"
        else:
            state, sentence = secret_state(app, now)
        if state != "ok":
            steps.append(Step("secret", sentence, "secret", {"state": state}))
            needs_secret = True
        else:
            notes.append(sentence)
    return Plan(steps=steps, permissions=perms, nothing_to_do=not steps, desired=desired,
                existing=existing, notes=notes, needs_secret=needs_secret)


def _app_diff(desired: Desired, app: dict) -> list[Step]:
    steps: list[Step] = []
    if app.get("displayName") != desired.display_name and not app.get("uniqueName"):
        pass  # a registration the admin chose by hand keeps its name
    elif app.get("displayName") != desired.display_name:
        steps.append(Step("display_name", f"Rename the app registration from '{app.get('displayName')}' to '{desired.display_name}'", "display_name"))
    if app.get("signInAudience") != desired.sign_in_audience:
        steps.append(Step(
            "audience",
            f"Change supported account types to {AUDIENCE_WORDS.get(desired.sign_in_audience, desired.sign_in_audience)}",
            "audience",
        ))
    web = app.get("web") or {}
    have = list(web.get("redirectUris") or [])
    for uri in desired.redirect_uris:
        if uri not in have:
            steps.append(Step(f"redirect_add:{uri}", f"Add Web redirect URI {uri}", "redirect_add", {"uri": uri}))
    for uri in have:
        if uri not in desired.redirect_uris:
            steps.append(Step(f"redirect_remove:{uri}", f"Remove Web redirect URI {uri} (the vendor does not use it)", "redirect_remove", {"uri": uri}))
    for platform, words in (("spa", "Single-page application"), ("publicClient", "Mobile and desktop")):
        for uri in (app.get(platform) or {}).get("redirectUris") or []:
            if uri in desired.redirect_uris:
                steps.append(Step(
                    f"platform_remove:{platform}:{uri}",
                    f"Remove {uri} from the {words} platform (the vendor needs it under Web)",
                    "platform_remove", {"platform": platform, "uri": uri},
                ))
    grant = web.get("implicitGrantSettings") or {}
    for key, wanted, words in (
        ("enableIdTokenIssuance", desired.id_tokens, "ID tokens"),
        ("enableAccessTokenIssuance", desired.access_tokens, "access tokens"),
    ):
        if bool(grant.get(key)) != wanted:
            verb = "Turn on" if wanted else "Turn off"
            steps.append(Step(f"implicit:{key}", f"{verb} implicit grant of {words} (Authentication)", "implicit", {"key": key, "value": wanted}))
    steps.extend(_permission_diff(desired, app))
    return steps


def _branding_diff(desired: Desired, existing: Existing) -> list[Step]:
    """The Branding & properties blade: URL properties that differ, and the logo.

    A URL is part of the create body; for a new app its step says so and apply only checks it.
    """
    app = existing.app
    steps: list[Step] = []
    for url in desired.branding_urls:
        have = ((app or {}).get(url.parent) or {}).get(url.name)
        if app is not None and have == url.value:
            continue
        if app is not None and have:
            sentence = f"Change the {url.label} from {have} to {url.value} (Branding & properties)"
        else:
            sentence = f"Set the {url.label} to {url.value} (Branding & properties)"
        steps.append(Step(f"branding:{url.parent}.{url.name}", sentence, "branding_url",
                          {"parent": url.parent, "name": url.name, "value": url.value, "with_create": app is None}))
    logo = desired.logo
    if logo is not None and (app is None or not logo_in_place(logo.sha256, existing.logo_sha256, existing.logo_uploaded)):
        replace = app is not None and existing.logo_sha256 is not None
        steps.append(Step("logo", desired.logo_sentence(replace), "logo",
                          {"path": logo.path, "sha256": logo.sha256, "content_type": logo.content_type}))
    return steps


def _rra_pairs(rra: list[dict]) -> set[tuple[str, str, str]]:
    return {
        (str(r.get("resourceAppId", "")).lower(), str(a.get("id", "")).lower(), str(a.get("type", "")))
        for r in rra or [] for a in r.get("resourceAccess") or []
    }


def _permission_diff(desired: Desired, app: dict) -> list[Step]:
    have = _rra_pairs(app.get("requiredResourceAccess") or [])
    want = {(p.resource_app_id.lower(), p.id.lower(), p.graph_type): p for p in desired.permissions}
    steps: list[Step] = []
    for key, p in want.items():
        if key not in have:
            steps.append(Step(f"perm_add:{key[0]}:{key[1]}:{key[2]}", f"Add {p.type} permission {p.name} ({p.resource})", "perm_add",
                              {"resourceAppId": key[0], "id": key[1], "type": key[2]}))
    names = {(p.resource_app_id.lower(), p.id.lower()): p for p in desired.permissions}
    for key in sorted(have - set(want)):
        res, pid, typ = key
        same = names.get((res, pid))
        kind = "delegated" if typ == "Scope" else "application"
        if same is not None:
            sentence = f"Remove {same.name} as {'an' if kind == APPLICATION else 'a'} {kind} permission (the vendor needs it as {same.type})"
        else:
            sentence = f"Remove {kind} permission {_perm_name(res, pid, typ)} (the vendor does not need it)"
        steps.append(Step(f"perm_remove:{res}:{pid}:{typ}", sentence, "perm_remove", {"resourceAppId": res, "id": pid, "type": typ}))
    return steps


def _perm_name(resource_app_id: str, perm_id: str, typ: str) -> str:
    """A permission's name from the catalog, or its id when unknown."""
    from wizard import catalog

    try:
        res = catalog.resource(resource_app_id)
    except Exception:  # noqa: BLE001 — unknown API: show the id
        return f"{perm_id} of API {resource_app_id}"
    for p in res.permissions.values():
        if (typ == "Scope" and p.delegated_id == perm_id) or (typ == "Role" and p.application_id == perm_id):
            return f"{p.name} ({res.name})"
    return f"{perm_id} ({res.name})"


def _consent_diff(desired: Desired, existing: Existing, resource_sp_ids: dict[str, str | None]) -> list[Step]:
    steps: list[Step] = []
    for res_app_id, perms in _delegated_by_resource(list(desired.permissions)).items():
        res_sp = resource_sp_ids.get(res_app_id)
        granted: set[str] = set()
        for g in existing.grants:
            if g.get("consentType") == "AllPrincipals" and res_sp and g.get("resourceId") == res_sp:
                granted |= set((g.get("scope") or "").split())
        missing = [p.name for p in perms if p.name not in granted]
        if missing:
            steps.append(Step(
                f"consent_delegated:{res_app_id}",
                f"Grant admin consent for all users to {perms[0].resource}: {' '.join(missing)}",
                "consent_delegated", {"resourceAppId": res_app_id, "scopes": [p.name for p in perms]},
            ))
    for p in desired.permissions:
        if p.type != APPLICATION:
            continue
        res_sp = resource_sp_ids.get(p.resource_app_id)
        done = any(
            a.get("appRoleId") == p.id and (res_sp is None or a.get("resourceId") == res_sp)
            for a in existing.assignments
        )
        if not done:
            steps.append(Step(
                f"consent_app:{p.resource_app_id}:{p.id}",
                f"Grant admin consent to application permission {p.name} ({p.resource})",
                "consent_app", {"resourceAppId": p.resource_app_id, "appRoleId": p.id, "name": p.name},
            ))
    return steps


def _count(n: int, noun: str) -> str:
    """'1 API permission', '6 API permissions'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
