"""Golden: Pexip 'Configuring Azure SSO for personal VMRs' (vendor-docs/003), read back through Graph."""

from conftest import read_back, run_vendor

GRAPH = "00000003-0000-0000-c000-000000000000"


def test_pexip_registration_matches_the_vendor_page(sim, graph, who, target, clock, tmp_path):
    setup, applied, secret = run_vendor("pexip", {"addin_fqdn": "px01.vc.example.com"}, graph, who, target, clock, tmp_path)
    got = read_back(graph, applied)
    app = got["app"]
    assert app["displayName"] == "Pexip Scheduling Personal VMRs"
    assert app["signInAudience"] == "AzureADMyOrg"  # Accounts in this organizational directory only
    assert app["web"]["redirectUris"] == ["https://px01.vc.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"]
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False}
    assert app["requiredResourceAccess"] == [
        {"resourceAppId": GRAPH, "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]}]
    assert [(g["consentType"], g["scope"]) for g in got["grants"]] == [("AllPrincipals", "User.Read")]
    assert got["assignments"] == []
    assert [c["keyId"] for c in app["passwordCredentials"]] == [secret.key_id]
    snippet = setup.snippet(applied.client_id, secret.value)
    rows = {r.label: r for r in snippet.rows}
    assert list(rows) == ["User OAuth client ID", "User OAuth authorization URI", "User OAuth token URI",
                          "Azure OAuth client secret", "OAuth redirect URI"]
    assert rows["User OAuth client ID"].value == applied.client_id
    assert rows["User OAuth authorization URI"].value == f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/authorize"
    assert rows["User OAuth token URI"].value == f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token"
    assert rows["Azure OAuth client secret"].value == secret.value and rows["Azure OAuth client secret"].secret
    assert rows["OAuth redirect URI"].value == app["web"]["redirectUris"][0]
