"""CPU used while the wizard waits for the admin to finish the device-code sign-in.

    .venv/bin/python bench/signin_idle.py [--seconds 12]

Real clock: `SignIn.wait()` polls the (in-process, simulated) token endpoint every
`interval` seconds (5, as Microsoft sends) and sleeps in between. Nobody approves for
`--seconds`; then the code is approved and the wait returns. Reported: process CPU time
(user+system, all threads) spent during the wait, and the number of polls. Near idle means
a few milliseconds per poll and nothing in between. (The Textual sign-in screen's own
idle cost is not measured here.)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    print(f"machine: nproc={os.cpu_count()} python={platform.python_version()}")
    used, wall, requests = engine_wait(args.seconds)
    print(f"engine SignIn.wait(): {wall:.1f} s waiting, CPU {used * 1000:.0f} ms ({used / wall * 100:.2f} % of one core), "
          f"{requests} requests (polls + final token/roles)")


if __name__ == "__main__":
    main()
