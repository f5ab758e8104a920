"""Scenarios: a tenant's starting state and fault plan, described in TOML.

A scenario file lives in `wizard/simtenant/scenarios/<name>.toml` (package data)
or anywhere on disk (pass the path). It may contain:

    description = "one line"
    extends = "demo"                 # start from another scenario (its faults, apps, flags)

    [tenant]                         # optional: tenant_id, domain, name
    [faults]                         # FaultPlan fields (see faults.py); [[faults.rules]] tables
    [flags]
    loopmeeting_consent = true       # the LoopMeeting enterprise app is already consented
    loopmeeting_consent_after = 6.0  # …or its admin consents N s after a client first looks for it

    [[applications]]                 # app registrations that already exist
    displayName = "FlexO"            # …any writable Graph application property…
    service_principal = true         # also create its enterprise app (service principal)
    [[applications.secrets]]         # client secrets, times relative to "now" in days
    displayName = "old"; start_days = -800; end_days = -70
    [[applications.delegated_grants]]   # admin consent (AllPrincipals) for scopes
    resource = "graph"; scope = "User.Read"
    [[applications.app_roles]]       # application permissions granted
    resource = "graph"; value = "Calendars.Read"

So a test says `SimTenant(scenario="flexo_drifted")` for "a tenant with a
drifted FlexO app".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from wizard.simtenant.faults import FaultPlan

SCENARIO_DIR = "scenarios"


@dataclass
class Scenario:
    name: str
    description: str = ""
    tenant: dict = field(default_factory=dict)
    faults: dict = field(default_factory=dict)
    flags: dict = field(default_factory=dict)
    applications: list[dict] = field(default_factory=list)

    def fault_plan(self) -> FaultPlan:
        return FaultPlan.from_dict(self.faults)


def available() -> list[str]:
    """Names of the bundled scenarios."""
    folder = resources.files("wizard.simtenant").joinpath(SCENARIO_DIR)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read(name_or_path: str) -> tuple[str, dict]:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        with open(path, "rb") as handle:
            return path.stem, tomllib.load(handle)
    resource = resources.files("wizard.simtenant").joinpath(SCENARIO_DIR, f"{name_or_path}.toml")
    if not resource.is_file():
        raise ValueError(f"unknown scenario {name_or_path!r}; bundled: {', '.join(available())}")
    return name_or_path, tomllib.loads(resource.read_text(encoding="utf-8"))


def load(name_or_path: str, _seen: tuple[str, ...] = ()) -> Scenario:
    """Load a bundled scenario by name, or a TOML file by path."""
    name, data = _read(name_or_path)
    if name in _seen:
        raise ValueError(f"scenario {name!r} extends itself")
    unknown = set(data) - {"description", "extends", "tenant", "faults", "flags", "applications"}
    if unknown:
        raise ValueError(f"scenario {name!r}: unknown keys {', '.join(sorted(unknown))}")
    base = load(data["extends"], _seen + (name,)) if data.get("extends") else Scenario(name)
    faults = dict(base.faults)
    faults.update(data.get("faults", {}))
    return Scenario(
        name=name,
        description=data.get("description", base.description),
        tenant={**base.tenant, **data.get("tenant", {})},
        faults=faults,
        flags={**base.flags, **data.get("flags", {})},
        applications=base.applications + list(data.get("applications", [])),
    )
