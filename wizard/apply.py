"""Carry out a `Plan`: idempotent, safe to re-run after an interruption.

Rules every step follows:
- check before acting (read the current value; skip when it is already right);
- create the registration with the upsert `PATCH /applications(uniqueName='…')` and
  `Prefer: create-if-missing` (https://learn.microsoft.com/graph/api/application-upsert):
  repeating it after a dropped connection updates the same app, never a duplicate;
- record progress in the journal (ids and finished steps, no secrets);
- expect replication delay: new objects are read until several reads in a row
  succeed, and writes that fail because an object is not visible yet are retried
  with bounded back-off (`wizard.replication`), all visible as "retrying" progress.

No client secret is created here: `wizard.secret` does it, once, when asked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from wizard import consent, replication
from wizard.clock import Clock
from wizard.errors import MicrosoftError
from wizard.graph import GraphError, quote
from wizard.plan import Plan, Step

PENDING, RUNNING, RETRYING, DONE, FAILED, SKIPPED = "pending", "running", "retrying", "done", "failed", "skipped"
# The portal tags a service principal this way so it is listed under Enterprise applications.
SP_TAGS = ["WindowsAzureActiveDirectoryIntegratedApp"]


@dataclass(frozen=True)
class StepProgress:
    """One change of a step's state, for the step list on screen."""

    step_id: str
    sentence: str
    state: str  # pending running retrying done failed skipped
    detail: str = ""


@dataclass(frozen=True)
class Applied:
    """What exists after apply: the ids the next steps and the vendor need."""

    object_id: str  # application object id ("" for an enterprise app of another tenant)
    client_id: str  # appId: the Application (client) ID
    sp_id: str  # service principal object id
    tenant_id: str


