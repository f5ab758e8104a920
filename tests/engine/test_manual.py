"""Guided manual mode: the checklist, the pasted values, the token test and the snippet."""

from __future__ import annotations

import pytest

from conftest import make_sim, run_vendor, sign_in
from wizard import manual
from wizard.errors import InputError, SignInError
from wizard.profiles import get_profile, load_profiles
from wizard.target import demo_target

RAW = {
    "flexo": {"redirect_uri": ["https://flexo.example.com/oauth/office365", "https://flexo2.example.com/o"]},
    "syncsign": {"sops_domain": "sops.example.com", "tenancy": "multi"},
    "innovaphone": {"mailbox": "calendar-sync@contoso.onmicrosoft.com"},
    "pexip": {"addin_fqdn": "px01.example.com"},
    "loopmeeting": {"service_account": "loop@contoso.onmicrosoft.com"},
}
TENANT = "11111111-2222-4333-8444-555555555555"
CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
GOOD_SECRET = "abc8Q~" + "x" * 34


def checklist(vendor, **kwargs):
    profile = get_profile(vendor)
    return profile, manual.manual_checklist(profile, profile.validate(RAW[vendor]), **kwargs)


def values(item):
    return dict(item.values)


# --------------------------------------------------------------------------- checklist


def test_pexip_checklist_has_every_value_the_portal_asks_for():
    profile, cl = checklist("pexip", tenant="contoso.onmicrosoft.com")
    titles = [i.title for i in cl.items]
    assert titles[0] == "Sign in to the Microsoft Entra admin center"
    register = values(cl.items[1])
    assert register["Name"] == "Pexip Scheduling Personal VMRs"
    assert register["Supported account types"].startswith("Accounts in this organizational directory only")
    assert register["Redirect URI"] == "https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"
    assert register["Redirect URI: platform"] == "Web"
    auth = values(next(i for i in cl.items if i.title.startswith("Set redirect URIs")))
    assert auth["ID tokens (used for implicit and hybrid flows)"] == "not checked"
    perms = next(i for i in cl.items if i.title == "Add the API permissions")
    assert perms.values == [("Microsoft Graph, Delegated", "User.Read")]
    assert any(i.title == "Grant admin consent" for i in cl.items)
    secret = values(next(i for i in cl.items if i.title == "Create a client secret"))
    assert secret["Expires"] == "730 days (24 months)"
    assert "not the Secret ID" in secret["Copy"]
    assert "Tenant" in values(cl.items[0])


def test_syncsign_multitenant_and_both_implicit_boxes():
    _, cl = checklist("syncsign")
    assert values(cl.items[1])["Supported account types"].startswith("Accounts in any organizational directory")
    auth = values(cl.items[2])
    assert auth["Access tokens (used for implicit flows)"] == "checked"
    assert auth["ID tokens (used for implicit and hybrid flows)"] == "checked"
    perms = [v for _, v in next(i for i in cl.items if i.title == "Add the API permissions").values]
    assert perms == ["offline_access", "User.Read", "Calendars.Read", "Calendars.Read.Shared",
                     "Calendars.ReadWrite", "Calendars.ReadWrite.Shared"]


def test_flexo_lists_every_redirect_uri_under_authentication():
    _, cl = checklist("flexo")
    auth = [v for k, v in cl.items[2].values if k == "Web redirect URI"]
    assert auth == ["https://flexo.example.com/oauth/office365", "https://flexo2.example.com/o"]


def test_innovaphone_uses_exchange_application_permission_and_strong_role():
    _, cl = checklist("innovaphone")
    assert "Global Administrator" in values(cl.items[0])["Role needed"]
    perms = next(i for i in cl.items if i.title == "Add the API permissions")
    assert perms.values == [("Office 365 Exchange Online, Application", "full_access_as_app")]
    assert "APIs my organization uses" in perms.help
    assert values(next(i for i in cl.items if i.title == "Create a client secret"))["Expires"] == "365 days (12 months)"
    assert values(cl.items[1])["Redirect URI"] == "leave empty"


def test_odd_secret_lifetime_is_custom():
    profile = get_profile("pexip")
    answers = profile.validate({**RAW["pexip"], "secret_months": "9"})
    cl = manual.manual_checklist(profile, answers)
    assert values(next(i for i in cl.items if i.title == "Create a client secret"))["Expires"].startswith("Custom: 9 months")


def test_links_open_the_blades_of_the_app_once_its_id_is_known():
    _, without = checklist("pexip")
    assert without.items[1].link.endswith("/CreateApplicationBlade/quickStartType~/null/isMSAApp~/false")
    assert without.items[2].link.endswith("#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade")
    assert "open 'Pexip Scheduling Personal VMRs'" in without.items[2].help
    _, cl = checklist("pexip", client_id=CLIENT)
    links = {i.title: i.link for i in cl.items}
    base = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/"
    assert links["Set redirect URIs and implicit grant (Authentication)"] == f"{base}Authentication/appId/{CLIENT}/isMSAApp~/false"
    assert links["Add the API permissions"] == f"{base}CallAnAPI/appId/{CLIENT}/isMSAApp~/false"
    assert links["Create a client secret"] == f"{base}Credentials/appId/{CLIENT}/isMSAApp~/false"
    assert cl.items[1].title == "Open the existing app registration"


