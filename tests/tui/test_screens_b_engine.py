"""The later steps driven end to end over the real engine and the simulated tenant.

Plan → Apply → Client secret → Token test → Result, each screen in turn, with
the real `Setup` facade talking HTTP (httpx + MSAL) to the seeded demo tenant
on a FakeClock: replication waits and token retries cost no real time.
"""

from __future__ import annotations

import pytest
from textual.app import App

from screens.apply import ApplyScreen
from screens.plan import PlanScreen
from screens.result import ResultScreen
from screens.secret import SecretScreen
from screens.session import WizardSession
from screens.tokentest import TokenTestScreen
from screens.widgets.snippet_view import SnippetView
from screens.widgets.step_list import StepList

pytestmark = pytest.mark.anyio


class FlowApp(App):
    """Pushes the later steps one after another, like `screens.app`, and keeps the results."""

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.step_id = "plan"
        self.results: dict = {}
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(PlanScreen(self.session), self.planned)

    def planned(self, plan) -> None:
        self.results["plan"] = plan
        self.step_id = "apply"
        self.push_screen(ApplyScreen(self.session), self.applied)

    def applied(self, applied) -> None:
        self.results["applied"] = applied
        self.step_id = "secret"
        self.push_screen(SecretScreen(self.session), self.stored)

    def stored(self, stored) -> None:
        self.results["stored"] = stored
        self.step_id = "tokentest"
        self.push_screen(TokenTestScreen(self.session), self.tested)

    def tested(self, report) -> None:
        self.results["report"] = report
        self.step_id = "result"
        self.push_screen(ResultScreen(self.session), self.done)

    def done(self, _none) -> None:
        self.results["done"] = True


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def test_syncsign_from_plan_to_result_over_the_simulated_tenant(sim, target, clock, admin, tmp_path):
    from wizard.profiles import get_profile
    from wizard.setup import Setup

    signin, who = admin
    profile = get_profile("syncsign")
    answers = profile.validate({"sops_domain": "sops.example.com"})
    session = WizardSession(clock=clock, target=target, sim=sim)
    session.profile, session.answers, session.signin, session.who = profile, answers, signin, who
    session.setup = Setup(profile, answers, signin.graph, who, target, clock=clock, state_dir=tmp_path)
    app = FlowApp(session)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        assert not app.screen.plan.nothing_to_do
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, ApplyScreen), app.screen
        assert app.screen.state == "done"
        states = app.screen.query_one(StepList).states()
        assert states.pop("secret") == "pending"  # created on the next screen
        assert set(states.values()) == {"done"}
        await pilot.press("enter")
        await settle(pilot)

        applied = app.results["applied"]
        assert isinstance(app.screen, SecretScreen)
        value = session.secret.value
        assert value and value not in app.export_screenshot()
        await pilot.press("s")
        await settle(pilot)

        assert isinstance(app.screen, TokenTestScreen)
        assert app.screen.report is not None and app.screen.report.ok, app.screen.report
        await pilot.press("enter")
        await settle(pilot)

        # The result's block carries the secret while it is on screen, so it can be pasted as is …
        assert isinstance(app.screen, ResultScreen)
        body = app.screen.query_one(SnippetView).body()
        assert applied.client_id in body and f"Client Secret : {value}" in body
        await pilot.press("enter")
        assert app.results["done"] is True
        # … and finishing forgets it: the block now names where the value went.
        assert session.secret is None and session.finished
        assert value not in session.snippet().as_plain(mask=False)


async def test_innovaphone_plan_and_result_say_who_consents_and_the_ews_allow_list(sim, target, clock, admin, tmp_path):
    """Issue 14: the plan's consent sentence comes from the engine (the application administrators may grant
    Exchange's full_access_as_app); the result lists the EWS allow-list PowerShell with the new app's id."""
    from screens.widgets.hanging import HangingRow
    from textual.widgets import Static
    from wizard.profiles import get_profile
    from wizard.setup import Setup

    signin, who = admin
    profile = get_profile("innovaphone")
    answers = profile.validate({"mailbox": "calendar-sync@contoso.onmicrosoft.com"})
    session = WizardSession(clock=clock, target=target, sim=sim)
    session.profile, session.answers, session.signin, session.who = profile, answers, signin, who
    session.setup = Setup(profile, answers, signin.graph, who, target, clock=clock, state_dir=tmp_path)
    app = FlowApp(session)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        consent = str(app.screen.query_one("#plan-consent", Static).render())
        assert "Application Administrator" in consent and "Privileged Role Administrator" in consent
        for key in ("enter", "enter", "s", "enter"):
            await pilot.press(key)
            await settle(pilot)
        assert isinstance(app.screen, ResultScreen)
        assert app.results["report"].ok  # the demo tenant lets the app use EWS
        client_id = app.results["applied"].client_id
        notes = " ".join(row.plain for row in app.screen.query(HangingRow))
        assert f"+ '{client_id}' | Sort-Object -Unique" in notes and "1 April 2027" in notes
