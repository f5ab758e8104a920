"""Graph round trips of each vendor's create path and of a no-change re-run, and the wall
time of the create path when every request takes 150 ms (as from a far-away tenant).

    .venv/bin/python bench/round_trips.py [--latency 0.150]

The simulated tenant runs in-process with no fault (replication is instant); the wizard's
waits go through a FakeClock, so the only real time spent is the injected latency (a
transport wrapper that really sleeps before answering) plus CPU. If requests that could
run in parallel did, the wall time would be well below requests × latency; the
"parallelism" column is (requests × latency) / wall time: 1.0 means strictly one at a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import httpx  # noqa: E402

from wizard.clock import FakeClock  # noqa: E402
from wizard.simtenant import FaultPlan, SimTenant  # noqa: E402
from wizard.target import demo_target  # noqa: E402

VENDORS = {
    "flexo": {"redirect_uri": "https://flexo.example.com/oauth/callback"},
    "syncsign": {"sops_domain": "sops.example.com"},
    "innovaphone": {"mailbox": "calendar-sync@contoso.onmicrosoft.com"},
    "pexip": {"addin_fqdn": "px01.example.com"},
    "loopmeeting": {"service_account": "loopmeeting-svc@contoso.onmicrosoft.com"},
}


class Latency(httpx.BaseTransport):
    """Every request waits `seconds` of real time before the tenant answers; counts concurrency."""

    def __init__(self, inner: httpx.BaseTransport, seconds: float) -> None:
        self.inner, self.seconds = inner, seconds
        self.in_flight = 0
        self.max_in_flight = 0
        import threading

        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.seconds:
                time.sleep(self.seconds)
            return self.inner.handle_request(request)
        finally:
            with self._lock:
                self.in_flight -= 1


def run(vendor: str, latency: float) -> dict:
    from dataclasses import replace

    from wizard.profiles import get_profile
    from wizard.setup import Setup
    from wizard.signin import SignIn, scopes_for

    clock = FakeClock()
    sim = SimTenant(scenario="demo", clock=clock, faults=FaultPlan(), auto_approve_after=0)
    if vendor == "loopmeeting":
        sim.simulate_loopmeeting_consent()
    transport = Latency(sim.transport(), 0.0)
    target = replace(demo_target(sim), transport=transport)
    http = target.http_client()
    profile = get_profile(vendor)
    scopes = scopes_for(profile)  # exactly what the wizard asks for
    signin = SignIn(target, http, clock, scopes)
    signin.start()
    who = signin.wait()
    graph = signin.graph
    answers = profile.validate(VENDORS[vendor])
    state = tempfile.mkdtemp()
    transport.seconds = latency
    requests0, writes0 = graph.requests, graph.writes
    identity0 = len([r for r in sim.requests if not r[1].startswith("/v1.0")])
    start = time.perf_counter()
    setup = Setup(profile, answers, graph, who, target, clock=clock, state_dir=state)
    setup.check_roles()
    applied = setup.apply(setup.plan())
    secret = setup.create_secret(applied) if profile.secret_needed else None
    if secret is not None:
        setup.secret_delivered(secret)  # as the wizard does once the value is shown or written
    report = setup.test_token(applied.client_id, secret.value if secret else None)
    wall = time.perf_counter() - start
    create_requests, create_writes = graph.requests - requests0, graph.writes - writes0
    identity = len([r for r in sim.requests if not r[1].startswith("/v1.0")]) - identity0
    # A no-change re-run: find, plan, apply (nothing to do).
    requests1, writes1 = graph.requests, graph.writes
    start = time.perf_counter()
    setup2 = Setup(profile, answers, graph, who, target, clock=clock, state_dir=state)
    plan = setup2.plan()
    setup2.apply(plan)
    rerun_wall = time.perf_counter() - start
    http.close()
    return {
        "vendor": vendor, "ok": report.ok, "requests": create_requests, "writes": create_writes, "identity": identity,
        "wall": wall, "max_in_flight": transport.max_in_flight,
        "rerun_requests": graph.requests - requests1, "rerun_writes": graph.writes - writes1,
        "rerun_wall": rerun_wall, "nothing_to_do": plan.nothing_to_do,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.150)
    args = parser.parse_args()
    print(f"machine: nproc={os.cpu_count()} python={platform.python_version()}  latency per request: {args.latency * 1000:.0f} ms")
    print(f"{'vendor':12} {'ok':3} {'graph req':>9} {'writes':>6} {'token req':>9} {'wall s':>7} {'req x lat':>9} "
          f"{'parallelism':>11} {'max in flight':>13} | {'re-run req':>10} {'writes':>6} {'wall s':>6}")
    for vendor in VENDORS:
        r = run(vendor, args.latency)
        serial = (r["requests"] + r["identity"]) * args.latency
        print(f"{vendor:12} {'yes' if r['ok'] else 'NO':3} {r['requests']:9d} {r['writes']:6d} {r['identity']:9d} "
              f"{r['wall']:7.2f} {serial:9.2f} {serial / r['wall']:11.2f} {r['max_in_flight']:13d} | "
              f"{r['rerun_requests']:10d} {r['rerun_writes']:6d} {r['rerun_wall']:6.2f}"
              + ("" if r["nothing_to_do"] else "  (re-run planned changes!)"))


if __name__ == "__main__":
    main()
