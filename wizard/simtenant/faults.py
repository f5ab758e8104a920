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


@dataclass
class FaultRule:
    """A transport-level fault for matching requests.

    `action`: "throttle" (429 + Retry-After), "unavailable" (503 + Retry-After),
    "gateway_timeout" (504), "drop" (raise httpx.RemoteProtocolError before the
    request is applied), "drop_after" (apply the request, then drop the
    connection: the client never sees the answer), "slow" (the response takes
    `seconds` of simulated time, via the clock), "garbled" (200 with an HTML page
    instead of the answer, as a captive portal or a proxy's block page sends it).

    `method` (None: any) and `path` (a regular expression searched in the URL
    path, e.g. "^/v1.0/applications$") select requests; `nth` lists which of the
    matching requests (1-based) get the fault; empty means every one.
    """

    action: str
    path: str = ""
    method: str | None = None
    nth: tuple[int, ...] = ()
    retry_after: str | None = "1"
    seconds: float = 0.0

    ACTIONS = ("throttle", "unavailable", "gateway_timeout", "drop", "drop_after", "slow", "garbled")

    def __post_init__(self) -> None:
        if self.action not in self.ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {', '.join(self.ACTIONS)}")
        self.nth = tuple(self.nth)
        self._pattern = re.compile(self.path)
        self.seen = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return bool(self._pattern.search(path))

    def fires(self) -> bool:
        """Count one matching request; does the fault apply to it?"""
        self.seen += 1
        return not self.nth or self.seen in self.nth


@dataclass
class FaultPlan:
    """What goes wrong, and for how long. The defaults: nothing."""

    # Replication: a new object answers 404 Request_ResourceNotFound for this many reads.
    # While a new application is invisible, POST /servicePrincipals for it is a 400
    # ("The appId '…' of the service principal does not reference a valid application object.").
    app_invisible_reads: int = 0
    sp_invisible_reads: int = 0
    # Flapping reads of a new application after it became visible: e.g. [false, true, false]
    # means the 1st read after that is a 404, the 2nd finds it, the 3rd is a 404 again.
    app_flap: list[bool] = field(default_factory=list)
    # The same for a new service principal (after `sp_invisible_reads`, if any).
    sp_flap: list[bool] = field(default_factory=list)
    # The token service does not know a new application for this many seconds (AADSTS700016).
    sts_unknown_app_seconds: float = 0.0
    # A new client secret is rejected for this many seconds with this AADSTS code
    # (7000215 "invalid secret" or 7000222 "expired secret").
    secret_delay_seconds: float = 0.0
    secret_delay_error: int = 7000215
    # Sign-in faults.
    conditional_access_block: bool = False    # AADSTS53003 at token redemption
    device_auth_required: bool = False        # AADSTS50097
    device_policy_error: bool = False         # AADSTS50005 (DevicePolicyError: device platform not supported by CA)
    public_client_flows_off: bool = False     # AADSTS7000218 for a tenant's own public client
    slow_down: bool = False                   # `slow_down` when polled faster than `interval`
    # App management policy (https://learn.microsoft.com/en-us/graph/api/resources/applicationauthenticationmethodpolicy)
    secret_max_lifetime_days: int | None = None
    secrets_banned: bool = False
    policy_id: str = "00000000-0000-0000-0000-000000000000"
    # Transport faults.
    rules: list[FaultRule] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "FaultPlan":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        values["rules"] = [r if isinstance(r, FaultRule) else FaultRule(**r) for r in data.get("rules", [])]
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> "FaultPlan":
        """Load a plan from a TOML file (top-level keys as above, `[[rules]]` tables)."""
        with open(path, "rb") as handle:
            return cls.from_dict(tomllib.load(handle))

    @classmethod
    def demo(cls) -> "FaultPlan":
        """The small, realistic default of the demo tenant: a short replication delay."""
        return cls(app_invisible_reads=1, sp_invisible_reads=1, secret_delay_seconds=4.0)
