"""The five vendor profiles: load, labels in the vendors' words and order, rendering, checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wizard import catalog, profiles
from wizard.errors import InputError
from wizard.profiles import ProfileError, get_profile, load_profiles, parse_profile

VALUES = {
    "tenant_id": "11111111-2222-3333-4444-555555555555",
    "client_id": "66666666-7777-8888-9999-000000000000",
    "client_secret": "Abc8Q~verysecretvalue",
    "authorize_url": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/authorize",
    "token_url": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
}

GOOD_ANSWERS = {
    "flexo": {"redirect_uri": "https://flexo.example.com/oauth, https://flexo2.example.com/oauth"},
    "syncsign": {"sops_domain": "sops.example.com"},
    "innovaphone": {"mailbox": "calendar@contoso.com", "tenancy": "multi"},
    "pexip": {"addin_fqdn": "px01.vc.example.com"},
    "loopmeeting": {"service_account": "loop@contoso.com, loop2@contoso.com"},
}

SNIPPET_LABELS = {
    "flexo": ["Tenant ID", "Application ID", "Application Secret Key"],
    "syncsign": ["Client Id", "Client Secret"],
    "innovaphone": [
        "Sync-Type", "User", "Autodiscover URL", "Exchange server to be used", "Client ID",
        "Tenant ID", "Supported account", "Client Secret", "Max subscriptions per connection",
        "EWS protocol debugging",
    ],
    "pexip": [
        "User OAuth client ID", "User OAuth authorization URI", "User OAuth token URI",
        "Azure OAuth client secret", "OAuth redirect URI",
    ],
    "loopmeeting": ["Enterprise application", "Application (client) ID", "Tenant ID", "Service account(s)"],
}


def test_all_five_load_in_order():
    loaded = load_profiles()
    assert list(loaded) == ["flexo", "syncsign", "innovaphone", "pexip", "loopmeeting"]
    assert load_profiles() is loaded  # cached
    for pid, profile in loaded.items():
        assert profile.id == pid and profile.name and profile.summary
        assert profile.followup and profile.notes


def test_get_profile_unknown_lists_the_known_ids():
    assert get_profile(" Pexip ") is load_profiles()["pexip"]
    with pytest.raises(InputError) as info:
        get_profile("zoom")
    assert "flexo, syncsign, innovaphone, pexip, loopmeeting" in str(info.value)
    assert info.value.field == "vendor"


def test_question_keys_are_the_fixed_cli_keys():
    keys = {pid: [q.key for q in p.questions] for pid, p in load_profiles().items()}
    assert keys == {
        "flexo": ["redirect_uri", "display_name", "secret_months", "logo_file", "info_url"],
        "syncsign": ["sops_domain", "tenancy", "display_name", "secret_months"],
        "innovaphone": ["mailbox", "tenancy", "autodiscover", "display_name", "secret_months"],
        "pexip": ["addin_fqdn", "display_name", "secret_months"],
        "loopmeeting": ["service_account"],
    }
    assert get_profile("flexo").question("redirect_uri").repeatable
    assert get_profile("loopmeeting").question("service_account").repeatable
    assert get_profile("syncsign").question("tenancy").default == "single"
    assert get_profile("pexip").question("addin_fqdn").label == "Add-in server FQDN"


def test_display_name_and_secret_defaults():
    pexip = get_profile("pexip")
    answers = pexip.validate(GOOD_ANSWERS["pexip"])
    assert pexip.display_name(answers) == "Pexip Scheduling Personal VMRs"
    assert pexip.secret_default_months == 24 and answers["secret_months"] == 24
    assert any("Never" in n and "24 months" in n for n in pexip.notes)
    flexo = get_profile("flexo")
    assert flexo.secret_default_months == 24
    assert any("expired secret" in n and "stops" in n for n in flexo.notes)
    assert get_profile("innovaphone").validate(
        {**GOOD_ANSWERS["innovaphone"], "secret_months": "6", "display_name": " Cal  App "}
    ) == {"mailbox": "calendar@contoso.com", "tenancy": "multi", "autodiscover": "lookup",
          "display_name": "Cal App", "secret_months": 6}
    with pytest.raises(InputError, match="1 to 24"):
        flexo.validate({**GOOD_ANSWERS["flexo"], "secret_months": "36"})


@pytest.mark.parametrize("pid", list(SNIPPET_LABELS))
def test_snippet_labels_exactly_in_vendor_order(pid):
    profile = get_profile(pid)
    answers = profile.validate(GOOD_ANSWERS[pid])
    snippet = profile.render_snippet({**VALUES, **answers})
    assert [row.label for row in snippet.rows] == SNIPPET_LABELS[pid]
    assert [f.label for f in profile.snippet] == SNIPPET_LABELS[pid]
    secrets = [row.label for row in snippet.rows if row.secret]
    assert secrets == ([] if pid == "loopmeeting" else [SNIPPET_LABELS[pid][-1] if pid in ("flexo", "syncsign")
                                                          else {"innovaphone": "Client Secret",
                                                                "pexip": "Azure OAuth client secret"}[pid]])
    for row in snippet.rows:
        assert row.value, row.label
        if row.secret:
            assert row.value == VALUES["client_secret"]
            assert VALUES["client_secret"] not in snippet.as_text()


def test_innovaphone_snippet_values():
    profile = get_profile("innovaphone")
    for tenancy, words in (("single", "My organization only"), ("multi", "Multiple organization")):
        answers = profile.validate({"mailbox": "calendar@contoso.com", "tenancy": tenancy})
        snippet = profile.render_snippet({**VALUES, **answers})
        assert snippet.value("Supported account") == words
    assert snippet.value("Sync-Type") == "Cloud (Exchange Online, App-Only Authentication)"
    assert snippet.value("User") == "calendar@contoso.com"
    assert snippet.value("Autodiscover URL") == "https://autodiscover-s.outlook.com"
    assert snippet.value("Exchange server to be used") == "external"
    assert snippet.value("Max subscriptions per connection") == "200"
    assert snippet.value("EWS protocol debugging") == "off"
    assert snippet.value("Client ID") == VALUES["client_id"]
    assert snippet.value("Tenant ID") == VALUES["tenant_id"]
    # the engine may fill a looked-up Autodiscover server
    looked_up = profile.render_snippet({**VALUES, **answers, "autodiscover_url": "https://outlook.office365.com"})
    assert looked_up.value("Autodiscover URL") == "https://outlook.office365.com"
    # "empty": the vendor allows an empty field; the row says so, whatever value is passed
    empty = profile.render_snippet({**VALUES, **profile.validate({"mailbox": "calendar@contoso.com",
                                                                  "autodiscover": "empty"}),
                                    "autodiscover_url": "https://outlook.office365.com"})
    assert empty.value("Autodiscover URL") == "(leave empty)"
    assert empty.value("User") == "calendar@contoso.com"  # other rows are untouched
    # and a missing value in any other row is still an error
    with pytest.raises(InputError, match="Client ID"):
        profile.render_snippet({k: v for k, v in {**VALUES, **answers, "autodiscover": "empty"}.items()
                                if k != "client_id"})


def test_pexip_snippet_values():
    profile = get_profile("pexip")
    snippet = profile.render_snippet({**VALUES, **profile.validate(GOOD_ANSWERS["pexip"])})
    assert snippet.value("User OAuth client ID") == VALUES["client_id"]
    assert snippet.value("User OAuth authorization URI") == VALUES["authorize_url"]
    assert snippet.value("User OAuth token URI") == VALUES["token_url"]
    assert snippet.value("OAuth redirect URI") == (
        "https://px01.vc.example.com/api/client/v2/msexchange_schedulers/oauth_redirect")


def test_loopmeeting_snippet_lists_what_was_verified():
    profile = get_profile("loopmeeting")
    answers = profile.validate(GOOD_ANSWERS["loopmeeting"])
    snippet = profile.render_snippet({"tenant_id": VALUES["tenant_id"], "client_id": VALUES["client_id"], **answers})
    assert snippet.value("Enterprise application") == "LoopMeeting"
    assert snippet.value("Service account(s)") == "loop@contoso.com, loop2@contoso.com"
    assert not snippet.has_secret


def test_missing_snippet_value_is_an_error_not_blank():
    profile = get_profile("pexip")
    answers = profile.validate(GOOD_ANSWERS["pexip"])
    with pytest.raises(InputError) as info:
        profile.render_snippet({**VALUES, **answers, "token_url": ""})
    assert info.value.field == "User OAuth token URI" and "token_url" in str(info.value)
    with pytest.raises(InputError, match="client_secret"):
        profile.render_snippet({k: v for k, v in {**VALUES, **answers}.items() if k != "client_secret"})


def test_redirect_uris_rendered():
    flexo = get_profile("flexo")
    assert flexo.redirect_uris(flexo.validate(GOOD_ANSWERS["flexo"])) == [
        "https://flexo.example.com/oauth", "https://flexo2.example.com/oauth"]
    syncsign = get_profile("syncsign")
    assert syncsign.redirect_uris(syncsign.validate({"sops_domain": "SOPS.Example.com."})) == [
        "https://sops.example.com/m"]
    assert syncsign.redirect_uris(syncsign.validate({"sops_domain": "sops.example.com:8443"})) == [
        "https://sops.example.com:8443/m"]
    pexip = get_profile("pexip")
    assert pexip.redirect_uris(pexip.validate({"addin_fqdn": "pexip.example.com"})) == [
        "https://pexip.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"]
    innovaphone = get_profile("innovaphone")
    assert innovaphone.redirect_uris(innovaphone.validate(GOOD_ANSWERS["innovaphone"])) == []


def test_audiences():
    syncsign = get_profile("syncsign")
    assert syncsign.sign_in_audience(syncsign.validate({"sops_domain": "s.example.com"})) == "AzureADMyOrg"
    assert syncsign.sign_in_audience(
        syncsign.validate({"sops_domain": "s.example.com", "tenancy": "multi"})) == "AzureADMultipleOrgs"
    inno = get_profile("innovaphone")
    assert inno.sign_in_audience(inno.validate({**GOOD_ANSWERS["innovaphone"], "tenancy": "single"})) == "AzureADMyOrg"
    pexip = get_profile("pexip")
    assert pexip.sign_in_audience(pexip.validate(GOOD_ANSWERS["pexip"])) == "AzureADMyOrg"
    assert get_profile("flexo").sign_in_audience({}) == "AzureADMyOrg"


def test_registration_facts():
    flexo, syncsign, inno, pexip, loop = (get_profile(p) for p in SNIPPET_LABELS)
    assert (flexo.implicit_id_tokens, flexo.implicit_access_tokens) == (True, False)
    assert (syncsign.implicit_id_tokens, syncsign.implicit_access_tokens) == (True, True)
    assert not (pexip.implicit_id_tokens or pexip.implicit_access_tokens or inno.implicit_id_tokens)
    assert [(p.resource, p.name, p.type) for p in flexo.permissions] == [
        ("graph", "OnlineMeetings.ReadWrite", "delegated")]
    assert [p.name for p in syncsign.permissions] == [
        "offline_access", "User.Read", "Calendars.Read", "Calendars.Read.Shared",
        "Calendars.ReadWrite", "Calendars.ReadWrite.Shared"]
    assert {p.type for p in syncsign.permissions} == {"delegated"}
    assert any("Application permissions" in n and "delegated" in n for n in syncsign.notes)
    assert [(p.resource_app_id, p.name, p.type, p.id) for p in inno.permissions] == [
        ("00000002-0000-0ff1-ce00-000000000000", "full_access_as_app", "application",
         "dc890d15-9560-4a4c-9b7f-a736ec74ec40")]
    assert (inno.token_test, inno.token_resource) == ("app_roles", "https://outlook.office365.com")
    assert (pexip.token_test, [p.name for p in pexip.permissions]) == ("delegated_grant", ["User.Read"])
    for p in (flexo, syncsign, inno, pexip):
        assert p.kind == "registration" and p.admin_consent and p.secret_needed
    assert loop.kind == "enterprise_app" and loop.token_test == "enterprise_app"
    assert loop.enterprise_app_name == "LoopMeeting" and not loop.secret_needed
    assert any("Delete Access Token" in s for s in loop.followup)
    assert any("Get Access Token" in s and "service account" in s for s in loop.followup)
    assert any("Save Settings" in s for s in loop.followup)
    assert any("Redirection URL" in s and "Lifecycle URL" in s for s in flexo.followup)
    assert any("Office 365 > Connect" in s for s in syncsign.followup)
    assert any("disabled" in n for n in inno.notes) and any("security defaults" in n for n in inno.notes)


def test_every_permission_is_valid_in_the_catalog():
    for profile in load_profiles().values():
        for perm in profile.permissions:
            assert perm.resource_app_id == catalog.resource_app_id(perm.resource)
            assert perm.id == catalog.lookup(perm.resource, perm.name, perm.type)
            assert perm.description


@pytest.mark.parametrize(
    "pid, raw, label, words",
    [
        ("pexip", {"addin_fqdn": "https://px01.example.com"}, "Add-in server FQDN", "without https://"),
        ("pexip", {"addin_fqdn": "px01.example.com/api"}, "Add-in server FQDN", "without a path"),
        ("syncsign", {"sops_domain": "https://sops.example.com/m"}, "SOPS domain", "without https://"),
        ("syncsign", {"sops_domain": "http://sops.example.com"}, "SOPS domain", "without https://"),
        ("syncsign", {"sops_domain": "sops.example.com/m"}, "SOPS domain", "without a path"),
        ("syncsign", {"sops_domain": "sops example.com"}, "SOPS domain", "spaces"),
        ("syncsign", {"sops_domain": "sops.example.com", "tenancy": "both"}, "Supported account types", "single, multi"),
        ("innovaphone", {"mailbox": "calendar at contoso.com"}, "User (mailbox email address)", "spaces"),
        ("innovaphone", {"mailbox": "calendar"}, "User (mailbox email address)", "@"),
        ("flexo", {"redirect_uri": "http://flexo.example.com/cb"}, "Redirect URI", "https://"),
        ("flexo", {"redirect_uri": "https://flexo.example.com/cb#x"}, "Redirect URI", "fragment"),
        ("loopmeeting", {"service_account": "loop@contoso.com, nobody"}, "Service account(s)", "@"),
        ("pexip", {}, "Add-in server FQDN", "required"),
    ],
)
def test_bad_answers_name_the_field(pid, raw, label, words):
    with pytest.raises(InputError) as info:
        get_profile(pid).validate(raw)
    assert info.value.field == label
    assert words in str(info.value)
    assert str(info.value).startswith(label + ":")


def test_unknown_answer_key_is_refused():
    with pytest.raises(InputError, match="addin_fqdn"):
        get_profile("pexip").validate({"addin_fqnd": "px01.example.com"})


def test_rendered_redirect_uri_too_long_blames_the_question():
    label = ".".join(["a" * 60] * 3) + ".com"  # a valid FQDN, 186 characters
    assert len(label) < 253
    pexip = get_profile("pexip")
    fits = "b" * 10 + "." + label  # the redirect URI is exactly 256 characters: allowed
    assert len(pexip.redirect_uris(pexip.validate({"addin_fqdn": fits}))[0]) == 256
    with pytest.raises(InputError) as info:
        pexip.validate({"addin_fqdn": "b" + fits})
    assert info.value.field == "Add-in server FQDN" and "256" in str(info.value)
    assert info.value.key == "addin_fqdn"


# ------------------------------------------------------------------------ schema errors

MINIMAL = """
id = "acme"
name = "Acme"
summary = "s"
kind = "registration"
display_name_default = "Acme"
secret_needed = true
token_test = "app_roles"
token_resource = "https://graph.microsoft.com"