class Applier:
    """Runs the steps of one plan against one tenant."""

    def __init__(
        self,
        graph: Any,
        *,
        clock: Clock,
        resolver: Any,
        journal: Any,
        tenant_id: str,
        on_progress: Callable[[StepProgress], None] | None = None,
        cancel: threading.Event | None = None,
        consecutive_reads: int = 3,
        max_wait: float = 180.0,
    ) -> None:
        self.graph = graph
        self.clock = clock
        self.resolver = resolver
        self.journal = journal
        self.tenant_id = tenant_id
        self.on_progress = on_progress or (lambda p: None)
        self.cancel = cancel
        self.consecutive_reads = consecutive_reads
        self.max_wait = max_wait
        self._current: Step | None = None
        self.app: dict | None = None
        self.sp_id: str = ""
        self._made_resource_sps: set[str] = set()

    def _new_ids(self) -> tuple[str, ...]:
        """Ids of the objects this run works on: a 404 naming none of them is not replication."""
        app = self.app or {}
        return tuple(i for i in (app.get("id"), app.get("appId"), self.sp_id, *self._made_resource_sps) if i)

    # -- progress -------------------------------------------------------------

    def _emit(self, step: Step, state: str, detail: str = "") -> None:
        self.on_progress(StepProgress(step.id, step.sentence, state, detail))

    def _on_retry(self, notice: Any) -> None:
        if self._current is None:
            return
        why = "Microsoft Graph is throttling requests" if notice.reason == "throttled" else (
            "Microsoft Graph is busy" if notice.reason == "unavailable" else "the connection dropped")
        self._emit(self._current, RETRYING, f"{why}; waiting {notice.wait:.0f} s (attempt {notice.attempt + 1})")

    def _replicating(self, what: str) -> Callable[[int, float], None]:
        def report(attempt: int, wait: float) -> None:
            if self._current is not None:
                self._emit(self._current, RETRYING, f"Microsoft is still replicating {what}, attempt {attempt}")
        return report

    # -- the run --------------------------------------------------------------

    def run(self, plan: Plan) -> Applied:
        desired = plan.desired
        assert desired is not None, "apply needs a plan made by make_plan"
        for step in plan.steps:
            self._emit(step, PENDING, "created on the next screen" if step.kind == "secret" else "")
        previous_on_retry = self.graph.on_retry
        self.graph.on_retry = self._on_retry
        try:
            self.app = (plan.existing.app if plan.existing else None)
            create = next((s for s in plan.steps if s.kind == "create_app"), None)
            if create is not None:
                self._step(create, lambda: self._create_app(desired))
            else:
                self.app = self._wait_visible_app(self.app["id"])
            for step in plan.steps:
                if step.kind in ("create_app", "secret"):
                    continue
                handler = getattr(self, f"_do_{step.kind}")
                self._step(step, lambda h=handler, s=step: h(s, desired))
            if not self.sp_id:
                self.sp_id = self._find_sp() or ""
            self.journal.set(sp_id=self.sp_id)
            return Applied(self.app["id"], self.app["appId"], self.sp_id, self.tenant_id)
        finally:
            self.graph.on_retry = previous_on_retry
            self._current = None

    def _step(self, step: Step, action: Callable[[], str | None]) -> None:
        if self.cancel is not None and self.cancel.is_set():
            from wizard.clock import Cancelled

            raise Cancelled()  # between steps: everything done so far is in the journal
        self._current = step
        self._emit(step, RUNNING)
        try:
            detail = action()
        except BaseException as exc:
            self._emit(step, FAILED, getattr(exc, "message", "") or type(exc).__name__)
            raise
        self.journal.step_done(step.id)
        if detail and detail.startswith("already"):
            self._emit(step, SKIPPED, detail)
        else:
            self._emit(step, DONE, detail or "")

    # -- the application ---------------------------------------------------------

    def _create_app(self, desired: Any) -> str:
        """Upsert by uniqueName: 201 with the new app, or 204 when it already existed."""
        key = f"/applications(uniqueName={quote(desired.unique_name)})"
        created = self.graph.patch(key, json=desired.application_body(), headers={"Prefer": "create-if-missing"})
        if created and created.get("id"):
            self.journal.set(app_object_id=created["id"], app_id=created.get("appId", ""))
            self.app = self._wait_visible_app(created["id"])
            return "created"
        # 204: it existed and was updated; find its id by the same alternate key.
        self.app = replication.wait_until_visible(
            lambda: self.graph.get(key), clock=self.clock, cancel=self.cancel,
            consecutive=1, on_attempt=self._replicating("the app"), max_wait=self.max_wait,
        )
        self.journal.set(app_object_id=self.app["id"], app_id=self.app["appId"])
        self.app = self._wait_visible_app(self.app["id"])
        return "already existed; brought up to date"

    def _wait_visible_app(self, object_id: str) -> dict:
        return replication.wait_until_visible(
            lambda: self.graph.get(f"/applications/{object_id}"),
            clock=self.clock, cancel=self.cancel, consecutive=self.consecutive_reads,
            on_attempt=self._replicating("the new app"), max_wait=self.max_wait, what="the new app",
        )

    def _patch_app(self, body: dict) -> None:
        app_id = self.app["id"]
        about = self._new_ids()
        replication.retry_transient(
            lambda: self.graph.patch(f"/applications/{app_id}", json=body),
            clock=self.clock, cancel=self.cancel, on_attempt=self._replicating("the app"), max_wait=self.max_wait,
            is_transient=lambda e: replication.is_young_app_conflict(e, about),
        )
        self.app = {**self.app, **body}

    def _web(self) -> dict:
        web = dict(self.app.get("web") or {})
        web["redirectUris"] = list(web.get("redirectUris") or [])
        web["implicitGrantSettings"] = dict(web.get("implicitGrantSettings") or {})
        web.pop("redirectUriSettings", None)  # derived from redirectUris; not sent back
        return web

    def _do_display_name(self, step: Step, desired: Any) -> str:
        if self.app.get("displayName") == desired.display_name:
            return "already named so"
        self._patch_app({"displayName": desired.display_name})
        return ""

    def _do_audience(self, step: Step, desired: Any) -> str:
        if self.app.get("signInAudience") == desired.sign_in_audience:
            return "already set"
        self._patch_app({"signInAudience": desired.sign_in_audience})
        return ""

    def _do_redirect_add(self, step: Step, desired: Any) -> str:
        web = self._web()
        if step.data["uri"] in web["redirectUris"]:
            return "already there"
        web["redirectUris"].append(step.data["uri"])
        self._patch_app({"web": web})
        return ""

    def _do_redirect_remove(self, step: Step, desired: Any) -> str:
        web = self._web()
        if step.data["uri"] not in web["redirectUris"]:
            return "already removed"
        web["redirectUris"].remove(step.data["uri"])
        self._patch_app({"web": web})
        return ""

    def _do_platform_remove(self, step: Step, desired: Any) -> str:
        platform = step.data["platform"]
        uris = list((self.app.get(platform) or {}).get("redirectUris") or [])
        if step.data["uri"] not in uris:
            return "already removed"
        uris.remove(step.data["uri"])
        self._patch_app({platform: {"redirectUris": uris}})
        return ""

    def _do_implicit(self, step: Step, desired: Any) -> str:
        web = self._web()
        if bool(web["implicitGrantSettings"].get(step.data["key"])) == step.data["value"]:
            return "already set"
        web["implicitGrantSettings"][step.data["key"]] = step.data["value"]
        self._patch_app({"web": web})
        return ""

    def _rra(self) -> list[dict]:
        return [
            {"resourceAppId": r["resourceAppId"], "resourceAccess": [dict(a) for a in r.get("resourceAccess") or []]}
            for r in self.app.get("requiredResourceAccess") or []
        ]

    def _do_perm_add(self, step: Step, desired: Any) -> str:
        rra = self._rra()
        res, pid, typ = step.data["resourceAppId"], step.data["id"], step.data["type"]
        entry = next((r for r in rra if r["resourceAppId"].lower() == res), None)
        if entry is None:
            entry = {"resourceAppId": res, "resourceAccess": []}
            rra.append(entry)
        if any(a["id"].lower() == pid and a["type"] == typ for a in entry["resourceAccess"]):
            return "already requested"
        entry["resourceAccess"].append({"id": pid, "type": typ})
        self._patch_app({"requiredResourceAccess": rra})
        return ""

    def _do_perm_remove(self, step: Step, desired: Any) -> str:
        rra = self._rra()
        res, pid, typ = step.data["resourceAppId"], step.data["id"], step.data["type"]
        changed = False
        for r in rra:
            if r["resourceAppId"].lower() == res:
                keep = [a for a in r["resourceAccess"] if not (a["id"].lower() == pid and a["type"] == typ)]
                changed |= len(keep) != len(r["resourceAccess"])
                r["resourceAccess"] = keep
        if not changed:
            return "already removed"
        self._patch_app({"requiredResourceAccess": [r for r in rra if r["resourceAccess"]]})
        return ""

    # -- branding (Branding & properties) ------------------------------------------

    def _do_branding_url(self, step: Step, desired: Any) -> str:
        parent, name, value = step.data["parent"], step.data["name"], step.data["value"]
        if (self.app.get(parent) or {}).get(name) == value:
            return "set with the new registration" if step.data.get("with_create") else "already set"
        if parent == "web":
            body = self._web()
        else:  # info: logoUrl is read-only (informationalUrl resource), never sent back
            body = {k: v for k, v in (self.app.get(parent) or {}).items() if k != "logoUrl"}
        body[name] = value
        self._patch_app({parent: body})
        return ""

    def _read_logo(self) -> bytes | None:
        from wizard.plan import read_logo

        app_id = self.app["id"]
        return replication.retry_transient(
            lambda: read_logo(self.graph, app_id), clock=self.clock, cancel=self.cancel,
            on_attempt=self._replicating("the app"), max_wait=self.max_wait,
        )

    def _do_logo(self, step: Step, desired: Any) -> str:
        """PUT /applications/{id}/logo with the image bytes and their Content-Type
        (https://learn.microsoft.com/graph/api/application-update), only when the tenant does
        not show this logo yet; the bytes Graph returns afterwards go to the journal."""
        import hashlib

        from wizard.plan import logo_in_place

        want = step.data["sha256"]
        uploaded = self.journal.get("logo") or {}
        if not isinstance(uploaded, dict) or uploaded.get("app") != self.app["id"]:
            uploaded = {}
        current = self._read_logo()
        current_sha = hashlib.sha256(current).hexdigest() if current else None
        if logo_in_place(want, current_sha, uploaded):
            return "already set"
        logo = desired.logo
        if logo is None or logo.sha256 != want:
            raise MicrosoftError("The logo file changed after the plan was made; nothing was uploaded.",
                                 next_step="Run the wizard again: it plans with the file as it is now.")
        app_id = self.app["id"]
        replication.retry_transient(
            lambda: self.graph.put_bytes(f"/applications/{app_id}/logo", logo.data, logo.content_type),
            clock=self.clock, cancel=self.cancel, on_attempt=self._replicating("the app"), max_wait=self.max_wait,
        )
        stored = self._read_logo()
        self.journal.set(logo={"app": app_id, "sha256": want,
                               "tenant_sha256": hashlib.sha256(stored).hexdigest() if stored else None})
        return ""

    # -- the service principal -------------------------------------------------

    def _find_sp(self) -> str | None:
        try:
            return self.graph.get(f"/servicePrincipals(appId={quote(self.app['appId'])})", params={"$select": "id"})["id"]
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise

    def _do_create_sp(self, step: Step, desired: Any) -> str:
        """POST /servicePrincipals {appId} (https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals)."""
        outcome = {"detail": ""}

        def check_then_create() -> str:
            sp_id, detail = consent.create_service_principal(self.graph, self.app["appId"], {"tags": SP_TAGS})
            outcome["detail"] = outcome["detail"] or detail
            return sp_id

        about = self._new_ids()

        def transient(exc: Exception) -> bool:
            from wizard.graph import ConnectionLost

            return replication.is_replication_error(exc, about) or isinstance(exc, ConnectionLost)

        self.sp_id = replication.retry_transient(
            check_then_create, clock=self.clock, cancel=self.cancel, is_transient=transient,
            on_attempt=self._replicating("the new app"), max_wait=self.max_wait, what="the new app",
        )
        self.journal.set(sp_id=self.sp_id)
        sp_id = self.sp_id
        replication.wait_until_visible(
            lambda: self.graph.get(f"/servicePrincipals/{sp_id}", params={"$select": "id,appId"}),
            clock=self.clock, cancel=self.cancel, consecutive=self.consecutive_reads,
            on_attempt=self._replicating("the enterprise application"), max_wait=self.max_wait,
            what="the enterprise application",
        )
        return outcome["detail"]

    # -- consent ------------------------------------------------------------------

    def _resource_sp_id(self, resource_app_id: str) -> str:
        sp = self.resolver.resource_sp(resource_app_id)
        if sp and sp.get("id"):
            return sp["id"]
        made = consent.ensure_resource_sp(self.graph, resource_app_id)
        self._made_resource_sps.add(made)
        return made

    def _ensure_sp_id(self) -> str:
        if not self.sp_id:
            self.sp_id = self._find_sp() or ""
        if not self.sp_id:
            raise MicrosoftError(
                "The app's enterprise application (service principal) is missing, so consent cannot be granted.",
                next_step="Run the wizard again: it creates the service principal first.",
            )
        return self.sp_id

    def _retrying(self, action: Callable[[], str]) -> str:
        """A check-then-write consent action: repeated while replication explains its failure,
        and after a dropped connection (it reads what exists before writing again)."""
        from wizard.graph import ConnectionLost

        about = self._new_ids()
        return replication.retry_transient(
            action, clock=self.clock, cancel=self.cancel,
            on_attempt=self._replicating("the new app"), max_wait=self.max_wait,
            is_transient=lambda e: isinstance(e, ConnectionLost) or replication.is_replication_error(e, about),
        )

    def _do_consent_delegated(self, step: Step, desired: Any) -> str:
        sp_id = self._ensure_sp_id()
        res_sp = self._resource_sp_id(step.data["resourceAppId"])
        return self._retrying(lambda: consent.grant_delegated(self.graph, sp_id, res_sp, list(step.data["scopes"])))

    def _do_consent_app(self, step: Step, desired: Any) -> str:
        sp_id = self._ensure_sp_id()
        res_sp = self._resource_sp_id(step.data["resourceAppId"])
        return self._retrying(lambda: consent.assign_app_role(self.graph, sp_id, res_sp, step.data["appRoleId"]))

    def _do_verify_consent(self, step: Step, desired: Any) -> str:
        sp_id = self._ensure_sp_id()
        delegated: dict[str, list[str]] = {}
        roles: list[tuple[str, str, str]] = []
        for p in desired.permissions:
            res_sp = self._resource_sp_id(p.resource_app_id)
            if p.type == "delegated":
                delegated.setdefault(res_sp, []).append(p.name)
            else:
                roles.append((res_sp, p.id, p.name))

        def check() -> str:
            result = consent.verify(self.graph, sp_id, delegated, roles)
            if not result.ok:
                # A grant just written can take a moment to show on every replica.
                raise _NotYetVisible(result.reason)
            return "every permission is granted"

        try:
            return replication.retry_transient(
                check, clock=self.clock, cancel=self.cancel,
                is_transient=lambda e: isinstance(e, _NotYetVisible) or replication.is_replication_error(e),
                on_attempt=self._replicating("the consent"), max_wait=min(60.0, self.max_wait), what="the consent",
            )
        except MicrosoftError:
            result = consent.verify(self.graph, sp_id, delegated, roles)
            raise MicrosoftError(
                f"Admin consent is not complete: {result.reason}.",
                next_step="Run the wizard again, or grant admin consent in Entra > App registrations > API permissions.",
            ) from None


class _NotYetVisible(Exception):
    pass
