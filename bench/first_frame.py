"""Time to first frame of `m365-wizard --demo` against a bare Textual app, side by side in one run;
`--help` time; peak RSS of the TUI to its first frame and of a headless demo run.

    .venv/bin/python bench/first_frame.py [--pairs 9]

How the first frame is measured (the same way for both apps):

- each start is a fresh process (a cold interpreter, a warm OS file cache) in its own
  pseudo-terminal of 80x24 (TIOCSWINSZ; COLUMNS/LINES/TEXTUAL_* removed from the environment),
  TERM=xterm-256color, HOME and the XDG folders in an empty temporary folder (no local profiles);
- the wizard is started as a user starts it: its console script (`m365-wizard --demo`), through
  `wizard.cli.main`; the bare app is a script with one `Static`, run by the same interpreter;
- the clock (perf_counter, in this process) starts just before the spawn and stops when the
  terminal has received every marker text of the app's first screen (bare: "hello"; wizard: the
  vendor screen's question and the five vendors' names) and, after them, the start of the
  frame's bottom row (ESC[24;1H: Textual writes a frame top to bottom, one cursor move per row).
  That is what a user sees: nothing is patched in the app, and no event inside the app is
  trusted to mean "painted" (the terminal answers no queries, so Textual writes no
  synchronized-update brackets to cut frames at);
- .pyc files as after `pip install` (PYTHONPYCACHEPREFIX in the temporary folder; the warm-up pair
  writes them; `--no-bytecode-cache` measures a start that compiles every module of the project);
- then the process is killed and its peak RSS read (wait4);
- one warm-up pair is not counted; the pairs alternate the order (bare first, then wizard first),
  so a drift in the machine's load hits both apps alike; medians are printed with min and max,
  and the ratio both as median(wizard) / median(bare) and as the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = (80, 24)

BARE = """\
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("hello")


Bare().run()
"""

#: Text every app's first screen shows: the frame counts once all of it has been written.
MARKERS = {
    "bare": ("hello",),
    "wizard": ("Which product are you connecting", "FlexO (oomnis)", "innovaphone Calendar",
               "LoopMeeting", "Pexip VMR Scheduling", "SyncSign SOPS"),
}
LAST_ROW = f"\x1b[{SIZE[1]};1H".encode()  # Textual starts each line of a frame with the cursor move to it


def wizard_command() -> list[str]:
    """`m365-wizard --demo` as installed (its console script), run by this interpreter."""
    script = os.path.join(os.path.dirname(sys.executable), "m365-wizard")
    if os.path.exists(script):
        return [sys.executable, script, "--demo"]
    return [sys.executable, "-m", "wizard", "--demo"]


def clean_env(home: str, bytecode_cache: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TEXTUAL") and k not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")}
    if bytecode_cache:  # as after `pip install` (it compiles every module): .pyc files, kept out of the tree
        env["PYTHONPYCACHEPREFIX"] = os.path.join(home, "pycache")
    else:  # every module of the project compiled from source at each start
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(TERM="xterm-256color", HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), XDG_STATE_HOME=os.path.join(home, ".local", "state"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"))
    return env


def first_frame(argv: list[str], markers: tuple[str, ...], env: dict[str, str], timeout: float = 60.0,
                cwd: str = ROOT) -> tuple[float, float, float]:
    """Seconds from spawn to the end of the first frame showing every marker, peak RSS (MiB), and the
    CPU seconds the process used until it was killed (user + system: steadier than wall time when
    the machine is shared)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    raw = b""  # everything the app wrote to its terminal
    wanted = [m.encode() for m in markers]
    elapsed = None
    try:
        while elapsed is None:
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise RuntimeError(f"{argv}: no frame with {markers} within {timeout:.0f} s; got:\n{_tail(raw)}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk:
                raise RuntimeError(f"{argv}: ended before its first frame:\n{_tail(raw)}")
            raw += chunk
            ends = [raw.find(m) for m in wanted]
            if -1 in ends:
                continue
            after = max(e + len(m) for e, m in zip(ends, wanted))
            if raw.find(LAST_ROW, after) != -1:  # the frame with every marker reached the bottom row
                elapsed = time.perf_counter() - start
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = -9
        os.close(master)
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _tail(raw: bytes) -> str:
    return raw[-2000:].decode(errors="replace")


def wall(argv: list[str], env: dict[str, str], cwd: str = ROOT) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, timeout=300, check=False, env=env)
    return time.perf_counter() - start


