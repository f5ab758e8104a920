"""Pre-existing app registrations of a scenario (see `scenarios.py` for the TOML shape).

They are created directly in the tenant's state, already replicated (they are
old), with their service principal, secrets, admin-consented scopes and granted
application permissions, so a test starts from e.g. "a drifted FlexO app".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.simtenant import catalog, model

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

RESOURCE_ALIASES = {"graph": catalog.GRAPH_APP_ID, "exchange": catalog.EXCHANGE_APP_ID}
SIM_KEYS = {"service_principal", "secrets", "delegated_grants", "app_roles", "created_days"}
DAY = 86400.0


def _resource_sp(sim: "SimTenant", name: str) -> dict:
    sp = sim.state.sp_by_app_id(RESOURCE_ALIASES.get(name, name))
    if sp is None:
        raise ValueError(f"scenario: unknown resource {name!r} (use graph, exchange or an appId)")
    return sp


def create_from_scenario(sim: "SimTenant", entry: dict) -> dict:
    state, now = sim.state, sim.clock.now()
    body = {k: v for k, v in entry.items() if k not in SIM_KEYS}
    unknown = set(body) - set(model.APPLICATION_WRITABLE)
    if unknown:
        raise ValueError(f"scenario application: unknown properties {', '.join(sorted(unknown))}")
    created = now + float(entry.get("created_days", -30)) * DAY
    app = model.new_application(sim.ids.object_id(), sim.ids.object_id(), created, state.domain)
    model.merge(app, body)
    state.applications[app["id"]] = app
    for secret_spec in entry.get("secrets", []):
        text = sim.ids.secret_text()
        key_id = sim.ids.object_id()
        start = now + float(secret_spec.get("start_days", -30)) * DAY
        end = now + float(secret_spec.get("end_days", 700)) * DAY
        credential = model.password_credential(key_id, text, start, end, secret_spec.get("displayName"))
        app["passwordCredentials"].append(dict(credential, secretText=None))
        state.secrets[(app["id"], key_id)] = text
    grants, roles = entry.get("delegated_grants", []), entry.get("app_roles", [])
    if entry.get("service_principal", bool(grants or roles)):
        sp = sim.create_service_principal(app, created, replicate=False)
        for grant_spec in grants:
            resource = _resource_sp(sim, grant_spec["resource"])
            sim.ids.object_id()  # grant ids derive from their objects; the draw keeps seeded ids stable
            grant = model.new_grant(sp["id"], resource["id"], grant_spec["scope"],
                                    grant_spec.get("consent_type", "AllPrincipals"), grant_spec.get("principal_id"))
            state.grants[grant["id"]] = grant
        for role_spec in roles:
            resource = _resource_sp(sim, role_spec["resource"])
            role = next((r for r in resource["appRoles"] if r["value"] == role_spec["value"]), None)
            if role is None:
                raise ValueError(f"scenario: {resource['displayName']} has no app role {role_spec['value']!r}")
            assignment = model.new_assignment(sim.ids.assignment_id(sp["id"]), sp, "ServicePrincipal", resource, role["id"],
                                              created)
            state.assignments[assignment["id"]] = assignment
    return app
