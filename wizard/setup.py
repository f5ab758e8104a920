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

Two kinds of vendor (`wizard.vendor_kinds`), chosen once from the profile in `__init__`:
"registration" (FlexO, SyncSign, innovaphone, Pexip: the tenant's own app registration,
service principal, admin consent and client secret) and "enterprise_app" (LoopMeeting: the
vendor's multi-tenant app appears after an admin consents in the vendor's console; the
wizard finds it and assigns the service account(s); no secret). `Setup` delegates finding,
planning, what comes around the apply steps, the token test and the snippet's values to it;
the steps themselves are the step kinds of `wizard.steps`.

`on_progress(StepProgress)` is called from the calling (worker) thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from wizard import ews, roles
from wizard.apply import DONE, FAILED, PENDING, RETRYING, RUNNING, SKIPPED, Applied, Applier, StepProgress, failure_words
from wizard.clock import Clock
from wizard.errors import InputError, WizardError
from wizard.graph import quote
from wizard.journal import Journal
from wizard.permissions import PermissionResolver
from wizard.plan import Plan, Step, unique_name_for
from wizard.vendor_kinds import EnterpriseAppVendor, vendor_kind
from wizard.vendor_kinds.base import AppSummary

if TYPE_CHECKING:
    from wizard.graph import GraphClient
    from wizard.profiles import Lookup, Profile
    from wizard.secret import NewSecret
    from wizard.signin import SignedIn
    from wizard.target import Target
    from wizard.tokentest import TokenTestReport

__all__ = ["Setup", "AppSummary", "Applied", "StepProgress", "Plan", "Step", "cloud_defaults",
           "PENDING", "RUNNING", "RETRYING", "DONE", "FAILED", "SKIPPED"]


def cloud_defaults(profile: Profile, target: Target) -> dict[str, Any]:
    """The profile's `[values]` that name a global Microsoft URL, as the target's cloud names them
    (innovaphone's Autodiscover default in US Government or China). Empty for the global cloud."""
    out = {}
    for key, value in dict(profile.values).items():
        if isinstance(value, str) and target.localize(value) != value:
            out[key] = target.localize(value)
    return out


