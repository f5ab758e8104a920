"""Autodiscover V2 (wizard.autodiscover) against the simulated Exchange Online, the simulator's
endpoint itself, the Target's Exchange host per cloud, the profile's [lookups] schema and the CLI.

Request and answer: the innovaphone guide (vendor-docs/002, "Finding an alternative Autodiscover
server"): GET https://outlook.office365.com/autodiscover/autodiscover.json/v1.0/<email>?Protocol=AutodiscoverV1
→ {"Protocol":"AutodiscoverV1","Url":"https://outlook.office365.com/autodiscover/autodiscover.xml"};
"Your Autodiscover server will be the part from https to the first /autodiscover part".
"""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import make_sim
from wizard.autodiscover import AutodiscoverError, Found, lookup, request_url, server_of
from wizard.errors import MicrosoftError
from wizard.simtenant import FaultPlan, FaultRule
from wizard.target import Target, demo_target

MAILBOX = "calendar-sync@contoso.onmicrosoft.com"
EXCHANGE = "https://outlook.simtenant.test"


def _client(sim, seen=None):
    """An httpx client on the simulator that also records each request (headers included)."""
    def handler(request):
        if seen is not None:
            seen.append(request)
        return sim.handle(request)
    return httpx.Client(transport=httpx.MockTransport(handler))


# --------------------------------------------------------------------------- the lookup


def test_found_cuts_the_server_from_the_answer_and_sends_no_token(clock):
    sim = make_sim(clock, faults=FaultPlan())
    seen = []
    with _client(sim, seen) as http:
        found = lookup(http, MAILBOX, EXCHANGE)
    assert found == Found(server=EXCHANGE, url=f"{EXCHANGE}/autodiscover/autodiscover.xml", email=MAILBOX)
    [request] = seen
    assert str(request.url) == f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/{MAILBOX}?Protocol=AutodiscoverV1"
    assert request.method == "GET" and "authorization" not in request.headers
    assert ("GET", f"/autodiscover/autodiscover.json/v1.0/{MAILBOX}", 200) in sim.requests


def test_the_server_comes_from_the_answer_not_from_the_host_asked(clock):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http:  # the in-process simulator answers any host by path
        found = lookup(http, "Calendar-Sync@Contoso.onmicrosoft.com", "https://outlook.office365.com/")
    assert found.server == "https://outlook.office365.com"
    assert found.url == "https://outlook.office365.com/autodiscover/autodiscover.xml"


@pytest.mark.parametrize(("email", "where"), [
    ("nobody@contoso.onmicrosoft.com", "autodiscover.contoso.onmicrosoft.com"),
    ("someone@fabrikam.com", "autodiscover.fabrikam.com"),
])
def test_an_address_without_a_mailbox_is_a_plain_failure(clock, email, where):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http, pytest.raises(AutodiscoverError) as info:
        lookup(http, email, EXCHANGE)
    assert isinstance(info.value, MicrosoftError) and info.value.status == 302
    assert info.value.message == f"Exchange Online does not hold a mailbox for {email}; it refers the lookup to {where}."
    assert f"Check that {email} has a mailbox" in info.value.next_step


def test_a_server_error_is_a_plain_failure(clock):
    sim = make_sim(clock, faults=FaultPlan(rules=[FaultRule("unavailable", path="^/autodiscover/")]))
    with _client(sim) as http, pytest.raises(AutodiscoverError, match=r"outlook\.simtenant\.test answered HTTP 503\.") as info:
        lookup(http, MAILBOX, EXCHANGE)
    assert info.value.status == 503


def test_a_garbled_answer_is_a_plain_failure(clock):
    sim = make_sim(clock, faults=FaultPlan(rules=[FaultRule("garbled", path="^/autodiscover/")]))
    with _client(sim) as http, pytest.raises(AutodiscoverError, match="did not answer with Autodiscover's JSON"):
        lookup(http, MAILBOX, EXCHANGE)


