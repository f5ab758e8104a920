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
    EXIT_DRIFT,
    EXIT_INTERRUPTED,
    EXIT_MICROSOFT,
    EXIT_OK,
    EXIT_ROLE,
    EXIT_SIGNIN,
    EXIT_TOKEN_TEST,
)



def vendor_ids() -> tuple[str, ...]:
    """The `--vendor` choices: bundled and the user's profiles folder (file names only)."""
    from wizard.profile_files import vendor_ids as ids

    return ids()


EPILOG = """\
Without a command the interactive wizard starts. Global options (--tenant, --cloud, --demo,
--simtenant, --ca-bundle, --auth, --remember, --debug-log) go before or after the command; the
command's own options after it (`m365-wizard COMMAND --help` lists them). One exception:
`--client-id` BEFORE the command is your sign-in public client, and AFTER a command
(`verify --client-id ID`, `rotate --client-id ID`) the same as --client-id-app: the app to act on.

sign-in where Conditional Access blocks the device code (AADSTS53003):
  m365-wizard --auth paste apply …        open the link shown on any device, sign in, paste back the
                                          address the browser lands on (http://localhost:PORT/?code=…)
  m365-wizard --auth browser apply …      the same in this machine's browser (needs a desktop)

manual mode (when sign-in is blocked, or by choice):
  m365-wizard --manual                    at a terminal: the wizard's checklist screen
  m365-wizard manual --vendor V --set KEY=VALUE … [--save PATH] [--markdown]
                                          the checklist as text, then paste the values to test them;
                                          `--manual` without a command does the same when stdout is
                                          not a terminal or with --set, --save or --markdown

vendors: {vendors}

exit codes:
  {EXIT_OK} done, {EXIT_BAD_INPUT} bad input, {EXIT_SIGNIN} sign-in failed or blocked,
  {EXIT_ROLE} insufficient directory role, {EXIT_MICROSOFT} Microsoft error,
  {EXIT_TOKEN_TEST} token test failed, {EXIT_DRIFT} drift: `verify` found differences it did not (all) repair,
  {EXIT_INTERRUPTED} interrupted

examples:
  m365-wizard --demo                      the full wizard against a simulated tenant
  m365-wizard --tenant contoso.com        the wizard against your tenant
  m365-wizard --demo apply --vendor pexip --set addin_fqdn=px01.example.com --json
                                          (each headless --demo command gets a new tenant; one that
                                          persists: `simtenant serve`, then --simtenant URL --ca-bundle FILE)
  m365-wizard verify --vendor pexip --set addin_fqdn=px01.example.com --yes
  m365-wizard secrets --json              every secret of the wizard's registrations, expiry first
  m365-wizard rotate --vendor pexip --secret-file new-secret.txt
  m365-wizard test --vendor pexip --client-id-app ID --tenant contoso.com --secret-file secret.txt
  m365-wizard simtenant serve --scenario flexo_drifted
  m365-wizard profile new roomsign.toml   a vendor of your own: edit, `profile check`, then --profile FILE

The device code goes to stderr, results to stdout. A client secret is never read from
the command line (it would show in `ps`): use --secret-file or M365_WIZARD_CLIENT_SECRET.
Questions (repair? remove the old secret?) are answered by --yes; without a terminal and
without --yes the answer is no, and nothing is changed.
"""

PROFILE_HELP = ("a vendor profile file (TOML) outside the package: that vendor, picked "
                "(see `m365-wizard profile --help`)")

