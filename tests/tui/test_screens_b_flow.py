"""Pilot tests of the later steps: plan, apply, secret, token test, result.

Each screen is pushed alone in a tiny app whose session holds a fake engine
(`screens_b_fakes.FakeSetup`), driven by the keyboard, and its dismiss value
is checked.
"""

from __future__ import annotations

import pytest

from app_helpers import APP_CSS, wait_for
from textual.app import App

from screens.apply import ApplyScreen
from screens.error import ErrorScreen
from screens.plan import PlanScreen
from screens.result import ResultScreen
from screens.secret import SecretScreen
from screens.session import WizardSession
from screens.tokentest import TokenTestScreen
from screens.widgets.secret_reveal import SecretReveal
from screens.widgets.snippet_view import SnippetView
from screens.widgets.step_list import StepList
from screens_b_fakes import APPLIED, SECRET_VALUE, FakeSetup, NewSecret

pytestmark = pytest.mark.anyio


def fake_engine_session(**setup_options) -> WizardSession:
    from wizard.profiles import get_profile

    setup = FakeSetup(**setup_options)
    session = WizardSession(clock=setup.clock)
    session.profile = get_profile("syncsign")
    session.answers = {"sops_domain": "sops.example.com"}
    session.setup = setup
    return session


class ScreenApp(App):
    """Shows one screen and keeps what it returned."""
    CSS_PATH = APP_CSS

    NO_RESULT = object()

    def __init__(self, session, make_screen, step_id="plan") -> None:
        super().__init__()
        self.session = session
        self.make_screen = make_screen
        self.step_id = step_id
        self.result = self.NO_RESULT
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(self.session), self.keep)

    def keep(self, result) -> None:
        self.result = result


