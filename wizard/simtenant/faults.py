"""The fault plan: which of Microsoft's real-world misbehaviours the tenant shows.

Everything here is deterministic: faults are decided by counting requests and
reads and by the injected clock, never by chance, so a test that says "the
second POST /applications is throttled with Retry-After: 0.249" gets exactly
that, every run.

Replication (eventual consistency in the directory):
https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-expected-errors
and https://learn.microsoft.com/en-us/entra/identity-platform/howto-create-service-principal-portal
(a new application can take a while to be usable everywhere).
Throttling: https://learn.microsoft.com/en-us/graph/throttling (429 + Retry-After).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


# Answers of a real tenant while it is still settling a change, as peers' trackers show them
# (Graph's error envelope: https://learn.microsoft.com/graph/errors). docs/DESIGN.md cites each.
CONSISTENCY_ERRORS: dict[str, tuple[int, str, str]] = {
    # POST /servicePrincipals/{id}/appRoleAssignedTo while the new principal replicates
    # (microsoftgraph/msgraph-bicep-types#193, microsoftgraph/microsoft-graph-docs#9738).
    "reference_update": (400, "Request_BadRequest", "Not a valid reference update."),
    # PATCH /applications/{id} right after the create (hashicorp/terraform-provider-azuread#1764, #1768).
    "app_conflict": (409, "Error_MsaAppDoesNotExist", "The corresponding MSA application does not exist."),
    # addPassword while another write to the app settles (Azure/azure-cli#23081, nais/azurerator#448).
    "concurrency": (409, "Directory_ConcurrencyViolation",
                    "Error due to concurrent requests being made to the tenant. Please wait briefly and retry."),
    # POST /servicePrincipals for a new app not yet replicated (hashicorp/terraform-provider-azuread#992,
    # Azure/azure-cli#28009).
    "backing_app": (403, "Authorization_RequestDenied",
                    "When using this permission, the backing application of the service principal being created "
                    "must in the local tenant"),
    # A 404 that is not about a new object (a wrong resource id): no waiting fixes it.
    "not_found": (404, "Request_ResourceNotFound",
                  "Resource '11111111-2222-3333-4444-555555555555' does not exist or one of its queried "
                  "reference-property objects are not present."),
}


@dataclass
class FaultRule:
    """A transport-level fault for matching requests.

    `action`: "throttle" (429 + Retry-After), "unavailable" (503 + Retry-After),
    "gateway_timeout" (504), "drop" (raise httpx.RemoteProtocolError before the
    request is applied), "drop_after" (apply the request, then drop the
    connection: the client never sees the answer), "gateway_timeout_after" (apply
    the request, then answer 504: Microsoft did the write but the gateway timed out,
    so the client's retry meets its own earlier write: "applied, then 504"), "slow"
    (the response takes `seconds` of simulated time, via the clock; in-process,
    longer than the client's read timeout is an `httpx.ReadTimeout`, as a real socket
    gives), "pause" (the clock moves `seconds` forward while the request is served
    and the answer still arrives: a laptop suspended mid-run, hours passing in one
    request), "garbled" (200 with an HTML page instead of the answer, as a captive
    portal or a proxy's block page sends it), "html_error" (a 5xx — `status`, default
    502 — with an HTML page, as a load balancer sends it), "garbled_json" (200, JSON
    content type, a body cut off mid-way), "error" (answer `status` with Graph's error
    envelope holding `code` and `message`, without applying the request: e.g. the
    replication and consistency answers peers retry, see `CONSISTENCY_ERRORS`).

    `method` (None: any) and `path` (a regular expression searched in the URL
    path, e.g. "^/v1.0/applications$") select requests; `endpoint` is a shortcut
    for the identity platform's paths ("discovery", "devicecode", "token"); `grant_type`
    selects token requests by their form's grant_type ("client_credentials" is the
    token test, "urn:ietf:params:oauth:grant-type:device_code" the admin's sign-in,
    "refresh_token" a silent refresh); `nth` lists which of the matching requests
    (1-based) get the fault; empty means every one.
    """

    action: str
    path: str = ""
    method: str | None = None
    nth: tuple[int, ...] = ()
    retry_after: str | None = "1"
    seconds: float = 0.0
    status: int = 0
    code: str = ""
    message: str = ""
    # A named answer from CONSISTENCY_ERRORS fills status, code and message for "error".
    answer: str = ""
    endpoint: str = ""
    grant_type: str = ""

    ACTIONS = ("throttle", "unavailable", "gateway_timeout", "gateway_timeout_after", "drop", "drop_after", "slow",
               "pause", "garbled", "html_error", "garbled_json", "error")
    # The identity platform's endpoints (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc,
    # .../v2-oauth2-device-code): OpenID configuration, device authorization, token.
    ENDPOINTS = {
        "discovery": r"/v2\.0/\.well-known/openid-configuration$",
        "devicecode": r"/oauth2/v2\.0/devicecode$",
        "token": r"/oauth2/v2\.0/token$",
    }

    def __post_init__(self) -> None:
        if self.action not in self.ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {', '.join(self.ACTIONS)}")
        if self.endpoint and self.endpoint not in self.ENDPOINTS:
            raise ValueError(f"unknown fault endpoint {self.endpoint!r}; one of {', '.join(self.ENDPOINTS)}")
        self.nth = tuple(self.nth)
        if self.answer:
            if self.answer not in CONSISTENCY_ERRORS:
                raise ValueError(f"unknown answer {self.answer!r}; one of {', '.join(CONSISTENCY_ERRORS)}")
            self.status, self.code, self.message = CONSISTENCY_ERRORS[self.answer]
        if self.action == "error" and not self.status:
            raise ValueError("an 'error' fault needs a status (or an answer name)")
        try:
            self._pattern = re.compile(self.path or self.ENDPOINTS.get(self.endpoint, ""))
        except re.error as exc:
            raise ValueError(f"fault rule path {self.path!r} is not a regular expression: {exc}") from None
        self.seen = 0

    def matches(self, method: str, path: str, form: dict | None = None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.endpoint and self.path and not re.search(self.ENDPOINTS[self.endpoint], path):
            return False
        if self.grant_type and (form or {}).get("grant_type") != self.grant_type:
            return False
        return bool(self._pattern.search(path))

    def fires(self) -> bool:
        """Count one matching request; does the fault apply to it?"""
        self.seen += 1
        return not self.nth or self.seen in self.nth


@dataclass
class FaultPlan:
    """What goes wrong, and for how long. The defaults: nothing."""

    # Replication counted in reads (deterministic unit tests): a new object answers 404
    # Request_ResourceNotFound for this many Graph reads, on top of the clock-time lags below.
    # While a new application is invisible, POST /servicePrincipals for it is a 400
    # ("The appId '…' of the service principal does not reference a valid application object.").
    app_invisible_reads: int = 0
    sp_invisible_reads: int = 0
    # Flapping reads of a new application after it became visible: e.g. [false, true, false]
    # means the 1st read after that is a 404, the 2nd finds it, the 3rd is a 404 again.
    app_flap: list[bool] = field(default_factory=list)
    # The same for a new service principal (after `sp_invisible_reads`, if any).
    sp_flap: list[bool] = field(default_factory=list)
    # Replication by clock time, per surface: Graph's read replicas and the token endpoint catch up
    # independently. Graph answers 404 for a new application / service principal for this many seconds
    # (and POST /servicePrincipals for a new app is a 400 meanwhile) …
    app_graph_lag_seconds: float = 0.0
    sp_graph_lag_seconds: float = 0.0
    # … while the token service does not know a new application (AADSTS700016) or a new service principal
    # (AADSTS7000229, "missing service principal in the tenant") for this many seconds. So Graph can show
    # the new service principal while sign-in still refuses it, or sign-in know the app Graph still hides.
    sts_unknown_app_seconds: float = 0.0
    sp_sts_lag_seconds: float = 0.0
    # A new client secret is rejected for this many seconds with this AADSTS code
    # (7000215 "invalid secret" or 7000222 "expired secret").
    secret_delay_seconds: float = 0.0
    secret_delay_error: int = 7000215
    # Sign-in faults.
    conditional_access_block: bool = False    # AADSTS53003 for every sign-in (device code and auth code)
    device_code_flow_blocked: bool = False    # AADSTS53003 for the device-code flow only (auth code allowed)
    device_auth_required: bool = False        # AADSTS50097
    device_policy_error: bool = False         # AADSTS50005 (DevicePolicyError: device platform not supported by CA)
    public_client_flows_off: bool = False     # AADSTS7000218 for a tenant's own public client
    slow_down: bool = False                   # `slow_down` when polled faster than `interval`
    refresh_mfa_required: bool = False        # AADSTS50076 when a refresh token is redeemed (MFA again)
    # App management policy (https://learn.microsoft.com/en-us/graph/api/resources/applicationauthenticationmethodpolicy)
    secret_max_lifetime_days: int | None = None
    secrets_banned: bool = False
    policy_id: str = "00000000-0000-0000-0000-000000000000"
    # Roles claim lag: an app-only token leaves out an app role assigned less than this many
    # seconds ago, although Graph already reads the assignment back (scenario roles_claim_lag).
    roles_claim_lag_seconds: float = 0.0
    # Transport faults.
    rules: list[FaultRule] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "FaultPlan":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        rules = []
        for rule in data.get("rules", []):
            if isinstance(rule, FaultRule):
                rules.append(rule)
                continue
            if not isinstance(rule, dict):
                raise ValueError("a fault rule must be a table of settings")
            unknown_rule = set(rule) - {f.name for f in fields(FaultRule)}
            if unknown_rule:
                raise ValueError(f"unknown fault rule settings: {', '.join(sorted(unknown_rule))}")
            rules.append(FaultRule(**rule))
        values["rules"] = rules
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> "FaultPlan":
        """Load a plan from a TOML file (top-level keys as above, `[[rules]]` tables)."""
        with open(path, "rb") as handle:
            return cls.from_dict(tomllib.load(handle))

    @classmethod
    def demo(cls) -> "FaultPlan":
        """The small, realistic default of the demo tenant: a short replication delay."""
        return cls(app_graph_lag_seconds=1.5, sp_graph_lag_seconds=1.5, sp_sts_lag_seconds=5.0,
                   secret_delay_seconds=4.0)