def peak_rss_mb(argv: list[str], env: dict[str, str], cwd: str = ROOT) -> tuple[float, int]:
    """Peak resident set size of a finished child process (wait4), MiB, and its exit code."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def spread(values: list[float], unit: float = 1000.0) -> str:
    return (f"median {statistics.median(values) * unit:.0f} ms  "
            f"(min {min(values) * unit:.0f}, max {max(values) * unit:.0f}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", "--runs", type=int, default=9, help="alternating pairs counted (default 9, at least 7)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="no .pyc for the project's modules (PYTHONDONTWRITEBYTECODE=1): each start compiles them")
    parser.add_argument("--wizard-root", metavar="DIR", default=None,
                        help="run `python -m wizard --demo` from another checkout (e.g. a worktree of an older "
                             "commit) instead of the installed console script: before/after in the same conditions")
    parser.add_argument("--no-headless-demo", action="store_true", help="skip the ~15 s headless `--demo apply` run")
    args = parser.parse_args()
    if args.pairs < 7:
        parser.error("--pairs: at least 7 (the goal is a median of at least 7 alternating pairs)")
    print(f"machine: nproc={os.cpu_count()} cpu={_cpu()} python={platform.python_version()} "
          f"textual={_version('textual')} load={os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="m365-bench-") as home:
        env = clean_env(home, bytecode_cache=not args.no_bytecode_cache)
        bare_script = os.path.join(home, "bare_app.py")
        with open(bare_script, "w") as handle:
            handle.write(BARE)
        commands = {"bare": [sys.executable, bare_script], "wizard": wizard_command()}
        where = {"bare": ROOT, "wizard": ROOT}
        if args.wizard_root:
            commands["wizard"] = [sys.executable, "-m", "wizard", "--demo"]
            where["wizard"] = os.path.abspath(args.wizard_root)
        times: dict[str, list[float]] = {"bare": [], "wizard": []}
        rss: dict[str, list[float]] = {"bare": [], "wizard": []}
        cpu: dict[str, list[float]] = {"bare": [], "wizard": []}
        ratios = []
        for index in range(args.pairs + 1):  # pair 0 warms the file cache and is not counted
            order = ("bare", "wizard") if index % 2 else ("wizard", "bare")
            pair = {}
            for which in order:
                pair[which], mib, seconds = first_frame(commands[which], MARKERS[which], env, cwd=where[which])
                if index:
                    times[which].append(pair[which])
                    rss[which].append(mib)
                    cpu[which].append(seconds)
            if index:
                ratios.append(pair["wizard"] / pair["bare"])
        mb, mw = statistics.median(times["bare"]), statistics.median(times["wizard"])
        print(f"terminal: pty {SIZE[0]}x{SIZE[1]}, TERM=xterm-256color; wizard: "
              f"{' '.join(os.path.basename(a) for a in commands['wizard'][1:])} in {where['wizard']}; .pyc: "
              + ("none (compiled at each start)" if args.no_bytecode_cache else "cached (PYTHONPYCACHEPREFIX, filled by the warm-up pair)"))
        print(f"first frame, bare Textual app   : {spread(times['bare'])}")
        print(f"first frame, m365-wizard --demo : {spread(times['wizard'])}")
        print(f"ratio median(wizard)/median(bare): {mw / mb:.2f}")
        print(f"ratio per pair                  : median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}): {' '.join(f'{r:.2f}' for r in ratios)}")
        print(f"CPU to first frame, bare        : {spread(cpu['bare'])}")
        print(f"CPU to first frame, wizard      : {spread(cpu['wizard'])}")
        print(f"CPU ratio median(wizard)/median(bare): {statistics.median(cpu['wizard']) / statistics.median(cpu['bare']):.2f}")
        print(f"TUI to first frame              : peak RSS {statistics.median(rss['wizard']):.0f} MiB "
              f"(bare Textual app {statistics.median(rss['bare']):.0f} MiB)")
        helps = [wall([*commands["wizard"][:-1], "--help"], env, where["wizard"]) for _ in range(args.pairs)]
        print(f"m365-wizard --help              : {spread(helps)}")
        if not args.no_headless_demo:
            demo = [*commands["wizard"], "apply", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com", "--json"]
            start = time.perf_counter()
            mib, rc = peak_rss_mb(demo, env, where["wizard"])
            print(f"--demo apply pexip (headless)   : peak RSS {mib:.0f} MiB, wall {time.perf_counter() - start:.1f} s "
                  f"(real clock: demo replication and secret delays), exit {rc}")


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
