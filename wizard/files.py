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

from wizard.errors import EXIT_BAD_INPUT, WizardError

PRIVATE_MODE = 0o600


class SaveFailed(WizardError):
    """A file the user asked for could not be written; the message names the path and why."""

    exit_code = EXIT_BAD_INPUT


class FileExists(SaveFailed):
    """The path names a file that is there already: it is replaced only when the user says so."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} exists already; nothing was written",
                         next_step="choose another file name, or confirm that it may be replaced")


def save_private(path: str | os.PathLike[str], data: str | bytes, *, overwrite: bool = False) -> Path:
    """A file the user asked for: the folder is made (0700) if missing, the file written atomically
    with mode 0600, an existing file kept unless `overwrite` (`FileExists`). Any other failure is a
    `SaveFailed` naming the path in plain words ("Permission denied", "is a folder")."""
    target = Path(path).expanduser()
    try:
        if target.is_dir():
            raise SaveFailed(f"{target} is a folder", next_step="add a file name, e.g. "
                             f"{target / 'settings.txt'}")
        if not overwrite and (target.exists() or target.is_symlink()):
            raise FileExists(target)
        private_dir(target.parent)
        return write_private(target, data, replace=overwrite)
    except FileExistsError:  # made by someone else between the check and the write
        raise FileExists(target) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SaveFailed(f"cannot write {target}: {reason}",
                         next_step="choose a folder you can write to (e.g. your home folder)") from None


def write_private(path: str | os.PathLike[str], data: str | bytes, *, replace: bool = True) -> Path:
    """Write `data` to `path` atomically with mode 0600; return the final path.

    `str` data is encoded as UTF-8. The parent directory must exist. An existing file at
    `path` is replaced (its old permissions do not carry over: the new file is 0600), unless
    `replace=False`: then the finished file is hard-linked into place, which fails with
    `FileExistsError` if anything is at `path` (no check-then-write race).
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
        if replace:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)
    return target


def _link_new(tmp: Path, target: Path) -> None:
    """Put `tmp` at `target` only if nothing is there (`FileExistsError` otherwise)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists() or target.is_symlink():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


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