def test_a_dropped_connection_is_a_plain_failure(clock):
    sim = make_sim(clock, faults=FaultPlan(rules=[FaultRule("drop", path="^/autodiscover/")]))
    with _client(sim) as http, pytest.raises(AutodiscoverError, match="could not be reached") as info:
        lookup(http, MAILBOX, EXCHANGE)
    assert "network" in info.value.next_step


def test_a_timeout_is_a_plain_failure_and_the_timeout_is_short():
    asked = {}

    def handler(request):
        asked.update(request.extensions["timeout"])
        raise httpx.ReadTimeout("timed out", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http, \
            pytest.raises(AutodiscoverError, match=r"did not answer within 10 seconds"):
        lookup(http, MAILBOX, EXCHANGE)
    assert asked["read"] == 10.0


@pytest.mark.parametrize("body", [
    b'{"Protocol": "AutodiscoverV1"}',                                          # no Url
    b'{"Protocol": "AutodiscoverV1", "Url": "http://x.test/autodiscover/x"}',   # not https
    b'{"Protocol": "AutodiscoverV1", "Url": "https://x.test/EWS/Exchange.asmx"}',  # no /autodiscover
    b'{"Protocol": "AutodiscoverV1", "Url": 42}',
    b'["not", "an", "object"]',
    b"\xff\xfe",
])
def test_an_answer_without_a_usable_url_is_a_plain_failure(body):
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))) as http, \
            pytest.raises(AutodiscoverError):
        lookup(http, MAILBOX, EXCHANGE)


@pytest.mark.parametrize(("url", "server"), [
    ("https://outlook.office365.com/autodiscover/autodiscover.xml", "https://outlook.office365.com"),
    ("https://mail.contoso.com/Autodiscover/Autodiscover.xml", "https://mail.contoso.com"),
    ("https://mail.contoso.com:8443/autodiscover/autodiscover.xml", "https://mail.contoso.com:8443"),
    ("https://h.test/owa/autodiscover/autodiscover.xml", "https://h.test/owa"),  # "to the FIRST /autodiscover"
    ("http://mail.contoso.com/autodiscover/autodiscover.xml", ""),
    ("https://mail.contoso.com/EWS/Exchange.asmx", ""),
    ("/autodiscover/autodiscover.xml", ""),
])
def test_server_of_is_the_part_up_to_the_first_autodiscover(url, server):
    assert server_of(url) == server


def test_request_url_quotes_what_must_be_quoted():
    assert request_url("https://outlook.office365.com/", "a b@c.com") == \
        "https://outlook.office365.com/autodiscover/autodiscover.json/v1.0/a%20b@c.com?Protocol=AutodiscoverV1"


# --------------------------------------------------------------------------- the simulator's endpoint


