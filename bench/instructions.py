"""Instructions to the first frame: `m365-wizard --demo` against a bare Textual app, counted by
valgrind (callgrind), so a busy or noisy machine does not move the figure.

    .venv/bin/python bench/instructions.py [--wizard-root DIR]

`bench/first_frame.py` is the measure of record (wall and CPU time in a real terminal). Its pairs
spread a lot on a shared virtual machine (per-pair ratios from 0.9 to 1.6 in one run), so a saving
of a few milliseconds is hard to see there. This script counts what the CPU executes instead
(Ir, deterministic to about 1%), to tell which change saves what; the ratio follows the time ratio
closely (on 2026-12-02: 1.41 here and 1.37-1.43 there before the start-up work, 1.18 here and
1.17-1.22 there after it).

How: each app runs once under `valgrind --tool=callgrind` in an 80x24 pseudo-terminal (HOME and
the XDG folders empty, `.pyc` cached by a first unmeasured run) and exits right after Textual
writes its first frame to the terminal (`App._display`, wrapped by this script's starter: the
only change to the app). Needs valgrind (`apt install valgrind`); takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STARTER = """\
import sys
import textual.app as ta

_display = ta.App._display
_done = []


def display(self, *args, **kwargs):
    result = _display(self, *args, **kwargs)
    if not _done:
        _done.append(True)
        self.exit(0)
    return result


ta.App._display = display
if sys.argv[1] == "wizard":
    from wizard.cli import main

    main(["--demo"])
else:
    from textual.widgets import Static

    class Bare(ta.App):
        def compose(self):
            yield Static("hello")

    Bare().run()
"""


def count(which: str, root: str, home: str, starter: str) -> int:
    """Instructions (Ir) `which` ("bare" or "wizard") executes until its first frame."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TERM="xterm-256color", HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_STATE_HOME=os.path.join(home, ".state"), PYTHONPATH=root,
               PYTHONPYCACHEPREFIX=os.path.join(home, "pycache"))
    log = os.path.join(home, f"{which}.log")
    inner = (f"stty cols 80 rows 24; valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file={log} "
             f"{sys.executable} {starter} {which}")
    subprocess.run(["script", "-qc", inner, "/dev/null"], cwd=root, env=env, capture_output=True, timeout=600,
                   check=False)
    with open(log, encoding="utf-8", errors="replace") as handle:
        found = re.search(r"Collected : (\d+)", handle.read())
    if not found:
        raise RuntimeError(f"{which}: valgrind printed no count (see {log})")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wizard-root", metavar="DIR", default=ROOT, help="the checkout whose wizard is counted")
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("script"):
        raise SystemExit("bench/instructions.py needs valgrind and script (util-linux)")
    root = os.path.abspath(args.wizard_root)
    with tempfile.TemporaryDirectory(prefix="m365-instructions-") as home:
        starter = os.path.join(home, "starter.py")
        with open(starter, "w", encoding="utf-8") as handle:
            handle.write(STARTER)
        for which in ("bare", "wizard"):  # a first run each fills the .pyc cache, not counted
            count(which, root, home, starter)
        bare, wizard = count("bare", root, home, starter), count("wizard", root, home, starter)
    print(f"wizard: {root}")
    print(f"instructions to the first frame, bare Textual app   : {bare / 1e6:.0f} M")
    print(f"instructions to the first frame, m365-wizard --demo : {wizard / 1e6:.0f} M")
    print(f"ratio: {wizard / bare:.2f}")


if __name__ == "__main__":
    main()
