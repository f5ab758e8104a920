"""Registration vendors (FlexO, SyncSign, innovaphone, Pexip): the tenant's own app registration.

Finding: by the Application (client) ID given, by the wizard's uniqueName (waiting for an app
the journal says was created, should replication hide it), and by display name (candidates
only: the admin confirms which one). Planning: the resource service principals (permission
ids), the mailbox, the lookups and the app are read side by side; then the registration step
kinds (`wizard.steps.REGISTRATION`) compare. Token test: a client-credentials token with the
new secret, its claims, and the delegated consent read back.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from wizard import consent, ews, replication, roles, steps, tokentest
from wizard.answers import as_guid
from wizard.apply import DONE, FAILED, RETRYING, RUNNING, Applied, Applier, StepProgress
from wizard.errors import InputError, MicrosoftError
from wizard.graph import GraphError, quote
from wizard.permissions import APPLICATION, DELEGATED, in_token
from wizard.plan import Plan, desired_state, make_plan, read_existing, read_logo
from wizard.portal import MENU_OVERVIEW, ChecklistItem, portal_link
from wizard.plan import WIZARD_TAG
from wizard.vendor_kinds.base import AppSummary, Emit, VendorKind, read_or_none, sign_in_item

if TYPE_CHECKING:
    from wizard.setup import Setup

APP_SELECT = "id,appId,displayName,uniqueName,tags,createdDateTime,signInAudience"
GRAPH_RESOURCE = "https://graph.microsoft.com"
EXCHANGE_ONLINE = "https://outlook.office365.com"


def autodiscover_url(email: str, exchange_url: str = EXCHANGE_ONLINE) -> str:
    """Exchange Online's Autodiscover V2 URL for a mailbox (computed, not fetched)."""
    from wizard.autodiscover import request_url

    return request_url(exchange_url or EXCHANGE_ONLINE, email)


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


def summary(app: dict, match: str, unique_name: str) -> AppSummary:
    """An app as a candidate; `managed` when it has the wizard's uniqueName or tag."""
    unique = app.get("uniqueName") or ""
    return AppSummary(
        object_id=app["id"], client_id=app.get("appId", ""), display_name=app.get("displayName", ""),
        unique_name=unique, match=match,
        managed=unique == unique_name or WIZARD_TAG in (app.get("tags") or []),
        created=app.get("createdDateTime") or "",
    )


