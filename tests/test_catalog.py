"""The bundled permission catalog must match shared/reference/permissions.md id for id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard import catalog
from wizard.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[1]
# In CI the repo is cloned fresh with shared/ beside it: <parent>/shared/reference/…
REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "permissions.md"

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _sections() -> dict[str, list[list[str]]]:
    """Markdown table rows (cells stripped) grouped by their `## heading`."""
    assert REFERENCE.is_file(), (
        f"the permission reference is missing: expected {REFERENCE} "
        "(shared/ must sit beside the repository)"
    )
    sections: dict[str, list[list[str]]] = {}
    heading = ""
    for line in REFERENCE.read_text("utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            sections[heading] = []
        elif line.startswith("|") and heading:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue  # the |---|---| separator
            sections[heading].append(cells)
    return sections


def _reference() -> tuple[dict[str, str], dict[tuple[str, str, str], str | None]]:
    """(resource name → appId, (resource key, permission, type) → id or None)."""
    sections = _sections()
    apps = {row[0]: row[1] for row in sections["Resource applications"][1:]}
    ids: dict[tuple[str, str, str], str | None] = {}
    for name, delegated, application in sections["Microsoft Graph"][1:]:
        d = GUID.search(delegated)
        a = GUID.search(application)
        ids[("graph", name, "delegated")] = d.group(0) if d and not delegated.startswith("—") else None
        if application.startswith("—"):
            ids[("graph", name, "application")] = None
            # "— (app-only is OnlineMeetings.ReadWrite.All, b8bb…)": a separate permission
            m = re.search(r"app-only is ([\w.]+), (" + GUID.pattern + ")", application)
            if m:
                ids[("graph", m.group(1), "application")] = m.group(2)
        else:
            assert a, f"no id in {application!r}"
            ids[("graph", name, "application")] = a.group(0)
    for name, type_, id_ in sections["Office 365 Exchange Online"][1:]:
        kind = "application" if type_.startswith("application") else "delegated"
        ids[("exchange", name, kind)] = GUID.search(id_).group(0)
    return apps, ids


def test_reference_is_parsed():
    apps, ids = _reference()
    assert len(apps) == 2
    assert len(ids) >= 30


def test_resource_app_ids_match_reference():
    apps, _ = _reference()
    assert catalog.resource_app_id("graph") == apps["Microsoft Graph"]
    assert catalog.resource_app_id("exchange") == apps["Office 365 Exchange Online"]
    assert catalog.resource("Microsoft Graph").key == "graph"
    assert catalog.resource(apps["Office 365 Exchange Online"]).key == "exchange"


def test_every_reference_id_is_in_the_catalog():
    _, ids = _reference()
    for (res, name, kind), expected in ids.items():
        if expected is None:
            with pytest.raises(InputError):
                catalog.lookup(res, name, kind)
        else:
            assert catalog.lookup(res, name, kind) == expected, (res, name, kind)


def test_catalog_has_nothing_the_reference_lacks():
    _, ids = _reference()
    for perm in catalog.all_permissions():
        for kind, value in (("delegated", perm.delegated_id), ("application", perm.application_id)):
            key = (perm.resource, perm.name, kind)
            if value is not None:
                assert ids.get(key) == value, f"{key} = {value} is not in the reference"


def test_every_permission_has_a_plain_description():
    for perm in catalog.all_permissions():
        text = catalog.describe(perm.resource, perm.name)
        assert text and text.endswith(".") and len(text) < 140, perm.name


def test_delegated_only_permission_refused_as_application():
    with pytest.raises(InputError) as err:
        catalog.lookup("graph", "Calendars.Read.Shared", "application")
    assert "exists only as a delegated permission" in str(err.value)
    assert err.value.field == "Calendars.Read.Shared"


def test_application_only_permission_refused_as_delegated():
    with pytest.raises(InputError) as err:
        catalog.lookup("exchange", "full_access_as_app", "delegated")
    assert "exists only as an application permission" in str(err.value)


def test_scope_and_role_spellings_and_case():
    assert catalog.lookup("graph", "user.read", "Scope") == catalog.lookup("graph", "User.Read", "delegated")
    assert catalog.lookup("exchange", "full_access_as_app", "Role") == "dc890d15-9560-4a4c-9b7f-a736ec74ec40"


def test_unknown_permission_resource_and_type():
    with pytest.raises(InputError, match="not a Microsoft Graph permission"):
        catalog.lookup("graph", "Mail.Teleport", "delegated")
    with pytest.raises(InputError, match="not a known API"):
        catalog.resource_app_id("sharepoint")
    with pytest.raises(InputError, match="not a permission type"):
        catalog.lookup("graph", "User.Read", "sometimes")


def test_catalog_is_dependency_free():
    import ast

    tree = ast.parse(Path(catalog.__file__).read_text("utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "functools", "tomllib", "dataclasses", "importlib", "wizard"}