# name → one line of help; the order is the order of `--help`.
COMMAND_HELP = {
    "plan": "show what would change, write nothing",
    "apply": "create or repair the registration, consent, secret, token test",
    "verify": "compare an existing registration with the vendor's needs; repair on confirmation (--yes); "
              "exit 7 when differences remain",
    "test": "get a token with a client id and secret, check its claims (no admin sign-in)",
    "snippet": "print the vendor's settings block",
    "secrets": "list the client secrets of the wizard's registrations (or --all) and when they expire",
    "rotate": "new client secret, tested, shown once; the old one is removed only after confirmation",
    "manual": "the checklist for the Entra admin center, then test the pasted values (no admin sign-in)",
}
COMMANDS = tuple(COMMAND_HELP)
COMMANDS_WITH_APP = ("plan", "apply", "verify", "test", "snippet", "rotate", "manual")  # --client-id-app
DAY2_COMMANDS = ("verify", "secrets", "rotate", "manual")  # wizard.day2.run_<name>(args)


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a whole number of months, got '{text[:20]}'") from None
    if not 1 <= value <= 24:
        raise argparse.ArgumentTypeError("must be between 1 and 24 (Entra's longest lifetime is 24 months)")
    return value


def _add_command_options(sub: argparse.ArgumentParser, name: str, vendor: bool = True,
                         ids: tuple[str, ...] | None = None) -> None:
    """The options of one headless command (after the command's name); `ids`: the vendor ids."""
    # SUPPRESS: an absent --vendor must not overwrite one given before the command.
    vendor_help = "only this vendor's registrations" if name == "secrets" else "the vendor product (required)"
    if vendor:
        sub.add_argument("--vendor", choices=vendor_ids() if ids is None else ids, default=argparse.SUPPRESS,
                         help=vendor_help)
        sub.add_argument("--profile", metavar="PATH", default=argparse.SUPPRESS, help=PROFILE_HELP)
    if name in ("plan", "apply", "verify", "test", "snippet", "manual"):
        sub.add_argument("--set", dest="set", action="append", default=[], metavar="KEY=VALUE",
                         help="an answer to one of the vendor's questions; repeat for each answer (or each value of a list)")
    sub.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of text")
    if name in COMMANDS_WITH_APP:
        where = {"plan": "of an existing registration to compare (e.g. one of the same name the wizard did not make)",
                 "apply": "of an existing registration to repair instead of creating one","rotate": "of the registration whose secret to renew (default: the wizard's one for --vendor)",
                 "manual": "of the registration, once it exists (put into the checklist's links)",
                 "verify": "of the existing registration (default: the one the wizard made)"}
        # After the command `--client-id` means the same (issue texts write `verify --client-id …`);
        # before the command it stays the sign-in's public client. Not in `--manual`'s one parser.
        names = ("--client-id-app",) if name == "manual" else ("--client-id-app", "--client-id")
        sub.add_argument(*names, dest="client_id_app", metavar="ID", default=None,
                         help="application (client) ID " + where.get(name, "of the existing registration")
                              + ("" if name == "manual" else "; after the command, --client-id is the same"))
    if name in ("apply", "test", "snippet", "rotate", "manual"):
        sub.add_argument("--show-secret", action="store_true", help="print the client secret instead of masking it")
    if name in ("apply", "test", "snippet", "rotate"):
        writes = name in ("apply", "rotate")
        sub.add_argument("--secret-file", metavar="PATH", default=None,
                         help=(f"write the {'new ' if name == 'rotate' else ''}client secret to PATH (mode 0600)" if writes else
                               "read the client secret from PATH (else env M365_WIZARD_CLIENT_SECRET)"))
    if name in ("apply", "rotate"):
        sub.add_argument("--force", action="store_true", help="overwrite an existing --secret-file")
    if name in ("apply", "verify", "rotate"):
        sub.add_argument("--yes", action="store_true",
                         help={"verify": "repair the differences without asking",
                               "apply": "create a new registration even if one of the same name exists that the wizard did not make",
                               "rotate": "remove the old secret(s) without asking, once the new one passed its test"}[name])
    if name == "apply":
        sub.add_argument("--new-secret", action="store_true",
                         help="create a new client secret even though the app already has a valid one "
                              "(a re-run keeps the valid one by default: the vendor already has it)")
    if name == "rotate":
        sub.add_argument("--months", type=_months, default=None, metavar="N",
                         help="lifetime of the new secret in months, 1-24 (default: the vendor's; a tenant policy may shorten it)")
    if name == "secrets":
        sub.add_argument("--all", action="store_true", help="every app registration of the tenant, not only the wizard's")
    if name == "manual":
        sub.add_argument("--save", metavar="PATH", default=None, help="also save the checklist to PATH (it holds no secret)")
        sub.add_argument("--markdown", action="store_true", help="the checklist as Markdown instead of plain text")


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The argument parser; kept free of heavy imports.

    Global options come before the command: `m365-wizard --demo apply --vendor pexip …`.
    Without a command the interactive wizard starts (`m365-wizard --demo --vendor pexip`).
    `commands=False`: the global options only (`command` is None), for a command line that
    cannot name a command (`may_name_command`): the commands' parsers are a fifth of the
    interactive wizard's start-up work before Textual.
    """
    ids = vendor_ids()  # once: it lists the profile folders
    parser = argparse.ArgumentParser(
        prog="m365-wizard",
        description="Connect a vendor product to Microsoft 365: create and check its Entra app registration.",
        epilog=EPILOG.format(
            vendors=", ".join(ids), EXIT_OK=EXIT_OK, EXIT_BAD_INPUT=EXIT_BAD_INPUT, EXIT_SIGNIN=EXIT_SIGNIN,
            EXIT_ROLE=EXIT_ROLE, EXIT_MICROSOFT=EXIT_MICROSOFT, EXIT_TOKEN_TEST=EXIT_TOKEN_TEST, EXIT_DRIFT=EXIT_DRIFT,
            EXIT_INTERRUPTED=EXIT_INTERRUPTED),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_options(parser, ids)
    if not commands:
        parser.set_defaults(command=None)
        return parser
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands (headless, for scripts)")
    for name, text in COMMAND_HELP.items():
        sub = subparsers.add_parser(name, help=text, description=text)
        _add_command_options(sub, name, ids=ids)
        _add_global_copies(sub, name)
    prof = subparsers.add_parser(
        "profile", help="check FILE | new [FILE] | list: vendor profile files of your own (docs/profiles.md)",
        description="Vendor profiles outside the package: check one, start one, list them all.")
    prof_commands = prof.add_subparsers(dest="profile_command", metavar="SUBCOMMAND", required=True)
    prof_commands.add_parser("check", help="check a profile file: the line, the key and what is expected "
                             "(exit 2 on any error)").add_argument("path", metavar="FILE")
    prof_commands.add_parser("new", help="write a commented starter profile (default ./myproduct.toml; "
                             "never overwrites)").add_argument("path", metavar="FILE", nargs="?", default=None)
    prof_commands.add_parser("list", help="the bundled vendors and your local ones (profiles folder)")
    sim = subparsers.add_parser(
        "simtenant", help="serve [--port N] [--scenario NAME] [--seed N] [--ca-dir DIR] [--no-auto-approve]: "
                          "run the simulated tenant on loopback TLS",
        description="the simulated tenant")
    sim_commands = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)
    serve = sim_commands.add_parser("serve", help="run the simulated tenant on loopback TLS", add_help=False)
    serve.set_defaults(serve_args=[])  # its options are passed through to wizard.simtenant.server.main
    return parser


def may_name_command(argv: list[str]) -> bool:
    """False when `argv` holds options only (each word starts with "-", as in `--demo`): no word
    of it can be a command, so the parser without the commands parses it alike. Help (`-h`,
    `--help` or an abbreviation of it) lists the commands: True."""
    return any(not word.startswith("-") or word == "-h" or word.startswith("--h") for word in argv)


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str], argparse.ArgumentParser]:
    """Parse with known args only (so `simtenant serve` can pass its own options through). An
    options-only line is tried without the commands' parsers first; anything it does not parse
    cleanly is parsed again by the full parser, so every error reads the same (its usage line
    names the commands)."""
    if not may_name_command(argv):
        lean = build_parser(commands=False)
        lean.exit_on_error = False
        try:
            args, extra = lean.parse_known_args(argv)
        except argparse.ArgumentError:
            pass
        else:
            if not extra:
                return args, extra, lean
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    return args, extra, parser


def build_manual_parser() -> argparse.ArgumentParser:
    """`m365-wizard --manual [options]`: the global options plus those of the `manual` command,
    in any order (no command may follow: manual mode is a mode of its own)."""
    parser = argparse.ArgumentParser(
        prog="m365-wizard --manual",
        description="Manual mode: a checklist for the Microsoft Entra admin center instead of signing in. "
                    "At a terminal, without --set/--save/--markdown/--json: the wizard's checklist screen; "
                    "otherwise the checklist as text, as `m365-wizard manual` prints it.",
    )
    _add_global_options(parser)
    _add_command_options(parser, "manual", vendor=False)
    parser.set_defaults(command=None)
    return parser


def _add_global_copies(sub: argparse.ArgumentParser, name: str) -> None:
    """The global options once more after a command: `test --vendor pexip --tenant contoso.com`.

    default=SUPPRESS: a copy not given leaves the value given before the command (or the global
    default) alone. `--client-id` is copied only where the command has no --client-id-app, for
    after such a command it names the app to act on (see _add_command_options).
    """
    group = sub.add_argument_group("global options (also accepted before the command)")
    keep = argparse.SUPPRESS
    group.add_argument("--demo", action="store_true", default=keep, help="use the built-in simulated tenant (new for each command)")
    group.add_argument("--tenant", default=keep, help="tenant domain or GUID")
    group.add_argument("--cloud", default=keep, choices=["global", "usgov", "china"], help="national cloud")
    if name not in COMMANDS_WITH_APP:
        group.add_argument("--client-id", default=keep, help="your organisation's public client for sign-in")
    group.add_argument("--simtenant", metavar="URL", default=keep, help="use a running simulated tenant at URL")
    group.add_argument("--simtenant-remote", action="store_true", default=keep,
                       help="allow --simtenant on another host")
    group.add_argument("--ca-bundle", metavar="PATH", default=keep, help="trust this CA file")
    group.add_argument("--auth", choices=["device", "browser", "paste"], default=keep, help="how the admin signs in")
    group.add_argument("--remember", action="store_true", default=keep, help="remember the sign-in in the OS's store")
    group.add_argument("--debug-log", nargs="?", const="", default=keep, metavar="PATH",
                       help="write a debug log (credentials redacted)")


def _add_global_options(parser: argparse.ArgumentParser, ids: tuple[str, ...] | None = None) -> None:
    """Options before the command (and of the interactive wizard); `ids`: the vendor ids."""
    parser.add_argument("--version", action="version", version=f"m365-wizard {__version__}")
    parser.add_argument("--demo", action="store_true", help="use the built-in simulated tenant (no Microsoft account, no network; a new one for each "
                        "headless command: `simtenant serve` + --simtenant URL keeps one)")
    parser.add_argument("--tenant", default=None, help="tenant domain or GUID (default: organizations, then the signed-in tenant)")
    parser.add_argument("--cloud", default="global", choices=["global", "usgov", "china"], help="national cloud (default: global)")
    parser.add_argument("--client-id", default=None, help="your organisation's public client for sign-in (env M365_WIZARD_CLIENT_ID; default: Microsoft Graph Command Line Tools)")
    parser.add_argument("--simtenant", metavar="URL", default=None,
                        help="use a running 'm365-wizard simtenant serve' at URL (a loopback address)")
    parser.add_argument("--simtenant-remote", action="store_true",
                        help="allow --simtenant on another host (its sign-in is NOT Microsoft's)")
    parser.add_argument("--ca-bundle", metavar="PATH", default=None, help="trust this CA file (a simulated tenant, or a TLS-inspecting proxy)")
    parser.add_argument("--vendor", choices=vendor_ids() if ids is None else ids, default=None,
                        help="start the wizard with this vendor picked")
    parser.add_argument("--profile", metavar="PATH", default=None, help=PROFILE_HELP)
    parser.add_argument("--manual", action="store_true",
                        help="manual mode: a checklist for the Entra admin center instead of signing in (see below)")
    parser.add_argument("--auth", choices=["device", "browser", "paste"], default="device",
                        help="how the admin signs in: device code (default); browser (this machine's browser); "
                             "paste (a link to open on any device, then paste back the address it lands on; "
                             "where Conditional Access blocks the device code)")
    parser.add_argument("--remember", action="store_true",
                        help="remember the sign-in in the OS's encrypted store (DPAPI, Keychain, libsecret; off by default)")
    parser.add_argument("--debug-log", nargs="?", const="", default=None, metavar="PATH",
                        help="write a debug log (tokens and secrets redacted; default: your log folder)")


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdout
        return False


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess test
    """SIGTERM is handled like Ctrl+C: stop cleanly, exit 130."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = _debug_log_before_command(sys.argv[1:] if argv is None else list(argv))
    if "--manual" in argv:
        return _main_manual(argv)
    args, extra, parser = _parse(argv)
    if extra and args.command != "simtenant":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _install_sigterm()
    if args.command == "profile":  # about profile files: before any of them is loaded
        from wizard.profile_tools import run_profile

        return run_profile(args)
    stop = _global_checks(args)
    if stop is not None:
        return stop
    if args.command == "simtenant":
        from wizard.simtenant.server import main as serve_main  # lazy: the simulator is only for tests and demos

        try:
            return int(serve_main(list(args.serve_args) + list(extra)) or 0)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
    if args.command in DAY2_COMMANDS:
        from wizard import day2  # lazy: engine and HTTP stack

        runners = {"verify": day2.run_verify, "secrets": day2.run_secrets,
                   "rotate": day2.run_rotate, "manual": day2.run_manual}
        return runners[args.command](args)
    if args.command:
        from wizard.commands import run_command  # lazy: engine and HTTP stack

        return run_command(args)
    return _run_tui(args)