class Setup:
    """Find, plan, apply, secret, token test and snippet for one vendor in one tenant."""

    def __init__(
        self,
        profile: Profile,
        answers: dict,
        graph: GraphClient,
        who: SignedIn,
        target: Target,
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
        self.tenant_id = who.tenant_id or target.tenant
        # Terraform's azuread provider waits for 5 consistent reads; the demo tenant 3.
        self.consecutive_reads = consecutive_reads or (3 if target.demo else 5)
        self.max_wait = max_wait
        self.enterprise_app_wait = enterprise_app_wait
        self.resolver = PermissionResolver(graph, f"{target.authority_host.rstrip('/')}/{self.tenant_id}")
        self.unique_name = unique_name_for(profile, self.answers)
        self.journal = Journal(self.tenant_id, self.unique_name, state_dir)
        from wizard.runlock import RunLock

        # One writing run per vendor and tenant (wizard/runlock.py): taken by apply(), held until
        # release_lock() or the process ends.
        self.run_lock = RunLock(self.journal.path.parent, self.tenant_id, profile.id or self.unique_name)
        self.last_plan: Plan | None = None
        self.mailbox_user: dict | None = None
        # LoopMeeting: the app ID of the vendor's enterprise app the admin chose among several (--client-id-app)
        self.enterprise_app_id = ""
        # [lookups] value name → wizard.autodiscover.Found, or the AutodiscoverError that says why not
        self.lookups: dict[str, Any] = {}
        # --demo: the demo tenant's accounts in words, added to a "not a user in this tenant" error
        self.account_hint = ""
        self.users_seen: dict[str, dict] = {}  # address → user found by find_user (the plan's own lookups)
        # Registration or enterprise app: chosen once, here; every difference lives in it.
        self.vendor = vendor_kind(profile)

    def release_lock(self) -> None:
        """Let another run for this vendor and tenant start (the process's end does it too)."""
        self.run_lock.release()

    @property
    def is_enterprise_app(self) -> bool:
        return isinstance(self.vendor, EnterpriseAppVendor)

    def uses_ews(self) -> bool:
        """App-only EWS (innovaphone): Exchange Online's allow list matters (`wizard.steps.ews_allow_list`)."""
        return ews.uses_ews(self.profile)

    def result_notes(self, client_id: str) -> list[str]:
        """Notes for the result, beyond the profile's: innovaphone's EWS allow-list PowerShell with the app id."""
        return [ews.plan_note(client_id)] if self.uses_ews() and client_id else []

    # ------------------------------------------------------------------ roles

    def check_roles(self) -> str | None:
        """Raise `RoleError` naming the role needed, before anything is written (`wizard.roles`).

        Returns a warning when Graph would not say which roles the admin holds (then Microsoft decides)."""
        return roles.check(self.profile, self.who, self.graph)

    # ------------------------------------------------------------------ finding and planning

    def find_existing(self, app_id: str | None = None) -> list[AppSummary]:
        """Registrations this could be: by appId (given), the wizard's uniqueName, or display name
        (for an enterprise-app vendor: its app, by name).

        Display-name matches are candidates only: the admin confirms which one (if any).
        """
        return self.vendor.find_existing(self, app_id)

    def plan(self, existing: AppSummary | None = None) -> Plan:
        """Read the tenant and return what would change. Writes nothing."""
        plan = self.vendor.plan(self, existing)
        plan.notes[:0] = [w for w in self.account_warnings() if w not in plan.notes]
        self.last_plan = plan
        return plan

    # ------------------------------------------------------------------ lookups

    def lookups_to_run(self) -> list[Lookup]:
        """The profile's lookups these answers ask for."""
        return self.profile.lookups_to_run(self.answers)

    def look_up(self, http: Any = None) -> dict[str, Any]:
        """Run the profile's lookups these answers ask for (no token, nothing written); the
        results are kept for `snippet()` and `lookup_notes()`. Never raises for a failed lookup.
        `http`: the shared httpx client (default: the Graph client's)."""
        from wizard.autodiscover import run_lookups

        http = http if http is not None else self.graph.http
        self.lookups.update(run_lookups(self.profile, self.answers, self.target.exchange_url, http))
        return dict(self.lookups)

    def lookup_notes(self) -> list[str]:
        """One plain sentence per lookup: what was found and where it goes, or why the
        fallback is used and what to do."""
        from wizard.autodiscover import Found

        notes = []
        defaults = dict(self.profile.values)
        for lk in self.lookups_to_run():
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

    def find_user(self, email: str, select: str = "id,userPrincipalName,mail,displayName") -> dict | None:
        """A user by mail or user principal name (https://learn.microsoft.com/graph/api/user-list)."""
        users = self.graph.get_all("/users", params={
            "$filter": f"mail eq {quote(email)} or userPrincipalName eq {quote(email)}",
            "$select": select,
        })
        if users:
            self.users_seen[email.lower()] = users[0]
        return users[0] if users else None

    def check_mailbox(self, email: str) -> dict:
        """The user behind `email`; InputError when there is none or it has no mail attribute.

        A `mail` value is not proof of a mailbox (a guest or a user without an Exchange licence has
        one too): `vendor_kinds.registration.mailbox_words` says "has the mail attribute" unless an
        Exchange plan is in the user's `assignedPlans`
        (https://learn.microsoft.com/graph/api/resources/assignedplan) or Autodiscover found the
        mailbox's server."""
        user = self.find_user(email, "id,userPrincipalName,mail,displayName,assignedPlans")
        if user is None:
            raise self.unknown_user("mailbox", email, "the Calendar needs an address with a mailbox",
                                    example=f"calendar@{email.split('@')[-1]}")
        if not user.get("mail"):
            raise self.answer_error("mailbox", f"{email} is a user but has no mailbox (no email address in Exchange Online)")
        return user

    def unknown_user(self, key: str, email: str, why: str = "", example: str = "") -> InputError:
        """"Not a user in this tenant": with `--demo` it lists the demo tenant's accounts
        (`account_hint`) and gives one of them as the example."""
        message = f"{email} is not a user in this tenant" + (f"; {why}" if why else "")
        if self.account_hint:
            message += f". {self.account_hint}"
            try:
                example = self.profile.question(key).example or example
            except InputError:
                pass
        return self.answer_error(key, message, example=example)

    def account_warnings(self) -> list[str]:
        """A plain warning for each mailbox or service account answer that holds an administrator
        role (directly or through a group: `wizard.roles.of_user`). Such an account needs no admin
        role, and whoever holds its sign-in (the vendor's product) could then manage the tenant."""
        warnings = []
        for question in self.profile.questions:
            if question.kind != "email":
                continue
            value = self.answers.get(question.key)
            for email in (value if isinstance(value, (list, tuple)) else [value] if value else []):
                user = self.users_seen.get(str(email).lower()) or self.find_user(str(email))
                if user is None:
                    continue
                held = roles.of_user(self.graph, str(user["id"]))
                if held:
                    warnings.append(roles.admin_account_warning(str(email), question.label, self.profile.name.split(" — ")[0], held))
        return warnings

    def answer_error(self, key: str, message: str, example: str = "") -> InputError:
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
        applier = Applier(
            self.graph, clock=self.clock, resolver=self.resolver, journal=self.journal,
            tenant_id=self.tenant_id, on_progress=on_progress, cancel=cancel,
            consecutive_reads=self.consecutive_reads, max_wait=self.max_wait,
            enterprise_app_wait=self.enterprise_app_wait,
        )
        return applier.run(plan, self.vendor)

    # ------------------------------------------------------------------ secret

    def create_secret(self, applied: Applied, months: int | None = None,
                      on_progress: Callable[[StepProgress], None] | None = None):
        """addPassword, once. Returns `NewSecret` (the VALUE is shown once, never stored by us)."""
        from wizard.secret import create_secret

        self.vendor.check_secret_allowed()
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
            emit(StepProgress("secret", sentence, FAILED, failure_words(exc)))
            raise
        # "Created, value not delivered" until the caller says the user holds it (secret_delivered).
        # A crash before this write leaves the name in "unseen", which means the same to a re-run.
        self.journal.secret_created(secret.key_id, secret.end, secret.display_name, delivered=False,
                                    app=applied.object_id, forget_unseen=tuple(settled))
        made = secret.months or months
        if made != months:  # a tenant policy capped the lifetime: say what was actually created
            sentence = (f"Create a client secret valid {made} months (your organisation's policy does not "
                        f"allow {months} months)")
        emit(StepProgress("secret", sentence, DONE, f"Secret ID {secret.key_id}, expires {secret.end[:10]}"))
        return secret

    def secret_delivered(self, secret: NewSecret) -> None:
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

    def test_token(self, client_id: str, secret_value: str | None,
                   on_progress: Callable[[StepProgress], None] | None = None,
                   cancel: threading.Event | None = None, *, typed: bool = False) -> TokenTestReport:
        """Client-credentials token with the new secret, and the checks of `wizard.tokentest`
        (an enterprise-app vendor has no secret: its app, assignments and grants are checked).

        `typed`: the secret was not created in this run (a person gave it). Unless the app's
        passwordCredentials show that secret is only minutes old, a refusal is then reported
        as a wrong value within about 15 s instead of being waited out as replication."""
        return self.vendor.test_token(self, client_id, secret_value, on_progress or (lambda p: None), cancel,
                                      typed=typed)

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
            **self.vendor.snippet_values(self.answers),
        })
        if client_secret:
            values["client_secret"] = client_secret
        from wizard.autodiscover import fill_found

        return self.profile.render_snippet(fill_found(values, self.lookups))
