"""The two front ends decide the same way: the same story, driven once through headless
`apply` and once through the TUI (keyboard only), ends in the same tenant state.

For every vendor: a first run, then a re-run (a new process for the CLI, a new app and
session for the TUI: nothing in memory but what the tenant and disk hold). For FlexO also
the tenant with a hand-made registration of the same name (`flexo_drifted`): by default
neither front end creates a second one; asked to repair it (`--client-id-app` / `r`),
both repair the same object the same way.

Each front end gets its own simulated tenant from the same scenario and seed, and the
comparison is of what matters, not of ids: applications by name (with their redirect
URIs, permissions and the number of live client secrets), service principals, delegated
grants and app role assignments, user assignments.
"""

from __future__ import annotations

import json

import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from screens.plan import PlanScreen
from screens.signin import SignInScreen
from app_helpers import GateClock, make_app, showing, text_of, wait_for
from test_tui_paths import FIRST_ANSWER, sign_in, walk
from wizard import cli
from wizard.clock import FakeClock
from wizard.dates import parse_graph_time
from wizard.target import demo_target

pytestmark = pytest.mark.anyio

DOMAIN = "contoso.onmicrosoft.com"
# The headless answers of each vendor: the first question typed in the TUI, the rest defaults.
SET = {vendor: {"flexo": "redirect_uri", "syncsign": "sops_domain", "innovaphone": "mailbox",
                "pexip": "addin_fqdn", "loopmeeting": "service_account"}[vendor] + "=" + answer
       for vendor, answer in FIRST_ANSWER.items()}


def tenant_state(sim) -> dict:
    """What the two front ends must agree on, without ids."""
    state = sim.state
    now = sim.clock.now()
    sp_app = {sp["id"]: sp["appId"] for sp in state.service_principals.values()}
    users = {u["id"]: u["userPrincipalName"] for u in state.users.values()}
    apps = []
    for app in state.applications.values():
        live = [c for c in app.get("passwordCredentials") or []
                if (parse_graph_time(c.get("endDateTime")) or 0) > now]
        apps.append({
            "name": app["displayName"],
            "redirect_uris": sorted((app.get("web") or {}).get("redirectUris") or []),
            "permissions": sorted((r["resourceAppId"], a["id"], a["type"]) for r in app.get("requiredResourceAccess") or []
                                  for a in r.get("resourceAccess") or []),
            "live_secrets": len(live),
        })
    grants = sorted((sp_app.get(g["clientId"], "?"), sp_app.get(g["resourceId"], "?"), g["consentType"],
                     " ".join(sorted((g.get("scope") or "").split()))) for g in state.grants.values())
    assignments = sorted((sp_app.get(a["resourceId"], "?"), users.get(a["principalId"]) or sp_app.get(a["principalId"], "?"),
                          a["appRoleId"]) for a in state.assignments.values())
    return {"applications": sorted(apps, key=lambda a: (a["name"], a["redirect_uris"], a["live_secrets"])),
            "service_principals": sorted(sp_app.values()),
            "grants": grants, "assignments": assignments}


# --------------------------------------------------------------------------- the headless front end


class Headless:
    """`m365-wizard --demo apply …` against one simulated tenant, each call a fresh Context."""

    def __init__(self, monkeypatch, scenario: str) -> None:
        self.clock = FakeClock()
        self.sim = simtenant.SimTenant(scenario=scenario, clock=self.clock, auto_approve_after=0)
        monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: self.sim)
        monkeypatch.setattr(commands, "Clock", lambda: self.clock)
        monkeypatch.delenv(commands.SECRET_ENV, raising=False)

    def apply(self, capsys, vendor: str, *extra: str) -> tuple[int, dict]:
        code = cli.main(["--demo", "apply", "--vendor", vendor, "--set", SET[vendor], "--json", *extra])
        out = capsys.readouterr().out
        return code, json.loads(out)


# --------------------------------------------------------------------------- the TUI front end


class Tui:
    """The whole TUI against one simulated tenant; every run a new session and app."""

    def __init__(self, scenario: str) -> None:
        from wizard.simtenant.tenant import SimTenant  # the class itself: `Headless` patches the package's name

        self.clock = GateClock()
        self.sim = SimTenant(scenario=scenario, clock=self.clock, auto_approve_after=None)

    def new_app(self):
        from screens.session import WizardSession

        self.clock.gate.clear()  # hold the device-code polling until the test approves the code
        session = WizardSession(clock=self.clock, target=demo_target(self.sim), sim=self.sim)
        return session, make_app(session)

    async def run_to_end(self, vendor: str) -> int:
        session, app = self.new_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, app, session, vendor)
            await walk(pilot, app, session, tries=600)
        return app.return_value


# --------------------------------------------------------------------------- the stories


