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
the wizard ever seeing its value (addPassword is not idempotent: a blind repeat would
leave a second secret). So every addPassword carries a displayName unique to that
attempt ("m365-wizard pexip 2025-05-01 3f9a1c"), handed to `remember` BEFORE the POST
(`Setup` writes it to the journal). After a dropped connection the wizard reads the
app's passwordCredentials, removes (`removePassword`,
https://learn.microsoft.com/graph/api/application-removepassword) the credential(s)
with that displayName (never a keyId whose value it returned), and tries once more
under a new name; after a success that needed a retry it sweeps again for stragglers.
A name whose secret could not be found yet stays remembered, so the next run removes
it (`remove_unseen`). Removing by a name unique to one attempt cannot touch a secret
whose value anyone holds.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets as _random
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.clock import Cancelled
from wizard.dates import day
from wizard.errors import MicrosoftError, WizardError

STEP_DOWN_MONTHS = (24, 18, 12, 6, 3, 1)
LIFETIME_CODES = ("CredentialInvalidLifetimeAsPerAppPolicy",)
BANNED_CODES = ("CredentialTypeNotAllowedAsPerAppPolicy", "PasswordCredentialNotAllowedAsPerAppPolicy")
KEYRING_SERVICE = "m365-wizard"
LOST_RETRIES = 1  # after a dropped addPassword: clean up, then this many more tries
# 409 Directory_ConcurrencyViolation ("concurrent requests … Please wait briefly and retry",
# Azure/azure-cli#23081): waited out with back-off, within this total.
CONCURRENCY_MAX_WAIT = 60.0


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

    def save_to_file(self, path: Any, *, overwrite: bool = True) -> Any:
        """Write the VALUE to `path` with mode 0600 (only when the user asks). `overwrite=False`
        (the TUI, before the person agreed): a missing folder is made (0700) and an existing file
        is kept (`wizard.files.FileExists`)."""
        from wizard.files import save_private, write_private

        if not overwrite:
            return save_private(path, self.value + "\n", overwrite=False)
        return write_private(path, self.value + "\n")


class SecretBanned(WizardError):
    """The tenant's policy forbids client secrets for this app."""


# The Entra admin center's own choices for a new client secret: "90 days (3 months)",
# "180 days (6 months)", "365 days (12 months)", "545 days (18 months)", "730 days (24 months)".
# https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials
PORTAL_DAYS = {3: 90, 6: 180, 12: 365, 18: 545, 24: 730}


def days_for(months: int) -> int:
    """The lifetime in days that the admin center gives `months` (365/12 days a month otherwise)."""
    return PORTAL_DAYS.get(months, int(months * 365 / 12))


def _end_after(now: float, months: int) -> str:
    """ISO end date `months` after `now`, as the admin center counts them, minus a minute of margin
    (so that a policy capped at exactly that many days accepts it)."""
    end = dt.datetime.fromtimestamp(now, dt.timezone.utc) + dt.timedelta(days=days_for(months), minutes=-1)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


_DAYS = re.compile(r"(\d+)\s*days?", re.I)
_ISO_DAYS = re.compile(r"P(\d+)D", re.I)
_MONTHS = re.compile(r"(\d+)\s*months?", re.I)
_ISO_MONTHS = re.compile(r"\bP(\d+)M\b", re.I)
_TIMESPAN_DAYS = re.compile(r"\b(\d+)\.\d{2}:\d{2}:\d{2}\b")  # .NET TimeSpan "180.00:00:00"


def allowed_months_from(message: str) -> int | None:
    """The longest lifetime a policy message states, in whole months (None if it does not say)."""
    for pattern, per_month in ((_MONTHS, 1), (_ISO_MONTHS, 1), (_ISO_DAYS, 30), (_TIMESPAN_DAYS, 30), (_DAYS, 30)):
        m = pattern.search(message or "")
        if m:
            value = int(m.group(1))
            months = value if per_month == 1 else value // 30
            return max(0, months)
    return None


def secret_display_name(vendor_name: str, now: float, nonce: str | None = None) -> str:
    """The displayName of one addPassword attempt: descriptive, dated, and unique to the attempt."""
    date = day(now)
    return f"m365-wizard {vendor_name} {date} {nonce or _random.token_hex(3)}"


def _gone(exc: Any) -> bool:
    """removePassword of a keyId that no longer exists (already removed)."""
    text = f"{getattr(exc, 'graph_message', '')} {getattr(exc, 'message', '')}".lower()
    return getattr(exc, "status", 0) == 404 or (
        getattr(exc, "status", 0) == 400 and ("no password credential" in text or "not found" in text))


def remove_unseen(graph: Any, app_object_id: str, display_names: Any, *,
                  keep_key_ids: Any = ()) -> tuple[list[str], set[str]]:
    """removePassword each credential of the app named in `display_names` (secrets whose
    value was never returned), except the keyIds in `keep_key_ids`.

    Returns (removed keyIds, names found). A name not found may not exist at all (the
    POST never reached Microsoft) or may not be readable yet (replication).
    """
    from wizard.graph import GraphError

    names = {n for n in display_names if n}
    keep = {str(k) for k in keep_key_ids if k}
    if not names:
        return [], set()
    app = graph.get(f"/applications/{app_object_id}", params={"$select": "id,passwordCredentials"}) or {}
    removed: list[str] = []
    found: set[str] = set()
    for credential in app.get("passwordCredentials") or []:
        name = str(credential.get("displayName") or "")
        key_id = str(credential.get("keyId") or "")
        if name not in names or not key_id or key_id in keep:
            continue
        found.add(name)
        try:
            graph.post(f"/applications/{app_object_id}/removePassword", json={"keyId": key_id}, idempotent=True)
        except GraphError as exc:
            if not _gone(exc):
                raise
        removed.append(key_id)
    return removed, found


