"""Helpers for the app tests (no tests here): a gated FakeClock, a seeded session, waits."""

from __future__ import annotations

import threading

from textual.widgets import Static

import sys
from pathlib import Path

from screens.app import WizardApp
from screens.questions import QuestionsScreen
from screens.session import WizardSession
from screens.vendor import VendorScreen
from wizard.clock import Cancelled, FakeClock


#: The wizard's shared styles (focus marks, scroll-bar gap): test apps that host one screen use
#: them too, so their snapshots look like the real app.
APP_CSS = [str(Path(sys.modules[WizardApp.__module__].__file__).with_name(name)) for name in WizardApp.CSS_PATH]


class GateClock(FakeClock):
    """A FakeClock whose waits hold until the test opens `gate`.

    Device-code polling sleeps between polls; with a plain FakeClock the code
    would expire in microseconds. Holding the first sleep lets the test look at
    the screen, approve (or decline) the code in the simulated tenant, then
    open the gate: from then on every wait is instant again.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.held = threading.Event()

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> None:
        while not self.gate.is_set():
            self.held.set()
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            self.gate.wait(0.005)
        super().sleep(seconds, cancel)


def make_session(clock: FakeClock | None = None, scenario: str = "demo") -> WizardSession:
    """A session on a seeded in-process simulated tenant; nothing approves by itself."""
    from wizard.simtenant import SimTenant
    from wizard.target import demo_target

    clock = clock or GateClock()
    sim = SimTenant(scenario=scenario, clock=clock, auto_approve_after=None)
    return WizardSession(clock=clock, target=demo_target(sim), sim=sim)


def make_app(session: WizardSession | None = None, vendor: str | None = None) -> WizardApp:
    app = WizardApp(session or WizardSession(clock=FakeClock(), tenant_hint="contoso.onmicrosoft.com"), vendor=vendor)
    app.animation_level = "none"
    return app


def text_of(screen) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static))


async def wait_for(pilot, condition, what: str, tries: int = 400) -> None:
    """Let the app run until `condition()` holds (workers run in threads)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def showing(app, screen_type) -> bool:
    """True when `screen_type` is on top and composed (its widgets exist)."""
    return isinstance(app.screen, screen_type) and app.screen.is_mounted and bool(app.screen.children)


async def to_questions(pilot, app, words: str = "pexip") -> None:
    await wait_for(pilot, lambda: showing(app, VendorScreen), "the vendor list")
    await pilot.press(*words)
    await pilot.press("enter")
    await wait_for(pilot, lambda: showing(app, QuestionsScreen), "the questions")


