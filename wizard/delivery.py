"""Delivering a new client secret's value: checked before sign-in, shielded while in hand.

Microsoft shows a client secret's value once, in addPassword's answer. From that answer
until the value is delivered (written to `--secret-file` and fsynced, or printed), a lost
value means a live secret nobody holds. So:

- `check_secret_file(path, force)` refuses, before anything signs in or writes, an output
  that could not take the value: a missing folder, a folder, a symlink, an existing file
  (without `--force`), a folder that is not writable. Bad input, exit 2.
- `shielded()` holds SIGINT and SIGTERM back over that span (main thread only; elsewhere
  it does nothing): a signal that arrives is remembered, the span finishes, then the run
  stops as it would have (KeyboardInterrupt, exit 130). SIGKILL cannot be held back: for
  it the journal records the secret as "created, value not delivered" (`Setup.create_secret`)
  and the next run replaces it (`Setup.plan`, `Setup.remove_undelivered`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Iterator

from wizard.errors import InputError

FIELD = "--secret-file"


def check_secret_file(path: str | os.PathLike, force: bool = False) -> Path:
    """The output path for a new secret, if it can take one; else InputError (nothing done yet)."""
    target = Path(path).expanduser()
    try:
        return _check_secret_target(target, force)
    except OSError as exc:  # e.g. a name too long for the file system, a folder one may not read
        raise InputError(FIELD, f"{target} cannot be used: {exc.strerror or 'the system refused it'}",
                         example="--secret-file ./pexip-secret.txt") from None


def _check_secret_target(target: Path, force: bool) -> Path:
    if target.is_symlink():
        raise InputError(FIELD, f"{target} is a symbolic link; the secret is never written through one",
                         example="--secret-file ./pexip-secret.txt")
    if target.is_dir():
        raise InputError(FIELD, f"{target} is a folder; name a file in it", example=f"--secret-file {target / 'secret.txt'}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(FIELD, f"the folder {folder} does not exist", example="--secret-file ./pexip-secret.txt")
    if target.exists() and not force:
        raise InputError(FIELD, f"{target} exists already; the wizard does not overwrite it without --force "
                                "(it may hold the secret you use now)", example="--secret-file ./new-secret.txt")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(FIELD, f"the folder {folder} is not writable for you")
    return target


@contextlib.contextmanager
def shielded(cancel: threading.Event | None = None) -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM back for the span; re-raise as KeyboardInterrupt after it.

    Yields the list of signals that arrived (for tests and messages)."""
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return
    watched = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {}

    def remember(signum, frame) -> None:
        arrived.append(signum)

    for signum in watched:
        try:
            previous[signum] = signal.signal(signum, remember)
        except (ValueError, OSError):  # pragma: no cover - not the main interpreter
            pass
    try:
        yield arrived
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if arrived:
        if cancel is not None:
            cancel.set()
        raise KeyboardInterrupt