@pytest.mark.parametrize("vendor", list(FIRST_ANSWER))
async def test_first_run_and_re_run_end_in_the_same_tenant(vendor, monkeypatch, capsys):
    headless = Headless(monkeypatch, "demo")
    tui = Tui("demo")

    code, first = headless.apply(capsys, vendor)
    assert code == 0, first
    assert await tui.run_to_end(vendor) == 0
    assert tenant_state(tui.sim) == tenant_state(headless.sim)

    code, again = headless.apply(capsys, vendor)  # a new process: only the tenant remembers
    assert code == 0, again
    assert await tui.run_to_end(vendor) == 0
    after = tenant_state(headless.sim)
    assert tenant_state(tui.sim) == after
    if vendor != "loopmeeting":
        [app] = after["applications"]
        assert app["live_secrets"] == 1  # a re-run keeps the valid secret in both front ends
        assert again["secret"]["created"] is False


async def test_a_same_name_registration_is_never_duplicated_by_default(monkeypatch, capsys):
    headless = Headless(monkeypatch, "flexo_drifted")
    tui = Tui("flexo_drifted")
    before = tenant_state(headless.sim)

    code, data = headless.apply(capsys, "flexo")
    assert code == 2 and data["error"]["type"] == "SameNameExists"

    session, app = tui.new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "flexo")
        await walk(pilot, app, session, until=lambda name: name == "PlanScreen")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        text = text_of(app.screen)
        await pilot.press("enter")  # the default: nothing happens until the question is answered
        await pilot.pause(0.05)
        assert showing(app, PlanScreen)
    [candidate] = [a for a in tui.sim.state.applications.values() if a["displayName"] == "FlexO Teams Online Meetings"]
    assert candidate["appId"] in text and "r" in text and "separate new one" in text
    assert tenant_state(tui.sim) == tenant_state(headless.sim) == before


async def test_repairing_the_same_name_registration_ends_the_same(monkeypatch, capsys):
    headless = Headless(monkeypatch, "flexo_drifted")
    tui = Tui("flexo_drifted")
    [drifted] = [a for a in headless.sim.state.applications.values() if a["displayName"] == "FlexO Teams Online Meetings"]

    code, data = headless.apply(capsys, "flexo", "--client-id-app", drifted["appId"])
    assert code == 0, data

    session, app = tui.new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "flexo")
        await walk(pilot, app, session, until=lambda name: name == "PlanScreen")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.view is not None
                       and app.screen.view.same_name, "the same-name question")
        await pilot.press("r")  # check and repair this one
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.view is not None
                       and not app.screen.view.same_name, "the repair plan")
        await walk(pilot, app, session, tries=600)
    assert app.return_value == 0
    after = tenant_state(headless.sim)
    assert tenant_state(tui.sim) == after
    assert [a["name"] for a in after["applications"]].count("FlexO Teams Online Meetings") == 1


async def test_asking_for_a_new_secret_on_a_re_run_makes_exactly_one_more(monkeypatch, capsys):
    headless = Headless(monkeypatch, "demo")
    tui = Tui("demo")
    assert headless.apply(capsys, "pexip")[0] == 0
    assert await tui.run_to_end("pexip") == 0

    code, data = headless.apply(capsys, "pexip", "--new-secret")
    assert code == 0 and data["secret"]["created"] is True

    session, app = tui.new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip")
        await walk(pilot, app, session, until=lambda name: name == "PlanScreen")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.view is not None, "the plan")
        assert app.screen.view.current_secret is not None
        assert "kept" in text_of(app.screen)
        await pilot.press("s")  # create a new one
        assert "a new one will be created" in text_of(app.screen)
        await walk(pilot, app, session, tries=600)
    after = tenant_state(headless.sim)
    assert tenant_state(tui.sim) == after
    assert after["applications"][0]["live_secrets"] == 2


async def test_a_plain_user_writes_nothing_in_either_front_end(monkeypatch, capsys):
    headless = Headless(monkeypatch, "demo")
    tui = Tui("demo")
    # the demo's automatic approval signs in as jane (a user without a directory role)
    monkeypatch.setattr(type(headless.sim), "demo_admin_upn", property(lambda sim: f"jane@{DOMAIN}"))
    before = tenant_state(headless.sim)

    code = cli.main(["--demo", "apply", "--vendor", "pexip", "--set", SET["pexip"], "--json"])
    captured = capsys.readouterr()
    session, app = tui.new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip", as_user=f"jane@{DOMAIN}")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "no_role", "the role check")
    assert code == 4, captured.err  # EXIT_ROLE, right after sign-in
    assert json.loads(captured.out)["error"]["type"] == "RoleError"
    assert "Signed in as jane@" in captured.err
    assert tenant_state(tui.sim) == tenant_state(headless.sim) == before


async def test_three_runs_of_pexip_leave_exactly_one_live_secret_in_both(monkeypatch, capsys):
    headless = Headless(monkeypatch, "demo")
    tui = Tui("demo")
    for _ in range(3):
        assert headless.apply(capsys, "pexip")[0] == 0
        assert await tui.run_to_end("pexip") == 0
    for sim in (headless.sim, tui.sim):
        [app] = tenant_state(sim)["applications"]
        assert app["live_secrets"] == 1
    assert tenant_state(tui.sim) == tenant_state(headless.sim)
