"""A second run for the same vendor and tenant is told so and changes nothing; stale locks
(a dead process, or too old) are taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import make_sim, sign_in
from wizard.runlock import MAX_AGE, RunInProgress, RunLock
from wizard.simtenant import FaultPlan
from wizard.target import demo_target


def test_a_second_holder_is_refused_and_told_who_holds_it(tmp_path):
    first = RunLock(tmp_path, "tenant-1", "pexip")
    first.acquire()
    first.acquire()  # re-entrant in one process
    other = RunLock(tmp_path, "tenant-1", "pexip")
    # Another live process holds it: pretend by writing its pid.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        first.release()
        other.path.write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(), "started": time.time()}))
        with pytest.raises(RunInProgress) as info:
            other.acquire()
        assert f"process {holder.pid}" in info.value.message and "Nothing was changed" in info.value.message
        assert info.value.exit_code == 2 and info.value.next_step
        RunLock(tmp_path, "tenant-1", "flexo").acquire()  # another vendor: its own lock
        RunLock(tmp_path, "tenant-2", "pexip").acquire()  # another tenant: its own lock
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_of_a_dead_process_or_an_old_one_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = RunLock(tmp_path, "t", "pexip")
    lock.path.parent.mkdir(parents=True)
    lock.path.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": time.time()}))
    lock.acquire()
    assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    lock.release()
    assert not lock.path.exists()
    lock.path.write_text(json.dumps({"pid": 1, "host": "another-host", "started": time.time() - MAX_AGE - 1}))
    lock.acquire()
    assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert oct(lock.path.stat().st_mode & 0o777) == "0o600"


def test_apply_while_another_run_holds_the_lock_writes_nothing(clock, tmp_path):
    from wizard.profiles import get_profile
    from wizard.setup import Setup

    sim = make_sim(clock, faults=FaultPlan())
    target = demo_target(sim)
    with target.http_client() as http:
        signin, who = sign_in(sim, target, http, clock)
        profile = get_profile("pexip")
        answers = profile.validate({"addin_fqdn": "px01.example.com"})
        setup = Setup(profile, answers, signin.graph, who, target, clock=clock, state_dir=tmp_path)
        holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            setup.run_lock.path.parent.mkdir(parents=True, exist_ok=True)
            setup.run_lock.path.write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(),
                                                       "started": time.time()}))
            before = len(sim.requests)
            with pytest.raises(RunInProgress):
                setup.apply(setup.plan())
            assert not [r for r in sim.requests[before:] if r[0] != "GET"], "no write while another run is under way"
        finally:
            holder.kill()
            holder.wait()
        applied = setup.apply(setup.plan())  # the other run ended: this one goes ahead
        assert applied.client_id
        setup.release_lock()
        assert not setup.run_lock.path.exists()