HEADLESS_MANUAL_OPTIONS = ("set", "save", "markdown", "json", "show_secret", "client_id_app")


def _main_manual(argv: list[str]) -> int:
    """`m365-wizard --manual …`: the TUI's manual mode at a terminal; else the `manual` command."""
    parser = build_manual_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if extra[0] in COMMAND_HELP or extra[0] == "simtenant":
            parser.error(f"--manual is a mode of its own and takes no command; for scripts use "
                         f"`m365-wizard manual --vendor V …` (got '{extra[0]}')")
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _install_sigterm()
    stop = _global_checks(args)
    if stop is not None:
        return stop
    if any(getattr(args, key) for key in HEADLESS_MANUAL_OPTIONS) or not _stdout_is_terminal():
        from wizard import day2  # lazy: engine

        args.command = "manual"
        return day2.run_manual(args)
    return _run_tui(args)


def _maybe_debug_log(args: argparse.Namespace) -> None:
    """`--debug-log [PATH]`: opt-in log with every credential redacted (wizard/debuglog.py)."""
    if getattr(args, "debug_log", None) is None:
        return
    from wizard.debuglog import enable_debug_log

    path = enable_debug_log(args.debug_log or None)
    print(f"Debug log (credentials redacted): {path}", file=sys.stderr)