def test_loopmeeting_checklist_assigns_service_accounts_and_has_no_secret():
    _, cl = checklist("loopmeeting")
    text = cl.as_text()
    assert "loop@contoso.onmicrosoft.com" in text
    assert "StartboardApplicationsMenuBlade" in text
    assert "secret Value" not in text


@pytest.mark.parametrize("vendor", sorted(load_profiles()))
def test_text_and_markdown_have_every_item_and_no_secret(vendor):
    _, cl = checklist(vendor, tenant="contoso.onmicrosoft.com", client_id=CLIENT)
    text, md = cl.as_text(width=None), cl.as_markdown()  # unwrapped: a long title is one line
    for number, item in enumerate(cl.items, start=1):
        assert f"[ ] {number}. {item.title}" in text
        assert f"- [ ] **{number}." in md
        for label, value in item.values:
            assert value in text and f"`{value}`" in md
    assert md.startswith("# Microsoft Entra admin center checklist")


# --------------------------------------------------------------------------- pasted values


def test_valid_pasted_values_are_normalised():
    pasted = manual.validate_pasted(" {" + TENANT.upper() + "} ", CLIENT, f"  {GOOD_SECRET}\n")
    assert pasted.tenant_id == TENANT and pasted.client_id == CLIENT and pasted.secret == GOOD_SECRET
    assert GOOD_SECRET not in repr(pasted)


@pytest.mark.parametrize("tenant, client, secret, key, words", [
    ("", CLIENT, GOOD_SECRET, "tenant_id", "is required"),
    ("contoso.onmicrosoft.com", CLIENT, GOOD_SECRET, "tenant_id", "looks like a domain"),
    (TENANT, "not-a-guid", GOOD_SECRET, "client_id", "must be a GUID"),
    (TENANT, TENANT, GOOD_SECRET, "client_id", "same as the Directory (tenant) ID"),
    (TENANT, CLIENT, "", "secret", "is required"),
    (TENANT, CLIENT, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "secret", "Secret ID"),
    (TENANT, CLIENT, "abc8Q~ xyz" + "x" * 30, "secret", "spaces"),
    (TENANT, CLIENT, "abc8Q~", "secret", "only 6 characters"),
])
def test_wrong_pasted_values_name_the_field(tenant, client, secret, key, words):
    with pytest.raises(InputError) as caught:
        manual.validate_pasted(tenant, client, secret)
    assert caught.value.key == key
    assert words in caught.value.message
    if key == "secret" and secret:
        assert secret.strip() not in str(caught.value)  # a pasted secret is never echoed


def test_no_secret_needed_for_loopmeeting():
    pasted = manual.validate_pasted(TENANT, CLIENT, "", get_profile("loopmeeting"))
    assert pasted.secret == ""


# --------------------------------------------------------------------------- end to end on the simulated tenant


def _blocked_tenant_with_portal_app(clock, tmp_path, vendor):
    """The admin made the app "in the portal" (here: the engine, as admin); then device code is blocked."""
    sim = make_sim(clock)
    target = demo_target(sim)
    http = target.http_client()
    signin, who = sign_in(sim, target, http, clock)
    _, applied, secret = run_vendor(vendor, RAW[vendor], signin.graph, who, target, clock, tmp_path)
    sim.faults.conditional_access_block = True
    return sim, target, http, applied, secret


def test_blocked_sign_in_then_manual_mode_then_snippet(clock, tmp_path):
    sim, target, http, applied, secret = _blocked_tenant_with_portal_app(clock, tmp_path, "pexip")
    with pytest.raises(SignInError) as blocked:
        sign_in(sim, target, http, clock)
    assert "53003" in (blocked.value.code or "") and "--manual" in str(blocked.value)
    profile = get_profile("pexip")
    answers = profile.validate(RAW["pexip"])
    cl = manual.manual_checklist(profile, answers, tenant=sim.domain)
    assert len(cl.items) >= 6
    pasted = manual.validate_pasted(sim.tenant_id, applied.client_id, secret.value, profile)
    report = manual.run_token_test(target, http, clock, profile, pasted)
    assert report.ok, report.checks
    assert [c.name for c in report.checks] == ["token", "tenant", "client id"]
    snippet = manual.pasted_snippet(target, profile, answers, pasted)
    assert snippet.value("User OAuth client ID") == applied.client_id
    assert snippet.value("Azure OAuth client secret") == secret.value
    assert snippet.value("User OAuth token URI").endswith(f"/{sim.tenant_id}/oauth2/v2.0/token")
    assert snippet.value("OAuth redirect URI").startswith("https://px01.example.com/")
    assert secret.value not in snippet.as_text()  # masked by default
    http.close()


def test_manual_token_test_checks_app_roles_for_innovaphone(clock, tmp_path):
    _, target, http, applied, secret = _blocked_tenant_with_portal_app(clock, tmp_path, "innovaphone")
    profile = get_profile("innovaphone")
    pasted = manual.validate_pasted(applied.tenant_id, applied.client_id, secret.value, profile)
    report = manual.run_token_test(target, http, clock, profile, pasted)
    assert report.ok, report.checks
    assert "full_access_as_app" in next(c for c in report.checks if c.name == "application permissions").reason
    http.close()


