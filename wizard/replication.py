"""Waiting for Microsoft to replicate a new object: bounded, visible, cancellable.

Entra ID is a replicated directory. Right after the wizard creates an application,
another replica may still answer `404 Request_ResourceNotFound` for it, creating its
service principal may answer `400 … does not reference a valid application object`,
and granting consent may fail the same way for a few seconds
(https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors).

Peers retry more of a settling tenant's answers, and so does the wizard (docs/DESIGN.md
cites each): `400 Not a valid reference update` on `appRoleAssignedTo` while a new
principal replicates (microsoftgraph/msgraph-bicep-types#193); `403 … the backing
application of the service principal being created must in the local tenant` on
`POST /servicePrincipals` for a young app (hashicorp/terraform-provider-azuread#992,
Azure/azure-cli#28009); `409` on `PATCH /applications/{id}` right after the create
(terraform-provider-azuread#1764, fixed by retrying in #1768); `409
Directory_ConcurrencyViolation` on `addPassword` (Azure/azure-cli#23081). A 404 about an
object the wizard did NOT just create (a wrong resource id) is no replication delay: when
the caller names the new objects (`about`), any other 404 fails at once.

Two helpers:

- `retry_transient(action, ...)` repeats an action while it fails in a way that
  replication explains, with exponential back-off, up to a total wait;
- `wait_until_visible(read, ...)` treats an object as ready only after `consecutive`
  successful reads in a row (Terraform's azuread provider waits for 5 — a single
  success can come from a replica that is ahead of the others).

Every wait goes through `clock.sleep(seconds, cancel)`; `on_attempt(attempt, wait)`
lets the caller show "Microsoft is still replicating the new app, attempt 3".
"""

from __future__ import annotations

import threading
from typing import Callable, Sequence, TypeVar

from wizard.clock import Clock
from wizard.errors import MicrosoftError

T = TypeVar("T")

REPLICATION_HINTS = (
    "does not reference a valid application object",
    "does not exist or one of its queried reference-property objects are not present",
    "not found",
    "replicat",
    "not a valid reference update",
)
# 403 on POST /servicePrincipals while the new application is not on every replica yet.
BACKING_APP_HINT = "backing application of the service principal"
ALREADY_EXISTS_HINTS = ("already exists", "already in use", "multipleobjectswithsamekeyvalue")


class ReadBackPending(MicrosoftError):
    """Microsoft said a write already exists, but the read-back does not show it yet."""


def _names(exc: Exception, about: Sequence[str]) -> bool:
    text = f"{getattr(exc, 'path', '')} {getattr(exc, 'graph_message', '')}".lower()
    return any(a and a.lower() in text for a in about)


def is_replication_error(exc: Exception, about: Sequence[str] = ()) -> bool:
    """A Graph error that a young object's replication delay explains.

    404 (only when it names one of the ids in `about`, if any are given), a 400 naming a
    missing or invalid reference, the 403 "backing application … must in the local tenant"
    of a service principal for a new app, or a conflict whose read-back lags (`ReadBackPending`).
    """
    from wizard.graph import GraphError

    if isinstance(exc, ReadBackPending):
        return True
    if not isinstance(exc, GraphError):
        return False
    if exc.status == 404:
        return not about or _names(exc, about)
    text = f"{exc.code} {exc.graph_message}".lower()
    if exc.status == 400:
        return any(h in text for h in REPLICATION_HINTS)
    if exc.status == 403:
        return BACKING_APP_HINT in text
    return False


def is_concurrency_error(exc: Exception) -> bool:
    """409 Directory_ConcurrencyViolation: "concurrent requests … Please wait briefly and retry"."""
    text = f"{getattr(exc, 'code', '')} {getattr(exc, 'graph_message', '')}".lower()
    return getattr(exc, "status", 0) == 409 and ("concurrencyviolation" in text or "concurrent requests" in text)


def is_young_app_conflict(exc: Exception, about: Sequence[str] = ()) -> bool:
    """A write to an application created moments ago: replication, or any 409 (Terraform's
    azuread provider retries a 409 after creating an application, PR #1768)."""
    return getattr(exc, "status", 0) == 409 or is_replication_error(exc, about)


def is_already_exists(exc: Exception) -> bool:
    """The conflict answer to a create that is already there (409, or 400 "… already exists")."""
    from wizard.graph import GraphError

    if not isinstance(exc, GraphError) or exc.status not in (400, 409) or is_concurrency_error(exc):
        return False
    text = f"{exc.code} {exc.graph_message}".lower()
    return exc.status == 409 or any(h in text for h in ALREADY_EXISTS_HINTS)


def backoff(attempt: int, first: float = 1.0, cap: float = 16.0) -> float:
    """1, 2, 4, 8, 16, 16… seconds (deterministic, so tests can count the waits)."""
    return min(cap, first * 2 ** (attempt - 1))


def retry_transient(
    action: Callable[[], T],
    *,
    clock: Clock,
    cancel: threading.Event | None = None,
    is_transient: Callable[[Exception], bool] | None = None,
    on_attempt: Callable[[int, float], None] | None = None,
    max_wait: float = 120.0,
    what: str = "the new app",
    about: Sequence[str] = (),
) -> T:
    """Run `action`; while it raises a transient error, wait and try again (bounded).

    `is_transient` defaults to `is_replication_error` scoped to the ids in `about`."""
    if is_transient is None:
        def is_transient(exc: Exception) -> bool:
            return is_replication_error(exc, about)
    waited = 0.0
    attempt = 0
    while True:
        attempt += 1
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 — filtered by is_transient
            if not is_transient(exc):
                raise
            wait = backoff(attempt)
            if waited + wait > max_wait:
                raise gave_up(what, waited, exc) from None
            if on_attempt is not None:
                on_attempt(attempt + 1, wait)
            clock.sleep(wait, cancel)
            waited += wait


def gave_up(what: str, waited: float, exc: BaseException) -> MicrosoftError:
    """The bounded wait is over: say so, with Microsoft's code and ids from the last answer."""
    return MicrosoftError(
        f"Microsoft was still replicating {what} after {int(waited)} seconds.",
        next_step="Wait a few minutes and run the wizard again: it continues where it stopped.",
        code=getattr(exc, "code", ""),
        request_id=getattr(exc, "request_id", ""),
        client_request_id=getattr(exc, "client_request_id", ""),
    )


def wait_until_visible(
    read: Callable[[], T],
    *,
    clock: Clock,
    cancel: threading.Event | None = None,
    consecutive: int = 3,
    on_attempt: Callable[[int, float], None] | None = None,
    max_wait: float = 180.0,
    interval: float = 1.0,
    what: str = "the new app",
) -> T:
    """Read until `consecutive` reads in a row succeed; return the last result.

    A 404 (or another replication error) resets the count and backs off; any other
    error is raised at once.
    """
    streak = 0
    misses = 0
    waited = 0.0
    attempt = 0
    result: T | None = None
    while True:
        attempt += 1
        try:
            result = read()
        except Exception as exc:  # noqa: BLE001 — filtered below
            if not is_replication_error(exc):
                raise
            streak = 0
            misses += 1
            wait = backoff(misses)
            if waited + wait > max_wait:
                raise gave_up(what, waited, exc) from None
            if on_attempt is not None:
                on_attempt(attempt + 1, wait)
            clock.sleep(wait, cancel)
            waited += wait
            continue
        streak += 1
        if streak >= consecutive:
            return result
        clock.sleep(interval, cancel)
        waited += interval
