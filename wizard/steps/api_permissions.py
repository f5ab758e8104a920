"""API permissions the app *asks for*: its `requiredResourceAccess`
(https://learn.microsoft.com/graph/api/resources/requiredresourceaccess).

Kinds: `perm_add`, `perm_remove`. A permission is (resource appId, id, type) with type
"Scope" (delegated) or "Role" (application); the same name asked for as the other type is
removed and added again. What an admin *granted* is consent: `wizard.steps.admin_consent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.permissions import APPLICATION
from wizard.plan import Step
from wizard.portal import MENU_API, TYPE_WORDS, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier
    from wizard.profiles import Permission

Key = tuple[str, str, str]  # (resourceAppId, id, "Scope" | "Role"), lower-case ids


def requested(rra: list[dict]) -> set[Key]:
    """The permissions a `requiredResourceAccess` list asks for."""
    return {
        (str(r.get("resourceAppId", "")).lower(), str(a.get("id", "")).lower(), str(a.get("type", "")))
        for r in rra or [] for a in r.get("resourceAccess") or []
    }


def permission_name(resource_app_id: str, perm_id: str, typ: str) -> str:
    """A permission's name from the catalog, or its id when unknown."""
    from wizard import catalog

    try:
        res = catalog.resource(resource_app_id)
    except Exception:  # noqa: BLE001 — unknown API: show the id
        return f"{perm_id} of API {resource_app_id}"
    for p in res.permissions.values():
        if (typ == "Scope" and p.delegated_id == perm_id) or (typ == "Role" and p.application_id == perm_id):
            return f"{p.name} ({res.name})"
    return f"{perm_id} ({res.name})"


def api_words(permission: Permission) -> str:
    """The API as the 'Request API permissions' pane names it (another API: by its appId, which the
    pane's 'APIs my organization uses' search finds)."""
    if permission.resource == "exchange":
        return "Office 365 Exchange Online"
    if permission.resource == "graph":
        return "Microsoft Graph"
    return f"API {permission.resource_app_id}"


class ApiPermissions(StepKind[Compared]):
    names = ("perm_add", "perm_remove")

    def diff(self, given: Compared) -> list[Step]:
        desired, app = given.desired, given.app
        if app is None:
            return []  # in the create body
        have = requested(app.get("requiredResourceAccess") or [])
        want = {(p.resource_app_id.lower(), p.id.lower(), p.graph_type): p for p in desired.permissions}
        steps: list[Step] = []
        for key, p in want.items():
            if key not in have:
                steps.append(Step(f"perm_add:{key[0]}:{key[1]}:{key[2]}", f"Add {p.type} permission {p.name} ({p.resource})",
                                  "perm_add", {"resourceAppId": key[0], "id": key[1], "type": key[2]}))
        names = {(p.resource_app_id.lower(), p.id.lower()): p for p in desired.permissions}
        for res, pid, typ in sorted(have - set(want)):
            same = names.get((res, pid))
            kind = "delegated" if typ == "Scope" else "application"
            if same is not None:
                sentence = (f"Remove {same.name} as {'an' if kind == APPLICATION else 'a'} {kind} permission "
                            f"(the vendor needs it as {same.type})")
            else:
                sentence = f"Remove {kind} permission {permission_name(res, pid, typ)} (the vendor does not need it)"
            steps.append(Step(f"perm_remove:{res}:{pid}:{typ}", sentence, "perm_remove",
                              {"resourceAppId": res, "id": pid, "type": typ}))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        rra = [{"resourceAppId": r["resourceAppId"], "resourceAccess": [dict(a) for a in r.get("resourceAccess") or []]}
               for r in run.current_app.get("requiredResourceAccess") or []]
        res, pid, typ = step.data["resourceAppId"], step.data["id"], step.data["type"]
        if step.kind == "perm_add":
            entry = next((r for r in rra if r["resourceAppId"].lower() == res), None)
            if entry is None:
                entry = {"resourceAppId": res, "resourceAccess": []}
                rra.append(entry)
            if any(a["id"].lower() == pid and a["type"] == typ for a in entry["resourceAccess"]):
                return "already requested"
            entry["resourceAccess"].append({"id": pid, "type": typ})
            run.patch_app({"requiredResourceAccess": rra})
            return ""
        changed = False
        for r in rra:
            if r["resourceAppId"].lower() == res:
                keep = [a for a in r["resourceAccess"] if not (a["id"].lower() == pid and a["type"] == typ)]
                changed |= len(keep) != len(r["resourceAccess"])
                r["resourceAccess"] = keep
        if not changed:
            return "already removed"
        run.patch_app({"requiredResourceAccess": [r for r in rra if r["resourceAccess"]]})
        return ""

    def verify_line(self, step: Step, vendor: str) -> str | None:
        if step.kind == "perm_add":
            return step.sentence.replace("Add ", "The ", 1) + " is missing"
        return step.sentence.replace("Remove ", "The app also asks for ", 1)

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        permissions = given.profile.permissions
        if not permissions:
            return []
        values = [(f"{api_words(p)}, {TYPE_WORDS.get(p.type, p.type)}", p.name) for p in permissions]
        help_text = ("API permissions > Add a permission. Pick the API (Microsoft Graph is under Microsoft APIs), "
                     "then the permission type, tick each permission, Add permissions. Remove any other "
                     "permission listed there.")
        if any(p.resource == "exchange" for p in permissions):
            help_text += (" Office 365 Exchange Online is under 'APIs my organization uses' (search 'Office 365 "
                          "Exchange Online').")
        if any(p.resource not in ("graph", "exchange") for p in permissions):
            help_text += (" Any other API is under 'APIs my organization uses': search for its appId (the vendor's "
                          "API must already be in the tenant).")
        return [ChecklistItem("Add the API permissions", values, given.link(MENU_API), given.opener + help_text)]


KIND = ApiPermissions()
