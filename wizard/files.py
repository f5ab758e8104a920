"""Private files: written atomically, readable only by their owner (mode 0600) from the start.

A file that may hold a client secret must never exist, not even for a moment, with wider
permissions, and a reader must never see half of it. So `write_private`:

1. creates a new temporary file in the *same directory* with
   `os.open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0o600)` — the mode is set by the very call that
   creates the file, and O_EXCL refuses to reuse (or follow a symlink planted at) that name;
2. writes everything and `fsync`s it, so a crash cannot leave an empty file behind;
3. `os.replace`s it over the target — atomic on POSIX and Windows within one directory;
4. `fsync`s the directory (POSIX), so the rename itself survives a crash.

The process umask can only remove permission bits, never add them, so 0o600 stays 0600 or
narrower. On Windows the mode bits mean little; the file still lands atomically.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_MODE = 0o600


def write_private(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write `data` to `path` atomically with mode 0600; return the final path.

    `str` data is encoded as UTF-8. The parent directory must exist. An existing file at
    `path` is replaced (its old permissions do not carry over: the new file is 0600).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    directory = target.parent if str(target.parent) else Path(".")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    while True:
        tmp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, flags, PRIVATE_MODE)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits colliding
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)
    return target


PRIVATE_DIR_MODE = 0o700


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Make `path` and every missing parent with mode 0700, whatever the umask; return it.

    `Path.mkdir(parents=True, mode=…)` gives the mode to the last folder only (the parents get
    0777 minus the umask: 0777 under umask 000), so each missing level is made here, and each
    folder made is chmod-ed to 0700 (the umask could only have narrowed it). Folders that already
    existed keep their mode: they are not ours."""
    target = Path(path)
    missing = []
    probe = target
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        if os.name == "posix":
            os.chmod(folder, PRIVATE_DIR_MODE)
    return target


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX only; Windows cannot open a directory this way)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
