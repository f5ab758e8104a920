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
#: tenant, and the screens of later steps.
NOT_AT_FIRST_FRAME = (
    "msal", "httpx", "qrcode", "cryptography", "jwt", "keyring", "trustme", "msal_extensions",
    "wizard.simtenant", "wizard.signin", "wizard.graph", "wizard.setup", "wizard.identityhttp",
    "wizard.target", "wizard.tokentest", "screens.questions", "screens.signin", "screens.plan",
    "screens.apply", "screens.widgets.qr",
)

FIRST_FRAME = textwrap.dedent(
    """
    import gc, json, sys
    import screens.app as app_module
    from wizard import cli

    seen = {}
    run = app_module.WizardApp.run

    async def at_first_frame(pilot):
        app = pilot.app
        for _ in range(200):  # the vendor screen is pushed by the flow's worker
            if type(app.screen).__name__ == "VendorScreen":
                break
            await pilot.pause(0.01)
        await pilot.pause()
        seen["screen"] = type(app.screen).__name__
        seen["vendors"] = app.screen.query_one("#vendors").option_count
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


def first_frame(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME, *argv], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
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
