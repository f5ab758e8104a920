"""The simulated tenant's /authorize and authorization_code redemption, against Microsoft's documented errors.

https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
(AADSTS501481 verifier mismatch, 54005 code already redeemed, 70008 expired grant; 50011 redirect
URI not registered; 500112 reply address differs from the one of the authorize request)
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from conftest import make_sim
from wizard.simtenant import SimTenant, catalog
from wizard.simtenant.authcodes import s256

VERIFIER = "a" * 43 + "Verifier-with.allowed_chars~"
REDIRECT = "http://localhost:50123"


def authorize_url(sim, redirect=REDIRECT, **extra) -> str:
    params = {"client_id": catalog.GRAPH_CLI_CLIENT_ID, "response_type": "code", "redirect_uri": redirect,
              "scope": "https://graph.microsoft.com/User.Read openid profile offline_access", "state": "st-1",
              "code_challenge": s256(VERIFIER), "code_challenge_method": "S256", "nonce": "n-1"}
    params.update(extra)
    return f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/authorize?{urlencode(params)}"


def redeem(http, sim, code, verifier=VERIFIER, redirect=REDIRECT):
    return http.post(f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "authorization_code", "client_id": catalog.GRAPH_CLI_CLIENT_ID, "code": code,
        "redirect_uri": redirect, "code_verifier": verifier,
        "scope": "https://graph.microsoft.com/User.Read openid profile offline_access"})


def aadsts(response) -> int:
    return response.json()["error_codes"][0]


@pytest.fixture
def demo(clock):
    return SimTenant(scenario="device_code_blocked", clock=clock, auto_approve_after=0)


@pytest.fixture
def http(demo):
    with httpx.Client(transport=demo.transport()) as client:
        yield client


def code_from(response) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "/?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def test_demo_authorize_redirects_with_code_and_state_and_the_code_redeems_once(demo, http):
    code = code_from(http.get(authorize_url(demo)))
    first = redeem(http, demo, code)
    assert first.status_code == 200 and first.json()["access_token"] and first.json()["refresh_token"]
    again = redeem(http, demo, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant" and aadsts(again) == 54005


def test_wrong_or_missing_verifier_is_501481(demo, http):
    code = code_from(http.get(authorize_url(demo)))
    for verifier in ("b" * 43, ""):
        answer = redeem(http, demo, code, verifier=verifier)
        assert answer.status_code == 400 and aadsts(answer) == 501481
    assert redeem(http, demo, code).status_code == 200  # a failed check does not use the code up


def test_expired_code_is_70008(demo, http, clock):
    code = code_from(http.get(authorize_url(demo)))
    clock.advance(601)
    answer = redeem(http, demo, code)
    assert answer.status_code == 400 and aadsts(answer) == 70008


def test_other_redirect_uri_at_redemption_is_500112(demo, http):
    code = code_from(http.get(authorize_url(demo)))
    answer = redeem(http, demo, code, redirect="http://localhost:50999")
    assert answer.status_code == 400 and aadsts(answer) == 500112


def test_unknown_code_is_70000(demo, http):
    answer = redeem(http, demo, "not-a-code")
    assert answer.status_code == 400 and aadsts(answer) == 70000


def test_localhost_port_is_ignored_but_other_redirects_are_refused_on_the_page(demo, http):
    assert code_from(http.get(authorize_url(demo)))  # any port of http://localhost
    page = http.get(authorize_url(demo, redirect="https://evil.example/cb"))
    assert page.status_code == 400 and "Location" not in page.headers and "AADSTS50011" in page.text
    page = http.get(authorize_url(demo, client_id="00000000-0000-0000-0000-000000000001"))
    assert page.status_code == 400 and "AADSTS700016" in page.text


def test_form_post_answers_with_a_self_submitting_form(demo, http):
    page = http.get(authorize_url(demo, response_mode="form_post"))
    assert page.status_code == 200 and f'action="{REDIRECT}"' in page.text and 'name="state" value="st-1"' in page.text


def test_without_auto_approval_the_page_asks_and_a_decline_redirects_access_denied(clock):
    sim = make_sim(clock)
    with httpx.Client(transport=sim.transport()) as http:
        page = http.get(authorize_url(sim))
        assert page.status_code == 200 and "Sign in as" in page.text and "Location" not in page.headers
    declined = sim.authorize_redirect(authorize_url(sim), decline=True)
    query = parse_qs(urlsplit(declined).query)
    assert query["error"] == ["access_denied"] and "AADSTS65004" in query["error_description"][0]
    assert query["state"] == ["st-1"]


def test_device_code_blocked_scenario_blocks_only_the_device_code(demo, http):
    started = http.post(f"{demo.authority_host}/{demo.tenant_id}/oauth2/v2.0/devicecode",
                        data={"client_id": catalog.GRAPH_CLI_CLIENT_ID, "scope": "User.Read openid"}).json()
    demo.approve_device_code(started["user_code"])
    answer = http.post(f"{demo.authority_host}/{demo.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": catalog.GRAPH_CLI_CLIENT_ID,
        "device_code": started["device_code"]})
    assert answer.status_code == 400 and aadsts(answer) == 53003
    assert redeem(http, demo, code_from(http.get(authorize_url(demo)))).status_code == 200


def test_id_token_echoes_the_nonce(demo, http):
    import jwt

    token = redeem(http, demo, code_from(http.get(authorize_url(demo)))).json()["id_token"]
    assert jwt.decode(token, options={"verify_signature": False})["nonce"] == "n-1"
