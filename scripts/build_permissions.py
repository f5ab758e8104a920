"""Build wizard/data/graph_permissions.json from Microsoft's published permissions reference.

Inputs (copies of Microsoft's documentation files, kept in the repository):
- tests/data/graph_permissions_ids.md: "All permissions and IDs", the auto-generated
  concepts/includes/permissions-ids.md of microsoftgraph/microsoft-graph-docs-contrib: one row per
  permission and type (Application = appRole, Delegated = oauth2PermissionScope) with its id.
- tests/data/graph_permissions_reference.md: the permission tables of concepts/permissions-reference.md
  (display string, description, "Admin Consent Required") as Microsoft published them.

Run from the repository root:  python scripts/build_permissions.py
Ids are only ever copied by this script; tests/test_catalog.py parses the same inputs a second,
independent way and compares every id with the package data.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDS = ROOT / "tests" / "data" / "graph_permissions_ids.md"
REFERENCE = ROOT / "tests" / "data" / "graph_permissions_reference.md"
OUT = ROOT / "wizard" / "data" / "graph_permissions.json"

REPO = "microsoftgraph/microsoft-graph-docs-contrib"
IDS_COMMIT = "0fcd5cbe2910cde47ccadfc740b8df07f57244d7"
REFERENCE_COMMIT = "f3102d3960bbd2415332e27b3b69dcd600d46fd4"

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ROW = re.compile(r"^\|\s*(\S+)\s*\|\s*(Application|Delegated)\s*\|\s*(" + GUID + r")\s*\|\s*$")
KINDS = {"Application": "application", "Delegated": "delegated"}


def parse_ids(text: str) -> dict[str, dict[str, str]]:
    """name → {"application": id, "delegated": id} from the "All permissions and IDs" table."""
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        name, kind, id_ = m.group(1), KINDS[m.group(2)], m.group(3)
        forms = out.setdefault(name, {})
        if kind in forms:
            raise SystemExit(f"{name} {kind} appears twice")
        forms[kind] = id_
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _clean(text: str) -> str:
    """The cell's text as plain words: markdown links become their text; <br/>, ** and ` go."""
    text = re.sub(r"</?br\s*/?>", " ", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def parse_reference(text: str) -> dict[tuple[str, str], dict]:
    """(name, kind) → {"displayName", "description", "adminConsentRequired"} from the tables of
    the permissions reference (sections "#### Delegated permissions" / "#### Application permissions";
    the "OpenID Connect (OIDC) scopes" table is delegated). The first row of a name and kind wins."""
    out: dict[tuple[str, str], dict] = {}
    kind = None
    for line in text.splitlines():
        low = line.strip().lower()
        if low.startswith("<!--"):
            continue
        if low.startswith("#"):
            kind = ("delegated" if "delegated permissions" in low or "(oidc) scopes" in low else
                    "application" if "application permissions" in low else None)
            continue
        if kind is None or "|" not in line:
            continue
        cells = _cells(line)
        if len(cells) < 4:
            continue
        m = re.match(r"[\s_*]*([A-Za-z][\w.\-]*)", cells[0])
        if not m:
            continue
        name = m.group(1).strip("_")
        consent = cells[3].strip().lower()
        out.setdefault((name, kind), {
            "displayName": _clean(cells[1]) or None,
            "description": _clean(cells[2]) or None,
            "adminConsentRequired": True if consent.startswith("yes") else False if consent.startswith("no") else None,
        })
    return out


def build() -> dict:
    ids = parse_ids(IDS.read_text("utf-8"))
    ref = {}
    if REFERENCE.is_file():
        # The reference spells a few names in another case (Calls.JoinGroupCallasGuest.All).
        ref = {(name.lower(), kind): v for (name, kind), v in parse_reference(REFERENCE.read_text("utf-8")).items()}
    permissions: dict[str, dict] = {}
    for name in sorted(ids, key=str.lower):
        entry: dict[str, dict] = {}
        for kind in ("delegated", "application"):
            if kind not in ids[name]:
                continue
            text = ref.get((name.lower(), kind), {})
            admin = text.get("adminConsentRequired")
            if kind == "application":
                # "Application permissions can only be consented by an administrator" (reference,
                # "Delegated permissions, Application permissions, and effective permissions").
                admin = True
            entry[kind] = {
                "id": ids[name][kind],
                "displayName": text.get("displayName"),
                "description": text.get("description"),
                "adminConsentRequired": admin,
            }
        permissions[name] = entry
    return {
        "source": {
            "publisher": "Microsoft",
            "title": "Microsoft Graph permissions reference",
            "url": "https://learn.microsoft.com/en-us/graph/permissions-reference",
            "ids": f"https://github.com/{REPO}/blob/{IDS_COMMIT}/concepts/includes/permissions-ids.md",
            "ids_commit": IDS_COMMIT,
            "descriptions": f"https://github.com/{REPO}/blob/{REFERENCE_COMMIT}/concepts/permissions-reference.md",
            "descriptions_commit": REFERENCE_COMMIT,
            "note": "Generated by scripts/build_permissions.py from the copies in tests/data; do not edit. "
                    "displayName/description/adminConsentRequired are null where the descriptions "
                    "source has no table row for that permission and type.",
        },
        "resource": {"name": "Microsoft Graph", "appId": "00000003-0000-0000-c000-000000000000"},
        "permissions": permissions,
    }


def main(argv: list[str]) -> int:
    data = build()
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if "--check" in argv:
        current = OUT.read_text("utf-8") if OUT.is_file() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python scripts/build_permissions.py")
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    forms = sum(len(v) for v in data["permissions"].values())
    described = sum(1 for v in data["permissions"].values() for f in v.values() if f["description"])
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['permissions'])} permissions, {forms} ids, {described} described")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
