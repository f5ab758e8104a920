"""Golden: FlexO 'Microsoft Teams Configuration' (vendor-docs/000), read back through Graph."""

from conftest import read_back, run_vendor

GRAPH = "00000003-0000-0000-c000-000000000000"


def test_flexo_registration_matches_the_vendor_page(sim, graph, who, target, clock, tmp_path):
    uris = ["https://flexo.example.com/oauth/office365", "https://flexo.example.com/oauth/teams"]
    setup, applied, secret = run_vendor("flexo", {"redirect_uri": uris}, graph, who, target, clock, tmp_path)
    got = read_back(graph, applied)
    app = got["app"]
    assert app["web"]["redirectUris"] == uris
    # "then select ID tokens"
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": True}
    assert app["requiredResourceAccess"] == [
        {"resourceAppId": GRAPH, "resourceAccess": [{"id": "a65f2972-a4f8-4f5e-afd7-69ccb046d5dc", "type": "Scope"}]}]
    # "click Grant admin consent for […]"
    assert [(g["consentType"], g["scope"]) for g in got["grants"]] == [("AllPrincipals", "OnlineMeetings.ReadWrite")]
    assert secret.months == 24  # "a long life span (2 years for example)"
    snippet = setup.snippet(applied.client_id, secret.value)
    assert [(r.label, r.value) for r in snippet.rows] == [
        ("Tenant ID", sim.tenant_id), ("Application ID", applied.client_id), ("Application Secret Key", secret.value)]
