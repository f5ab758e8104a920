"""Golden: SyncSign 'Using Office 365' (vendor-docs/001), read back through Graph.

The guide lists the permissions under 'Application permissions'; four of them exist only
as delegated permissions, and SOPS Connect is a user sign-in: they are delegated here.
"""

from conftest import read_back, run_vendor

GRAPH = "00000003-0000-0000-c000-000000000000"
EXPECTED = {  # Microsoft's delegated (Scope) ids, shared/reference/permissions.md
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
    "Calendars.Read": "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42",
    "Calendars.Read.Shared": "2b9c4092-424d-4249-948d-b43879977640",
    "Calendars.ReadWrite": "1ec239c2-d7c9-4623-a91a-a9775856bb36",
    "Calendars.ReadWrite.Shared": "12466101-c9b8-439a-8589-dd09ee67e8e9",
}


def test_syncsign_registration_matches_the_vendor_page(sim, graph, who, target, clock, tmp_path):
    setup, applied, secret = run_vendor("syncsign", {"sops_domain": "sops.example.com"}, graph, who, target, clock, tmp_path)
    got = read_back(graph, applied)
    app = got["app"]
    assert app["web"]["redirectUris"] == ["https://sops.example.com/m"]
    assert app["web"]["implicitGrantSettings"] == {"enableAccessTokenIssuance": True, "enableIdTokenIssuance": True}
    assert app["signInAudience"] == "AzureADMyOrg"
    [rra] = app["requiredResourceAccess"]
    assert rra["resourceAppId"] == GRAPH
    assert sorted((a["id"], a["type"]) for a in rra["resourceAccess"]) == sorted((i, "Scope") for i in EXPECTED.values())
    [grant] = got["grants"]
    assert grant["consentType"] == "AllPrincipals"
    assert sorted(grant["scope"].split()) == sorted(EXPECTED)
    snippet = setup.snippet(applied.client_id, secret.value)
    assert [(r.label, r.value) for r in snippet.rows] == [("Client Id", applied.client_id), ("Client Secret", secret.value)]


def test_syncsign_multitenant_answer(sim, graph, who, target, clock, tmp_path):
    setup, applied, _ = run_vendor("syncsign", {"sops_domain": "sops.example.com:8443", "tenancy": "multi"},
                                   graph, who, target, clock, tmp_path)
    app = read_back(graph, applied)["app"]
    assert app["signInAudience"] == "AzureADMultipleOrgs"
    assert app["web"]["redirectUris"] == ["https://sops.example.com:8443/m"]
