"""The whole wizard, keyboard only, against the seeded simulated tenant.

Every step's screen is the real one and the engine is the real one (msal and
httpx through the simulated tenant's transport); a FakeClock makes
replication waits and token-test retries instant.
"""

from __future__ import annotations

import pytest

from screens.signin import SignInScreen
from app_helpers import make_app, make_session, showing, to_questions, wait_for

pytestmark = pytest.mark.anyio


async def press_on(pilot, screen_name: str, *keys: str, ready=lambda screen: True) -> None:
    """Wait for the screen called `screen_name` to be ready, then press `keys`."""
    app = pilot.app

    def there() -> bool:
        screen = app.screen
        return type(screen).__name__ == screen_name and bool(screen.children) and ready(screen)

    await wait_for(pilot, there, screen_name, tries=1000)
    await pilot.pause()
    await pilot.press(*keys)


@pytest.mark.parametrize(
    ("vendor", "answers", "screens"),
    [
        (
            "pexip",
            "px01.vc.example.com",
            ["PlanScreen", "ApplyScreen", "SecretScreen", "TokenTestScreen", "ResultScreen"],
        ),
        (
            "syncsign",
            "sops.example.com",
            ["PlanScreen", "ApplyScreen", "SecretScreen", "TokenTestScreen", "ResultScreen"],
        ),
    ],
)
async def test_the_whole_wizard_runs_to_the_end(vendor, answers, screens, tmp_path):
    # LoopMeeting's enterprise app exists once an admin consented in LoopMeeting's console.
    scenario = tmp_path / "consented.toml"
    scenario.write_text('extends = "demo"\n[flags]\nloopmeeting_consent = true\n')
    session = make_session(scenario=str(scenario))
    app = make_app(session)
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        await to_questions(pilot, app, vendor)
        await pilot.press(*answers, "ctrl+s")
        await wait_for(pilot, lambda: showing(app, SignInScreen) and app.screen.state == "waiting", "the code")
        await pilot.press("a")
        session.clock.gate.set()
        await wait_for(pilot, lambda: app.screen.state == "done", "the sign-in")
        await pilot.press("enter")
        for _ in range(40):
            await pilot.pause(0.05)
            name = type(app.screen).__name__
            if name not in seen and name in screens:
                seen.append(name)
            if not app.is_running:
                break
            if name == "SecretScreen" and session.secret is not None:
                await pilot.press("s")
            elif name == "ApplyScreen" and session.applied is None:
                continue  # still applying
            elif name in ("PlanScreen", "ApplyScreen", "TokenTestScreen", "ResultScreen"):
                await pilot.press("enter")
    assert seen == screens
    assert app.return_value == 0
    assert session.secret is None  # forgotten at the end
    if vendor == "pexip":
        assert session.report is not None