def _lost(message: str) -> MicrosoftError:
    return MicrosoftError(
        message,
        next_step=("Check the network, then run the wizard again: it first removes any secret whose value "
                   "it never received, then creates a new one."),
    )


def create_secret(
    graph: Any,
    app_object_id: str,
    *,
    vendor_name: str,
    months: int,
    now: float,
    on_note: Callable[[str], None] | None = None,
    remember: Callable[[str], None] | None = None,
    forget: Callable[[str], None] | None = None,
    clock: Any = None,
    cancel: Any = None,
) -> NewSecret:
    """addPassword, stepping the lifetime down when a policy refuses it.

    `remember(display_name)` is called before each addPassword and `forget(display_name)`
    once no credential of that name can be an orphan (its value was returned, it was
    removed, or Microsoft refused the request). With a `clock`, a 409
    Directory_ConcurrencyViolation is waited out (bounded, said through `on_note`).
    """
    from wizard.graph import ConnectionLost, GraphError
    from wizard.clock import seconds_words
    from wizard.replication import backoff, gave_up, is_concurrency_error

    display_name = secret_display_name(vendor_name, now)
    notes: list[str] = []
    tried: list[int] = []
    lost: list[str] = []  # names of addPassword calls whose answer never arrived
    current = months
    busy_waited, busy_tries = 0.0, 0

    def note(text: str) -> None:
        if on_note is not None:
            on_note(text)

    while True:
        tried.append(current)
        body = {"passwordCredential": {"displayName": display_name, "endDateTime": _end_after(now, current)}}
        if remember is not None:
            remember(display_name)
        sent_before = getattr(graph, "requests", None)
        try:
            result = graph.post(f"/applications/{app_object_id}/addPassword", json=body) or {}
        except ConnectionLost:
            lost.append(display_name)
            try:
                removed, found = remove_unseen(graph, app_object_id, [display_name])
            except WizardError:
                raise _lost("The connection to Microsoft dropped during addPassword (creating the client secret), "
                            "and the wizard could not check whether Microsoft created it.") from None
            if forget is not None and display_name in found:
                forget(display_name)
            if len(lost) > LOST_RETRIES:
                raise _lost(f"The connection to Microsoft dropped {len(lost)} times during addPassword "
                            "(creating the client secret); no usable secret was created.") from None
            note("The connection dropped while Microsoft created the client secret; "
                 + ("the wizard removed that secret (its value never arrived) and is creating a new one."
                    if removed else "Microsoft shows no such secret; the wizard is trying once more."))
            display_name = secret_display_name(vendor_name, now)
            continue
        except GraphError as exc:
            if clock is not None and is_concurrency_error(exc):
                busy_tries += 1
                wait = backoff(busy_tries)
                if busy_waited + wait > CONCURRENCY_MAX_WAIT:
                    raise gave_up("the app's other changes (Directory_ConcurrencyViolation)", busy_waited, exc) from None
                note(f"Microsoft is still settling other changes to the app (Directory_ConcurrencyViolation); "
                     f"trying again in {seconds_words(wait)}, attempt {busy_tries + 1}")
                clock.sleep(wait, cancel)
                busy_waited += wait
                continue  # same name: nothing was created, and a straggler would be swept below
            if forget is not None and exc.status < 500 and not _retried(graph, sent_before):
                forget(display_name)  # refused: nothing was created under this name
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
            # The note names the lifetime that was asked for, not the last one refused on the way down.
            notes = [(f"Your organisation's policy does not allow a {months}-month secret; "
                      f"the wizard created one valid {nxt} months instead.")]
            note(f"Your organisation's policy does not allow a {current}-month secret; trying {nxt} months.")
            current = nxt
            continue
        value = result.get("secretText") or ""
        key_id = str(result.get("keyId", ""))
        if not value:
            raise MicrosoftError("Microsoft created the secret but did not return its value.",
                                 next_step="Delete that secret in Entra > Certificates & secrets and run the wizard again.")
        # From here on the value is in hand: nothing below may lose it.
        settled = {display_name}
        if lost or busy_tries or _retried(graph, sent_before):
            # A retried POST (503/504, or after a drop) may have been applied more than once.
            try:
                _, found = remove_unseen(graph, app_object_id, [display_name, *lost], keep_key_ids=[key_id])
                settled |= found
            except (WizardError, Cancelled):
                # The check could not finish (an error, or the user stopped): the names of lost
                # attempts stay in the journal for the next run to sweep, but never the name of
                # the secret just returned (a sweep by name would delete the one the user holds).
                settled = {display_name}
        if forget is not None:
            for name in sorted(settled):
                forget(name)
        return NewSecret(
            value=value,
            key_id=key_id,
            end=str(result.get("endDateTime", "")),
            hint=str(result.get("hint", value[:3])),
            display_name=str(result.get("displayName") or display_name),
            months=current,
            notes=tuple(notes),
        )


def _retried(graph: Any, sent_before: Any) -> bool:
    """Did the GraphClient send the last request more than once (429/503/504 retries)?"""
    after = getattr(graph, "requests", None)
    return isinstance(sent_before, int) and isinstance(after, int) and after - sent_before > 1
