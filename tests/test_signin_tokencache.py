"""Opt-in remembered sign-in: MSAL's cache in the keyring, or a plain note when there is none."""

from __future__ import annotations

import keyring.backends.fail
from test_signin import make

from wizard.signin import SignIn
from wizard.tokencache import SERVICE, cache_key, open_cache


class MemoryKeyring:
    def __init__(self, fail_on_set=False):
        self.items: dict[tuple[str, str], str] = {}
        self.fail_on_set = fail_on_set

    def get_password(self, service, key):
        return self.items.get((service, key))

    def set_password(self, service, key, value):
        if self.fail_on_set:
            raise RuntimeError("the value is too large for this credential store")
        self.items[(service, key)] = value

    def delete_password(self, service, key):
        self.items.pop((service, key), None)


def test_no_keyring_backend_means_a_clear_note_and_an_in_memory_cache(monkeypatch):
    import wizard.tokencache as tc

    monkeypatch.setattr(tc, "usable_backend", lambda: (None, "this machine has no system keyring"))
    signin, _, _ = make([])
    store = open_cache(signin.target)
    assert not store.persistent
    assert "cannot be remembered" in store.note and "no system keyring" in store.note
    assert store.save() is False


def test_fail_keyring_is_detected():
    import keyring
    import wizard.tokencache as tc

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        backend, reason = tc.usable_backend()
    finally:
        keyring.set_keyring(previous)
    assert backend is None and "no system keyring" in reason


def test_remembered_sign_in_is_reused_without_a_device_code():
    ring = MemoryKeyring()
    signin, fake, clock = make(["ok"])
    store = open_cache(signin.target, backend=ring)
    assert store.persistent and store.note == ""
    first = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    first.start()
    first.wait()
    assert store.save() is True
    blob = ring.items[(SERVICE, cache_key(signin.target))]
    assert "refresh_token" in blob.lower() or "RefreshToken" in blob

    again = open_cache(signin.target, backend=ring)
    second = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=again.cache)
    posts_before = fake.device_posts
    who = second.try_silent()
    assert who is not None and who.username == "admin@contoso.onmicrosoft.com"
    assert fake.device_posts == posts_before  # no new device code
    assert second.access_token() == "first-access-token"


def test_nothing_remembered_means_try_silent_is_none():
    ring = MemoryKeyring()
    signin, _, clock = make([])
    store = open_cache(signin.target, backend=ring)
    assert SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache).try_silent() is None


def test_keyring_refusing_to_store_is_explained_not_fatal():
    ring = MemoryKeyring(fail_on_set=True)
    signin, _, clock = make(["ok"])
    store = open_cache(signin.target, backend=ring)
    s = SignIn(signin.target, signin.http, clock, signin.scopes, token_cache=store.cache)
    s.start()
    s.wait()
    assert store.save() is False
    assert "could not be remembered" in store.note
    assert "first-access-token" not in store.note


def test_forget_removes_it():
    ring = MemoryKeyring()
    signin, _, _ = make([])
    store = open_cache(signin.target, backend=ring)
    ring.items[(SERVICE, store.key)] = "{}"
    store.forget()
    assert ring.items == {}


def test_cache_key_names_host_and_client_not_tenant_secrets():
    signin, _, _ = make([])
    assert cache_key(signin.target) == "login.fake.test|14d82eec-204b-4c2f-b7e8-296a70dab67e"