def _debug_log_before_command(argv: list[str]) -> list[str]:
    """`--debug-log apply …`: the optional PATH must not swallow a command's name."""
    names = set(COMMAND_HELP) | {"simtenant", "profile"}
    out = list(argv)
    for index, item in enumerate(out[:-1]):
        if item == "--debug-log" and out[index + 1] in names:
            out[index] = "--debug-log="
    return out


def check_global_options(args: argparse.Namespace) -> None:
    """Bad input in the global options is said at once (exit 2), before anything connects."""
    from wizard.errors import InputError

    tenant = getattr(args, "tenant", None)
    if tenant is not None and not _tenant_ok(tenant):
        raise InputError("--tenant", f"'{tenant[:60]}' is neither a tenant domain nor a tenant ID (GUID)",
                         example="--tenant contoso.com or --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47")
    import os

    client_id = getattr(args, "client_id", None)
    field = "--client-id"
    if client_id is None and os.environ.get("M365_WIZARD_CLIENT_ID", "").strip():
        client_id, field = os.environ["M365_WIZARD_CLIENT_ID"], "M365_WIZARD_CLIENT_ID"
    if client_id is not None and not _guid_ok(client_id):
        raise InputError(field, f"'{client_id[:60]}' is not an application (client) ID, a GUID",
                         example="--client-id 14d82eec-204b-4c2f-b7e8-296a70dab67e")
    url = getattr(args, "simtenant", None)
    if url is not None:
        from wizard.target import check_simtenant_url

        problem = check_simtenant_url(url, bool(getattr(args, "simtenant_remote", False)))
        if problem:
            raise InputError("--simtenant", problem, example="--simtenant https://127.0.0.1:8443")
        if getattr(args, "simtenant_remote", False):
            print("m365-wizard: WARNING: --simtenant-remote: the sign-in goes to a simulated tenant at "
                  f"{url[:80]}, NOT to Microsoft. Never sign in there with a real Microsoft account.", file=sys.stderr)


