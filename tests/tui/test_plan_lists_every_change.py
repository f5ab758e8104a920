"""The plan screen lists every change apply makes (issue 17 item 5), for every vendor.

Each case reads the simulated tenant before and after the real engine's apply (and the client
secret, when the plan makes one), turns every difference into the words the plan must show (a
redirect URI, "ID tokens", a permission's name, the Home page URL …) and looks for them in the
text of the real plan screen shown before the apply. A difference the test does not know is a
failure too, so a new kind of change cannot slip past the plan unlisted.

Two situations per vendor: a first run (the app is created: its create body carries the
redirect URIs, the implicit grant and the branding) and a repair (someone changed the app in
the portal afterwards).
"""

from __future__ import annotations

import copy

import pytest

from app_helpers import APP_CSS
from textual.app import App

from conftest import ADMIN, make_sim, sign_in
from screens.plan import PlanScreen
from screens.session import WizardSession
from wizard.plan import AUDIENCE_WORDS
from wizard.profiles import get_profile
from wizard.target import demo_target

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
RAW = {
    "flexo": {"redirect_uri": "https://flexo.example.com/oauth", "logo_file": "./flexo-logo.png",
              "info_url": "https://flexo.example.com"},
    "syncsign": {"sops_domain": "sops.example.com"},
    "innovaphone": {"mailbox": "calendar-sync@contoso.onmicrosoft.com"},
    "pexip": {"addin_fqdn": "px01.vc.example.com"},
    "loopmeeting": {"service_account": "loopmeeting-svc@contoso.onmicrosoft.com"},
}
# The tenant's bookkeeping (replication clocks, the secret text kept for assertions): no change of its own.
BOOKKEEPING = {"now", "secrets", "secret_issued", "app_created", "hidden_reads", "graph_ready_at", "sts_ready_at",
               "flaps"}
# Application properties that are the wizard's own marks or Microsoft's, not settings the admin sees changed.
APP_BOOKKEEPING = {"id", "appId", "uniqueName", "tags", "notes", "createdDateTime", "publisherDomain",
                   "deletedDateTime", "keyCredentials"}
# What Microsoft gives every new app by itself (Graph's defaults), not the wizard's doing.
NEW_APP_DEFAULTS = {"parentalControlSettings.legalAgeGroupRule"}


class PlanApp(App):
    CSS_PATH = APP_CSS
    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.step_id = "plan"
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(PlanScreen(self.session))


def signed_in_session(vendor: str, clock, tmp_path, monkeypatch) -> WizardSession:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flexo-logo.png").write_bytes(PNG)
    sim = make_sim(clock)
    if vendor == "loopmeeting":
        sim.simulate_loopmeeting_consent()  # the vendor's app exists once consented in its console
    target = demo_target(sim)
    session = WizardSession(clock=clock, target=target, sim=sim, state_dir=tmp_path / "state")
    session.ensure_connected()
    session.signin, session.who = sign_in(sim, target, session.http, clock, as_user=ADMIN)
    session.choose_vendor(vendor)
    session.set_answers(session.vendor.validate(RAW[vendor]))
    return session


async def plan_screen_text(session) -> str:
    """Everything the plan screen shows once the plan is read (no line breaks, no spaces)."""
    app = PlanApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(300):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if isinstance(app.screen, PlanScreen) and app.screen.view is not None:
                break
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.view is not None, "the plan was not shown"
        from textual.widgets import Static

        text = " ".join(str(w.render()) for w in screen.query(Static))
    return squeeze(text)


def squeeze(text: str) -> str:
    return "".join(text.split()).casefold()


def says(shown: str, words: str) -> bool:
    """`words` on the squeezed screen text; "a…b": a, then b further on (one sentence's parts)."""
    at = 0
    for part in words.split("…"):
        at = shown.find(squeeze(part), at)
        if at < 0:
            return False
        at += len(squeeze(part))
    return True


def state_of(sim) -> dict:
    return {k: copy.deepcopy(v) for k, v in sim.state.__dict__.items() if k != "now"}


def permission_name(sim, resource_app_id: str, permission_id: str) -> str:
    sp = sim.state.sp_by_app_id(resource_app_id) or {}
    for entry in [*(sp.get("oauth2PermissionScopes") or []), *(sp.get("appRoles") or [])]:
        if entry.get("id") == permission_id:
            return str(entry.get("value"))
    return f"<permission {permission_id} of {resource_app_id}>"


