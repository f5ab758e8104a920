"""Remembered sign-in (opt-in): MSAL's token cache in the OS's encrypted store, via msal-extensions.

Off by default: the wizard normally forgets the admin's session when it exits.
With `--remember`, the cache is a `msal_extensions.PersistedTokenCache` over the persistence
`build_encrypted_persistence` picks for the platform (https://github.com/AzureAD/microsoft-authentication-extensions-for-python,
https://learn.microsoft.com/entra/msal/python/advanced/msal-python-token-cache-serialization):
DPAPI-encrypted file on Windows, the Keychain on macOS, libsecret (Secret Service) on Linux.
It used to be one keyring entry, but Windows Credential Manager holds at most 2,560 bytes
(CRED_MAX_CREDENTIAL_BLOB_SIZE, https://learn.microsoft.com/windows/win32/api/wincred/ns-wincred-credentialw),
less than an MSAL cache with a refresh token and a few access tokens.

msal-extensions' documented fallback, when no encrypted store works (a headless SSH box without a
Secret Service): a plain file, only when the application opts in. The wizard opts in only when
`M365_WIZARD_REMEMBER_PLAINTEXT=1` is set (the file is created 0600); otherwise `open_cache` says
in one plain sentence why the sign-in cannot be remembered and carries on with an in-memory cache.
A store that fails later (a locked keychain) is explained the same way, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msal

log = logging.getLogger("wizard.tokencache")

SERVICE = "m365-wizard-signin"
PLAINTEXT_ENV = "M365_WIZARD_REMEMBER_PLAINTEXT"


def cache_key(target: Any) -> str:
    """One cache per sign-in host and public client (never the token itself)."""
    host = str(target.authority_host).split("://", 1)[-1].rstrip("/")
    return f"{host}|{target.public_client_id}"


def cache_dir() -> Path:
    """Where the cache file (Windows) or the signal file (macOS, Linux) lives."""
    import platformdirs

    return Path(platformdirs.user_data_dir("m365-wizard", appauthor=False)) / "signin"


def cache_location(key: str) -> Path:
    return cache_dir() / (hashlib.sha256(key.encode()).hexdigest()[:16] + ".bin")


class _Guarded:
    """A persistence whose failures are recorded, not raised into MSAL mid sign-in."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.is_encrypted = getattr(inner, "is_encrypted", False)
        self.failed: str = ""
        self.saves = 0

    def save(self, content: str) -> None:
        if self.failed:
            return
        try:
            self.inner.save(content)
            self.saves += 1
        except Exception as exc:  # the message never holds the token
            self.failed = type(exc).__name__
            log.info("token cache save failed: %s", self.failed)

    def load(self) -> str:
        return self.inner.load()

    def time_last_modified(self) -> float:
        if self.failed:
            return 0.0
        try:
            return self.inner.time_last_modified()
        except Exception as exc:
            from msal_extensions.persistence import PersistenceNotFound

            if isinstance(exc, PersistenceNotFound):
                raise
            self.failed = type(exc).__name__
            return 0.0

    def get_location(self) -> str:
        return self.inner.get_location()


def encrypted_persistence(location: Path) -> tuple[Any | None, str]:
    """The platform's encrypted persistence if it really works, else (None, plain reason).

    A trial load proves it (libsecret without a Secret Service, a locked Keychain, fail here)."""
    try:
        from msal_extensions import build_encrypted_persistence
        from msal_extensions.persistence import PersistenceNotFound
    except ImportError as exc:  # pragma: no cover - broken installation
        return None, f"msal-extensions could not be loaded ({type(exc).__name__})"
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        persistence = build_encrypted_persistence(str(location))
        try:
            persistence.load()
        except PersistenceNotFound:
            pass
    except Exception as exc:  # ImportError (no gi / libsecret), OSError, keychain errors, RuntimeError
        log.info("no encrypted store: %s", type(exc).__name__)  # the class name only in the debug log
        return None, ("this machine has no encrypted store for it (Windows DPAPI, macOS Keychain or a Linux "
                      "Secret Service; common on servers and SSH sessions)")
    return persistence, ""


def plaintext_persistence(location: Path) -> Any:
    """msal-extensions' documented fallback: a plain file, created 0600 (only when opted in)."""
    from msal_extensions import FilePersistence

    location.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(location, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(location, 0o600)
    return FilePersistence(str(location))


@dataclass
class CacheStore:
    """An MSAL token cache plus where it is kept; `save()` after each sign-in or refresh says
    whether it was kept (a PersistedTokenCache writes on every change by itself)."""

    cache: msal.SerializableTokenCache
    key: str
    persistent: bool
    note: str = ""
    _guard: Any = field(default=None, repr=False)

    def save(self) -> bool:
        """True when the cache is kept in the store; False (and a note) when the store refused it."""
        if not self.persistent or self._guard is None:
            return False
        if self._guard.failed:
            self.persistent = False
            self.note = ("The sign-in could not be remembered: the encrypted store refused it."
                         " The wizard continues; you will sign in again next time.")
            return False
        return self._guard.saves > 0

    def forget(self) -> None:
        """Remove the remembered sign-in (an empty cache replaces it)."""
        if self._guard is None:
            return
        self._guard.save(msal.SerializableTokenCache().serialize())


def open_cache(target: Any, persistence: Any = None) -> CacheStore:
    """Load the remembered sign-in for `target`, or explain why it cannot be remembered.

    `persistence`: an msal-extensions persistence to use instead of the platform's (tests)."""
    key = cache_key(target)
    note = ""
    if persistence is None:
        location = cache_location(key)
        persistence, reason = encrypted_persistence(location)
        if persistence is None and os.environ.get(PLAINTEXT_ENV) == "1":
            persistence = plaintext_persistence(location)
            note = (f"No encrypted store is available ({reason.split(' (', 1)[0]}); as {PLAINTEXT_ENV}=1 asks, "
                    f"the sign-in is kept in {location}, readable by you only.")
        elif persistence is None:
            return CacheStore(msal.SerializableTokenCache(), key, persistent=False,
                              note=f"The sign-in cannot be remembered: {reason}. The wizard continues without remembering it.")
    from msal_extensions import PersistedTokenCache

    guard = _Guarded(persistence)
    try:
        cache = PersistedTokenCache(guard)
        cache.search(msal.TokenCache.CredentialType.ACCOUNT)  # load now: an unreadable store is said here
    except Exception as exc:
        log.info("ignoring an unreadable remembered sign-in: %s", type(exc).__name__)
        return CacheStore(msal.SerializableTokenCache(), key, persistent=False,
                          note="The remembered sign-in could not be read; sign in again.")
    return CacheStore(cache, key, persistent=True, note=note, _guard=guard)
