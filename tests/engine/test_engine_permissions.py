"""Permission names → ids from the tenant's resource service principal; catalog fallback; wrong type refused."""

import pytest

from wizard.errors import InputError
from wizard.permissions import PermissionResolver, required_resource_access
from wizard.profiles import Permission

GRAPH = "00000003-0000-0000-c000-000000000000"


def perm(name, type_, resource="graph", app_id=GRAPH):
    return Permission(resource, app_id, name, type_)


def test_resolves_from_the_tenant_with_one_read_per_resource(graph):
    resolver = PermissionResolver(graph)
    before = graph.requests
    infos = resolver.resolve_all([perm("User.Read", "delegated"), perm("Calendars.ReadWrite", "application"),
                                  perm("User.Read.All", "delegated")])
    assert graph.requests - before == 1
    assert [(i.id, i.graph_type) for i in infos] == [
        ("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "Scope"), ("ef54d2bf-783f-4e0f-bca1-3210c0444d99", "Role"),
        ("a154be20-db9c-4678-8ab7-66f6cc099a59", "Scope")]
    assert [i.admin_consent_required for i in infos] == [False, True, True]
    assert infos[0].resource == "Microsoft Graph" and infos[0].description
    assert not resolver.used_catalog


def test_exists_only_as_delegated_is_refused(graph):
    with pytest.raises(InputError, match="exists only as a delegated permission"):
        PermissionResolver(graph).resolve(perm("Calendars.Read.Shared", "application"))


def test_falls_back_to_the_catalog_when_the_tenant_cannot_be_read(sim, graph):
    exchange = sim.state.sp_by_app_id("00000002-0000-0ff1-ce00-000000000000")
    del sim.state.service_principals[exchange["id"]]  # a tenant without Exchange Online
    resolver = PermissionResolver(graph)
    info = resolver.resolve(perm("full_access_as_app", "application", "exchange", "00000002-0000-0ff1-ce00-000000000000"))
    assert info.id == "dc890d15-9560-4a4c-9b7f-a736ec74ec40" and info.type == "application"
    assert resolver.used_catalog


def test_catalog_fallback_carries_microsofts_consent_flag(sim, graph):
    graph_sp = sim.state.sp_by_app_id(GRAPH)
    del sim.state.service_principals[graph_sp["id"]]  # Graph's service principal unreadable here
    resolver = PermissionResolver(graph)
    user_level = resolver.resolve(perm("Calendars.ReadWrite", "delegated"))
    admin_level = resolver.resolve(perm("User.Read.All", "delegated"))
    role = resolver.resolve(perm("Place.Read.All", "application"))
    assert resolver.used_catalog
    assert user_level.id == "1ec239c2-d7c9-4623-a91a-a9775856bb36" and user_level.admin_consent_required is False
    assert admin_level.admin_consent_required is True
    assert role.id == "913b9306-0ce1-42b8-9137-6a7df690a760" and role.admin_consent_required is True
    # no flag in Microsoft's reference for Graph's EWS.AccessAsUser.All: shown as needing an admin
    assert resolver.resolve(perm("EWS.AccessAsUser.All", "delegated")).admin_consent_required is True


def test_required_resource_access_groups_by_api(graph):
    infos = PermissionResolver(graph).resolve_all([perm("User.Read", "delegated"), perm("openid", "delegated")])
    assert required_resource_access(infos) == [{"resourceAppId": GRAPH, "resourceAccess": [
        {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"},
        {"id": "37f7f235-527c-4136-accd-4a02d197296e", "type": "Scope"}]}]
