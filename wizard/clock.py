"""Time, as the wizard sees it: one object to read the time and to wait.

Everything that waits (retries after 429, replication back-off, device-code
polling, the simulated tenant's own delays) goes through a `Clock`, so tests
swap in `FakeClock` and exercise hours of waiting in microseconds.

Waits are cancellable: pass a `threading.Event`; when it is set, `sleep`
raises `Cancelled` at once instead of finishing the wait.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Cancelled(Exception):
    """The user (or a signal) asked to stop; whatever was waiting gives up cleanly."""


class Waitable(Protocol):
    """What a wait can be cancelled by: a `threading.Event`, or an `AnyEvent` of several."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Clock:
    """The real clock: wall time and interruptible sleeps."""

    def now(self) -> float:
        """Seconds since the epoch, like `time.time()`."""
        return time.time()

    def monotonic(self) -> float:
        """A clock that never jumps backwards, for measuring waits."""
        return time.monotonic()

    def sleep(self, seconds: float, cancel: Waitable | None = None) -> None:
        """Wait `seconds`; raise `Cancelled` as soon as `cancel` is set."""
        if cancel is None:
            if seconds > 0:
                time.sleep(seconds)
            return
        if cancel.is_set() or cancel.wait(max(0.0, seconds)):
            raise Cancelled()


class FakeClock(Clock):
    """A clock for tests: `sleep` returns at once and moves time forward.

    `slept` records every wait, so a test can check that a retry honoured a
    `Retry-After` of 0.249 s or that polling kept to the server's interval.
    Thread-safe, because the engine and the simulated tenant may share it
    from different threads.
    """

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._mono = 0.0
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward without anyone sleeping (e.g. to expire a code)."""
        with self._lock:
            self._now += seconds
            self._mono += seconds

    def sleep(self, seconds: float, cancel: Waitable | None = None) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        with self._lock:
            self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        if cancel is not None and cancel.is_set():
            raise Cancelled()


class AnyEvent:
    """Set when any of several `threading.Event`s is: wait on a cancel and a wake-up at once.

    Quacks like `threading.Event` for `Clock.sleep` (`is_set`, `wait`); `wait` looks at the
    events every 50 ms, which is plenty for a person pressing a key.
    """

    def __init__(self, *events: threading.Event | None) -> None:
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if left <= 0:
                return False
            self.events[0].wait(left) if self.events else time.sleep(left)
        return True


def seconds_words(seconds: float) -> str:
    """A wait in words: `less than a second` for 0.249 (never "0 s"), else whole seconds rounded up."""
    import math

    if seconds < 1:
        return "less than a second"
    return f"{math.ceil(seconds - 1e-9)} s"