[[snippet]]
label = "Secret"
template = "{client_secret}"
secret = true
"""


def test_a_sixth_vendor_is_just_a_file():
    profile = parse_profile(MINIMAL, "acme.toml")
    assert [q.key for q in profile.questions] == ["display_name", "secret_months"]
    assert profile.secret_default_months == 24


@pytest.mark.parametrize(
    "change, key, words",
    [
        (MINIMAL + "\ncolour = 'red'\n", "snippet[0].colour", "is not known"),
        (MINIMAL.replace('kind = "registration"', 'kind = "magic"'), "kind", "must be one of"),
        (MINIMAL.replace('token_test = "app_roles"', 'token_test = 3'), "token_test", "must be a string"),
        (MINIMAL.replace('id = "acme"\n', ""), "id", "is missing"),
        (MINIMAL + '\n[[permissions]]\nresource = "graph"\nname = "Calendars.Read.Shared"\ntype = "application"\n',
         "permissions[0].type", "exists only as a delegated permission"),
        (MINIMAL + '\n[[permissions]]\nresource = "graph"\nname = "Mail.Teleport"\ntype = "delegated"\n',
         "permissions[0].name", "not a Microsoft Graph permission"),
        (MINIMAL.replace("{client_secret}", "{clientsecret}"), "snippet[0].template", "{clientsecret}"),
        (MINIMAL.replace("secret = true", "secret = false"), "snippet", "no secret row"),
        (MINIMAL + '\nredirect_uris = ["https://{host}/x"]\n', "snippet[0].redirect_uris", "is not known"),
        ('redirect_uris = ["https://{host}/x"]\n' + MINIMAL, "redirect_uris[0]", "{host}"),
        ('[[questions]]\nkey = "h"\nlabel = "H"\nkind = "ip"\n', "questions[0].kind", "must be one of"),
        ("id = ", "(file)", "not valid TOML"),
    ],
)
def test_malformed_profile_names_file_and_key(change, key, words):
    text = change if "[[questions]]" not in change else MINIMAL.replace("[[snippet]]", change + "\n[[snippet]]")
    with pytest.raises(ProfileError) as info:
        parse_profile(text, "wizard/profiles/acme.toml")
    message = str(info.value)
    assert "wizard/profiles/acme.toml" in message
    assert f"'{key}'" in message
    assert words in message


def test_profile_files_are_the_package_data():
    folder = Path(profiles.__file__).parent / "profiles"
    assert sorted(p.name for p in folder.glob("*.toml")) == sorted(f"{pid}.toml" for pid in SNIPPET_LABELS)


def test_loading_imports_nothing_heavy():
    code = (
        "import sys, wizard.profiles as p; p.load_profiles(); p.load_profiles()['pexip'].render_snippet; "
        "import wizard.answers, wizard.snippet, wizard.catalog; "
        "bad = [m for m in ('httpx', 'msal', 'textual', 'rich', 'platformdirs') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    # get_profile also looks at the user's profiles folder (platformdirs, small), nothing heavier
    code = code.replace("p.load_profiles()['pexip']", "p.get_profile('pexip')").replace(", 'platformdirs'", "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_question_defaults_stand_in_for_answers_not_passed():
    inno = get_profile("innovaphone")
    snippet = inno.render_snippet({**VALUES, "mailbox": "calendar@contoso.com"})
    assert snippet.value("Supported account") == "My organization only"
    assert inno.sign_in_audience({"tenancy": " MULTI "}) == "AzureADMultipleOrgs"
    with pytest.raises(InputError, match="Supported account types"):
        inno.sign_in_audience({"tenancy": "everyone"})


def test_followup_steps_fill_in_the_answers():
    from wizard.profiles import get_profile

    syncsign = get_profile("syncsign")
    steps = syncsign.followup_steps(syncsign.validate({"sops_domain": "sops.example.com"}))
    assert steps[0].startswith("Go to https://sops.example.com/m, open the navigation bar")
    assert not any("{" in step for step in steps)
    # without an answer, the stand-in reads like the vendor's guide
    assert syncsign.followup_steps({})[0].startswith("Go to https://<")


def test_a_followup_placeholder_must_be_a_question():
    from importlib import resources

    source = resources.files("wizard").joinpath("profiles", "pexip.toml").read_text("utf-8")
    broken = source.replace('followup = [\n', 'followup = [\n    "Open https://{no_such_key}/",\n', 1)
    assert broken != source
    with pytest.raises(ProfileError, match=r"followup\[0\]"):
        parse_profile(broken, "broken.toml")


def test_choice_labels_come_from_the_profile_and_must_name_choices():
    tenancy = get_profile("syncsign").question("tenancy")
    assert dict(tenancy.choice_labels)["multi"] == "any organization (Multitenant)"
    from importlib import resources

    source = resources.files("wizard").joinpath("profiles", "syncsign.toml").read_text("utf-8")
    broken = source.replace("choice_labels = { single =", "choice_labels = { both = \"x\", single =", 1)
    assert broken != source
    with pytest.raises(ProfileError, match="choice_labels"):
        parse_profile(broken, "broken.toml")
