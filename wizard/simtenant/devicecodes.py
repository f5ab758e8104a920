"""Device codes: issued by `/devicecode`, approved in the "browser", redeemed at `/token`.

The flow (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code):
the client shows `user_code` and `verification_uri`; the user signs in elsewhere
and approves or declines; meanwhile the client polls `/token` and sees
`authorization_pending` until then, `expired_token` after `expires_in` (900 s).

In the simulator "elsewhere" is `SimTenant.approve_device_code()` /
`decline_device_code()`, the `/devicelogin` page of a served tenant, or
auto-approval: a pending code is approved as the demo admin once
`auto_approve_after` seconds of simulated time have passed since it was issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXPIRES_IN = 900
INTERVAL = 5


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scopes: list[str]
    issued: float
    expires_at: float
    interval: int = INTERVAL
    status: str = "pending"         # pending | approved | declined | redeemed
    user_id: str | None = None
    last_poll: float | None = None


@dataclass
class DeviceCodeStore:
    codes: list[DeviceCode] = field(default_factory=list)

    def add(self, code: DeviceCode) -> None:
        self.codes.append(code)

    def by_device_code(self, device_code: str) -> DeviceCode | None:
        return next((c for c in self.codes if c.device_code == device_code), None)

    def find_pending(self, user_code: str | None, now: float) -> DeviceCode:
        """The pending code with this user code (any case), or the newest pending one."""
        pending = [c for c in self.codes if c.status == "pending" and c.expires_at > now]
        if user_code is not None:
            wanted = user_code.strip().upper().replace("-", "")
            pending = [c for c in pending if c.user_code == wanted]
        if not pending:
            which = f"user code {user_code!r}" if user_code else "any user code"
            raise LookupError(f"No pending device code for {which}.")
        return pending[-1]
