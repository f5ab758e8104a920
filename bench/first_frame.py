"""Time to first frame of `m365-wizard --demo` against a bare Textual app (80x24, headless),
`--help` time, and peak RSS of a full demo run (headless CLI and TUI start-up).

    .venv/bin/python bench/first_frame.py [--runs 5]

Each measurement is a fresh subprocess (a cold interpreter, warm OS file cache): the clock
starts just before the process is spawned and stops when the app's Ready event fires
(Textual sends it once the DOM is ready and the first frame has been rendered), headless,
at 80x24. The two apps run alternately in the same loop, so their ratio is fair.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DRIVER = r"""
import sys, time
t_spawn = float(sys.argv[2])
which = sys.argv[1]
from textual.app import App
if which == "bare":
    from textual.widgets import Static
    class Bare(App):
        def compose(self):
            yield Static("hello")
        def on_ready(self):
            def done():
                print(f"FIRST_FRAME {time.time() - t_spawn:.4f}", flush=True)
                self.exit()
            self.call_after_refresh(done)
    Bare().run(headless=True, size=(80, 24))
else:
    from wizard.cli import build_parser
    from screens.app import WizardApp, session_from_args
    parent = getattr(WizardApp, "on_ready", None)
    def on_ready(self):
        if parent is not None:
            parent(self)
        def done():
            print(f"FIRST_FRAME {time.time() - t_spawn:.4f}", flush=True)
            self.exit()
        self.call_after_refresh(done)
    WizardApp.on_ready = on_ready  # a subclass defined in -c could not find its CSS
    args = build_parser().parse_args(["--demo"])
    WizardApp(session_from_args(args)).run(headless=True, size=(80, 24))
"""


def first_frame(which: str) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", DRIVER, which, repr(start)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, TERM="xterm-256color"))
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            return float(line.split()[1])
    raise RuntimeError(f"{which}: no frame\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=300, check=False)
    return time.perf_counter() - start


def peak_rss_mb(argv: list[str]) -> tuple[float, int]:
    """Peak resident set size of a child process (ru_maxrss of the finished child), MiB."""
    code = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    kib, rc = out.stdout.split()
    return int(kib) / 1024, int(rc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: nproc={os.cpu_count()} cpu={_cpu()} python={platform.python_version()}")
    bare, wizard = [], []
    for _ in range(args.runs):
        bare.append(first_frame("bare"))
        wizard.append(first_frame("wizard"))
    mb, mw = statistics.median(bare), statistics.median(wizard)
    print(f"first frame, bare Textual app   : median {mb * 1000:.0f} ms  (min {min(bare) * 1000:.0f}, max {max(bare) * 1000:.0f}, n={args.runs})")
    print(f"first frame, m365-wizard --demo : median {mw * 1000:.0f} ms  (min {min(wizard) * 1000:.0f}, max {max(wizard) * 1000:.0f}, n={args.runs})")
    print(f"ratio wizard / bare             : {mw / mb:.2f}")
    helps = [wall([sys.executable, "-m", "wizard", "--help"]) for _ in range(args.runs)]
    print(f"m365-wizard --help              : median {statistics.median(helps) * 1000:.0f} ms")
    demo = [sys.executable, "-m", "wizard", "--demo", "apply", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com", "--json"]
    start = time.perf_counter()
    rss, rc = peak_rss_mb(demo)
    print(f"--demo apply pexip (headless)   : peak RSS {rss:.0f} MiB, wall {time.perf_counter() - start:.1f} s (real clock: demo replication and secret delays), exit {rc}")
    tui_rss, _ = peak_rss_mb([sys.executable, "-c", DRIVER, "wizard", repr(time.time())])
    bare_rss, _ = peak_rss_mb([sys.executable, "-c", DRIVER, "bare", repr(time.time())])
    print(f"TUI to first frame              : peak RSS {tui_rss:.0f} MiB (bare Textual app {bare_rss:.0f} MiB)")


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
