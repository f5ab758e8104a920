"""Remembered sign-in (opt-in): MSAL's token cache kept in the OS keyring.

Off by default: the wizard normally forgets the admin's session when it exits.
With `--remember`, MSAL's `SerializableTokenCache`
(https://learn.microsoft.com/entra/msal/python/advanced/msal-python-token-cache-serialization)
is loaded from and saved to the system keyring (macOS Keychain, Windows
Credential Manager, Secret Service on Linux) through `keyring`. It is never
written to a plain file.

On a machine without a usable keyring (a headless SSH box, where `keyring`
falls back to `keyring.backends.fail.Keyring`), `open_cache` says so in one
plain sentence and the wizard carries on with an in-memory cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import msal

log = logging.getLogger("wizard.tokencache")

SERVICE = "m365-wizard-signin"


def cache_key(target: Any) -> str:
    """One cache per sign-in host and public client (never the token itself)."""
    host = str(target.authority_host).split("://", 1)[-1].rstrip("/")
    return f"{host}|{target.public_client_id}"


@dataclass
class CacheStore:
    """An MSAL token cache plus where it is kept; `save()` after each sign-in or refresh."""

    cache: msal.SerializableTokenCache
    key: str
    persistent: bool
    note: str = ""
    _backend: Any = field(default=None, repr=False)

    def save(self) -> bool:
        """Write the cache back to the keyring if it changed; False (and a note) on failure."""
        if not self.persistent or not self.cache.has_state_changed:
            return False
        try:
            self._backend.set_password(SERVICE, self.key, self.cache.serialize())
        except Exception as exc:  # keyring backends raise many types; the message never holds the token
            self.persistent = False
            self.note = (
                f"The sign-in could not be remembered: the system keyring refused it ({type(exc).__name__})."
                " The wizard continues; you will sign in again next time."
            )
            log.info("keyring save failed: %s", type(exc).__name__)
            return False
        self.cache.has_state_changed = False
        return True

    def forget(self) -> None:
        """Remove the remembered sign-in from the keyring."""
        if self._backend is None:
            return
        try:
            self._backend.delete_password(SERVICE, self.key)
        except Exception:  # nothing stored, or no backend
            pass


def usable_backend() -> tuple[Any | None, str]:
    """The keyring backend if one really works, else (None, plain reason)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # pragma: no cover - broken installation
        return None, f"no system keyring could be loaded ({type(exc).__name__})"
    chain = getattr(backend, "backends", None)
    if isinstance(backend, fail.Keyring) or (chain is not None and not chain):
        return None, "this machine has no system keyring (common on servers and SSH sessions)"
    if type(backend).__module__.startswith("keyring.backends.null"):
        return None, "the system keyring is switched off"
    return backend, ""


def open_cache(target: Any, backend: Any = None) -> CacheStore:
    """Load the remembered sign-in for `target`, or explain why it cannot be remembered."""
    cache = msal.SerializableTokenCache()
    key = cache_key(target)
    reason = ""
    if backend is None:
        backend, reason = usable_backend()
    if backend is None:
        return CacheStore(
            cache,
            key,
            persistent=False,
            note=f"The sign-in cannot be remembered: {reason}. The wizard continues without remembering it.",
        )
    try:
        blob = backend.get_password(SERVICE, key)
    except Exception as exc:
        return CacheStore(
            cache,
            key,
            persistent=False,
            note=f"The sign-in cannot be remembered: the system keyring is not available ({type(exc).__name__}).",
        )
    if blob:
        try:
            cache.deserialize(blob)
        except ValueError:
            log.info("ignoring an unreadable remembered sign-in")
    return CacheStore(cache, key, persistent=True, _backend=backend)
