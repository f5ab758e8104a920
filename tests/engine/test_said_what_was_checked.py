"""Say what was not checked, and Microsoft's codes in plain words where they arise (issue 14, items 10-11).

Against the simulated tenant: a client-credentials token test for a delegated-only vendor
(`test`, `rotate`, manual mode) says the delegated admin consent was not verified; the
mailbox check says "has the mail attribute" unless an Exchange plan is assigned (the demo's
calendar-sync@ is a shared mailbox: mail, no licence); AADSTS50076 at a silent refresh and
65001 for the sign-in client's own scopes get the words that fit.
"""

from __future__ import annotations

import pytest

from conftest import PLAIN_USER, run_vendor, sign_in
from wizard import explain, manual, rotation, tokentest
from wizard.errors import SignInError
from wizard.profiles import get_profile
from wizard.setup import Setup


def test_manual_token_test_for_a_delegated_vendor_says_consent_was_not_verified(sim, graph, who, target, clock,
                                                                                 http, tmp_path):
    setup, applied, secret = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock,
                                        tmp_path)
    pasted = manual.validate_pasted(applied.tenant_id, applied.client_id, secret.value, get_profile("pexip"))
    report = manual.run_token_test(target, http, clock, get_profile("pexip"), pasted, keep_waiting=True)
    assert report.ok
    [line] = report.not_checked
    assert "delegated admin consent (User.Read" in line and "was not verified" in line
    assert "m365-wizard verify --vendor pexip" in line


def test_app_only_vendor_has_nothing_unchecked(sim, graph, who, target, clock, http, tmp_path):
    setup, applied, secret = run_vendor("innovaphone", {"mailbox": "calendar-sync@contoso.onmicrosoft.com",
                                                        "autodiscover": "standard"}, graph, who, target, clock, tmp_path)
    pasted = manual.validate_pasted(applied.tenant_id, applied.client_id, secret.value, get_profile("innovaphone"))
    report = manual.run_token_test(target, http, clock, get_profile("innovaphone"), pasted, keep_waiting=True,
                                   mailbox="calendar-sync@contoso.onmicrosoft.com")
    assert report.ok and report.not_checked == []  # the roles claim proved the consent; EWS answered


def test_rotate_for_a_delegated_vendor_says_consent_was_not_verified(sim, graph, who, target, clock, tmp_path):
    from wizard import inventory

    _, applied, _ = run_vendor("pexip", {"addin_fqdn": "px01.example.com"}, graph, who, target, clock, tmp_path)
    app = inventory.find_app(graph, applied.client_id, clock.now())
    rot = rotation.rotate(graph, app, target=target, tenant_id=sim.tenant_id, clock=clock,
                          profile=get_profile("pexip"))
    assert rot.ok and "was not verified" in rot.report.not_checked[0]


@pytest.mark.parametrize(("mailbox", "words"), [
    ("calendar-sync@contoso.onmicrosoft.com", "is a user that has the mail attribute (a mailbox was not confirmed"),
    ("admin@contoso.onmicrosoft.com", "is a user with an Exchange Online mailbox (an Exchange plan is assigned)"),
])
def test_the_mailbox_check_says_what_it_really_confirmed(sim, graph, who, target, clock, tmp_path, mailbox, words):
    profile = get_profile("innovaphone")
    setup = Setup(profile, profile.validate({"mailbox": mailbox, "autodiscover": "standard"}), graph, who, target,
                  clock=clock, state_dir=tmp_path)
    notes = setup.plan().notes
    assert any(n.startswith(mailbox + " " + words.split(" ", 1)[1]) or words in n for n in notes), notes
    assert not any("is a user with a mailbox" in n for n in notes)


# ---------------------------------------------------------------- the error catalogue


@pytest.mark.parametrize("code", ["50105", "7000112", "90094", "90095", "500011", "50126"])
def test_new_codes_have_plain_words_and_a_next_step(code):
    plain, next_step = explain.explain_aadsts(code)
    assert plain and next_step and "Microsoft sign-in refused the request" not in plain


def test_50076_at_a_silent_refresh_says_sign_in_again(sim, target, http, clock):
    signin, who = sign_in(sim, target, http, clock)
    sim.faults.refresh_mfa_required = True
    with pytest.raises(SignInError) as info:
        signin.access_token(force_refresh=True)
    assert info.value.code == "AADSTS50076"
    assert "before it renews your sign-in" in info.value.message and "Sign in again" in info.value.next_step


def test_65001_for_the_sign_in_clients_own_scopes(sim, target, http, clock, graph):
    """A tenant's own public client (--client-id) nobody consented to: a user without an admin
    role cannot consent to Application.ReadWrite.All for it."""
    from dataclasses import replace

    from wizard.signin import SignIn

    app = graph.post("/applications", json={"displayName": "Own CLI", "isFallbackPublicClient": True})
    for _ in range(3):  # the demo: a new app misses a read
        try:
            graph.get(f"/applications/{app['id']}")
        except Exception:  # noqa: BLE001
            pass
    own = replace(target, public_client_id=app["appId"])
    signin = SignIn(own, http, clock, ["Application.ReadWrite.All", "User.Read"])
    code = signin.start()
    sim.approve_device_code(code.user_code, as_user=PLAIN_USER)
    with pytest.raises(SignInError) as info:
        signin.wait()
    assert info.value.code == "AADSTS65001"
    assert "sign-in app's own permissions" in info.value.message
    assert "Consent on behalf of your organization" in info.value.next_step
