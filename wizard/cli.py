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
  m365-wizard test --vendor pexip --client-id-app ID --tenant contoso.com --secret-file secret.txt

The device code goes to stderr, results to stdout. A client secret is never read from
the command line (it would show in `ps`): use --secret-file or M365_WIZARD_CLIENT_SECRET.
"""


COMMANDS = ("plan", "apply", "verify", "test", "snippet")


def _add_command_options(sub: argparse.ArgumentParser, name: str) -> None:
    """Options every headless command takes (after the command's name)."""
    # SUPPRESS: an absent --vendor must not overwrite one given before the command.
    sub.add_argument("--vendor", choices=VENDOR_IDS, default=argparse.SUPPRESS, help="the vendor product (required)")
    sub.add_argument("--set", dest="set", action="append", default=[], metavar="KEY=VALUE",
                     help="an answer to one of the vendor's questions; repeat for each answer (or each value of a list)")
    sub.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of text")
    sub.add_argument("--show-secret", action="store_true", help="print the client secret instead of masking it")
    sub.add_argument("--secret-file", metavar="PATH", default=None,
                     help=("write the new client secret to PATH (mode 0600)" if name == "apply" else
                           "read the client secret from PATH (else env M365_WIZARD_CLIENT_SECRET)"))
    if name in ("verify", "test", "snippet"):
        sub.add_argument("--client-id-app", metavar="ID", default=None,
                         help="application (client) ID of the existing registration")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; kept free of heavy imports.

    Global options come before the command: `m365-wizard --demo apply --vendor pexip …`.
    Without a command the interactive wizard starts (`m365-wizard --demo --vendor pexip`).
    """
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
    parser.add_argument("--remember", action="store_true",
                        help="remember the sign-in in the system keyring (off by default)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    helps = {
        "plan": "show what would change, write nothing",
        "apply": "create or repair the registration, consent, secret, token test",
        "verify": "compare an existing registration with the vendor's needs (writes nothing)",
        "test": "get a token with a client id and secret, check its claims (no admin sign-in)",
        "snippet": "print the vendor's settings block",
    }
    for name in COMMANDS:
        _add_command_options(commands.add_parser(name, help=helps[name], description=helps[name]), name)
    sim = commands.add_parser("simtenant", help="the simulated tenant", description="the simulated tenant")
    sim_commands = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)
    serve = sim_commands.add_parser("serve", help="run the simulated tenant on loopback TLS", add_help=False)
    serve.set_defaults(serve_args=[])  # its options are passed through to wizard.simtenant.server.main
    return parser


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess test
    """SIGTERM is handled like Ctrl+C: stop cleanly, exit 130."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    # Known-args parsing only so that `simtenant serve` can pass its own options through.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "simtenant":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _install_sigterm()
    if args.command == "simtenant":
        from wizard.simtenant.server import main as serve_main  # lazy: the simulator is only for tests and demos

        try:
            return int(serve_main(list(args.serve_args) + list(extra)) or 0)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
    if args.command:
        from wizard.commands import run_command  # lazy: engine and HTTP stack

        return run_command(args)
    try:
        from screens.app import run_app  # lazy: Textual is heavy
    except ImportError as exc:  # pragma: no cover - only when installed without the UI
        print(f"m365-wizard: the interactive wizard cannot start: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return run_app(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _install_sigterm() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