def test_wrong_pasted_secret_is_caught_by_the_token_test(clock, tmp_path):
    sim, target, http, applied, secret = _blocked_tenant_with_portal_app(clock, tmp_path, "pexip")
    profile = get_profile("pexip")
    wrong = "zzz8Q~" + "y" * 34
    pasted = manual.validate_pasted(sim.tenant_id, applied.client_id, wrong, profile)
    started = clock.now()
    report = manual.run_token_test(target, http, clock, profile, pasted)
    assert not report.ok
    assert report.code == "7000215"
    reason = report.failed()[0].reason
    assert "AADSTS7000215" in reason and "VALUE (not the Secret ID)" in reason
    assert wrong not in reason and secret.value not in reason
    assert clock.now() - started <= 70  # bounded retry for a secret that may be brand new
    http.close()


def test_loopmeeting_needs_no_token_test(clock):
    sim = make_sim(clock)
    target = demo_target(sim)
    profile = get_profile("loopmeeting")
    pasted = manual.validate_pasted(sim.tenant_id, CLIENT, None, profile)
    report = manual.run_token_test(target, None, clock, profile, pasted)
    assert report.ok and report.checks[0].name == "no secret"
    snippet = manual.pasted_snippet(target, profile, profile.validate(RAW["loopmeeting"]), pasted)
    assert snippet.value("Application (client) ID") == CLIENT


def test_loopmeeting_checklist_says_how_to_consent_in_central_config():
    from wizard.manual import manual_checklist
    from wizard.profiles import get_profile

    profile = get_profile("loopmeeting")
    checklist = manual_checklist(profile, {"service_account": ["loopmeeting-svc@contoso.onmicrosoft.com"]})
    consent = next(item for item in checklist.items if item.title.startswith("Consent to LoopMeeting"))
    how = " ".join(value for _, value in consent.values)
    assert "Get Access Token" in how and "Central Config" in how
    assert "Close all Microsoft 365 web pages" not in how  # that is for after the consent


def test_manual_mode_snippet_uses_the_autodiscover_lookup_too(clock):
    """Pasted values for innovaphone: the Calendar's Autodiscover URL is looked up as in the
    automatic path (no admin sign-in: Autodiscover V2 needs no token)."""
    from wizard.manual import Pasted, pasted_snippet
    from wizard.profiles import get_profile
    from wizard.simtenant import SimTenant
    from wizard.target import demo_target

    sim = SimTenant(scenario="clean", clock=clock)
    target = demo_target(sim)
    profile = get_profile("innovaphone")
    answers = profile.validate({"mailbox": "calendar-sync@contoso.onmicrosoft.com"})
    pasted = Pasted(sim.tenant_id, "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "x" * 40)
    with target.http_client() as http:
        looked_up = pasted_snippet(target, profile, answers, pasted, http=http).value("Autodiscover URL")
    offline = pasted_snippet(target, profile, answers, pasted).value("Autodiscover URL")
    assert offline == "https://autodiscover-s.outlook.com"  # without a connection: the standard URL
    assert looked_up != offline and looked_up.startswith("https://")


def test_a_wrong_pasted_secret_is_named_within_15_seconds_and_keep_waiting_waits_longer(clock, tmp_path):
    """Manual mode: a refused pasted secret is a wrong value (said fast); keep_waiting is the offer
    to wait on, for a secret made moments ago."""
    sim, target, http, applied, secret = _blocked_tenant_with_portal_app(clock, tmp_path, "pexip")
    profile = get_profile("pexip")
    pasted = manual.validate_pasted(sim.tenant_id, applied.client_id, "zzz8Q~" + "x" * 34, profile)
    started = clock.now()
    report = manual.run_token_test(target, http, clock, profile, pasted)
    assert not report.ok and report.code == "7000215"
    assert clock.now() - started <= 15
    reason = report.failed()[0].reason
    assert "secret value is probably wrong" in reason and "test again in a minute" in reason
    started = clock.now()
    report = manual.run_token_test(target, http, clock, profile, pasted, keep_waiting=True)
    assert not report.ok and clock.now() - started > 30
    http.close()


@pytest.mark.parametrize("vendor", sorted(load_profiles()))
def test_text_wraps_prose_at_80_and_never_breaks_a_url_or_value(vendor):
    _, cl = checklist(vendor, tenant="contoso.onmicrosoft.com", client_id=CLIENT)
    lines = cl.as_text().split("\n")
    for line in lines:
        assert len(line) <= 80 or len(line.split()) == 1 or line.startswith("          "), line
    for item in cl.items:
        if item.link:
            assert any(line.strip() in (item.link, f"Link: {item.link}") for line in lines), item.link
        for _, value in item.values:
            assert any(line.rstrip().endswith(value) for line in lines), value  # whole, on one line
    assert cl.as_text(width=None).count("\n") < len(lines)  # it did wrap something
