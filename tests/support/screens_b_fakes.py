"""A stand-in for the engine's `Setup` facade, for the later-step screen tests.

It speaks the interface of docs/DESIGN.md with the engine's own result types (`plan`, `apply(plan, on_progress,
cancel)`, `create_secret`, `test_token`, `snippet`) with canned data, reports
progress from the worker thread like the real engine, and can be told to fail
or to block until released, so each screen state can be pinned for a snapshot.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from wizard import catalog

from wizard.apply import Applied, StepProgress
from wizard.clock import Cancelled, FakeClock
from wizard.errors import MicrosoftError
from wizard.permissions import PermissionInfo
from wizard.plan import Plan, Step
from wizard.secret import NewSecret
from wizard.tokentest import Check, TokenTestReport

SECRET_VALUE = "Qm7~vR2.SeCrEtVaLuE-xyzzy_8Kp0Lw3"


def _permission(name: str) -> PermissionInfo:
    return PermissionInfo("Microsoft Graph", name, "delegated", catalog.lookup("graph", name, "delegated"),
                          catalog.describe("graph", name), True, catalog.resource_app_id("graph"), "graph")


PERMISSIONS = [  # SyncSign's, as delegated permissions
    _permission(name) for name in
    ("offline_access", "User.Read", "Calendars.Read.Shared", "Calendars.ReadWrite.Shared")
]
STEPS = [
    Step("create_app", 'Create the app registration "SyncSign SOPS"', "create_app"),
    Step("set_permissions", "Ask for 4 delegated permissions on Microsoft Graph", "permissions"),
    Step("create_sp", "Create the service principal (the app's identity in your tenant)", "create_sp"),
    Step("grant_consent", "Grant admin consent for the 4 permissions, for all users", "consent"),
]
# Who may grant SyncSign's consent, as the engine says it (wizard.roles).
CONSENT_BY = "by a Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator"
APPLIED = Applied("11111111-aaaa-4bbb-8ccc-000000000001", "8f0c4b2e-5d1a-4c7e-9b3f-2a6d8e1c0f47",
                  "22222222-aaaa-4bbb-8ccc-000000000002", "72f988bf-86f1-41af-91ab-2d7cd011db47")


@dataclass
class FakeSetup:
    """Canned engine answers; `fail_at`, `hold` and `token_ok` shape the story."""

    nothing_to_do: bool = False
    fail_at: str = ""            # step id where apply raises MicrosoftError
    hold_at: str = ""            # step id where apply waits for `release` (or cancel); "replication": while retrying
    token_ok: bool = True
    clock: FakeClock = field(default_factory=FakeClock)
    release: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    secrets_created: int = 0
    token_calls: list = field(default_factory=list)

    same_name: bool = False      # the tenant has a hand-made registration of the same name
    kept_secret: bool = False    # the app exists with a valid client secret (a re-run)

    def find_existing(self, app_id=None):
        if self.same_name:
            from wizard.setup import AppSummary

            return [AppSummary("33333333-aaaa-4bbb-8ccc-000000000003", "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b",
                               "SyncSign SOPS", match="displayName", created="2025-11-03T09:12:00Z")]
        return []

    def uses_ews(self):
        return False

    def plan(self, existing=None):
        if self.kept_secret:
            from wizard.plan import Existing

            app = {"id": APPLIED.object_id, "appId": APPLIED.client_id, "passwordCredentials": [
                {"keyId": "5b1c9e0a-7f3d-4e2b-a8c6-d4f1e9b70a23", "hint": "Qm7", "displayName": "m365-wizard syncsign",
                 "endDateTime": "2027-03-14T10:00:00Z"}]}
            return Plan([], PERMISSIONS, nothing_to_do=True, consent_by=CONSENT_BY, existing=Existing(app=app),
                        notes=["The app has a client secret valid until 2027-03-14"])
        if self.nothing_to_do:
            return Plan([], PERMISSIONS, nothing_to_do=True, consent_by=CONSENT_BY)
        return Plan(list(STEPS), PERMISSIONS, nothing_to_do=False, consent_by=CONSENT_BY, needs_secret=True)

    def _hold(self, cancel) -> None:
        self.holding.set()
        deadline = time.monotonic() + 10  # never hang a test run
        while not self.release.is_set() and time.monotonic() < deadline:
            if cancel.wait(0.01):
                raise Cancelled()

    def apply(self, plan, on_progress, cancel):
        for step in plan.steps:
            on_progress(StepProgress(step.id, step.sentence, "running"))
            if step.id == "create_sp":
                for attempt in (2, 3):
                    on_progress(StepProgress(step.id, step.sentence, "retrying",
                                             "retrying: Microsoft is still replicating the new app "
                                             f"(attempt {attempt})"))
                    if self.hold_at == "replication" and attempt == 3:
                        self._hold(cancel)  # pinned while "retrying": the screen shows the wait
                    self.clock.sleep(5, cancel)
                # as the real engine: a retried step goes from "retrying" straight to "done"
            if step.id == self.hold_at:
                self._hold(cancel)
            if step.id == self.fail_at:
                on_progress(StepProgress(step.id, step.sentence, "failed",
                                         "Microsoft refused: your account may not grant consent. "
                                         "Ask a Privileged Role Administrator."))
                raise MicrosoftError(
                    "Microsoft refused to grant admin consent: your account lacks the role.",
                    next_step="Sign in as a Global Administrator or Privileged Role Administrator, "
                              "then run the wizard again: it continues where it stopped.",
                    code="Authorization_RequestDenied", status=403,
                    request_id="0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
                )
            on_progress(StepProgress(step.id, step.sentence, "done"))
        return APPLIED

    def create_secret(self, applied, months=None, on_progress=None):
        self.secrets_created += 1
        return NewSecret(SECRET_VALUE, "5b1c9e0a-7f3d-4e2b-a8c6-d4f1e9b70a23", "2027-03-14T10:00:00Z",
                         SECRET_VALUE[:3], months=18)

    def secret_delivered(self, secret):
        self.delivered = getattr(self, "delivered", 0) + 1

    def remove_undelivered(self, applied, keep_key_id):
        return []

    def test_token(self, client_id, secret, on_progress, cancel, *, typed=False):
        self.token_calls.append((client_id, secret))
        on_progress(StepProgress("token", "Get a token with the new secret", "running"))
        self.clock.sleep(12, cancel)
        if self.hold_at == "token":
            self.holding.set()
            deadline = time.monotonic() + 10  # never hang a test run
            while not self.release.is_set() and time.monotonic() < deadline:
                if cancel.wait(0.01):
                    raise Cancelled()
        on_progress(StepProgress("token", "Get a token with the new secret", "done",
                                 "accepted after 12 s"))
        if self.token_ok:
            checks = [Check("Microsoft issued a token for the new client id", True, ""),
                      Check("The token is for your tenant (contoso.onmicrosoft.com)", True, ""),
                      Check("Admin consent covers the 4 permissions", True, "")]
        else:
            checks = [Check("Microsoft issued a token for the new client id", True, ""),
                      Check("Admin consent covers the 4 permissions", False,
                            "No admin consent was found for Calendars.ReadWrite.Shared. "
                            "Wait two minutes and test again, or grant consent in the Entra admin center.")]
        return TokenTestReport(checks)

    def result_notes(self, client_id):
        return []  # SyncSign has no EWS allow list

    def snippet(self, client_id, secret):
        from wizard.profiles import get_profile

        return get_profile("syncsign").render_snippet({
            "tenant_id": APPLIED.tenant_id, "client_id": client_id,
            "client_secret": secret or "", "authorize_url": "", "token_url": "",
        })
