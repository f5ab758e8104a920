"""--remember in the TUI: the sign-in kept in msal-extensions' encrypted store is reused without a
device code; without one the screen says so in one plain note and the device code follows.
Hermetic: a FilePersistence in tmp_path stands in for the OS store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import wizard.tokencache as tokencache
from screens.app import session_from_args
from screens.session import WizardSession
from screens.signin import SignInScreen
from app_helpers import make_app, make_session, showing, text_of, to_questions, wait_for

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


def file_store(tmp_path, monkeypatch):
    from msal_extensions import FilePersistence

    monkeypatch.setattr(tokencache, "cache_dir", lambda: tmp_path / "signin")
    monkeypatch.setattr(tokencache, "encrypted_persistence",
                        lambda location: (FilePersistence(str(tmp_path / "store.bin")), ""))
    return tmp_path / "store.bin"


async def sign_in_with_code(pilot, app, session) -> None:
    await to_questions(pilot, app)
    await pilot.press(*"px01.example.com", "ctrl+s")
    await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
    session.sim.approve_device_code(session.device_code.user_code)
    session.clock.gate.set()
    await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")


def test_run_app_args_turn_remember_on():
    from wizard.cli import build_parser

    assert session_from_args(build_parser().parse_args(["--demo", "--remember"])).remember is True
    assert session_from_args(build_parser().parse_args(["--demo"])).remember is False


async def test_the_second_run_is_signed_in_from_the_store_without_a_code(monkeypatch, tmp_path):
    path = file_store(tmp_path, monkeypatch)
    first = make_session()
    first.remember = True
    app = make_app(first)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_with_code(pilot, app, first)
        assert "(remembered)" not in text_of(app.screen)
    assert "refresh" in path.read_text().lower()  # saved after the sign-in

    # A new run (same tenant): the remembered sign-in is used, no device code is asked for.
    second = WizardSession(clock=first.clock, target=first.target, sim=first.sim, remember=True)
    def code_requests() -> int:
        return sum(1 for method, path, _ in first.sim.requests if "devicecode" in path.lower())

    codes_before = code_requests()
    assert codes_before == 1
    app = make_app(second)
    async with app.run_test(size=SIZE) as pilot:
        await to_questions(pilot, app)
        await pilot.press(*"px01.example.com", "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "done", "the sign-in")
        text = text_of(app.screen)
        assert "Signed in" in text and "(remembered)" in text and "admin@contoso.onmicrosoft.com" in text
        assert second.device_code is None and second.remembered
        assert not app.screen.query("DeviceCodePanel")
        assert code_requests() == codes_before
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen", "the plan")


async def test_no_encrypted_store_shows_the_plain_note_and_the_device_code(monkeypatch, tmp_path):
    monkeypatch.setattr(tokencache, "cache_dir", lambda: tmp_path / "signin")
    monkeypatch.delenv(tokencache.PLAINTEXT_ENV, raising=False)
    monkeypatch.setattr(tokencache, "encrypted_persistence",
                        lambda location: (None, "this machine has no encrypted store for it (common on SSH sessions)"))
    session = make_session()
    session.remember = True
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_with_code(pilot, app, session)
        note = str(app.screen.query_one("#note").render())
        assert "cannot be remembered" in note and "no encrypted store" in note
        assert app.screen.query_one("#note").display
        assert "(remembered)" not in text_of(app.screen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen", "the plan")


async def test_without_remember_the_store_is_never_touched(monkeypatch):
    def boom(location):
        raise AssertionError("the token store was opened without --remember")

    monkeypatch.setattr(tokencache, "encrypted_persistence", boom)
    session = make_session()
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_with_code(pilot, app, session)
        assert not app.screen.query_one("#note").display
    assert session.token_store is None