def _guid_ok(text: str) -> bool:
    import re

    return bool(re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                             text.strip()))


def _tenant_ok(text: str) -> bool:
    """A tenant ID (GUID), a domain (contoso.com, contoso.onmicrosoft.com) or organizations/common."""
    import re

    value = text.strip()
    if value.lower() in ("organizations", "common") or _guid_ok(value):
        return True
    label = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    return len(value) <= 253 and bool(re.fullmatch(rf"(?:{label}\.)+[a-zA-Z]{{2,63}}", value))


def _global_checks(args: argparse.Namespace) -> int | None:
    """Global option checks and the debug log; an exit code when they stop the run."""
    from wizard.errors import WizardError

    try:
        check_global_options(args)
        profile = getattr(args, "profile", None)
        if profile:  # the file joins the catalogue: parsed and checked now
            from wizard.profiles import vendor_from_options

            args.vendor = vendor_from_options(getattr(args, "vendor", None), profile)
        else:  # no file of this run (profiles stay unparsed until a vendor is chosen)
            from wizard.profile_files import set_extra_files

            set_extra_files(())
        _maybe_debug_log(args)
    except WizardError as exc:
        _print_bad_input(exc, bool(getattr(args, "json", False)))
        return exc.exit_code
    return None


def _print_bad_input(exc, as_json: bool) -> None:
    print(f"m365-wizard: {exc.message}", file=sys.stderr)
    if exc.next_step:
        print(f"Next step: {exc.next_step}", file=sys.stderr)
    if as_json:
        import json

        print(json.dumps({"error": {"type": type(exc).__name__, "message": exc.message, "next_step": exc.next_step,
                                    "code": exc.code, "exit_code": exc.exit_code}}, indent=2), flush=True)


def _run_tui(args: argparse.Namespace) -> int:
    import gc

    # Start-up creates ~100k objects that all stay alive (Textual, the screens, the profiles):
    # collecting them on the way costs more than any garbage they leave. The app turns the
    # collector back on once its first screen is painted (screens.app.resume_collector).
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            from screens.app import run_app  # lazy: Textual is heavy
        except ImportError as exc:  # pragma: no cover - only when installed without the UI
            print(f"m365-wizard: the interactive wizard cannot start: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            return run_app(args)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
    finally:
        if collecting:
            gc.enable()


def _install_sigterm() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
