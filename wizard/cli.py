"""The `m365-wizard` command: the composition root.

It parses arguments, decides where Microsoft is (the real cloud, a running
simulated tenant, or the in-process demo tenant) and starts either the Textual
app or a headless subcommand. Heavy packages (Textual, MSAL, httpx) are
imported only after parsing, so `--help` and `--version` answer at once.
"""

from __future__ import annotations

import argparse
import sys

from wizard import __version__
from wizard.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MICROSOFT,
    EXIT_OK,
    EXIT_ROLE,
    EXIT_SIGNIN,
    EXIT_TOKEN_TEST,
)

VENDOR_IDS = ("flexo", "syncsign", "innovaphone", "pexip", "loopmeeting")

EPILOG = f"""\
commands (headless, for scripts; without one the interactive wizard starts):
  plan      show what would change, write nothing
  apply     create or repair the registration, consent, secret, token test
  verify    compare an existing registration with the vendor's needs
  test      get a token with a client id and secret, check its claims
  snippet   print the vendor's settings block
  secrets   list registrations and when their secrets expire
  rotate    add a new secret, test it, remove the old one when confirmed
  simtenant serve   run the simulated tenant on loopback TLS

vendors: {", ".join(VENDOR_IDS)}

exit codes:
  {EXIT_OK} done, {EXIT_BAD_INPUT} bad input, {EXIT_SIGNIN} sign-in failed or blocked,
  {EXIT_ROLE} insufficient directory role, {EXIT_MICROSOFT} Microsoft error,
  {EXIT_TOKEN_TEST} token test failed, {EXIT_INTERRUPTED} interrupted

examples:
  m365-wizard --demo                      the full wizard against a simulated tenant
  m365-wizard --tenant contoso.com        the wizard against your tenant
  m365-wizard --demo apply --vendor pexip --set addin_fqdn=px01.example.com --json
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; kept free of heavy imports."""
    parser = argparse.ArgumentParser(
        prog="m365-wizard",
        description="Connect a vendor product to Microsoft 365: create and check its Entra app registration.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"m365-wizard {__version__}")
    parser.add_argument("--demo", action="store_true", help="use the built-in simulated tenant (no Microsoft account, no network)")
    parser.add_argument("--tenant", default=None, help="tenant domain or GUID (default: organizations, then the signed-in tenant)")
    parser.add_argument("--cloud", default="global", choices=["global", "usgov", "china"], help="national cloud (default: global)")
    parser.add_argument("--client-id", default=None, help="your organisation's public client for sign-in (env M365_WIZARD_CLIENT_ID; default: Microsoft Graph Command Line Tools)")
    parser.add_argument("--simtenant", metavar="URL", default=None, help="use a running 'm365-wizard simtenant serve' at URL")
    parser.add_argument("--ca-bundle", metavar="PATH", default=None, help="trust this CA file (a simulated tenant, or a TLS-inspecting proxy)")
    parser.add_argument("--vendor", choices=VENDOR_IDS, default=None, help="start the wizard with this vendor picked")
    parser.add_argument("--manual", action="store_true", help="guided manual mode: a checklist for the Entra admin center")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest:
        from wizard.commands import run_command  # lazy: engine and HTTP stack

        return run_command(args, rest)
    try:
        from screens.app import run_app  # lazy: Textual is heavy
    except ImportError as exc:  # pragma: no cover - only when installed without the UI
        print(f"m365-wizard: the interactive wizard cannot start: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_app(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
