"""The bundled permission catalog is Microsoft's published data, id for id.

Two independent references, both copied into tests/data (no test reads outside the repository):
- reference_permissions.md: the project's shared/reference/permissions.md (the ids the five vendors need);
- graph_permissions_ids.md: Microsoft's "All permissions and IDs" table (the full Graph list), which
  scripts/build_permissions.py turned into wizard/data/graph_permissions.json; parsed here a second,
  independent way and compared with the package data.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from wizard import catalog
from wizard.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
# A copy of shared/reference/permissions.md (its first line says so).
REFERENCE = DATA / "reference_permissions.md"
# Microsoft's concepts/includes/permissions-ids.md, unchanged below a one-line source comment.
MICROSOFT_IDS = DATA / "graph_permissions_ids.md"
MICROSOFT_IDS_CHARS = 72176  # total_chars of that file at the commit named in its first line

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _sections() -> dict[str, list[list[str]]]:
    """Markdown table rows (cells stripped) grouped by their `## heading`."""
    assert REFERENCE.is_file(), (
        f"the permission reference is missing: expected {REFERENCE} (a copy of shared/reference/permissions.md)"
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


def test_exchange_has_nothing_the_reference_lacks():
    # Graph's full list is checked against Microsoft's own table below.
    _, ids = _reference()
    for perm in catalog.resource("exchange").permissions.values():
        for kind, value in (("delegated", perm.delegated_id), ("application", perm.application_id)):
            key = (perm.resource, perm.name, kind)
            if value is not None:
                assert ids.get(key) == value, f"{key} = {value} is not in the reference"


def test_every_permission_has_a_plain_description():
    for perm in catalog.all_permissions():
        text = catalog.describe(perm.resource, perm.name)
        assert text and text.endswith("."), perm.name
    # The wizard's own plain lines (data/permissions.toml) stay short enough for the plan screen.
    own = tomllib.loads((REPO_ROOT / "wizard" / "data" / "permissions.toml").read_text("utf-8"))
    for key, res in own["resources"].items():
        for name, entry in res.get("permissions", {}).items():
            assert catalog.describe(key, name) == entry["description"]
            assert len(entry["description"]) < 140, name


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
    assert imported <= {"__future__", "difflib", "functools", "json", "tomllib", "dataclasses", "importlib", "wizard"}


# --- Microsoft's full Graph list ------------------------------------------------------------------


def _microsoft_rows() -> list[tuple[str, str, str]]:
    """(name, "Application" | "Delegated", id) of every table row of Microsoft's file.

    Deliberately not the build script's parser: plain cell splitting, no regular expression for
    the row, so a mistake in one pass does not hide in the other.
    """
    rows = []
    for line in MICROSOFT_IDS.read_text("utf-8").splitlines()[1:]:
        if not line.startswith("| "):
            continue
        name, kind, id_ = (cell.strip() for cell in line[1:-1].split("|"))
        if name == "Permission name" or set(name) == {"-"}:
            continue
        rows.append((name, kind, id_))
    return rows


def test_microsoft_ids_file_is_whole():
    lines = MICROSOFT_IDS.read_text("utf-8").split("\n", 1)
    assert "0fcd5cbe2910cde47ccadfc740b8df07f57244d7" in lines[0] and "permissions-ids.md" in lines[0]
    body = lines[1].rstrip("\n")
    assert len(body) == MICROSOFT_IDS_CHARS, "the copy is not the whole published file"
    assert body.startswith("---\nauthor:") and "auto-generated" in body[:400]
    rows = _microsoft_rows()
    assert len(rows) == 635
    # Microsoft's generator sorts by name, case-insensitively, and pads each column to a fixed width.
    names = [r[0] for r in rows]
    assert names == sorted(names, key=str.lower)
    assert all(len(line) == 112 for line in body.splitlines()[9:])


def test_every_microsoft_id_is_in_the_catalog_and_nothing_else():
    expected = {}
    for name, kind, id_ in _microsoft_rows():
        assert GUID.fullmatch(id_), (name, id_)
        assert kind in ("Application", "Delegated"), (name, kind)
        expected[(name, kind.lower())] = id_
    bundled = {}
    for perm in catalog.resource("graph").permissions.values():
        for kind, value in (("delegated", perm.delegated_id), ("application", perm.application_id)):
            if value is not None:
                bundled[(perm.name, kind)] = value
    assert bundled == expected
    # and every one resolves by name through the public lookup
    for (name, kind), id_ in expected.items():
        assert catalog.lookup("graph", name, kind) == id_


def test_package_data_is_what_the_build_script_makes():
    import runpy

    script = runpy.run_path(str(REPO_ROOT / "scripts" / "build_permissions.py"))
    built = script["build"]()
    bundled = json.loads((REPO_ROOT / "wizard" / "data" / "graph_permissions.json").read_text("utf-8"))
    assert bundled == built, "run: python scripts/build_permissions.py"


def test_package_data_names_its_source():
    source = catalog.graph_source()
    assert source["ids_commit"] == "0fcd5cbe2910cde47ccadfc740b8df07f57244d7"
    assert "microsoftgraph/microsoft-graph-docs-contrib" in source["ids"]
    assert source["url"] == "https://learn.microsoft.com/en-us/graph/permissions-reference"


def test_application_permissions_always_need_an_admin():
    for perm in catalog.resource("graph").permissions.values():
        if perm.application:
            assert perm.application.admin_consent is True, perm.name


def test_any_graph_permission_resolves_and_a_wrong_type_names_the_form_that_exists():
    assert catalog.lookup("graph", "Place.Read.All", "application") == "913b9306-0ce1-42b8-9137-6a7df690a760"
    assert catalog.lookup("graph", "Place.Read.All", "delegated") == "cb8f45a0-5c2e-4ea1-b803-84b870a7d7ec"
    assert catalog.lookup("graph", "Application.Read.All", "Role") == "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"
    with pytest.raises(InputError) as err:
        catalog.lookup("graph", "Place.ReadWrite.All", "application")
    assert "exists only as a delegated permission" in str(err.value)
    with pytest.raises(InputError) as err:
        catalog.lookup("graph", "Sites.Selected", "delegated")
    assert "exists only as an application permission" in str(err.value)


def test_a_misspelt_permission_gets_the_close_name():
    with pytest.raises(InputError) as err:
        catalog.lookup("graph", "Calendar.ReadWrite", "delegated")
    assert "did you mean Calendars.ReadWrite?" in str(err.value)


def test_the_five_vendors_ids_match_the_reference():
    from wizard.profiles import load_profiles

    _, ids = _reference()
    profiles = load_profiles()
    assert len(profiles) >= 5
    checked = {}
    for profile in profiles.values():
        for perm in profile.permissions:
            kind = {"scope": "delegated", "role": "application"}.get(perm.type.lower(), perm.type.lower())
            key = (catalog.resource(perm.resource).key, catalog.permission(perm.resource, perm.name).name, kind)
            assert key in ids, f"{profile.id}: {key} is not in tests/data/reference_permissions.md"
            assert perm.id == ids[key], (profile.id, key)
            checked[profile.id] = checked.get(profile.id, 0) + 1
    # LoopMeeting is an enterprise app: it requests nothing itself (the wizard only shows its grants).
    assert set(checked) >= {"flexo", "syncsign", "innovaphone", "pexip"}, checked
    assert profiles["loopmeeting"].permissions == ()


def test_display_names_descriptions_and_consent_flags_come_from_the_reference():
    cal = catalog.permission("graph", "Calendars.ReadWrite")
    assert cal.delegated.display_name == "Have full access to user calendars"
    assert cal.delegated.admin_consent is False
    assert cal.application.display_name == "Read and write calendars in all mailboxes"
    place = catalog.permission("graph", "Place.Read.All")
    assert place.delegated.admin_consent is True
    assert place.application.description.startswith("Allows the app to read company places")
    assert catalog.permission("graph", "User.Read.All").delegated.admin_consent is True
    assert catalog.permission("graph", "offline_access").delegated.admin_consent is False
    # Where the reference has no row, nothing is made up.
    ews = catalog.permission("graph", "EWS.AccessAsUser.All").delegated
    assert (ews.display_name, ews.description, ews.admin_consent) == (None, None, None)
    described = [f for p in catalog.resource("graph").permissions.values()
                 for f in (p.delegated, p.application) if f and f.description]
    assert len(described) >= 500


def test_descriptions_are_plain_words_not_markdown():
    for perm in catalog.resource("graph").permissions.values():
        for form in (perm.delegated, perm.application):
            for text in (form.display_name, form.description) if form else ():
                if text:
                    assert not any(mark in text for mark in ("](", "<br", "</", "**", "`", "  ")), (perm.name, text)
        line = catalog.describe("graph", perm.name)
        assert line.count(". ") == 0 or perm.name in _own_lines(), (perm.name, line)


def _own_lines() -> set[str]:
    own = tomllib.loads((REPO_ROOT / "wizard" / "data" / "permissions.toml").read_text("utf-8"))
    return set(own["resources"]["graph"].get("permissions", {}))
