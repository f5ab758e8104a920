"""Enterprise-app vendors (LoopMeeting): the vendor's own multi-tenant app, found, not made.

Finding: the vendor's service principal by its display name (`Profile.enterprise_app_name`).
Planning: the service accounts must be users of this tenant; the enterprise-app step kinds
(`wizard.steps.ENTERPRISE_APP`) wait for the app and assign the accounts; the plan lists the
delegated permissions the vendor's app holds. Token test: there is no secret to test (the
vendor holds its own credentials), so the app, the assignments and the grants are read back.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from wizard import catalog, consent, steps, tokentest
from wizard.apply import DONE, FAILED, RUNNING, Applied, Applier, StepProgress
from wizard.errors import InputError, MicrosoftError
from wizard.permissions import DELEGATED, PermissionInfo
from wizard.plan import Existing, Plan, read_grants
from wizard.portal import ChecklistItem, enterprise_apps_link
from wizard.steps.enterprise_app import find_enterprise_sp
from wizard.steps.user_assignment import assigned_principals, service_accounts
from wizard.vendor_kinds.base import AppSummary, Emit, VendorKind, sign_in_item

if TYPE_CHECKING:
    from wizard.setup import Setup


def granted_permissions(grants: list[dict]) -> list[PermissionInfo]:
    """The delegated Graph permissions in these grants, named and described from the catalog."""
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


class EnterpriseAppVendor(VendorKind):
    name: ClassVar[str] = "enterprise_app"
    kinds = steps.ENTERPRISE_APP
    checklist_kinds = steps.ENTERPRISE_APP

    chosen_app_id = ""  # the admin's choice among several apps of that name, as planned

    @property
    def app_name(self) -> str:
        return self.profile.enterprise_app_name

    def find_existing(self, setup: Setup, app_id: str | None) -> list[AppSummary]:
        """The vendor's app: only multi-tenant apps of another organisation qualify; with `app_id`
        (--client-id-app) only that one, which stays the admin's choice for this Setup."""
        if app_id:
            setup.enterprise_app_id = app_id
        chosen = setup.enterprise_app_id.lower()
        found = consent.enterprise_candidates(setup.graph, self.app_name, setup.tenant_id)
        return [AppSummary("", c.app_id, c.sp.get("displayName", ""), match="enterprise_app", created=c.created)
                for c in found if consent.qualifies(c) and (not chosen or c.app_id.lower() == chosen)]

    def plan(self, setup: Setup, existing: AppSummary | None) -> Plan:
        if existing is not None and existing.client_id:
            setup.enterprise_app_id = existing.client_id  # the admin picked it among several
        self.chosen_app_id = setup.enterprise_app_id
        users = []
        for email in service_accounts(setup.answers):
            user = setup.find_user(email)
            if user is None:
                raise setup.unknown_user("service_account", email)
            users.append(user)
        sp = find_enterprise_sp(setup.graph, self.app_name, setup.tenant_id, setup.enterprise_app_id)
        notes: list[str] = []
        permissions: list[PermissionInfo] = []
        assigned: set[str] = set()
        if sp is not None:
            assigned = assigned_principals(setup.graph, sp["id"])
            permissions = granted_permissions(read_grants(setup.graph, sp["id"]))
            if permissions:
                notes.append(f"{self.app_name} holds these delegated permissions: "
                             + ", ".join(p.name for p in permissions))
        hint = self.profile.notes[0] if self.profile.notes else ""
        found, kind_notes = steps.diff(self.kinds, steps.EnterpriseCompared(
            self.app_name, hint, sp, users, frozenset(assigned), setup.enterprise_app_id, demo=setup.target.demo))
        if setup.target.demo and sp is None:
            notes.insert(0, f"Demo: this is the simulated tenant. It plays {self.app_name}'s part: the {self.app_name} "
                            "enterprise application appears by itself a few seconds after the wizard starts waiting. "
                            f"With a real tenant you would do the consent in {self.app_name} Central Config "
                            "(Get Access Token) at this point.")
        return Plan(steps=found, permissions=permissions, nothing_to_do=not found, existing=Existing(sp=sp),
                    notes=notes + kind_notes)

    def before_steps(self, run: Applier) -> None:
        run.sp = run.plan.existing.sp if run.plan.existing else None
        run.sp_id = str(run.sp["id"]) if run.sp else ""

    def after_steps(self, run: Applier) -> Applied:
        sp = run.sp or find_enterprise_sp(run.graph, self.app_name, run.tenant_id, self.chosen_app_id)
        if sp is None:
            raise MicrosoftError(f"The {self.app_name} enterprise application is not in this tenant.",
                                 next_step="Do the consent in the vendor's Central Config, then run the wizard again.")
        run.journal.set(sp_id=sp["id"], app_id=sp["appId"])
        return Applied("", sp["appId"], sp["id"], run.tenant_id)

    @property
    def needs_secret(self) -> bool:
        return False  # the vendor holds its own credentials

    def check_secret_allowed(self) -> None:
        raise InputError("secret", f"{self.profile.name} holds its own credentials; no client secret is created")

    def test_token(self, setup: Setup, client_id: str, secret_value: str | None, emit: Emit,
                   cancel: threading.Event | None, *, typed: bool = False) -> tokentest.TokenTestReport:
        """No secret to test: the app is there, the accounts are assigned, the grants exist."""
        report = tokentest.TokenTestReport()
        sentence = f"Check the {self.app_name} enterprise application"
        emit(StepProgress("check", sentence, RUNNING))
        sp = find_enterprise_sp(setup.graph, self.app_name, setup.tenant_id, setup.enterprise_app_id)
        if sp is None:
            report.checks.append(tokentest.Check("enterprise app", False, f"{self.app_name} is not in this tenant"))
            emit(StepProgress("check", sentence, FAILED))
            return report
        report.checks.append(tokentest.Check("enterprise app", True,
                                             f"{sp.get('displayName')} is in this tenant (client ID {sp['appId']})"))
        assigned = assigned_principals(setup.graph, sp["id"])
        for email in service_accounts(setup.answers):
            user = setup.find_user(email)
            ok = user is not None and user["id"] in assigned
            report.checks.append(tokentest.Check(f"assigned {email}", ok,
                                                 f"{email} is assigned to the app" if ok else f"{email} is not assigned to the app"))
        scopes = sorted({s for g in read_grants(setup.graph, sp["id"]) for s in (g.get("scope") or "").split()})
        report.checks.append(tokentest.Check(
            "delegated permissions", bool(scopes),
            ("granted: " + " ".join(scopes)) if scopes else "no delegated permission is granted: redo the Central Config consent"))
        emit(StepProgress("check", sentence, DONE if report.ok else FAILED))
        return report

    def snippet_values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        return {"display_name": self.app_name}

    def checklist_frame(self, tenant: str | None, client_id: str | None, answers: Mapping[str, Any],
                        portal: str) -> tuple[list[ChecklistItem], list[ChecklistItem], list[str]]:
        first = sign_in_item(tenant, "Application Administrator or Cloud Application Administrator", portal)
        last = ChecklistItem("Give the values to the person running the wizard",
                             [("Directory (tenant) ID", "Entra ID > Overview"),
                              ("Application ID", f"the {self.app_name} enterprise app")],
                             enterprise_apps_link(portal=portal))
        # The first note (how to consent) is an item of its own.
        return [first], [last], list(self.profile.notes[1:])