async def settle(pilot) -> None:
    """Let thread workers finish and their call_from_thread callbacks run."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows_text(screen, selector: str) -> str:
    """The plain text of the HangingRows matching `selector`, one per line."""
    return "\n".join(row.plain for row in screen.query(selector))


# --- plan ----------------------------------------------------------------------


async def test_plan_lists_changes_and_permissions_and_enter_returns_it():
    session = fake_engine_session()
    app = ScreenApp(session, PlanScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = " ".join(str(s.render()) for s in app.screen.query("#plan-body Static"))
        assert 'Create the app registration "SyncSign SOPS"' in text
        assert "Calendars.ReadWrite.Shared" in text
        assert "refresh tokens" in text  # the catalog's description of offline_access
        assert "(delegated on Microsoft Graph, needs admin consent)" in text
        await pilot.press("enter")
        assert app.result is not ScreenApp.NO_RESULT and app.result.plan.steps  # the PlanView came back
        assert session.view is app.result


async def test_plan_nothing_to_change_and_escape_goes_back():
    app = ScreenApp(fake_engine_session(nothing_to_do=True), PlanScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Nothing to change" in str(app.screen.query_one("#plan-nothing").render())
        await pilot.press("escape")
        assert app.result is None


async def test_plan_enter_before_plan_is_known_does_nothing():
    session = fake_engine_session()
    session.setup.plan = lambda existing=None: (_ for _ in ()).throw(
        __import__("wizard.errors", fromlist=["x"]).MicrosoftError("Graph is down", status=503))
    app = ScreenApp(session, PlanScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        await pilot.press("enter")
        assert app.result is ScreenApp.NO_RESULT


# --- apply ---------------------------------------------------------------------


def apply_app(**options):
    session = fake_engine_session(**options)
    session.make_plan()
    return ScreenApp(session, ApplyScreen, step_id="apply")


async def test_apply_shows_each_step_done_and_returns_applied():
    app = apply_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        steps = app.screen.query_one(StepList)
        assert set(steps.states().values()) == {"done"}
        assert app.session.setup.clock.slept == [5, 5]  # the replication waits went through the clock
        await pilot.press("enter")
        assert app.result == APPLIED
        assert app.session.applied == APPLIED


async def test_apply_failure_shows_error_then_retry_continues():
    app = apply_app(fail_at="grant_consent")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "lacks the role" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, ApplyScreen) and screen.state == "failed"
        assert screen.query_one(StepList).states()["grant_consent"] == "failed"
        status = str(screen.query_one("#apply-status").render())
        # The reason is said where the status is (issue 17: "see the reason above" with nothing above).
        assert "lacks the role" in status and "see the reason above" not in status
        await pilot.press("enter")  # not done: Enter does nothing
        assert app.result is ScreenApp.NO_RESULT
        app.session.setup.fail_at = ""
        await pilot.press("r")
        await settle(pilot)
        assert screen.state == "done"
        await pilot.press("enter")
        assert app.result == APPLIED


async def test_apply_escape_cancels_safely():
    app = apply_app(hold_at="grant_consent")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.session.setup.holding.wait(5)
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert screen.state == "stopped"
        assert "continues where it stopped" in str(screen.query_one("#apply-status").render())
        await pilot.press("escape")
        assert app.result is None


async def test_apply_retrying_step_shows_the_elapsed_seconds_by_the_session_clock():
    app = apply_app(hold_at="replication")
    async with app.run_test(size=(80, 24)) as pilot:
        # never block the event loop here: the worker's progress calls wait for it
        await wait_for(pilot, lambda: app.session.setup.holding.is_set(), "the replication wait")
        await pilot.pause()
        steps = app.screen.query_one(StepList)
        line = lambda: steps.query("StepLine")[2].render_text()  # create_sp
        assert "retrying: Microsoft is still replicating the new app (attempt 3)" in line()
        assert line().endswith("· 5 s")  # attempt 2 waited 5 s on the fake clock, attempt 3 now
        app.session.setup.clock.advance(12)
        # the screen's own once-a-second timer picks it up (no call from the test)
        await wait_for(pilot, lambda: line().endswith("· 17 s"), "the elapsed time to move on")
        app.session.setup.release.set()
        await settle(pilot)
        assert app.screen.state == "done"
        assert "·" not in line() and "waiting" not in line()  # done: no elapsed time left behind


# --- secret --------------------------------------------------------------------


def secret_app(session=None):
    session = session or fake_engine_session()
    session.applied = APPLIED
    return ScreenApp(session, SecretScreen, step_id="secret")


async def test_secret_is_created_once_masked_and_cleared_after_stored():
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.session.setup.secrets_created == 1
        assert SECRET_VALUE not in app.export_screenshot()
        await pilot.press("c")
        assert app.clipboard == SECRET_VALUE
        reveal = app.screen.query_one(SecretReveal)
        await pilot.press("s")
        assert app.result is True
        assert not reveal.has_value


async def test_secret_screen_shown_again_does_not_create_a_second_secret():
    session = fake_engine_session()
    session.secret = NewSecret(SECRET_VALUE, "kid", "2027-03-14", "Qm7")
    app = secret_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert session.setup.secrets_created == 0
        await pilot.press("escape")
        assert app.result is False


async def test_secret_save_to_file_writes_0600_through_the_engine(tmp_path, monkeypatch):
    monkeypatch.setattr("screens.secret.default_save_dir", lambda: tmp_path)
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        path = tmp_path / "syncsign-client-secret.txt"
        assert path.read_text() == SECRET_VALUE + "\n"
        assert path.stat().st_mode & 0o777 == 0o600
        assert app.result is ScreenApp.NO_RESULT  # saving is not confirming


# --- token test ----------------------------------------------------------------


def token_app(ok=True, **options):
    session = fake_engine_session(token_ok=ok, **options)
    session.secret = NewSecret(SECRET_VALUE, "kid", "2027-03-14", "Qm7")
    session.applied = APPLIED
    return ScreenApp(session, TokenTestScreen, step_id="tokentest")


async def test_token_test_pass_uses_new_credentials_and_keeps_the_secret_for_the_settings():
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.session.setup.token_calls == [(APPLIED.client_id, SECRET_VALUE)]
        assert "credentials work" in str(app.screen.query_one("#tt-status").render())
        await pilot.press("enter")
        assert app.result.ok
        # The result's block carries the value next (to paste as is); finishing there forgets it.
        assert app.session.secret is not None and app.session.settings().holds_secret


async def test_token_test_fail_shows_reason_and_retry_runs_again():
    app = token_app(ok=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        checks = rows_text(app.screen, "#tt-checks HangingRow")
        assert "[!!] Admin consent covers" in checks and "No admin consent was found" in checks
        app.session.setup.token_ok = True
        await pilot.press("r")
        await settle(pilot)
        assert len(app.session.setup.token_calls) == 2
        checks = rows_text(app.screen, "#tt-checks HangingRow")
        assert "[!!]" not in checks and checks.count("[ok]") == 3


# --- result --------------------------------------------------------------------


async def test_result_shows_vendor_labels_followup_and_finishes():
    session = fake_engine_session()
    session.applied = APPLIED
    app = ScreenApp(session, ResultScreen, step_id="result")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.screen.query_one(SnippetView)
        body = view.body()
        assert "Client Id" in body and APPLIED.client_id in body
        followup = rows_text(app.screen, ".result-followup")
        assert " 1. Go to https://sops.example.com/m," in followup  # the answer filled in
        assert " 4. Now connect your displays" in followup
        await pilot.press("f")
        assert '"Client Id"' in view.body()
        await pilot.press("enter")
        assert app.result is None


async def test_token_test_shows_the_wait_by_the_session_clock_and_escape_stops():
    app = token_app(hold_at="token")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.session.setup.holding.wait(5)
        app.screen.refresh_wait()
        await pilot.pause()
        assert "accept the new secret… 12 s" in str(app.screen.query_one("#tt-wait").render())
        await pilot.press("escape")
        await settle(pilot)
        assert "Stopped" in str(app.screen.query_one("#tt-status").render())
        assert not app.screen.query_one("#tt-wait").display
