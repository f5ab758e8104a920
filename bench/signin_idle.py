"""CPU used while the wizard waits for the admin to finish the device-code sign-in.

    .venv/bin/python bench/signin_idle.py [--seconds 12]

Real clock: `SignIn.wait()` polls the (in-process, simulated) token endpoint every
`interval` seconds (5, as Microsoft sends) and sleeps in between. Nobody approves for
`--seconds`; then the code is approved and the wait returns. Reported: process CPU time
(user+system, all threads) spent during the wait, and the number of polls. Near idle means
a few milliseconds per poll and nothing in between.

Then the TUI (`--tui-seconds`, 0 to skip): `screens.app.WizardApp` on the demo session
(real clock, nobody approves), headless at 80x24 through Textual's `run_test()`: pick
Pexip, answer, reach the sign-in screen; once the device code is shown, the process CPU
time over `--tui-seconds` is what the screen (countdown, spinner, rendering to the headless
driver) plus the engine's polls in the worker thread cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def engine_wait(seconds: float) -> tuple[float, float, int]:
    from wizard.clock import Clock
    from wizard.signin import SignIn
    from wizard.simtenant import FaultPlan, SimTenant
    from wizard.target import demo_target

    clock = Clock()
    sim = SimTenant(scenario="demo", clock=clock, faults=FaultPlan(), auto_approve_after=None)
    target = demo_target(sim)
    http = target.http_client()
    signin = SignIn(target, http, clock, ["User.Read", "Application.ReadWrite.All"])
    code = signin.start()
    timer = threading.Timer(seconds, lambda: sim.approve_device_code(code.user_code))
    timer.start()
    polls_before = len(sim.requests)
    c0, w0 = cpu(), time.perf_counter()
    signin.wait()
    c1, w1 = cpu(), time.perf_counter()
    http.close()
    return c1 - c0, w1 - w0, len(sim.requests) - polls_before


async def _tui_wait(seconds: float) -> tuple[float, float, int]:
    from screens.app import WizardApp
    from screens.session import WizardSession
    from screens.signin import SignInScreen
    from screens.widgets.device_code import DeviceCodePanel
    from wizard.clock import Clock
    from wizard.simtenant import SimTenant
    from wizard.target import demo_target

    clock = Clock()
    sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=None)
    app = WizardApp(WizardSession(clock=clock, target=demo_target(sim), sim=sim))

    async def until(pilot, condition, what: str) -> None:
        for _ in range(1000):
            if condition():
                return
            await pilot.pause(0.01)
        raise SystemExit(f"timed out waiting for {what}")

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "VendorScreen" and app.screen.children, "vendor list")
        await pilot.press(*"pexip")
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "QuestionsScreen" and app.screen.children, "questions")
        await pilot.press(*"px01.vc.example.com")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen) and bool(app.screen.query(DeviceCodePanel)),
                    "the device code on the sign-in screen")
        await pilot.pause(0.5)  # let the first frames settle
        before = len(sim.requests)
        c0, w0 = cpu(), time.perf_counter()
        await pilot.pause(seconds)
        c1, w1 = cpu(), time.perf_counter()
        assert isinstance(app.screen, SignInScreen), "left the sign-in screen: the measure is void"
        polls = len(sim.requests) - before
        app.exit(0)
    return c1 - c0, w1 - w0, polls


def tui_wait(seconds: float) -> tuple[float, float, int]:
    import asyncio

    return asyncio.run(_tui_wait(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--tui-seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"machine: nproc={os.cpu_count()} python={platform.python_version()}")
    used, wall, requests = engine_wait(args.seconds)
    print(f"engine SignIn.wait(): {wall:.1f} s waiting, CPU {used * 1000:.0f} ms ({used / wall * 100:.2f} % of one core), "
          f"{requests} requests (polls + final token/roles)")
    if args.tui_seconds > 0:
        used, wall, polls = tui_wait(args.tui_seconds)
        print(f"TUI sign-in screen (headless 80x24, code shown, nobody approves): {wall:.1f} s, "
              f"CPU {used * 1000:.0f} ms ({used / wall * 100:.2f} % of one core), {polls} device-code polls meanwhile")


if __name__ == "__main__":
    main()
