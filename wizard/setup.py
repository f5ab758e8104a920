"""`Setup`: the one object the TUI and the CLI use to set a vendor up.

    setup = Setup(profile, answers, graph, who, target, clock=clock, state_dir=None)
    setup.check_roles()                       # RoleError before any write
    setup.find_existing() -> list[AppSummary] # by appId / the wizard's uniqueName / display name
    plan = setup.plan(existing=None)          # Plan(steps, permissions, nothing_to_do) — reads only
    applied = setup.apply(plan, on_progress, cancel)         # Applied(object_id, client_id, sp_id, tenant_id)
    secret = setup.create_secret(applied, months=None, on_progress=None)   # NewSecret, value shown once
    report = setup.test_token(applied.client_id, secret.value, on_progress, cancel)
    snippet = setup.snippet(applied.client_id, secret.value)

Lookups (profile `[lookups]`, e.g. innovaphone's Autodiscover server for the mailbox) run
during `plan()`, beside the other reads, or on their own with `look_up()`; `snippet()` uses
what they found (it never goes to the network itself) and falls back to the profile's
`[values]` default, with a plan note that says why.

Two kinds of vendor:
- "registration" (FlexO, SyncSign, innovaphone, Pexip): the tenant gets its own app
  registration, service principal, admin consent and a client secret;
- "enterprise_app" (LoopMeeting): the vendor's multi-tenant app appears after an admin
  consents in the vendor's console; the wizard finds it, shows its delegated grants and
  assigns the service account(s). No secret.

`on_progress(StepProgress)` is called from the calling (worker) thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from wizard import replication, roles
from wizard.answers import as_guid
from wizard.apply import DONE, FAILED, PENDING, RETRYING, RUNNING, SKIPPED, Applied, Applier, StepProgress
from wizard.clock import Clock
from wizard.errors import InputError, MicrosoftError, WizardError
from wizard.graph import ConnectionLost, GraphError, quote
from wizard.journal import Journal
from wizard.permissions import APPLICATION, DELEGATED, PermissionInfo, PermissionResolver
from wizard.plan import Existing, Plan, Step, desired_state, make_plan, read_existing, unique_name_for

__all__ = ["Setup", "AppSummary", "Applied", "StepProgress", "Plan", "Step",
           "PENDING", "RUNNING", "RETRYING", "DONE", "FAILED", "SKIPPED"]

APP_SELECT = "id,appId,displayName,uniqueName,tags,createdDateTime,signInAudience"
EXCHANGE_ONLINE = "https://outlook.office365.com"


@dataclass(frozen=True)
class AppSummary:
    """A registration (or enterprise app) that may be the one to verify and repair."""

    object_id: str
    client_id: str
    display_name: str
    unique_name: str = ""
    match: str = ""  # "appId" | "uniqueName" | "journal" | "displayName" | "enterprise_app"
    managed: bool = False  # created by the wizard (has its uniqueName / tag)
    created: str = ""


def cloud_defaults(profile: Any, target: Any) -> dict[str, Any]:
    """The profile's `[values]` that name a global Microsoft URL, as the target's cloud names them
    (innovaphone's Autodiscover default in US Government or China). Empty for the global cloud."""
    localize = getattr(target, "localize", None)
    if localize is None:
        return {}
    out = {}
    for key, value in dict(getattr(profile, "values", ()) or ()).items():
        if isinstance(value, str) and localize(value) != value:
            out[key] = localize(value)
    return out


def has_exchange_plan(user: dict | None) -> bool:
    """An enabled Exchange Online service plan among the user's `assignedPlans` (service "exchange")."""
    return any(str(p.get("service", "")).lower() == "exchange" and p.get("capabilityStatus") == "Enabled"
               for p in (user or {}).get("assignedPlans") or [])


def mailbox_words(email: str, user: dict | None) -> str:
    """What the mailbox check really showed, in words."""
    if has_exchange_plan(user):
        return f"{email} is a user with an Exchange Online mailbox (an Exchange plan is assigned)"
    return (f"{email} is a user that has the mail attribute (a mailbox was not confirmed: no Exchange plan is "
            "assigned to it, as for a shared mailbox or a user without an Exchange licence)")


def autodiscover_url(email: str, exchange_url: str = EXCHANGE_ONLINE) -> str:
    """Exchange Online's Autodiscover V2 URL for a mailbox (computed, not fetched)."""
    from wizard.autodiscover import request_url

    return request_url(exchange_url or EXCHANGE_ONLINE, email)


class Setup:
    """Find, plan, apply, secret, token test and snippet for one vendor in one tenant."""

    def __init__(
        self,
        profile: Any,
        answers: dict,
        graph: Any,
        who: Any,
        target: Any,
        clock: Clock | None = None,
        state_dir: Any = None,
        *,
        consecutive_reads: int | None = None,
        max_wait: float = 180.0,
        enterprise_app_wait: float = 900.0,
    ) -> None:
        self.profile = profile
        self.answers = dict(answers)
        self.graph = graph
        self.who = who
        self.target = target
        self.clock = clock or Clock()
        self.tenant_id = str(getattr(who, "tenant_id", "") or getattr(target, "tenant", ""))
        # Terraform's azuread provider waits for 5 consistent reads; the demo tenant 3.
        self.consecutive_reads = consecutive_reads or (3 if getattr(target, "demo", False) else 5)
        self.max_wait = max_wait
        self.enterprise_app_wait = enterprise_app_wait
        self.resolver = PermissionResolver(graph)
        self.unique_name = unique_name_for(profile, self.answers)
        self.journal = Journal(self.tenant_id, self.unique_name, state_dir)
        from wizard.runlock import RunLock

        # One writing run per vendor and tenant (wizard/runlock.py): taken by apply(), held until
        # release_lock() or the process ends.
        self.run_lock = RunLock(self.journal.path.parent, self.tenant_id, getattr(profile, "id", "") or self.unique_name)
        self.last_plan: Plan | None = None
        self.mailbox_user: dict | None = None
        # LoopMeeting: the app ID of the vendor's enterprise app the admin chose among several (--client-id-app)
        self.enterprise_app_id = ""
        # [lookups] value name → wizard.autodiscover.Found, or the AutodiscoverError that says why not
        self.lookups: dict[str, Any] = {}

    def release_lock(self) -> None:
        """Let another run for this vendor and tenant start (the process's end does it too)."""
        self.run_lock.release()

    @property
    def is_enterprise_app(self) -> bool:
        return getattr(self.profile, "kind", "registration") == "enterprise_app"

    # ------------------------------------------------------------------ roles

    def check_roles(self) -> str | None:
        """Raise `RoleError` naming the role needed, before anything is written (`wizard.roles`).

        Returns a warning when Graph would not say which roles the admin holds (then Microsoft decides)."""
        return roles.check(self.profile, self.who, self.graph)

    # ------------------------------------------------------------------ finding

    def _get_app(self, path: str) -> dict | None:
        try:
            return self.graph.get(path)
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise

    def _summary(self, app: dict, match: str) -> AppSummary:
        unique = app.get("uniqueName") or ""
        return AppSummary(
            object_id=app["id"], client_id=app.get("appId", ""), display_name=app.get("displayName", ""),
            unique_name=unique, match=match,
            managed=unique == self.unique_name or "m365-wizard" in (app.get("tags") or []),
            created=app.get("createdDateTime") or "",
        )

    def find_existing(self, app_id: str | None = None) -> list[AppSummary]:
        """Registrations this could be: by appId (given), the wizard's uniqueName, or display name.

        Display-name matches are candidates only: the admin confirms which one (if any).
        """
        if self.is_enterprise_app:
            from wizard import consent

            if app_id:
                self.enterprise_app_id = app_id
            found = consent.enterprise_candidates(self.graph, self.profile.enterprise_app_name, self.tenant_id)
            return [AppSummary("", c.app_id, c.sp.get("displayName", ""), match="enterprise_app", created=c.created)
                    for c in found if consent.qualifies(c)
                    and (not self.enterprise_app_id or c.app_id.lower() == self.enterprise_app_id.lower())]
        found: list[AppSummary] = []
        if app_id:
            app_id = as_guid(app_id)
            if app_id is None:  # it goes into a key segment: only a GUID may
                raise InputError("client ID", "that is not an Application (client) ID, which is a GUID",
                                 example="00000000-0000-0000-0000-000000000000 (Entra > App registrations > Overview)")
            app = self._get_app(f"/applications(appId={quote(app_id)})")
            if app:
                found.append(self._summary(app, "appId"))
        app = self._find_managed_app()
        if app and all(s.object_id != app["id"] for s in found):
            found.append(self._summary(app, "uniqueName"))
        name = self.profile.display_name(self.answers)
        for app in self.graph.get_all("/applications", params={
                "$filter": f"displayName eq {quote(name)}", "$select": APP_SELECT}):
            if all(s.object_id != app["id"] for s in found):
                found.append(self._summary(app, "displayName"))
        return found

    def _find_managed_app(self) -> dict | None:
        """The app with the wizard's uniqueName; if Microsoft does not show it yet but the
        journal says it was created, wait for it (replication) instead of creating another."""
        app = self._get_app(f"/applications(uniqueName={quote(self.unique_name)})")
        if app is not None:
            return app
        object_id = self.journal.get("app_object_id")
        if not object_id:
            return None
        try:
            return replication.wait_until_visible(
                lambda: self.graph.get(f"/applications/{object_id}"), clock=self.clock,
                consecutive=1, max_wait=min(60.0, self.max_wait), what="the app created in the last run",
            )
        except MicrosoftError:
            return None  # deleted since: plan to create it again (the upsert cannot duplicate)

    # ------------------------------------------------------------------ plan

    def plan(self, existing: AppSummary | None = None) -> Plan:
        """Read the tenant and return what would change. Writes nothing."""
        if self.is_enterprise_app:
            if existing is not None and existing.client_id:
                self.enterprise_app_id = existing.client_id  # the admin picked it among several
            self.last_plan = self._plan_enterprise()
            return self.last_plan
        # Three independent reads go out side by side on the shared connection pool: the
        # resource service principals (permission ids), the mailbox, and the existing app.
        from concurrent.futures import ThreadPoolExecutor

        def read_app() -> dict | None:
            if existing is not None and existing.object_id:
                return self.graph.get(f"/applications/{existing.object_id}")
            found = self._find_managed_app()
            if found is not None and "passwordCredentials" not in found:
                found = self.graph.get(f"/applications/{found['id']}")
            return found

        mailbox_key = self._mailbox_key()
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="plan-read") as pool:
            permissions_read = pool.submit(self.resolver.resolve_all, self.profile.permissions)
            mailbox_read = pool.submit(self.check_mailbox, self.answers[mailbox_key]) if mailbox_key else None
            app_read = pool.submit(read_app)
            lookups_read = pool.submit(self.look_up) if self._lookups_to_run() else None
            permissions = permissions_read.result()
            if mailbox_read is not None:
                self.mailbox_user = mailbox_read.result()
            app = app_read.result()
            if lookups_read is not None:
                lookups_read.result()
        desired = desired_state(self.profile, self.answers, permissions)
        undelivered_here: list[dict] = []
        if app is not None and app.get("passwordCredentials"):
            unseen = self.unseen_secret_names(app.get("id", ""))
            undelivered = {e.get("key_id") for e in self.journal.undelivered() if e.get("app") in ("", app.get("id"))}
            undelivered_here = [c for c in app["passwordCredentials"] if c.get("keyId") in undelivered]
            if unseen or undelivered_here:
                # Secrets nobody holds the value of do not count: an addPassword whose answer never
                # came (create_secret removes those), and one created but never delivered (the run
                # stopped before the file was written or the value shown): a new one replaces it.
                app = dict(app, passwordCredentials=[c for c in app["passwordCredentials"]
                                                     if c.get("displayName") not in unseen and c not in undelivered_here])
        current = read_existing(self.graph, app)
        if desired.logo is not None and app is not None:
            import hashlib

            from wizard.plan import read_logo

            logo = read_logo(self.graph, app["id"])
            current.logo_sha256 = hashlib.sha256(logo).hexdigest() if logo else None
            uploaded = self.journal.get("logo") or {}
            current.logo_uploaded = uploaded if isinstance(uploaded, dict) and uploaded.get("app") == app["id"] else {}
        resource_sp_ids = {}
        for p in permissions:
            sp = self.resolver.resource_sp(p.resource_app_id)
            resource_sp_ids[p.resource_app_id] = sp.get("id") if sp else None
        self.last_plan = make_plan(desired, current, resource_sp_ids, self.clock.now())
        if undelivered_here:
            when = ", ".join(sorted({str(c.get("startDateTime") or "")[:16].replace("T", " ") for c in undelivered_here}))
            sentence = (f"Replace the client secret created {when} UTC whose value never reached you (the run stopped "
                        "before it was written or shown): a new one is created and tested, then the undelivered one "
                        "is removed")
            from dataclasses import replace as _replace

            self.last_plan.steps = [
                _replace(step, sentence=sentence, data=dict(step.data, undelivered=[c.get("keyId") for c in undelivered_here]))
                if step.kind == "secret" else step for step in self.last_plan.steps]
            self.last_plan.notes.insert(0, f"A client secret was created earlier ({when} UTC) but its value never "
                                           "reached you; this run replaces it.")
        self.last_plan.consent_by = roles.consent_sentence(self.profile)
        looked_up = {str(self.answers.get(lk.source)) for lk in self._lookups_to_run()}
        if self.mailbox_user is not None and self.answers[self._mailbox_key()] not in looked_up:
            email = self.answers[self._mailbox_key()]
            self.last_plan.notes.append(
                f"{mailbox_words(email, self.mailbox_user)}; its Autodiscover V2 URL is "
                f"{autodiscover_url(email, getattr(self.target, 'exchange_url', ''))}")
        self.last_plan.notes.extend(self.lookup_notes())
        if self.uses_ews():
            from wizard import ews

            self.last_plan.notes.append(ews.plan_note(app.get("appId", "") if app else ""))
        if self.resolver.used_catalog:
            self.last_plan.notes.append("Some permission ids came from the wizard's built-in list: your account could not read them from the tenant.")
        return self.last_plan

    # ------------------------------------------------------------------ lookups

    def _lookups_to_run(self) -> list:
        lookups_to_run = getattr(self.profile, "lookups_to_run", None)
        return lookups_to_run(self.answers) if lookups_to_run else []

    def look_up(self, http: Any = None) -> dict[str, Any]:
        """Run the profile's lookups these answers ask for (no token, nothing written); the
        results are kept for `snippet()` and `lookup_notes()`. Never raises for a failed lookup.
        `http`: the shared httpx client (default: the Graph client's)."""
        from wizard.autodiscover import run_lookups

        http = http if http is not None else getattr(self.graph, "http", None)
        self.lookups.update(run_lookups(self.profile, self.answers, getattr(self.target, "exchange_url", ""), http))
        return dict(self.lookups)

    def lookup_notes(self) -> list[str]:
        """One plain sentence per lookup: what was found and where it goes, or why the
        fallback is used and what to do."""
        from wizard.autodiscover import Found

        notes = []
        defaults = dict(getattr(self.profile, "values", ()) or ())
        for lk in self._lookups_to_run():
            result = self.lookups.get(lk.value)
            if result is None:
                continue
            rows = " and ".join(f"'{label}'" for label in self.profile.value_rows(lk.value)) or lk.value
            email = self.answers[lk.source]
            if isinstance(result, Found):
                notes.append(f"Autodiscover V2 found {result.server} for {email}; the settings use it ({rows}).")
            else:
                reason = result.message.rstrip(".")
                fallback = defaults.get(lk.value, "")
                notes.append(f"Autodiscover V2 did not find the server for {email}: {reason}. The settings use "
                             f"{fallback} instead ({rows}). {result.next_step}".rstrip())
        return notes

    def _mailbox_key(self) -> str:
        return "mailbox" if "mailbox" in self.answers and self.answers.get("mailbox") else ""

    def find_user(self, email: str, select: str = "id,userPrincipalName,mail,displayName") -> dict | None:
        """A user by mail or user principal name (https://learn.microsoft.com/graph/api/user-list)."""
        users = self.graph.get_all("/users", params={
            "$filter": f"mail eq {quote(email)} or userPrincipalName eq {quote(email)}",
            "$select": select,
        })
        return users[0] if users else None

    def check_mailbox(self, email: str) -> dict:
        """The user behind `email`; InputError when there is none or it has no mail attribute.

        A `mail` value is not proof of a mailbox (a guest or a user without an Exchange licence has
        one too): `mailbox_words` says "has the mail attribute" unless an Exchange plan is in the
        user's `assignedPlans` (https://learn.microsoft.com/graph/api/resources/assignedplan) or
        Autodiscover found the mailbox's server."""
        user = self.find_user(email, "id,userPrincipalName,mail,displayName,assignedPlans")
        if user is None:
            raise self._answer_error("mailbox", f"{email} is not a user in this tenant; the Calendar needs an address with a mailbox",
                                     example=f"calendar@{email.split('@')[-1]}")
        if not user.get("mail"):
            raise self._answer_error("mailbox", f"{email} is a user but has no mailbox (no email address in Exchange Online)")
        return user

    def _answer_error(self, key: str, message: str, example: str = "") -> InputError:
        """An answer the tenant proved wrong, named by its question's label (key kept for --set)."""
        try:
            label = self.profile.question(key).label
        except InputError:
            label = key
        return InputError(label, message, example=example, key=key)

    # ------------------------------------------------------------------ apply

    def apply(self, plan: Plan, on_progress: Callable[[StepProgress], None] | None = None,
              cancel: threading.Event | None = None) -> Applied:
        """Carry out the plan (roles are checked first: nothing is written without them; a second
        run for the same vendor and tenant is refused with RunInProgress before any write)."""
        warning = self.check_roles()
        if warning and on_progress is not None:  # Graph would not say the roles: shown, and Microsoft decides
            on_progress(StepProgress("roles", "Check your directory roles", SKIPPED, warning))
        self.run_lock.acquire()
        if self.is_enterprise_app:
            return self._apply_enterprise(plan, on_progress, cancel)
        applier = Applier(
            self.graph, clock=self.clock, resolver=self.resolver, journal=self.journal,
            tenant_id=self.tenant_id, on_progress=on_progress, cancel=cancel,
            consecutive_reads=self.consecutive_reads, max_wait=self.max_wait,
        )
        return applier.run(plan)

    # ------------------------------------------------------------------ secret

    def create_secret(self, applied: Applied, months: int | None = None,
                      on_progress: Callable[[StepProgress], None] | None = None):
        """addPassword, once. Returns `NewSecret` (the VALUE is shown once, never stored by us)."""
        from wizard.secret import create_secret

        if self.is_enterprise_app:
            raise InputError("secret", f"{self.profile.name} holds its own credentials; no client secret is created")
        if months is None:
            months = int(self.answers.get("secret_months") or self.profile.secret_default_months)
        sentence = f"Create a client secret valid {months} months"
        emit = on_progress or (lambda p: None)
        emit(StepProgress("secret", sentence, RUNNING))
        try:
            removed = self._remove_unseen_secrets(applied.object_id)
            if removed:
                emit(StepProgress("secret", sentence, RETRYING,
                                  f"Removed {len(removed)} client secret(s) whose value the wizard never received "
                                  "(the connection dropped during addPassword)"))
            settled: list[str] = []  # names to drop from "unseen": in ONE journal write with the new secret
            secret = create_secret(
                self.graph, applied.object_id, vendor_name=self.profile.id, months=months, now=self.clock.now(),
                on_note=lambda text: emit(StepProgress("secret", sentence, RETRYING, text)),
                remember=lambda name: self._unseen_secret(applied.object_id, name, add=True),
                forget=settled.append,
                clock=self.clock,
            )
        except BaseException as exc:
            for name in settled:
                self._unseen_secret(applied.object_id, name, add=False)
            emit(StepProgress("secret", sentence, FAILED, getattr(exc, "message", "") or type(exc).__name__))
            raise
        # "Created, value not delivered" until the caller says the user holds it (secret_delivered).
        # A crash before this write leaves the name in "unseen", which means the same to a re-run.
        self.journal.secret_created(secret.key_id, secret.end, secret.display_name, delivered=False,
                                    app=applied.object_id, forget_unseen=tuple(settled))
        made = getattr(secret, "months", 0) or months
        if made != months:  # a tenant policy capped the lifetime: say what was actually created
            sentence = (f"Create a client secret valid {made} months (your organisation's policy does not "
                        f"allow {months} months)")
        emit(StepProgress("secret", sentence, DONE, f"Secret ID {secret.key_id}, expires {secret.end[:10]}"))
        return secret

    def secret_delivered(self, secret: Any) -> None:
        """The user holds `secret`'s value now (the file is written and fsynced, or it was shown)."""
        self.journal.secret_delivered(secret.key_id)

    def remove_undelivered(self, applied: Applied, keep_key_id: str) -> list[str]:
        """After the new secret works: removePassword every secret of this app created earlier whose
        value never reached the user. Returns the keyIds removed (a failure is left for the next run)."""
        removed = []
        for entry in self.journal.undelivered():
            key_id = str(entry.get("key_id") or "")
            if not key_id or key_id == keep_key_id or entry.get("app") not in ("", applied.object_id):
                continue
            try:
                self.graph.post(f"/applications/{applied.object_id}/removePassword", json={"keyId": key_id},
                                idempotent=True)
            except WizardError as exc:
                from wizard.secret import _gone

                if not _gone(exc):  # anything but "no such key": leave it for the next run
                    continue
            self.journal.drop_secret(key_id)
            removed.append(key_id)
        return removed

    # Secrets whose addPassword answer never arrived (a dropped connection): their names are
    # journaled BEFORE the POST (names only, never a value), so a run can remove them.
    UNSEEN_KEY = "unseen_credentials"
    UNSEEN_KEEP_SECONDS = 86400.0  # a name not found for a day was never created

    def _unseen(self) -> list[dict]:
        return [dict(e) for e in self.journal.get(self.UNSEEN_KEY) or [] if isinstance(e, dict)]

    def _unseen_secret(self, app_object_id: str, display_name: str, *, add: bool) -> None:
        entries = [e for e in self._unseen() if not (e.get("app") == app_object_id and e.get("name") == display_name)]
        if add:
            entries.append({"app": app_object_id, "name": display_name, "since": self.clock.now()})
        self.journal.set(**{self.UNSEEN_KEY: entries})

    def unseen_secret_names(self, app_object_id: str) -> set[str]:
        """displayNames of this app's secrets whose value the wizard never received."""
        return {str(e.get("name")) for e in self._unseen() if e.get("app") == app_object_id and e.get("name")}

    def _remove_unseen_secrets(self, app_object_id: str) -> list[str]:
        """removePassword the secrets an earlier addPassword created without returning the value."""
        from wizard.secret import remove_unseen

        entries = self._unseen()
        if not entries:
            return []
        mine = [e for e in entries if e.get("app") == app_object_id]
        names = {str(e.get("name")) for e in mine}
        keep = {str(s.get("key_id")) for s in self.journal.get("secrets") or [] if isinstance(s, dict)}
        removed, found = remove_unseen(self.graph, app_object_id, names, keep_key_ids=keep) if names else ([], set())
        now = self.clock.now()
        # Other apps' entries go (that app was replaced); a name found is removed now; a name
        # never found is kept a day (replication), then it was simply never created.
        left = [e for e in mine if e.get("name") not in found and now - float(e.get("since") or 0) < self.UNSEEN_KEEP_SECONDS]
        if left != entries:
            self.journal.set(**{self.UNSEEN_KEY: left})
        return removed

    # ------------------------------------------------------------------ token test

    def _token_resource(self) -> str:
        resource = getattr(self.profile, "token_resource", "") or "https://graph.microsoft.com"
        resource_for = getattr(self.target, "resource_for", None)  # the cloud table (wizard.target)
        return resource_for(resource) if resource_for else resource

    def _in_cloud(self, resource: str) -> str:
        resource_for = getattr(self.target, "resource_for", None)
        return (resource_for(resource) if resource_for else resource).rstrip("/")

    def test_token(self, client_id: str, secret_value: str | None,
                   on_progress: Callable[[StepProgress], None] | None = None,
                   cancel: threading.Event | None = None, *, typed: bool = False):
        """Client-credentials token with the new secret, and the checks of `wizard.tokentest`.

        `typed`: the secret was not created in this run (a person gave it). Unless the app's
        passwordCredentials show that secret is only minutes old, a refusal is then reported
        as a wrong value within about 15 s instead of being waited out as replication."""
        from wizard import consent, tokentest

        emit = on_progress or (lambda p: None)
        report = tokentest.TokenTestReport()
        if self.is_enterprise_app:
            return self._test_enterprise(report, emit)
        resource = self._token_resource()
        sentence = f"Get a token for {resource} with the new client ID and secret"
        emit(StepProgress("token", sentence, RUNNING))

        def attempt(n: int, code: str) -> None:
            emit(StepProgress("token", sentence, RETRYING,
                              f"Microsoft does not accept the new credentials yet (AADSTS{code}), attempt {n}"))

        if typed:
            app = self.last_plan.existing.app if self.last_plan and self.last_plan.existing else None
            typed = tokentest.secret_settled(app, secret_value or "", self.clock.now()) is not False
        started = self.clock.monotonic()
        result, code, tries = tokentest.acquire_token(
            self.target, self.tenant_id, client_id, secret_value or "", resource,
            http=self.graph.http, clock=self.clock, cancel=cancel, on_attempt=attempt, typed=typed,
        )
        report.attempts = tries
        if result is None:
            report.code = code
            report.checks.append(tokentest.typed_failure(code, secret_value or "", tries,
                                                         self.clock.monotonic() - started, typed))
            emit(StepProgress("token", sentence, FAILED, report.checks[-1].reason))
            return report
        report.checks.append(tokentest.Check("token", True, f"Microsoft issued a token for {resource} (attempt {tries})"))
        emit(StepProgress("token", sentence, DONE))
        claims = tokentest.decode_claims(result["access_token"])
        roles_needed = [p.name for p in self.profile.permissions
                        if p.type == APPLICATION and self._in_cloud(_token_resource_of(p)) == resource.rstrip("/")]
        missing = [r for r in roles_needed if r not in set(claims.get("roles") or [])]
        waited = 0.0
        if missing and self._roles_assigned(client_id, missing):
            result, claims, waited = self._wait_for_roles(client_id, secret_value or "", resource, missing,
                                                          result, claims, emit, cancel)
        report.checks += tokentest.claim_checks(claims, tenant_id=self.tenant_id, client_id=client_id, roles_needed=roles_needed)
        if waited and report.checks[-1].ok:
            report.checks[-1] = tokentest.Check(report.checks[-1].name, True, report.checks[-1].reason
                                                + f" (Microsoft took {int(waited)} s to put the role in its tokens after the consent)")
        if self.uses_ews() and report.ok:
            report.checks.append(self._ews_check(client_id, result["access_token"], emit))
        delegated = [p for p in self.profile.permissions if p.type == DELEGATED]
        if delegated:
            emit(StepProgress("consent", "Read back the delegated admin consent", RUNNING))
            sp = self._get_app(f"/servicePrincipals(appId={quote(client_id)})")
            if sp is None:
                report.checks.append(tokentest.Check("delegated consent", False, "the app has no service principal in this tenant"))
            else:
                by_res: dict[str, list[str]] = {}
                for p in delegated:
                    res_sp = self.resolver.resource_sp(p.resource_app_id)
                    by_res.setdefault(res_sp["id"] if res_sp else p.resource_app_id, []).append(p.name)
                check = consent.verify(self.graph, sp["id"], by_res, [])
                report.checks.append(tokentest.Check(
                    "delegated consent", check.ok,
                    f"admin consent holds {', '.join(p.name for p in delegated)}" if check.ok else check.reason))
            emit(StepProgress("consent", "Read back the delegated admin consent", DONE if report.checks[-1].ok else FAILED))
        return report

    def _roles_assigned(self, client_id: str, names: list[str]) -> bool:
        """Does Graph read back an app role assignment for each of `names` (admin consent done)?"""
        sp = self._get_app(f"/servicePrincipals(appId={quote(client_id)})")
        if sp is None:
            return False
        try:
            assigned = {a.get("appRoleId") for a in self.graph.get_all(f"/servicePrincipals/{sp['id']}/appRoleAssignments")}
        except GraphError:
            return False
        wanted = {p.name: p for p in self.profile.permissions if p.type == APPLICATION and p.name in names}
        return all(getattr(p, "id", None) in assigned for p in wanted.values()) and len(wanted) == len(set(names))

    def _wait_for_roles(self, client_id, secret_value, resource, missing, result, claims, emit, cancel):
        """Fresh tokens, with back-off, until they carry the app roles Graph already shows (up to ~5 min)."""
        from wizard import tokentest

        sentence = f"Wait until Microsoft's tokens carry {', '.join(missing)}"

        def on_wait(wait: float, waited: float, still: list[str]) -> None:
            emit(StepProgress("roles_claim", sentence, RETRYING,
                              f"admin consent is done but the token has no {', '.join(still)} yet; "
                              f"a fresh token in {int(wait)} s (waited {int(waited)} s of up to 5 minutes)"))

        def acquire():
            return tokentest.acquire_token(self.target, self.tenant_id, client_id, secret_value, resource,
                                           http=self.graph.http, clock=self.clock, cancel=cancel)

        emit(StepProgress("roles_claim", sentence, RUNNING))
        fresh, fresh_claims, waited = tokentest.wait_for_roles(acquire, missing, clock=self.clock, cancel=cancel,
                                                               on_wait=on_wait)
        if fresh is None:
            emit(StepProgress("roles_claim", sentence, FAILED, f"still missing after {int(waited)} s"))
            return result, claims, waited
        ok = all(r in set(fresh_claims.get("roles") or []) for r in missing)
        emit(StepProgress("roles_claim", sentence, DONE if ok else FAILED,
                          f"waited {int(waited)} s for the role" if ok else f"still missing after {int(waited)} s"))
        return fresh, fresh_claims, waited

    def result_notes(self, client_id: str) -> list[str]:
        """Notes for the result, beyond the profile's: innovaphone's EWS allow-list PowerShell with the app id."""
        from wizard import ews

        return [ews.plan_note(client_id)] if self.uses_ews() and client_id else []

    def uses_ews(self) -> bool:
        """App-only EWS: an Exchange Online application permission (innovaphone's full_access_as_app)."""
        from wizard import ews

        return ews.uses_ews(self.profile)

    def _ews_check(self, client_id: str, token: str, emit):
        """The Calendar's first EWS call (GetFolder of the mailbox's calendar): 'passed' means EWS answered."""
        from wizard import ews, tokentest

        key = self._mailbox_key()
        mailbox = str(self.answers.get(key) or "") if key else ""
        sentence = f"Open the calendar of {mailbox} over EWS, as the Calendar does"
        if not mailbox:
            return tokentest.Check("EWS", False, "no mailbox to open over EWS")
        emit(StepProgress("ews", sentence, RUNNING))
        check = ews.token_check(self.graph.http, getattr(self.target, "exchange_url", ""), token, mailbox, client_id)
        emit(StepProgress("ews", sentence, DONE if check.ok else FAILED, "" if check.ok else check.reason.split("\n")[0]))
        return check

    # ------------------------------------------------------------------ snippet

    def snippet(self, client_id: str, client_secret: str | None = None):
        """The vendor's settings block, with the vendor's labels."""
        values: dict[str, Any] = cloud_defaults(self.profile, self.target)
        values.update({k: v for k, v in self.answers.items() if v not in (None, "", [])})
        values.update({
            "tenant_id": self.tenant_id,
            "client_id": client_id,
            "authorize_url": self.target.authorize_url(self.tenant_id),
            "token_url": self.target.token_url(self.tenant_id),
            "display_name": self.profile.display_name(self.answers) if not self.is_enterprise_app else self.profile.enterprise_app_name,
        })
        if client_secret:
            values["client_secret"] = client_secret
        if not self.is_enterprise_app:
            values["redirect_uris"] = self.profile.redirect_uris(self.answers)
        from wizard.autodiscover import fill_found

        return self.profile.render_snippet(fill_found(values, self.lookups))

    # ------------------------------------------------------------------ enterprise app (LoopMeeting)

    def _find_enterprise_sp(self) -> dict | None:
        """The vendor's enterprise app: never the first display-name match (wizard.consent.pick_enterprise_app:
        only a multi-tenant app of another organisation; several: AmbiguousEnterpriseApp, exit 2)."""
        from wizard import consent

        name = self.profile.enterprise_app_name
        candidates = consent.enterprise_candidates(self.graph, name, self.tenant_id)
        return consent.pick_enterprise_app(candidates, name, self.enterprise_app_id)

    def _service_accounts(self) -> list[str]:
        value = self.answers.get("service_account") or []
        return [value] if isinstance(value, str) else list(value)

    def _plan_enterprise(self) -> Plan:
        from wizard.plan import read_grants

        name = self.profile.enterprise_app_name
        users = []
        for email in self._service_accounts():
            user = self.find_user(email)
            if user is None:
                raise self._answer_error("service_account", f"{email} is not a user in this tenant")
            users.append(user)
        sp = self._find_enterprise_sp()
        steps: list[Step] = []
        notes: list[str] = []
        permissions: list[PermissionInfo] = []
        assigned: set[str] = set()
        if sp is None:
            steps.append(Step("wait_enterprise_app",
                              f"Wait for the {name} enterprise application: do the 'Get Access Token' consent in {name} Central Config now",
                              "wait_enterprise_app"))
        else:
            assigned = {a.get("principalId") for a in self.graph.get_all(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo")}
            permissions = self._enterprise_permissions(read_grants(self.graph, sp["id"]))
            if permissions:
                notes.append(f"{name} holds these delegated permissions: " + ", ".join(p.name for p in permissions))
        for user in users:
            if user["id"] not in assigned:
                upn = user.get("userPrincipalName") or user.get("mail")
                steps.append(Step(f"assign_user:{upn}", f"Assign {upn} to the {name} enterprise application (Users and groups)",
                                  "assign_user", {"user_id": user["id"], "upn": upn}))
        if sp is not None and any(s.kind == "assign_user" for s in steps):
            from wizard import consent

            consent.user_role_for(sp)  # read the app's roles now: a choice the wizard cannot make stops the plan
        if any(s.kind == "assign_user" for s in steps):
            steps.append(Step("verify_assignments", "Read back the user assignments", "verify_assignments"))
        existing = Existing(sp=sp)
        return Plan(steps=steps, permissions=permissions, nothing_to_do=not steps, existing=existing, notes=notes)

    def _enterprise_permissions(self, grants: list[dict]) -> list[PermissionInfo]:
        from wizard import catalog

        out: list[PermissionInfo] = []
        for g in grants:
            for scope in (g.get("scope") or "").split():
                try:
                    cat = catalog.permission("graph", scope)
                    pid, desc = cat.delegated_id or "", cat.description
                except InputError:
                    pid, desc = "", ""
                info = PermissionInfo("Microsoft Graph", scope, DELEGATED, pid, desc,
                                      g.get("consentType") == "AllPrincipals", catalog.resource_app_id("graph"), "graph")
                if info not in out:
                    out.append(info)
        return out

    def _apply_enterprise(self, plan: Plan, on_progress, cancel) -> Applied:
        from wizard import consent

        emit = on_progress or (lambda p: None)
        for step in plan.steps:
            emit(StepProgress(step.id, step.sentence, PENDING))
        sp = plan.existing.sp if plan.existing else None
        for step in plan.steps:
            emit(StepProgress(step.id, step.sentence, RUNNING))
            try:
                if step.kind == "wait_enterprise_app":
                    sp = self._wait_enterprise_sp(step, emit, cancel)
                    detail = f"found, client ID {sp['appId']}"
                elif step.kind == "assign_user":
                    # the role from the SP's appRoles (the default access role only when it declares none)
                    role = consent.user_role_for(sp)
                    user_id, sp_id = step.data["user_id"], sp["id"]
                    # check-then-assign: safe to repeat after a dropped answer (its own write reads back)
                    detail = replication.retry_transient(
                        lambda: consent.assign_user(self.graph, user_id, sp_id, role), clock=self.clock, cancel=cancel,
                        is_transient=lambda e: isinstance(e, ConnectionLost) or replication.is_replication_error(e, (user_id, sp_id)),
                        max_wait=min(60.0, self.max_wait), what="the assignment")
                else:  # verify_assignments
                    assigned = {a.get("principalId") for a in self.graph.get_all(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo")}
                    missing = [s.data["upn"] for s in plan.steps if s.kind == "assign_user" and s.data["user_id"] not in assigned]
                    if missing:
                        raise MicrosoftError(f"These accounts are not assigned yet: {', '.join(missing)}.",
                                             next_step="Run the wizard again in a minute.")
                    detail = "every service account is assigned"
            except BaseException as exc:
                emit(StepProgress(step.id, step.sentence, FAILED, getattr(exc, "message", "") or type(exc).__name__))
                raise
            emit(StepProgress(step.id, step.sentence, SKIPPED if detail.startswith("already") else DONE, detail))
        if sp is None:
            sp = self._find_enterprise_sp()
        if sp is None:
            raise MicrosoftError(f"The {self.profile.enterprise_app_name} enterprise application is not in this tenant.",
                                 next_step="Do the consent in the vendor's Central Config, then run the wizard again.")
        self.journal.set(sp_id=sp["id"], app_id=sp["appId"])
        return Applied("", sp["appId"], sp["id"], self.tenant_id)

    def _wait_enterprise_sp(self, step: Step, emit, cancel) -> dict:
        """Poll (bounded) until the vendor's app appears after the admin's consent."""
        waited, checks, interval = 0.0, 0, 10.0
        while True:
            checks += 1
            sp = self._find_enterprise_sp()
            if sp is not None:
                return sp
            if waited + interval > self.enterprise_app_wait:
                raise MicrosoftError(
                    f"The {self.profile.enterprise_app_name} enterprise application did not appear within {int(waited // 60)} minutes.",
                    next_step=self.profile.notes[0] if self.profile.notes else "Do the vendor's consent, then run the wizard again.",
                )
            emit(StepProgress(step.id, step.sentence, RETRYING,
                              f"Not there yet ({_times(checks)}); waiting for the consent in {self.profile.enterprise_app_name} Central Config"))
            self.clock.sleep(interval, cancel)
            waited += interval

    def _test_enterprise(self, report, emit):
        from wizard import tokentest

        sentence = f"Check the {self.profile.enterprise_app_name} enterprise application"
        emit(StepProgress("check", sentence, RUNNING))
        sp = self._find_enterprise_sp()
        if sp is None:
            report.checks.append(tokentest.Check("enterprise app", False, f"{self.profile.enterprise_app_name} is not in this tenant"))
            emit(StepProgress("check", sentence, FAILED))
            return report
        report.checks.append(tokentest.Check("enterprise app", True, f"{sp.get('displayName')} is in this tenant (client ID {sp['appId']})"))
        assigned = {a.get("principalId") for a in self.graph.get_all(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo")}
        for email in self._service_accounts():
            user = self.find_user(email)
            ok = bool(user) and user["id"] in assigned
            report.checks.append(tokentest.Check(f"assigned {email}", ok,
                                                 f"{email} is assigned to the app" if ok else f"{email} is not assigned to the app"))
        from wizard.plan import read_grants

        grants = read_grants(self.graph, sp["id"])
        scopes = sorted({s for g in grants for s in (g.get("scope") or "").split()})
        report.checks.append(tokentest.Check("delegated permissions", bool(scopes),
                                             ("granted: " + " ".join(scopes)) if scopes else "no delegated permission is granted: redo the Central Config consent"))
        emit(StepProgress("check", sentence, DONE if report.ok else FAILED))
        return report


def _token_resource_of(perm: Any) -> str:
    from wizard import catalog

    return catalog.resource(getattr(perm, "resource_app_id", "") or perm.resource).token_resource.rstrip("/")


def _times(n: int) -> str:
    """'checked once', 'checked 3 times'."""
    return "checked once" if n == 1 else f"checked {n} times"
