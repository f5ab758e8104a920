"""Target: clouds, authority, endpoints, and the HTTP client it builds."""

from __future__ import annotations

import httpx
import pytest
import trustme

from wizard.errors import InputError
from wizard.target import AZURE_CLI_CLIENT_ID, CLOUDS, GRAPH_CLI_CLIENT_ID, Target


def test_public_client_ids_match_the_shared_reference():
    text = open("/work/shared/reference/permissions.md", encoding="utf-8").read()
    assert f"| Microsoft Graph Command Line Tools | {GRAPH_CLI_CLIENT_ID} |" in text
    assert f"| Microsoft Azure CLI | {AZURE_CLI_CLIENT_ID} |" in text


@pytest.mark.parametrize(
    "cloud, login, graph",
    [
        ("global", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
        ("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
        ("china", "https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn"),
    ],
)
def test_clouds_pair_sign_in_and_graph_hosts(cloud, login, graph):
    target = Target.for_cloud(cloud, tenant="contoso.com")
    assert (target.authority_host, target.graph_url, target.cloud) == (login, graph, cloud)
    assert target.authority == f"{login}/contoso.com"
    assert target.token_url("tid") == f"{login}/tid/oauth2/v2.0/token"
    assert target.authorize_url("tid") == f"{login}/tid/oauth2/v2.0/authorize"
    assert set(CLOUDS) == {"global", "usgov", "china"}


def test_none_options_keep_defaults():
    target = Target.for_cloud("global", tenant=None, public_client_id=None)
    assert target.tenant == "organizations" and target.public_client_id == GRAPH_CLI_CLIENT_ID


def test_unknown_cloud_is_bad_input():
    with pytest.raises(InputError) as info:
        Target.for_cloud("mars")
    assert info.value.exit_code == 2 and "global" in info.value.message


def test_with_tenant_pins_and_keeps_the_rest():
    target = Target.for_cloud("usgov", public_client_id="x")
    pinned = target.with_tenant("11111111-2222-3333-4444-555555555555")
    assert pinned.tenant.startswith("1111") and pinned.public_client_id == "x" and pinned.cloud == "usgov"
    assert target.tenant == "organizations"


def test_http_client_uses_the_transport():
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request.url.host) or httpx.Response(200, json={}))
    target = Target("https://login.x.test", "https://graph.x.test", transport=transport)
    with target.http_client() as client:
        client.get("https://graph.x.test/v1.0/me")
    assert seen == ["graph.x.test"]


def test_ca_bundle_is_trusted(tmp_path):
    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    target = Target("https://127.0.0.1:1", "https://127.0.0.1:1", verify=str(path))
    client = target.http_client()
    try:
        context = client._transport._pool._ssl_context  # httpx keeps the context it was given
        subjects = [dict(x[0] for x in cert["subject"]) for cert in context.get_ca_certs()]
        assert any("trustme" in str(s) for s in subjects), subjects
    finally:
        client.close()


# ---------------------------------------------------------------- one cloud table (issue 14, item 8)


def test_china_signs_in_at_the_partner_host_and_the_old_host_is_still_known():
    from wizard.target import CLOUD_TABLE, MICROSOFT_LOGIN_HOSTS, cloud_for_host

    assert Target.for_cloud("china").authority_host == "https://login.partner.microsoftonline.cn"
    assert {"login.partner.microsoftonline.cn", "login.chinacloudapi.cn"} <= MICROSOFT_LOGIN_HOSTS
    old = Target(authority_host="https://login.chinacloudapi.cn", graph_url="https://microsoftgraph.chinacloudapi.cn")
    assert cloud_for_host(old.authority_host) is CLOUD_TABLE["china"]
    assert old.exchange_url == "https://partner.outlook.cn" and old.portal == "https://entra.microsoftonline.cn"


@pytest.mark.parametrize(("cloud", "graph", "exchange", "portal", "autodiscover"), [
    ("global", "https://graph.microsoft.com", "https://outlook.office365.com", "https://entra.microsoft.com",
     "https://autodiscover-s.outlook.com"),
    ("usgov", "https://graph.microsoft.us", "https://outlook.office365.us", "https://entra.microsoft.us",
     "https://outlook.office365.us"),
    ("china", "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn",
     "https://entra.microsoftonline.cn", "https://partner.outlook.cn"),
])
def test_every_host_of_a_cloud_comes_from_its_row(cloud, graph, exchange, portal, autodiscover):
    target = Target.for_cloud(cloud)
    assert target.resource_for("https://graph.microsoft.com") == graph
    assert target.resource_for("https://outlook.office365.com/") == exchange  # the Exchange token's resource
    assert target.resource_for("https://vendor.example.com") == "https://vendor.example.com"
    assert target.portal == portal and target.exchange_url == exchange
    assert target.localize("https://autodiscover-s.outlook.com") == autodiscover


def test_a_simulated_tenant_keeps_the_global_names(sim):
    from wizard.target import demo_target

    target = demo_target(sim)
    assert target.resource_for("https://outlook.office365.com") == "https://outlook.office365.com"
    assert target.localize("https://autodiscover-s.outlook.com") == "https://autodiscover-s.outlook.com"


def test_innovaphone_settings_and_the_checklist_in_us_government():
    from wizard import manual
    from wizard.profiles import get_profile
    from wizard.setup import cloud_defaults

    profile = get_profile("innovaphone")
    target = Target.for_cloud("usgov")
    assert cloud_defaults(profile, target) == {"autodiscover_url": "https://outlook.office365.us"}
    assert cloud_defaults(profile, Target.for_cloud("global")) == {}
    answers = profile.validate({"mailbox": "calendar@contoso.us", "autodiscover": "standard"})
    pasted = manual.Pasted("3c1e0f5a-8d2b-4e7c-9a61-5b0d7e2f4c18", "0b1f2e3d-4c5b-4a69-8877-665544332211", "s" * 40)
    rows = dict((r.label, r.value) for r in manual.pasted_snippet(target, profile, answers, pasted).rows)
    assert rows["Autodiscover URL"] == "https://outlook.office365.us"
    links = [i.link for i in manual.manual_checklist(profile, answers, portal=target.portal).items if i.link]
    assert links and all(link.startswith("https://entra.microsoft.us/") for link in links)


def test_the_manual_command_links_to_the_clouds_admin_center(capsys, tmp_path, monkeypatch):
    import json

    from wizard import cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    code = cli.main(["--cloud", "china", "manual", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com",
                     "--json"])
    out = capsys.readouterr().out
    assert code == 0
    links = [i["link"] for i in json.loads(out)["checklist"] if i.get("link")]
    assert links and all(link.startswith("https://entra.microsoftonline.cn/") for link in links)
