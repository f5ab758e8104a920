"""One run at a time per vendor and tenant: a lock file in the state directory.

Two runs for the same vendor in the same tenant would fight over the same objects (two
secrets, a consent granted twice, a plan read before the other run's writes). The first
run that writes takes `<state dir>/locks/<tenant>--<vendor>.lock`, created with O_EXCL
(atomic on POSIX and Windows), holding its pid, host and start time; a second run is told
who holds it and since when, and changes nothing.

A lock is stale, and taken over, when its process is gone (same host: the pid is not
alive) or it is older than `MAX_AGE` (a run on another host, or a pid reused after a
reboot). The lock is re-entrant within one process (the TUI may apply twice) and is
released at `release()` or when the process exits.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import socket
import time
from pathlib import Path

from wizard.errors import EXIT_BAD_INPUT, WizardError

MAX_AGE = 6 * 3600.0  # no run of the wizard takes six hours; an older lock is left over


class RunInProgress(WizardError):
    """Another run of the wizard is working on the same vendor in the same tenant."""

    exit_code = EXIT_BAD_INPUT


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "_"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


class RunLock:
    """`<state dir>/locks/<tenant>--<vendor>.lock`; `acquire()` or RunInProgress."""

    def __init__(self, state_dir: str | os.PathLike, tenant_id: str, vendor: str) -> None:
        self.path = Path(state_dir) / "locks" / f"{_safe(tenant_id)}--{_safe(vendor)}.lock"
        self.vendor = vendor
        self.held = False

    def acquire(self) -> None:
        if self.held:
            return
        from wizard.files import private_dir

        private_dir(self.path.parent)
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                holder = self._read()
                if holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
                    self.held = True  # ours (re-entrant)
                    return
                if self._stale(holder):
                    self._remove()
                    continue
                raise self._busy(holder) from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                           "vendor": self.vendor}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            self.held = True
            atexit.register(self.release)
            return
        raise self._busy(self._read())

    def release(self) -> None:
        if not self.held:
            return
        holder = self._read()
        if holder.get("pid") == os.getpid():
            self._remove()
        self.held = False

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text("utf-8")[:4096])
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _stale(self, holder: dict) -> bool:
        started = holder.get("started")
        if not isinstance(started, (int, float)):
            # Unreadable or half-written: stale once the file itself is old enough to not be in the making.
            try:
                return time.time() - self.path.stat().st_mtime > 10
            except OSError:
                return True
        if time.time() - started > MAX_AGE:
            return True
        pid = holder.get("pid")
        return holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)

    def _remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _busy(self, holder: dict) -> RunInProgress:
        started = holder.get("started")
        since = time.strftime("%H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "a moment ago"
        who = f"process {holder.get('pid', '?')} on {holder.get('host', 'this machine')}"
        return RunInProgress(
            f"Another run of the wizard for {self.vendor} in this tenant is under way ({who}, since {since}). "
            "Nothing was changed.",
            next_step="Wait until it has finished, then run the wizard again: it checks what the other run did. "
                      f"If no such run exists any more, delete {self.path}.",
            code="run_in_progress",
        )
