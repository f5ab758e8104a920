"""The client secret: created here, once, and shown once.

`POST /applications/{id}/addPassword` with a descriptive `displayName` and an
`endDateTime` (https://learn.microsoft.com/graph/api/application-addpassword). Microsoft
returns the secret's VALUE (`secretText`) in that one response and never again; the
wizard hands it back in `NewSecret` and forgets it. It is saved only when the user
asks: to the OS keyring, or to a 0600 file (`wizard.files.write_private`).

Organisations can limit secrets with an app management policy
(https://learn.microsoft.com/graph/api/resources/applicationauthenticationmethodpolicy):
- a maximum lifetime: Graph answers `CredentialInvalidLifetimeAsPerAppPolicy`
  ("Credential lifetime exceeds the max value allowed as per assigned policy …").
  The wizard says so and retries with the longest lifetime the message states, or
  else steps down 24 → 12 → 6 → 3 → 1 months;
- no secrets at all (passwordAddition restricted): the vendor needs one, so the
  wizard explains who can allow it.

A POST is not repeated blindly: if the connection drops, the secret may exist without
the wizard ever seeing its value. That is reported plainly, never silently retried
(which would leave a second secret).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.errors import MicrosoftError, WizardError

STEP_DOWN_MONTHS = (24, 18, 12, 6, 3, 1)
LIFETIME_CODES = ("CredentialInvalidLifetimeAsPerAppPolicy",)
BANNED_CODES = ("CredentialTypeNotAllowedAsPerAppPolicy", "PasswordCredentialNotAllowedAsPerAppPolicy")
KEYRING_SERVICE = "m365-wizard"


@dataclass(frozen=True)
class NewSecret:
    """A client secret VALUE (shown once), its Secret ID (keyId), end date and hint."""

    value: str = field(repr=False)
    key_id: str
    end: str  # endDateTime as Graph returned it (ISO 8601, UTC)
    hint: str
    display_name: str = ""
    months: int = 0
    notes: tuple[str, ...] = ()  # e.g. "the policy allows at most 6 months"

    def __str__(self) -> str:  # never the value
        return f"client secret {self.hint}… (Secret ID {self.key_id}, expires {self.end[:10]})"

    def save_to_keyring(self, client_id: str, *, service: str = KEYRING_SERVICE) -> str:
        """Store the VALUE in the OS keyring under `service` / client id; return where."""
        import keyring

        keyring.set_password(service, client_id, self.value)
        return f"OS keyring, service '{service}', account '{client_id}'"

    def save_to_file(self, path: Any) -> Any:
        """Write the VALUE to `path` with mode 0600 (only when the user asks)."""
        from wizard.files import write_private

        return write_private(path, self.value + "\n")


class SecretBanned(WizardError):
    """The tenant's policy forbids client secrets for this app."""


def _end_after(now: float, months: int) -> str:
    """ISO end date `months` after `now` (30-day months, minus a minute of margin)."""
    end = dt.datetime.fromtimestamp(now, dt.timezone.utc) + dt.timedelta(days=30 * months, minutes=-1)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


_DAYS = re.compile(r"(\d+)\s*days?", re.I)
_ISO_DAYS = re.compile(r"P(\d+)D", re.I)
_MONTHS = re.compile(r"(\d+)\s*months?", re.I)


def allowed_months_from(message: str) -> int | None:
    """The longest lifetime a policy message states, in whole months (None if it does not say)."""
    for pattern, per_month in ((_MONTHS, 1), (_ISO_DAYS, 30), (_DAYS, 30)):
        m = pattern.search(message or "")
        if m:
            value = int(m.group(1))
            months = value if per_month == 1 else value // 30
            return max(0, months)
    return None


def create_secret(
    graph: Any,
    app_object_id: str,
    *,
    vendor_name: str,
    months: int,
    now: float,
    on_note: Callable[[str], None] | None = None,
) -> NewSecret:
    """addPassword, stepping the lifetime down when a policy refuses it."""
    from wizard.graph import GraphError

    date = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%d")
    display_name = f"m365-wizard {vendor_name} {date}"
    notes: list[str] = []
    tried: list[int] = []
    current = months
    while True:
        tried.append(current)
        body = {"passwordCredential": {"displayName": display_name, "endDateTime": _end_after(now, current)}}
        try:
            result = graph.post(f"/applications/{app_object_id}/addPassword", json=body) or {}
        except GraphError as exc:
            if exc.code in BANNED_CODES or "not allowed as per assigned policy" in exc.graph_message.lower() and "lifetime" not in exc.graph_message.lower():
                raise SecretBanned(
                    "Your organisation's app management policy does not allow client secrets for this app, "
                    f"but {vendor_name} needs one.",
                    next_step=("Ask a Global Administrator (or an admin who manages app management policies, "
                               "Entra > Enterprise applications > App management policies) to exempt this app, then run the wizard again."),
                    code=exc.code, request_id=exc.request_id, client_request_id=exc.client_request_id,
                ) from None
            if exc.code not in LIFETIME_CODES:
                raise
            stated = allowed_months_from(exc.graph_message)
            smaller = [m for m in STEP_DOWN_MONTHS if m < current and m not in tried]
            if stated is not None and 0 < stated < current and stated not in tried:
                nxt = stated
            elif smaller:
                nxt = smaller[0]
            else:
                raise MicrosoftError(
                    "Your organisation's app management policy refused every client secret lifetime down to 1 month.",
                    next_step="Ask your Entra administrator what lifetime the policy allows.",
                    code=exc.code, request_id=exc.request_id,
                ) from None
            note = (f"Your organisation's policy does not allow a {current}-month secret; "
                    f"the wizard created one valid {nxt} months instead.")
            notes = [note]
            if on_note is not None:
                on_note(f"Your organisation's policy does not allow a {current}-month secret; trying {nxt} months.")
            current = nxt
            continue
        value = result.get("secretText") or ""
        if not value:
            raise MicrosoftError("Microsoft created the secret but did not return its value.",
                                 next_step="Delete that secret in Entra > Certificates & secrets and run the wizard again.")
        return NewSecret(
            value=value,
            key_id=str(result.get("keyId", "")),
            end=str(result.get("endDateTime", "")),
            hint=str(result.get("hint", value[:3])),
            display_name=str(result.get("displayName") or display_name),
            months=current,
            notes=tuple(notes),
        )
