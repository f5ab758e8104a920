"""The auth-code sign-in with PKCE (paste-back and browser) through MSAL against the simulated tenant.

Where a Conditional Access policy blocks the device-code flow (scenario `device_code_blocked`),
the same public client signs in with the authorization-code flow
(https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
"""

from __future__ import annotations

import html
import re
import threading
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import ADMIN, ADMIN_SCOPES, APP_ADMIN, make_sim
from wizard.errors import EXIT_SIGNIN, PastedAddressError, SignInError
from wizard.signin import SignIn
from wizard.signin_authcode import browser_available, parse_pasted
from wizard.target import demo_target


@pytest.fixture
def blocked(clock):
    return make_sim(clock, scenario="device_code_blocked")


@pytest.fixture
def signin(blocked, clock):
    http = httpx.Client(transport=blocked.transport())
    yield SignIn(demo_target(blocked), http, clock, ADMIN_SCOPES)
    http.close()


def test_device_code_refused_by_policy_is_flow_blocked(signin, blocked):
    code = signin.start()
    blocked.approve_device_code(code.user_code)
    with pytest.raises(SignInError) as caught:
        signin.wait()
    error = caught.value
    assert error.code == "AADSTS53003" and error.flow_blocked
    assert "--auth paste" in error.next_step and "press p" in error.next_step


@pytest.mark.parametrize("fault,code", [("device_auth_required", "AADSTS50097"),
                                        ("device_policy_error", "AADSTS50005")])
def test_device_platform_refusals_are_flow_blocked(clock, fault, code):
    from wizard.simtenant import FaultPlan

    sim = make_sim(clock, faults=FaultPlan(**{fault: True}))
    with httpx.Client(transport=sim.transport()) as http:
        signin = SignIn(demo_target(sim), http, clock, ADMIN_SCOPES)
        sim.approve_device_code(signin.start().user_code)
        with pytest.raises(SignInError) as caught:
            signin.wait()
    assert caught.value.code == code and caught.value.flow_blocked


def test_a_declined_device_code_is_not_flow_blocked(clock):
    sim = make_sim(clock)
    with httpx.Client(transport=sim.transport()) as http:
        signin = SignIn(demo_target(sim), http, clock, ADMIN_SCOPES)
        sim.decline_device_code(signin.start().user_code)
        with pytest.raises(SignInError) as caught:
            signin.wait()
    assert not caught.value.flow_blocked