class RegistrationVendor(VendorKind):
    name: ClassVar[str] = "registration"
    kinds = steps.REGISTRATION
    # The portal's order: register, Authentication, API permissions, consent, secret, then
    # the optional branding (the portal creates the service principal by itself).
    checklist_kinds = (steps.app.KIND, steps.redirect_uris.KIND, steps.implicit_grant.KIND,
                       steps.api_permissions.KIND, steps.admin_consent.KIND, steps.client_secret.KIND,
                       steps.branding.KIND, steps.ews_allow_list.KIND)

    # -- finding -----------------------------------------------------------------------

    def find_existing(self, setup: Setup, app_id: str | None) -> list[AppSummary]:
        found: list[AppSummary] = []
        if app_id:
            guid = as_guid(app_id)
            if guid is None:  # it goes into a key segment: only a GUID may
                raise InputError("client ID", "that is not an Application (client) ID, which is a GUID",
                                 example="00000000-0000-0000-0000-000000000000 (Entra > App registrations > Overview)")
            app = read_or_none(setup.graph, f"/applications(appId={quote(guid)})")
            if app:
                found.append(summary(app, "appId", setup.unique_name))
        app = self.find_managed_app(setup)
        if app and all(s.object_id != app["id"] for s in found):
            found.append(summary(app, "uniqueName", setup.unique_name))
        name = self.profile.display_name(setup.answers)
        for app in setup.graph.get_all("/applications", params={
                "$filter": f"displayName eq {quote(name)}", "$select": APP_SELECT}):
            if all(s.object_id != app["id"] for s in found):
                found.append(summary(app, "displayName", setup.unique_name))
        return found

    @staticmethod
    def find_managed_app(setup: Setup) -> dict | None:
        """The app with the wizard's uniqueName; if Microsoft does not show it yet but the
        journal says it was created, wait for it (replication) instead of creating another."""
        app = read_or_none(setup.graph, f"/applications(uniqueName={quote(setup.unique_name)})")
        if app is not None:
            return app
        object_id = setup.journal.get("app_object_id")
        if not object_id:
            return None
        try:
            return replication.wait_until_visible(
                lambda: setup.graph.get(f"/applications/{object_id}"), clock=setup.clock,
                consecutive=1, max_wait=min(60.0, setup.max_wait), what="the app created in the last run",
            )
        except MicrosoftError:
            return None  # deleted since: plan to create it again (the upsert cannot duplicate)

    # -- planning ----------------------------------------------------------------------

    def plan(self, setup: Setup, existing: AppSummary | None) -> Plan:
        graph, answers = setup.graph, setup.answers

        def read_app() -> dict | None:
            if existing is not None and existing.object_id:
                return graph.get(f"/applications/{existing.object_id}")
            found = self.find_managed_app(setup)
            if found is not None and "passwordCredentials" not in found:
                found = graph.get(f"/applications/{found['id']}")
            return found

        # Independent reads go out side by side on the shared connection pool: the resource
        # service principals (permission ids), the mailbox, the existing app, the lookups.
        mailbox = str(answers.get("mailbox") or "")
        lookups = setup.lookups_to_run()
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="plan-read") as pool:
            permissions_read = pool.submit(setup.resolver.resolve_all, self.profile.permissions)
            mailbox_read = pool.submit(setup.check_mailbox, mailbox) if mailbox else None
            app_read = pool.submit(read_app)
            lookups_read = pool.submit(setup.look_up) if lookups else None
            permissions = permissions_read.result()
            if mailbox_read is not None:
                setup.mailbox_user = mailbox_read.result()
            app = app_read.result()
            if lookups_read is not None:
                lookups_read.result()
        desired = desired_state(self.profile, answers, permissions)
        undelivered_here: list[dict] = []
        if app is not None and app.get("passwordCredentials"):
            unseen = setup.unseen_secret_names(app.get("id", ""))
            undelivered = {e.get("key_id") for e in setup.journal.undelivered() if e.get("app") in ("", app.get("id"))}
            undelivered_here = [c for c in app["passwordCredentials"] if c.get("keyId") in undelivered]
            if unseen or undelivered_here:
                # Secrets nobody holds the value of do not count: an addPassword whose answer never
                # came (create_secret removes those), and one created but never delivered (the run
                # stopped before the file was written or the value shown): a new one replaces it.
                app = dict(app, passwordCredentials=[c for c in app["passwordCredentials"]
                                                     if c.get("displayName") not in unseen and c not in undelivered_here])
        current = read_existing(graph, app)
        if desired.logo is not None and app is not None:
            logo = read_logo(graph, app["id"])
            current.logo_sha256 = hashlib.sha256(logo).hexdigest() if logo else None
            uploaded = setup.journal.get("logo") or {}
            current.logo_uploaded = uploaded if isinstance(uploaded, dict) and uploaded.get("app") == app["id"] else {}
        resource_sp_ids: dict[str, str | None] = {}
        for p in permissions:
            sp = setup.resolver.resource_sp(p.resource_app_id)
            resource_sp_ids[p.resource_app_id] = sp.get("id") if sp else None
        plan = make_plan(desired, current, resource_sp_ids, setup.clock.now())
        if undelivered_here:
            self._replace_undelivered(plan, undelivered_here)
        plan.consent_by = roles.consent_sentence(self.profile)
        looked_up = {str(answers.get(lk.source)) for lk in lookups}
        if setup.mailbox_user is not None and mailbox and mailbox not in looked_up:
            plan.notes.append(f"{mailbox_words(mailbox, setup.mailbox_user)}; its Autodiscover V2 URL is "
                              f"{autodiscover_url(mailbox, setup.target.exchange_url)}")
        plan.notes.extend(setup.lookup_notes())
        if setup.resolver.used_catalog:
            plan.notes.append("Some permission ids came from the wizard's built-in list: your account could not "
                              "read them from the tenant.")
        return plan

    @staticmethod
    def _replace_undelivered(plan: Plan, undelivered: list[dict]) -> None:
        """The secret step replaces secrets created earlier whose value never reached the user."""
        when = ", ".join(sorted({str(c.get("startDateTime") or "")[:16].replace("T", " ") for c in undelivered}))
        sentence = (f"Replace the client secret created {when} UTC whose value never reached you (the run stopped "
                    "before it was written or shown): a new one is created and tested, then the undelivered one "
                    "is removed")
        plan.steps = [replace(step, sentence=sentence, data=dict(step.data, undelivered=[c.get("keyId") for c in undelivered]))
                      if step.kind == "secret" else step for step in plan.steps]
        plan.notes.insert(0, f"A client secret was created earlier ({when} UTC) but its value never "
                             "reached you; this run replaces it.")

    # -- apply -------------------------------------------------------------------------

    def before_steps(self, run: Applier) -> None:
        """The app as the plan read it; when there is no create step, wait until it is visible
        on several reads in a row (a re-run right after a create)."""
        run.app = run.plan.existing.app if run.plan.existing else None
        if run.app is not None and not any(s.kind == "create_app" for s in run.plan.steps):
            run.app = run.wait_visible_app(run.app["id"])

    def after_steps(self, run: Applier) -> Applied:
        if not run.sp_id:
            run.sp_id = run.find_sp() or ""
        run.journal.set(sp_id=run.sp_id)
        app = run.current_app
        return Applied(app["id"], app["appId"], run.sp_id, run.tenant_id)

    # -- token test --------------------------------------------------------------------

    def token_resource(self, setup: Setup) -> str:
        """The profile's token resource, as the target's cloud names it (`Target.resource_for`)."""
        return setup.target.resource_for(self.profile.token_resource or GRAPH_RESOURCE)

    def test_token(self, setup: Setup, client_id: str, secret_value: str | None, emit: Emit,
                   cancel: threading.Event | None, *, typed: bool = False) -> tokentest.TokenTestReport:
        """Client-credentials token with the new secret, and the checks of `wizard.tokentest`
        (`typed`: see `Setup.test_token`)."""
        report = tokentest.TokenTestReport()
        resource = self.token_resource(setup)
        sentence = f"Get a token for {resource} with the new client ID and secret"
        emit(StepProgress("token", sentence, RUNNING))

        def attempt(n: int, code: str) -> None:
            emit(StepProgress("token", sentence, RETRYING,
                              f"Microsoft does not accept the new credentials yet (AADSTS{code}), attempt {n}"))

        if typed:
            plan = setup.last_plan
            app = plan.existing.app if plan and plan.existing else None
            typed = tokentest.secret_settled(app, secret_value or "", setup.clock.now()) is not False
        started = setup.clock.monotonic()
        result, code, tries = tokentest.acquire_token(
            setup.target, setup.tenant_id, client_id, secret_value or "", resource,
            http=setup.graph.http, clock=setup.clock, cancel=cancel, on_attempt=attempt, typed=typed,
        )
        report.attempts = tries
        if result is None:
            report.code = code
            report.checks.append(tokentest.typed_failure(code, secret_value or "", tries,
                                                         setup.clock.monotonic() - started, typed))
            emit(StepProgress("token", sentence, FAILED, report.checks[-1].reason))
            return report
        report.checks.append(tokentest.Check("token", True, f"Microsoft issued a token for {resource} (attempt {tries})"))
        emit(StepProgress("token", sentence, DONE))
        claims = tokentest.decode_claims(result["access_token"])
        in_cloud = setup.target.resource_for
        roles_needed = [p.name for p in self.profile.permissions if p.type == APPLICATION
                        and in_token(p, resource, in_cloud, setup.resolver.identifier_uris(p.resource_app_id))]
        missing = [r for r in roles_needed if r not in set(claims.get("roles") or [])]
        waited = 0.0
        if missing and self._roles_assigned(setup, client_id, missing):
            result, claims, waited = self._wait_for_roles(setup, client_id, secret_value or "", resource, missing,
                                                          result, claims, emit, cancel)
        report.checks += tokentest.claim_checks(claims, tenant_id=setup.tenant_id, client_id=client_id,
                                                roles_needed=roles_needed)
        if waited and report.checks[-1].ok:
            report.checks[-1] = tokentest.Check(report.checks[-1].name, True, report.checks[-1].reason
                                                + f" (Microsoft took {int(waited)} s to put the role in its tokens after the consent)")
        if ews.uses_ews(self.profile) and report.ok:
            report.checks.append(steps.ews_allow_list.ews_check(
                setup.graph.http, setup.target.exchange_url, client_id, result["access_token"],
                str(setup.answers.get("mailbox") or ""), emit))
        delegated = [p for p in self.profile.permissions if p.type == DELEGATED]
        if delegated:
            report.checks.append(self._delegated_check(setup, client_id, [p.name for p in delegated],
                                                       [p.resource_app_id for p in delegated], emit))
        return report

    def _roles_assigned(self, setup: Setup, client_id: str, names: list[str]) -> bool:
        """Does Graph read back an app role assignment for each of `names` (admin consent done)?"""
        sp = read_or_none(setup.graph, f"/servicePrincipals(appId={quote(client_id)})")
        if sp is None:
            return False
        try:
            assigned = {a.get("appRoleId") for a in setup.graph.get_all(f"/servicePrincipals/{sp['id']}/appRoleAssignments")}
        except GraphError:
            return False
        wanted = {p.name: p for p in self.profile.permissions if p.type == APPLICATION and p.name in names}
        return (all(setup.resolver.resolve(p).id in assigned for p in wanted.values())
                and len(wanted) == len(set(names)))

    @staticmethod
    def _wait_for_roles(setup: Setup, client_id: str, secret_value: str, resource: str, missing: list[str],
                        result: dict, claims: dict, emit: Emit,
                        cancel: threading.Event | None) -> tuple[dict, dict, float]:
        """Fresh tokens, with back-off, until they carry the app roles Graph already shows (up to ~5 min)."""
        sentence = f"Wait until Microsoft's tokens carry {', '.join(missing)}"

        def on_wait(wait: float, waited: float, still: list[str]) -> None:
            emit(StepProgress("roles_claim", sentence, RETRYING,
                              f"admin consent is done but the token has no {', '.join(still)} yet; "
                              f"a fresh token in {int(wait)} s (waited {int(waited)} s of up to 5 minutes)"))

        def acquire():
            return tokentest.acquire_token(setup.target, setup.tenant_id, client_id, secret_value, resource,
                                           http=setup.graph.http, clock=setup.clock, cancel=cancel)

        emit(StepProgress("roles_claim", sentence, RUNNING))
        fresh, fresh_claims, waited = tokentest.wait_for_roles(acquire, missing, clock=setup.clock, cancel=cancel,
                                                               on_wait=on_wait)
        if fresh is None:
            emit(StepProgress("roles_claim", sentence, FAILED, f"still missing after {int(waited)} s"))
            return result, claims, waited
        ok = all(r in set(fresh_claims.get("roles") or []) for r in missing)
        emit(StepProgress("roles_claim", sentence, DONE if ok else FAILED,
                          f"waited {int(waited)} s for the role" if ok else f"still missing after {int(waited)} s"))
        return fresh, fresh_claims, waited

    @staticmethod
    def _delegated_check(setup: Setup, client_id: str, names: list[str], resources: list[str],
                         emit: Emit) -> tokentest.Check:
        """Read back the delegated admin consent (the token of a client-credentials grant
        cannot show it)."""
        sentence = "Read back the delegated admin consent"
        emit(StepProgress("consent", sentence, RUNNING))
        sp = read_or_none(setup.graph, f"/servicePrincipals(appId={quote(client_id)})")
        if sp is None:
            check = tokentest.Check("delegated consent", False, "the app has no service principal in this tenant")
        else:
            by_res: dict[str, list[str]] = {}
            for name, resource_app_id in zip(names, resources):
                res_sp = setup.resolver.resource_sp(resource_app_id)
                by_res.setdefault(res_sp["id"] if res_sp else resource_app_id, []).append(name)
            result = consent.verify(setup.graph, sp["id"], by_res, [])
            check = tokentest.Check("delegated consent", result.ok,
                                    f"admin consent holds {', '.join(names)}" if result.ok else result.reason)
        emit(StepProgress("consent", sentence, DONE if check.ok else FAILED))
        return check

    # -- snippet and manual mode -------------------------------------------------------

    def snippet_values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        return {"display_name": self.profile.display_name(answers), "redirect_uris": self.profile.redirect_uris(answers)}

    def checklist_frame(self, tenant: str | None, client_id: str | None, answers: Mapping[str, Any],
                        portal: str) -> tuple[list[ChecklistItem], list[ChecklistItem], list[str]]:
        role = "Application Administrator or Cloud Application Administrator"
        if any(p.type == APPLICATION for p in self.profile.permissions):
            role = roles.consent_roles_text(self.profile)
        back = [("Directory (tenant) ID", "from Overview"), ("Application (client) ID", "from Overview")]
        if self.profile.secret_needed:
            back.append(("Client secret Value", "the value copied in the step before (not the Secret ID)"))
        last = ChecklistItem(
            "Give the values to the person running the wizard", back,
            portal_link(client_id, MENU_OVERVIEW, portal=portal),
            "Pass the secret by a safe way (not in a ticket or a chat). The wizard tests them before showing the "
            "vendor's settings.",
        )
        return [sign_in_item(tenant, role, portal)], [last], list(self.profile.notes)