def leaves(value, path: str = "") -> dict:
    """{"web.implicitGrantSettings.enableIdTokenIssuance": True, …}; lists stay whole."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(leaves(item, f"{path}.{key}" if path else key))
        return out
    return {path: value}


def app_changes(sim, before: dict | None, after: dict) -> list[tuple[str, list[str]]]:
    """(what changed, the words of which the plan must show one) for one application."""
    old, new = leaves(before or {}), leaves(after)
    changes: list[tuple[str, list[str]]] = []
    if before is None:
        changes.append(("a new app registration", [after["displayName"]]))
    for path in sorted(set(old) | set(new)):
        was, now = old.get(path), new.get(path)
        if was == now or path.split(".")[0] in APP_BOOKKEEPING:
            continue
        if before is None and (now in (None, False, "", [], {}) or path in NEW_APP_DEFAULTS or path == "displayName"):
            continue  # a new app's default, or its name (said with the new registration above)
        if path.endswith("redirectUris"):
            for uri in sorted(set(was or []) ^ set(now or [])):
                changes.append((f"{path} {uri}", [uri]))
        elif path.endswith("enableIdTokenIssuance"):
            changes.append((path, ["ID tokens"]))
        elif path.endswith("enableAccessTokenIssuance"):
            changes.append((path, ["access tokens"]))
        elif path == "requiredResourceAccess":
            def ids(rra):
                return {(r["resourceAppId"], a["id"]) for r in rra or [] for a in r.get("resourceAccess") or []}
            for resource, permission in sorted(ids(now) ^ ids(was)):
                changes.append((f"permission {permission}", [permission_name(sim, resource, permission)]))
        elif path == "passwordCredentials":
            if len(now or []) > len(was or []):
                changes.append(("a new client secret", ["client secret"]))
        elif path == "displayName":
            changes.append((path, [str(now)]))
        elif path == "signInAudience":
            changes.append((path, [AUDIENCE_WORDS[str(now)]]))
        elif path.endswith("Url") and path != "info.logoUrl" and now:
            changes.append((path, [str(now)]))
        elif path == "info.logoUrl":
            continue  # follows the logo upload (below)
        else:
            changes.append((f"{path}: {was!r} -> {now!r}", [f"<a change the test does not know: {path}>"]))
    return changes


def tenant_changes(sim, before: dict, after: dict) -> list[tuple[str, list[str]]]:
    """Every difference between two readings of the tenant, as (what, words the plan must show)."""
    changes: list[tuple[str, list[str]]] = []
    for name in sorted(set(after) - BOOKKEEPING):
        old, new = before.get(name), after[name]
        if old == new:
            continue
        if name == "applications":
            for object_id, app in new.items():
                if old.get(object_id) != app:
                    changes += app_changes(sim, old.get(object_id), app)
            changes += [(f"app {i} deleted", ["<a deletion>"]) for i in set(old) - set(new)]
        elif name == "service_principals":
            for object_id, sp in new.items():
                if object_id not in old:
                    changes.append((f"service principal {sp['displayName']}", ["enterprise application", sp["displayName"]]))
                elif old[object_id] != sp:
                    changes.append((f"service principal {sp['displayName']} changed", ["<a changed SP>"]))
        elif name == "grants":
            for grant_id, grant in new.items():
                had = set(((old.get(grant_id) or {}).get("scope") or "").split())
                for scope in sorted(set((grant.get("scope") or "").split()) - had):
                    changes.append((f"delegated grant {scope}", [f"consent…{scope}"]))
        elif name == "assignments":
            for assignment_id, assignment in new.items():
                if assignment_id in old:
                    continue
                resource = sim.state.service_principals.get(assignment["resourceId"]) or {}
                if assignment.get("principalType") == "User":
                    user = sim.state.user(assignment["principalId"]) or {}
                    changes.append((f"user assignment {user.get('userPrincipalName')}",
                                    [f"assign…{user.get('userPrincipalName')}"]))
                else:
                    changes.append((f"app role {assignment['appRoleId']}",
                                    [f"consent…{permission_name(sim, resource.get('appId', ''), assignment['appRoleId'])}"]))
        elif name == "logos":
            for object_id in new:
                if old.get(object_id) != new[object_id]:
                    changes.append(("the app's logo", ["logo"]))
        else:
            changes.append((f"{name} changed", [f"<a change the test does not know: {name}>"]))
    return changes


def apply_all(session) -> None:
    session.apply()
    if session.secret_to_create:
        session.create_secret()
        session.secret_delivered()


def drift(sim, session) -> None:
    """Someone changed the registration in the portal after the first run."""
    if session.is_enterprise_app:
        sim.state.assignments.clear()  # the service account is no longer assigned
        return
    app = sim.state.app_by_app_id(session.applied.client_id)
    web = app["web"]
    grant = web["implicitGrantSettings"]
    for key in ("enableIdTokenIssuance", "enableAccessTokenIssuance"):
        grant[key] = not grant.get(key)
    web["redirectUris"] = ["https://old.example.com/cb"]
    web.pop("homePageUrl", None)
    app["displayName"] = "Renamed in the portal"
    app["signInAudience"] = "AzureADMultipleOrgs" if app["signInAudience"] == "AzureADMyOrg" else "AzureADMyOrg"
    sim.state.logos.pop(app["id"], None)
    sp_id = session.applied.sp_id
    for key in [k for k, g in sim.state.grants.items() if g.get("clientId") == sp_id]:
        del sim.state.grants[key]
    for key in [k for k, a in sim.state.assignments.items() if a.get("principalId") == sp_id]:
        del sim.state.assignments[key]


async def check_the_plan_lists_what_apply_changes(session) -> list[tuple[str, list[str]]]:
    shown = await plan_screen_text(session)
    before = state_of(session.sim)
    apply_all(session)
    changes = tenant_changes(session.sim, before, state_of(session.sim))
    missing = [what for what, words in changes if not any(says(shown, w) for w in words)]
    assert not missing, f"apply changed these without the plan screen saying so: {missing}\nplan: {shown}"
    return changes


@pytest.mark.parametrize("vendor", list(RAW))
async def test_the_plan_screen_lists_every_change_of_a_first_run(vendor, clock, tmp_path, monkeypatch):
    session = signed_in_session(vendor, clock, tmp_path, monkeypatch)
    try:
        changes = await check_the_plan_lists_what_apply_changes(session)
    finally:
        session.close()
    assert changes, "apply changed nothing: the comparison saw nothing"
    if vendor in ("flexo", "syncsign"):  # the create body's implicit grant is named on the plan
        assert any("enableIdTokenIssuance" in what for what, _ in changes)
    if vendor == "flexo":
        assert {"the app's logo", "web.homePageUrl"} <= {what for what, _ in changes}


@pytest.mark.parametrize("vendor", list(RAW))
async def test_the_plan_screen_lists_every_change_of_a_repair(vendor, clock, tmp_path, monkeypatch):
    session = signed_in_session(vendor, clock, tmp_path, monkeypatch)
    try:
        session.make_plan()
        apply_all(session)
        drift(session.sim, session)
        session.forget_plan()
        changes = await check_the_plan_lists_what_apply_changes(session)
    finally:
        session.close()
    assert len(changes) >= 1
    if not session.is_enterprise_app:
        assert any("redirectUris" in what for what, _ in changes) and any("Issuance" in what for what, _ in changes)


def test_the_words_are_found_only_when_shown():
    """The check itself can fail: an implicit-grant change the plan does not name is reported."""
    sim = None  # no permission in these: no tenant needed
    changes = app_changes(sim, {"web": {"implicitGrantSettings": {"enableIdTokenIssuance": False}}},
                          {"web": {"implicitGrantSettings": {"enableIdTokenIssuance": True}}})
    assert changes == [("web.implicitGrantSettings.enableIdTokenIssuance", ["ID tokens"])]
    shown = squeeze("Create the app registration 'FlexO' with Web redirect URI https://a/cb")
    assert not any(says(shown, w) for w in changes[0][1])
    assert says(squeeze("Grant admin consent to Graph: A.Read"), "consent…A.Read")
    assert not says(squeeze("A.Read then consent"), "consent…A.Read")
    unknown = app_changes(sim, {"web": {"logoutUrl": None}}, {"web": {"logoutUrl": None, "x": 1}})
    assert unknown and unknown[0][1][0].startswith("<a change the test does not know")


def test_snapshot_flexo_first_run_plan_names_the_implicit_grant_and_branding(snap_compare, clock, tmp_path, monkeypatch):
    """80x24: the new registration's ID-token box and Home page URL are steps of their own."""
    session = signed_in_session("flexo", clock, tmp_path, monkeypatch)
    session.set_answers(session.vendor.validate({**RAW["flexo"], "logo_file": ""}))  # a path in tmp would vary

    async def planned(pilot) -> None:
        for _ in range(300):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if isinstance(pilot.app.screen, PlanScreen) and pilot.app.screen.view is not None:
                break
        await pilot.pause()

    try:
        assert snap_compare(PlanApp(session), terminal_size=(80, 24), run_before=planned)
    finally:
        session.close()
