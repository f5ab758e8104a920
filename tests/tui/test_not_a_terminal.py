"""The interactive wizard on a pipe or /dev/null: a message and exit 2, not a hidden screen that
waits for keys nobody can press (found by the QA walk: `m365-wizard --demo </dev/null | tail`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wizard_without_a_terminal_says_what_to_do_and_exits_2(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": "/usr/bin:/bin", "TERM": "xterm-256color"}
    out = subprocess.run([sys.executable, "-m", "wizard", "--demo"], cwd=ROOT, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2, out.stderr[-2000:]
    assert "needs a terminal" in out.stderr and "m365-wizard --demo apply --vendor pexip" in out.stderr
    assert "Traceback" not in out.stderr and "\x1b[" not in out.stdout  # no screen was drawn