@pytest.mark.parametrize(("protocol", "name", "path"), [
    ("AutodiscoverV1", "AutodiscoverV1", "/autodiscover/autodiscover.xml"),
    ("autodiscoverv1", "AutodiscoverV1", "/autodiscover/autodiscover.xml"),
    ("Ews", "Ews", "/EWS/Exchange.asmx"),
    ("ActiveSync", "ActiveSync", "/Microsoft-Server-ActiveSync"),
])
def test_sim_answers_protocol_and_url_for_a_mailbox(clock, protocol, name, path):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http:
        response = http.get(f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/{MAILBOX}", params={"Protocol": protocol})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"Protocol": name, "Url": f"{EXCHANGE}{path}"}


def test_sim_also_answers_the_query_string_form(clock):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http:
        response = http.get(f"{EXCHANGE}/autodiscover/autodiscover.json",
                            params={"Email": MAILBOX, "Protocol": "AutodiscoverV1"})
    assert response.json()["Url"] == f"{EXCHANGE}/autodiscover/autodiscover.xml"


@pytest.mark.parametrize("protocol", ["Teleport", ""])
def test_sim_refuses_an_unknown_protocol_with_400(clock, protocol):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http:
        response = http.get(f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/{MAILBOX}", params={"Protocol": protocol})
    assert response.status_code == 400
    body = response.json()
    assert body["ErrorCode"] == "InvalidProtocol"
    assert body["ErrorMessage"].startswith(f"The given protocol value '{protocol}' is invalid. Supported values are '")


def test_sim_redirects_other_addresses_and_refuses_other_methods(clock):
    sim = make_sim(clock, faults=FaultPlan())
    with _client(sim) as http:
        moved = http.get(f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/x@fabrikam.com?Protocol=AutodiscoverV1")
        posted = http.post(f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/{MAILBOX}?Protocol=AutodiscoverV1")
        bad = http.get(f"{EXCHANGE}/autodiscover/autodiscover.json/v1.0/not-an-address?Protocol=AutodiscoverV1")
    assert moved.status_code == 302
    assert moved.headers["location"] == ("https://autodiscover.fabrikam.com/autodiscover/autodiscover.json/v1.0/"
                                         "x@fabrikam.com?Protocol=AutodiscoverV1&RedirectCount=1")
    assert (posted.status_code, posted.headers["allow"]) == (405, "GET")
    assert (bad.status_code, bad.json()["ErrorCode"]) == (400, "InvalidUser")


# --------------------------------------------------------------------------- where Exchange Online is


@pytest.mark.parametrize(("cloud", "exchange"), [
    ("global", "https://outlook.office365.com"),
    ("usgov", "https://outlook.office365.us"),
    ("china", "https://partner.outlook.cn"),
])
def test_each_cloud_has_its_exchange_host(cloud, exchange):
    assert Target.for_cloud(cloud).exchange_url == exchange
    assert Target.for_cloud(cloud).with_tenant("contoso.com").exchange_url == exchange


def test_simulated_targets_keep_exchange_on_the_simulator(clock):
    sim = make_sim(clock)
    assert demo_target(sim).exchange_url == sim.exchange_url == EXCHANGE
    # --simtenant URL (the CLI and the TUI build it without naming the cloud): the simulator's URL
    assert Target(authority_host="https://127.0.0.1:8443", graph_url="https://127.0.0.1:8443").exchange_url == \
        "https://127.0.0.1:8443"
    assert Target("https://login.x.test", "https://graph.x.test/", cloud="simulated").exchange_url == \
        "https://graph.x.test"
    assert Target("https://login.x.test", "https://g.test", exchange_url="https://ex.test").exchange_url == \
        "https://ex.test"


def test_simtenant_cli_target_points_exchange_at_the_simulator(clock):
    from types import SimpleNamespace

    from wizard.commands import _target

    args = SimpleNamespace(client_id=None, tenant=None, ca_bundle=None, demo=False,
                           simtenant="https://127.0.0.1:9443/", cloud=None)
    assert _target(args, clock, SimpleNamespace()).exchange_url == "https://127.0.0.1:9443"


# --------------------------------------------------------------------------- the profile's [lookups]

PROFILE = """
id = "acme"
name = "Acme"
summary = "s"
kind = "registration"
display_name_default = "Acme"
secret_needed = true
token_test = "app_roles"
token_resource = "https://graph.microsoft.com"

[[questions]]
key = "mailbox"
label = "Mailbox"
kind = "email"

[[questions]]
key = "ad"
label = "Autodiscover"
kind = "choice"
choices = ["lookup", "standard", "empty"]
default = "lookup"

[values]
ad_url = "https://autodiscover-s.outlook.com"

[lookups.ad_url]
service = "autodiscover"
from = "mailbox"
choice = "ad"
lookup = "lookup"
empty = "empty"

[[snippet]]
label = "Secret"
template = "{client_secret}"
secret = true

[[snippet]]
label = "Autodiscover URL"
template = "{ad_url}"
empty_text = "(leave empty)"
"""


def test_a_lookup_is_profile_data():
    from wizard.profiles import parse_profile

    profile = parse_profile(PROFILE, "acme.toml")
    answers = profile.validate({"mailbox": "a@b.com"})
    assert [lk.value for lk in profile.lookups_to_run(answers)] == ["ad_url"]
    assert profile.lookups_to_run({**answers, "ad": "standard"}) == []
    assert profile.blank_values({**answers, "ad": "empty"}) == {"ad_url"}
    assert profile.value_rows("ad_url") == ["Autodiscover URL"]
    rendered = profile.render_snippet({**answers, "ad": "empty", "client_secret": "s3cr3t-value"})
    assert rendered.value("Autodiscover URL") == "(leave empty)"


@pytest.mark.parametrize(("change", "key", "words"), [
    (('[lookups.ad_url]', '[lookups.other]'), "lookups.other", "must name a [values] key"),
    (('service = "autodiscover"', 'service = "dns"'), "lookups.ad_url.service", "must be one of autodiscover"),
    (('from = "mailbox"', 'from = "ad"'), "lookups.ad_url.from", "single email question"),
    (('choice = "ad"', 'choice = "mailbox"'), "lookups.ad_url.choice", "choice question"),
    (('lookup = "lookup"', 'lookup = "find"'), "lookups.ad_url.lookup", "must be one of the choices"),
    (('empty = "empty"', 'empty = "lookup"'), "lookups.ad_url.empty", "must differ"),
    (('empty_text = "(leave empty)"\n', ''), "snippet[1].empty_text", "is needed"),
    (('template = "{client_secret}"\n', 'template = "{client_secret}"\nempty_text = "x"\n'),
     "snippet[0].empty_text", "only for rows"),
])
def test_lookup_schema_errors_name_the_key(change, key, words):
    from wizard.profiles import ProfileError, parse_profile

    old, new = change
    assert old in PROFILE
    with pytest.raises(ProfileError) as info:
        parse_profile(PROFILE.replace(old, new, 1), "acme.toml")
    assert f"key '{key}'" in info.value.message and words in info.value.message


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def cli_clock(monkeypatch, tmp_path):
    import wizard.commands as commands
    from wizard.clock import FakeClock

    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return fake


def _apply(capsys, *extra):
    from wizard import cli

    code = cli.main(["--demo", "apply", "--vendor", "innovaphone", "--set", f"mailbox={MAILBOX}", *extra, "--json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    return code, data, {r["label"]: r["value"] for r in data["snippet"]["rows"]}


def test_cli_demo_apply_shows_the_looked_up_server(capsys, cli_clock):
    code, data, rows = _apply(capsys)
    assert code == 0
    assert rows["Autodiscover URL"] == EXCHANGE
    assert f"Autodiscover V2 found {EXCHANGE} for {MAILBOX}; the settings use it ('Autodiscover URL')." in data["notes"]


@pytest.mark.parametrize(("choice", "shown"), [("standard", "https://autodiscover-s.outlook.com"),
                                               ("empty", "(leave empty)")])
def test_cli_demo_apply_standard_or_empty(capsys, cli_clock, choice, shown):
    code, data, rows = _apply(capsys, "--set", f"autodiscover={choice}")
    assert code == 0 and rows["Autodiscover URL"] == shown
    assert not any(n.startswith("Autodiscover V2") for n in data["notes"])


def test_cli_refuses_an_unknown_choice(capsys, cli_clock):
    from wizard import cli

    code = cli.main(["--demo", "plan", "--vendor", "innovaphone", "--set", f"mailbox={MAILBOX}",
                     "--set", "autodiscover=guess"])
    assert code == 2
    assert "Autodiscover URL" in capsys.readouterr().err


def test_cli_snippet_looks_up_without_an_admin_sign_in(capsys, cli_clock):
    from wizard import cli

    code = cli.main(["--demo", "snippet", "--vendor", "innovaphone", "--set", f"mailbox={MAILBOX}",
                     "--client-id-app", "11111111-2222-3333-4444-555555555555", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {r["label"]: r["value"] for r in data["snippet"]["rows"]}["Autodiscover URL"] == EXCHANGE
    assert data["notes"] and data["signed_in_as"] == ""