def test_paste_back_signs_in_with_roles_where_device_code_is_blocked(signin, blocked):
    link = signin.start_paste(port=53682)
    assert link.redirect_uri == "http://localhost:53682"
    query = parse_qs(urlsplit(link.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == ["http://localhost:53682"]
    address = blocked.authorize_redirect(link.url, as_user=APP_ADMIN)
    assert address.startswith("http://localhost:53682/?code=")
    who = signin.finish_paste(address)
    assert who.username == APP_ADMIN and "Application Administrator" in who.roles and who.roles_known
    assert who.tenant_id == blocked.tenant_id
    assert signin.graph.get("/me")["userPrincipalName"] == APP_ADMIN  # the token works for Graph


def test_paste_back_tolerates_a_wrapped_paste_and_only_the_query(signin, blocked):
    link = signin.start_paste(port=50001)
    address = blocked.authorize_redirect(link.url)
    half = len(address) // 2
    who = signin.finish_paste("  " + address[:half] + "\n" + address[half:] + "  ")
    assert who.username == ADMIN
    link = signin.start_paste(port=50002)
    address = blocked.authorize_redirect(link.url)
    assert signin.finish_paste(address.split("?", 1)[1]).username == ADMIN


def test_wrong_state_names_the_field_and_keeps_the_link(signin, blocked):
    first = signin.start_paste(port=50003)
    stale = blocked.authorize_redirect(first.url)
    second = signin.start_paste(port=50003)
    with pytest.raises(PastedAddressError) as caught:
        signin.finish_paste(stale)
    error = caught.value
    assert error.field == "sign-in address" and "state" in error.message and error.exit_code == EXIT_SIGNIN
    # Nothing is lost: the link shown now still works.
    assert signin.finish_paste(blocked.authorize_redirect(second.url)).username == ADMIN


@pytest.mark.parametrize("pasted,words", [
    ("", "is empty"),
    ("hello there", "is not a web address"),
    ("http://localhost:50004/?state=S", "no 'code=…'"),
    ("http://localhost:50004/?code=abc", "no 'state=…'"),
    ("http://localhost:40000/?code=abc&state=S", "expected an address starting with http://localhost:50004/"),
    ("https://login.simtenant.test/organizations/oauth2/v2.0/authorize?client_id=x", "sign-in link itself"),
])
def test_bad_pastes_say_what_is_wrong(pasted, words):
    with pytest.raises(PastedAddressError) as caught:
        parse_pasted(pasted, "S", "http://localhost:50004")
    assert caught.value.message.startswith("sign-in address: ") and words in caught.value.message


def test_an_error_in_the_pasted_address_is_said_in_plain_words(signin, blocked):
    link = signin.start_paste(port=50005)
    declined = blocked.authorize_redirect(link.url, decline=True)
    assert "error=access_denied" in declined
    with pytest.raises(SignInError) as caught:
        signin.finish_paste(declined)
    assert not isinstance(caught.value, PastedAddressError)
    assert caught.value.code == "AADSTS65004" and "declined" in caught.value.message


def test_an_expired_code_is_microsofts_70008_in_plain_words(signin, blocked, clock):
    link = signin.start_paste(port=50006)
    address = blocked.authorize_redirect(link.url)
    clock.advance(601)
    with pytest.raises(SignInError) as caught:
        signin.finish_paste(address)
    assert caught.value.code == "AADSTS70008" and "expired" in caught.value.message


def test_a_tenant_that_blocks_every_sign_in_stops_at_the_sign_in_page(clock):
    sim = make_sim(clock, scenario="conditional_access")
    with httpx.Client(transport=sim.transport()) as http:
        signin = SignIn(demo_target(sim), http, clock, ADMIN_SCOPES)
        link = signin.start_paste(port=50007)
        with pytest.raises(ValueError, match="AADSTS53003"):
            sim.authorize_redirect(link.url)


def test_browser_sign_in_through_msals_loopback_listener(signin, blocked, monkeypatch):
    """acquire_token_interactive: MSAL opens "the browser" (here: a fake that asks the simulated
    tenant's /authorize and posts its form_post answer to MSAL's listener on localhost)."""
    import webbrowser

    opened = []

    def fake_open(url, *args, **kwargs):
        opened.append(url)

        def browse():
            with httpx.Client(transport=blocked.transport()) as sim_http:
                page = sim_http.get(url)
            assert page.status_code == 200 and 'method="POST"' in page.text
            action = page.text.split('action="', 1)[1].split('"', 1)[0]
            fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
            httpx.post(html.unescape(action), data=fields)

        threading.Thread(target=browse, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    blocked.auto_approve_after = 0  # the demo tenant's page signs the admin in at once
    who = signin.sign_in_browser(timeout=20)
    assert who.username == ADMIN and "Global Administrator" in who.roles
    assert "response_mode=form_post" in opened[0] and "redirect_uri=http%3A%2F%2Flocalhost%3A" in opened[0]


def test_browser_available_says_why_not():
    ok, why = browser_available(env={"SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22"}, platform="linux")
    assert not ok and "SSH session" in why and "paste-back" in why
    ok, why = browser_available(env={}, platform="linux")
    assert not ok and "no graphical desktop" in why
    ok, why = browser_available(env={"SSH_TTY": "/dev/pts/1"}, platform="darwin")
    assert not ok and "SSH" in why


def test_browser_available_with_a_desktop(monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "get", lambda *a: object())
    assert browser_available(env={"DISPLAY": ":0"}, platform="linux") == (True, "")

    def none(*a):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none)
    ok, why = browser_available(env={"DISPLAY": ":0"}, platform="linux")
    assert not ok and "No web browser is installed" in why
