"""Opt-in remembered sign-in: MSAL's cache in msal-extensions' encrypted persistence, or a plain note.

Hermetic: every store lives in pytest's tmp_path (a FilePersistence stands in for the OS store)."""

from __future__ import annotations

import os
import stat

import pytest
from msal_extensions import FilePersistence
from test_signin import make

from wizard.signin import SignIn
import wizard.tokencache as tc
from wizard.tokencache import cache_key, open_cache


class BrokenPersistence(FilePersistence):
    """A store that refuses writes (a locked keychain, a full disk)."""

    is_encrypted = True

    def save(self, content):
        raise OSError("the store refused the write")


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(tc, "cache_dir", lambda: tmp_path / "signin")
    monkeypatch.delenv(tc.PLAINTEXT_ENV, raising=False)


def test_no_encrypted_store_means_a_clear_note_and_an_in_memory_cache(monkeypatch):
    monkeypatch.setattr(tc, "encrypted_persistence", lambda location: (None, "this machine has no encrypted store"))
    signin, _, _ = make([])
    store = open_cache(signin.target)
    assert not store.persistent
    assert "cannot be remembered" in store.note and "no encrypted store" in store.note
    assert store.save() is False


def test_the_platform_store_is_msal_extensions_own_choice(tmp_path):
    """build_encrypted_persistence picks DPAPI / Keychain / libsecret; where none works (this Linux
    box has no Secret Service) the reason is plain, and nothing is written in plain text."""
    persistence, reason = tc.encrypted_persistence(tmp_path / "signin" / "x.bin")
    if persistence is None:
        assert "no encrypted store" in reason
        assert "Error" not in reason and "Exception" not in reason  # no class name (NoKeyringError) shown
        assert not (tmp_path / "signin" / "x.bin").exists()
    else:  # pragma: no cover - a desktop with a keyring
        assert persistence.is_encrypted


def test_the_documented_plaintext_fallback_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(tc, "encrypted_persistence", lambda location: (None, "no encrypted store (ImportError)"))
    monkeypatch.setenv(tc.PLAINTEXT_ENV, "1")
    signin, _, clock = make(["ok"])
    store = open_cache(signin.target)
    assert store.persistent and "readable by you only" in store.note
    s = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    s.start()
    s.wait()
    assert store.save() is True
    [path] = list((tmp_path / "signin").glob("*.bin"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_remembered_sign_in_is_reused_without_a_device_code(tmp_path):
    path = tmp_path / "store.bin"
    signin, fake, clock = make(["ok"])
    store = open_cache(signin.target, persistence=FilePersistence(str(path)))
    assert store.persistent and store.note == ""
    first = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    first.start()
    first.wait()
    assert store.save() is True
    blob = path.read_text()
    assert "refresh_token" in blob.lower() or "RefreshToken" in blob
    assert len(blob) > 2560  # more than Windows Credential Manager's 2,560-byte limit would hold

    again = open_cache(signin.target, persistence=FilePersistence(str(path)))
    second = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=again.cache)
    posts_before = fake.device_posts
    who = second.try_silent()
    assert who is not None and who.username == "admin@contoso.onmicrosoft.com"
    assert fake.device_posts == posts_before  # no new device code
    assert second.access_token() == "first-access-token"


def test_nothing_remembered_means_try_silent_is_none(tmp_path):
    signin, _, clock = make([])
    store = open_cache(signin.target, persistence=FilePersistence(str(tmp_path / "s.bin")))
    assert SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache).try_silent() is None


def test_a_store_refusing_to_save_is_explained_not_fatal(tmp_path):
    signin, _, clock = make(["ok"])
    store = open_cache(signin.target, persistence=BrokenPersistence(str(tmp_path / "s.bin")))
    s = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    s.start()
    who = s.wait()  # the sign-in itself goes on
    assert who.username == "admin@contoso.onmicrosoft.com"
    assert store.save() is False
    assert "could not be remembered" in store.note
    assert "first-access-token" not in store.note


def test_forget_empties_it(tmp_path):
    path = tmp_path / "s.bin"
    signin, _, clock = make(["ok"])
    store = open_cache(signin.target, persistence=FilePersistence(str(path)))
    s = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    s.start()
    s.wait()
    store.forget()
    assert "refresh" not in path.read_text().lower()


def test_cache_key_names_host_and_client_not_tenant_secrets():
    signin, _, _ = make([])
    assert cache_key(signin.target) == "login.fake.test|14d82eec-204b-4c2f-b7e8-296a70dab67e"
