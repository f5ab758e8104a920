"""Every vendor's happy path and the main failure paths, through the whole TUI.

Keyboard only, at 80x24, with the real screens, the real engine (msal and
httpx) and the seeded simulated tenant; a gated FakeClock makes replication
waits and token-test retries instant once the sign-in is approved.
"""

from __future__ import annotations

import pytest

from screens.error import ErrorScreen
from screens.signin import SignInScreen
from app_helpers import make_app, make_session, showing, text_of, to_questions, wait_for

pytestmark = pytest.mark.anyio

DOMAIN = "contoso.onmicrosoft.com"
# vendor -> what is typed into its first question
FIRST_ANSWER = {
    "flexo": "https://flexo.example.com/oauth/callback",
    "syncsign": "sops.example.com",
    "innovaphone": f"calendar-sync@{DOMAIN}",
    "pexip": "px01.vc.example.com",
    "loopmeeting": f"loopmeeting-svc@{DOMAIN}",
}
STEPS = ["PlanScreen", "ApplyScreen", "SecretScreen", "TokenTestScreen", "ResultScreen"]


async def sign_in(pilot, app, session, vendor: str, as_user: str = f"admin@{DOMAIN}") -> None:
    """Pick `vendor`, answer its first question, and approve the device code as `as_user`."""
    await to_questions(pilot, app, vendor)
    await pilot.press(*FIRST_ANSWER[vendor], "ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    session.sim.approve_device_code(session.device_code.user_code, as_user=as_user)
    session.clock.gate.set()


async def walk(pilot, app, session, *, until=None, on_secret=None, tries: int = 400) -> list[str]:
    """Confirm every step as a user would, until the app ends or `until(screen_name)` holds;
    the names of the step screens seen, in order. An error screen stops the walk (and fails
    it, unless `until` was waiting for it). `on_secret(value)` sees the secret once."""
    seen: list[str] = []
    for _ in range(tries):
        await pilot.pause(0.02)
        if not app.is_running:
            break
        name = type(app.screen).__name__
        if until is not None and until(name):
            return seen
        if name in STEPS and name not in seen:
            seen.append(name)
        if name == "ErrorScreen":
            raise AssertionError("error screen: " + text_of(app.screen))
        if name == "SignInScreen" and app.screen.state == "done":
            await pilot.press("enter")
        elif name == "SecretScreen" and session.secret is not None:
            if on_secret is not None:
                on_secret(session.secret.value)
            await pilot.press("s")  # "I have stored it"
        elif name == "ApplyScreen" and session.applied is None:
            continue  # still applying
        elif name in ("PlanScreen", "ApplyScreen", "TokenTestScreen", "ResultScreen"):
            await pilot.press("enter")
    if until is not None:
        raise AssertionError(f"never got there; on {type(app.screen).__name__}")
    return seen


@pytest.mark.parametrize("vendor", list(FIRST_ANSWER))
async def test_every_vendor_runs_to_the_end(vendor):
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, vendor)
        seen = await walk(pilot, app, session)
    expected = [s for s in STEPS if not (vendor == "loopmeeting" and s == "SecretScreen")]
    assert seen == expected
    assert app.return_value == 0
    assert session.secret is None  # the value is forgotten once the user is done
    assert session.report is not None and all(check.ok for check in session.report.checks)
    state = session.sim.state
    if vendor == "loopmeeting":
        # the service account is assigned to the vendor's enterprise application
        sp = next(s for s in state.service_principals.values() if s["displayName"] == "LoopMeeting")
        user = state.user(f"loopmeeting-svc@{DOMAIN}")
        assert any(a["principalId"] == user["id"] and a["resourceId"] == sp["id"]
                   for a in state.assignments.values())
    else:
        assert len(state.applications) == 1  # exactly one registration, nothing duplicated
        [app_object] = state.applications.values()
        assert len(app_object["passwordCredentials"]) == 1


def graph_writes(session) -> list:
    return [r for r in session.sim.requests if r[0] != "GET" and r[1].startswith("/v1.0")]


async def test_a_plain_user_is_told_which_role_is_missing_right_after_sign_in_and_nothing_is_written():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip", as_user=f"jane@{DOMAIN}")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "no_role", "the role check")
        text = text_of(app.screen)
        await pilot.press("enter")  # Enter does not go on to the plan without the role
        await pilot.pause(0.05)
        assert showing(app, SignInScreen)
    assert "jane@" in text and "Application Administrator" in text  # names the role to ask for
    assert "another account" in text
    assert graph_writes(session) == []
    assert not any(r[1].startswith("/v1.0/applications") for r in session.sim.requests)  # no plan read either


