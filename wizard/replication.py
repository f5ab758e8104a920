"""Waiting for Microsoft to replicate a new object: bounded, visible, cancellable.

Entra ID is a replicated directory. Right after the wizard creates an application,
another replica may still answer `404 Request_ResourceNotFound` for it, creating its
service principal may answer `400 … does not reference a valid application object`,
and granting consent may fail the same way for a few seconds
(https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors).

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
from typing import Callable, TypeVar

from wizard.clock import Clock
from wizard.errors import MicrosoftError

T = TypeVar("T")

REPLICATION_HINTS = (
    "does not reference a valid application object",
    "does not exist or one of its queried reference-property objects are not present",
    "not found",
    "replicat",
)


def is_replication_error(exc: Exception) -> bool:
    """A Graph error that a young object's replication delay explains (404, or 400 naming it)."""
    from wizard.graph import GraphError

    if not isinstance(exc, GraphError):
        return False
    if exc.status == 404:
        return True
    if exc.status == 400:
        text = f"{exc.code} {exc.graph_message}".lower()
        return any(h in text for h in REPLICATION_HINTS)
    return False


def backoff(attempt: int, first: float = 1.0, cap: float = 16.0) -> float:
    """1, 2, 4, 8, 16, 16… seconds (deterministic, so tests can count the waits)."""
    return min(cap, first * 2 ** (attempt - 1))


def retry_transient(
    action: Callable[[], T],
    *,
    clock: Clock,
    cancel: threading.Event | None = None,
    is_transient: Callable[[Exception], bool] = is_replication_error,
    on_attempt: Callable[[int, float], None] | None = None,
    max_wait: float = 120.0,
    what: str = "the new app",
) -> T:
    """Run `action`; while it raises a transient error, wait and try again (bounded)."""
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
            return result  # type: ignore[return-value]
        clock.sleep(interval, cancel)
        waited += interval
