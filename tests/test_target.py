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
        ("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
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