async def test_use_another_account_after_a_missing_role_keeps_the_answers_and_reaches_the_same_plan():
    from screens.plan import PlanScreen

    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip", as_user=f"jane@{DOMAIN}")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "no_role", "the role check")
        answers = dict(session.answers)
        session.clock.gate.clear()  # hold the new code's polling until it is approved
        await pilot.press("u")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "a new code")
        assert session.who is None and session.answers == answers
        session.sim.approve_device_code(session.device_code.user_code, as_user=f"admin@{DOMAIN}")
        session.clock.gate.set()
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "done", "signed in")
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, PlanScreen) and app.screen.plan is not None, "the plan")
        plan_text = text_of(app.screen)
        assert session.who.username == f"admin@{DOMAIN}" and session.answers == answers
        # and "use another account" on the plan screen goes back to the sign-in, answers kept
        session.clock.gate.clear()
        await pilot.press("u")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "a new code")
        assert session.who is None and session.answers == answers
    assert "px01.vc.example.com" in plan_text
    assert graph_writes(session) == []


async def test_a_missing_role_offers_the_manual_checklist_for_an_admin_who_has_it():
    from screens.manual import ManualScreen

    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip", as_user=f"jane@{DOMAIN}")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "no_role", "the role check")
        assert "m" in text_of(app.screen) and "checklist" in text_of(app.screen)
        await pilot.press("m")
        await wait_for(pilot, lambda: showing(app, ManualScreen), "the manual checklist")
        checklist = text_of(app.screen)
        values = [value for item in app.screen.checklist.items for _, value in item.values]
    url = "https://px01.vc.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"
    assert url in values  # whole in the checklist (c / t / m); on screen longer than a line: cut with '…'
    assert url[:60] in checklist


async def test_a_secret_that_never_works_fails_the_token_test_in_plain_words(tmp_path):
    scenario = tmp_path / "secret_never_works.toml"
    scenario.write_text('extends = "demo"\n[faults]\nsecret_delay_seconds = 100000.0\n')
    session = make_session(scenario=str(scenario))
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip")
        await walk(pilot, app, session, tries=600,
                   until=lambda name: name == "TokenTestScreen" and session.report is not None)
        await pilot.pause(0.1)
        text = text_of(app.screen)
    assert not session.report.ok
    assert "[!!]" in text
    assert "7000215" in text or "not valid" in text or "secret" in text.lower()


async def test_the_tui_writes_the_secret_nowhere_and_logs_no_token(tmp_path, monkeypatch, caplog):
    """Secret hygiene through the TUI: nothing under HOME/XDG/TMP and no log record holds the
    secret value or a token, unless the user saves it on purpose (not done here)."""
    import logging
    import re

    for var in ("HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
        (tmp_path / var.lower()).mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmpdir"))
    caplog.set_level(logging.DEBUG)
    session = make_session()
    tokens: list[str] = []
    transport = session.target.transport  # the httpx.MockTransport over the tenant
    handle = transport.handler

    def recording(request):  # every token the tenant hands out
        response = handle(request)
        if request.url.path.endswith("/token") and response.status_code == 200:
            body = response.json()
            tokens.extend(body[k] for k in ("access_token", "refresh_token", "id_token") if k in body)
        return response

    transport.handler = recording
    app = make_app(session)
    secrets: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "pexip")
        await walk(pilot, app, session, on_secret=secrets.append)
    assert secrets and tokens, "the flow did not reach the secret"
    needles = set(secrets) | set(tokens)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    for path in written:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"a secret or token was written to {path}"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for needle in needles:
        assert needle not in logged
    assert not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", logged)  # no JWT of any kind in the logs


async def test_innovaphone_result_uses_the_autodiscover_server_the_plan_looked_up():
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, session, "innovaphone")
        await walk(pilot, app, session, until=lambda name: name == "ResultScreen")
        snippet = session.setup.snippet(session.applied.client_id, "x")
    found = snippet.value("Autodiscover URL")
    assert found != "https://autodiscover-s.outlook.com"  # the looked-up server, not the fallback
    assert found.startswith("https://") and "/autodiscover" not in found
