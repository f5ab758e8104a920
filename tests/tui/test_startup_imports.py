"""The first frame of `m365-wizard --demo` waits for nothing it does not show (docs/PERFORMANCE.md).

Each check runs in a fresh interpreter: `sys.modules` of the test process is full of everything.
No timing here (the suite runs on a shared machine): `bench/first_frame.py` measures; these tests
keep the lazy imports that make it fast from coming back unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Not needed before the vendor screen is painted: sign-in, HTTP, TLS, QR code, the simulated
#: tenant, the screens of later steps, and the parsed and checked profiles (the list shows the
#: bundled files' head lines: `wizard.profile_files`) with their permission catalogue.
NOT_AT_FIRST_FRAME = (
    "msal", "httpx", "qrcode", "cryptography", "jwt", "keyring", "trustme", "msal_extensions",
    "wizard.simtenant", "wizard.signin", "wizard.graph", "wizard.setup", "wizard.identityhttp",
    "wizard.target", "wizard.tokentest", "screens.questions", "screens.signin", "screens.plan",
    "screens.apply", "screens.widgets.qr",
    "wizard.profiles", "wizard.catalog", "wizard.answers", "wizard.profile_format", "wizard.settings", "tomllib",
)

FIRST_FRAME = textwrap.dedent(
    """
    import gc, json, sys
    import screens.app as app_module
    from textual.css.stylesheet import Stylesheet
    from wizard import cli

    seen = {"reparses": 0}
    run = app_module.WizardApp.run
    reparse = Stylesheet.reparse

    def counted_reparse(self):
        seen["reparses"] += 1
        return reparse(self)

    Stylesheet.reparse = counted_reparse

    async def at_first_frame(pilot):
        app = pilot.app
        for _ in range(200):  # the vendor screen is pushed by the flow's worker
            if type(app.screen).__name__ == "VendorScreen":
                break
            await pilot.pause(0.01)
        await pilot.pause()
        seen["screen"] = type(app.screen).__name__
        seen["vendors"] = app.screen.query_one("#vendors").option_count
        seen["reparses_at_first_frame"] = seen["reparses"]
        seen["footer"] = [entry.description for entry in app.screen.query_one("WizardFooter").entries()]
        seen["collecting"] = gc.isenabled()
        seen["modules"] = sorted(sys.modules)
        app.exit(0)

    def headless_run(self, **kwargs):
        return run(self, headless=True, size=(80, 24), auto_pilot=at_first_frame)

    app_module.WizardApp.run = headless_run
    code = cli.main(sys.argv[1:])
    seen["code"] = code
    seen["collecting_after"] = gc.isenabled()
    print("SEEN" + json.dumps(seen))
    """
)


def first_frame(*argv: str, env: dict[str, str] | None = None) -> dict:
    """Run the CLI in a fresh interpreter until the vendor screen is shown; with a home and config
    folder of its own (no profiles of this machine's user) unless `env` names others."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="m365-first-frame-") as home:
        own = {"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
               "XDG_STATE_HOME": os.path.join(home, ".state")}
        out = subprocess.run([sys.executable, "-c", FIRST_FRAME, *argv], cwd=ROOT, capture_output=True, text=True,
                             timeout=120, env={**os.environ, **own, **(env or {})})
    lines = [line for line in out.stdout.splitlines() if line.startswith("SEEN")]
    assert lines, out.stdout[-2000:] + out.stderr[-2000:]
    return json.loads(lines[-1][4:])


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_the_demo_paints_its_vendor_screen_before_sign_in_http_tls_or_the_simulated_tenant():
    seen = first_frame("--demo")
    assert seen["screen"] == "VendorScreen" and seen["vendors"] >= 5
    assert seen["code"] == 0
    assert loaded(seen["modules"], NOT_AT_FIRST_FRAME) == []
    # The CLI pauses garbage collection for start-up; by the first frame it is on again.
    assert seen["collecting"] is True and seen["collecting_after"] is True
    # No style sheet parsed twice for it: a first screen with a CSS_PATH of its own makes Textual
    # parse every style sheet again and restyle every widget (its styles come with the app's).
    assert seen["reparses_at_first_frame"] == 0
    assert {"Leave", "Help", "Quit"} <= set(seen["footer"])  # drawn with the first frame


def test_a_local_profile_file_is_listed_on_the_first_screen_with_its_problem(tmp_path):
    """With a file in the profiles folder the list is the full catalogue (parsed and checked)."""
    folder = tmp_path / "config" / "m365-wizard" / "profiles"
    folder.mkdir(parents=True)
    (folder / "roomsign.toml").write_text('id = "roomsign"\nname = "RoomSign"\n', encoding="utf-8")
    seen = first_frame("--demo", env={"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)})
    assert seen["screen"] == "VendorScreen"
    assert seen["vendors"] == 6  # the five bundled ones and the broken local file, greyed
    assert "wizard.profiles" in seen["modules"]


def test_a_real_tenant_start_paints_before_msal_and_httpx_too():
    seen = first_frame("--tenant", "contoso.com")
    assert seen["screen"] == "VendorScreen"
    assert loaded(seen["modules"], NOT_AT_FIRST_FRAME) == []


def test_importing_the_tui_entry_point_imports_no_microsoft_client():
    code = ("import sys, wizard.cli, screens.app; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('msal', 'httpx', 'qrcode', 'cryptography', "
            "'jwt', 'keyring', 'trustme') or m.startswith('wizard.simtenant')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "[]", out.stdout
