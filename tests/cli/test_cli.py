"""The `m365-wizard` command line: parsing, fast --help, TUI dispatch, errors and exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from wizard import __version__, cli

ROOT = Path(__file__).resolve().parents[2]


def run_py(code: str, *args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


HEAVY_CHECK = textwrap.dedent(
    """
    import sys
    from wizard.cli import main
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
    heavy = sorted(m for m in ("textual", "msal", "httpx", "rich", "screens.app") if m in sys.modules)
    print("HEAVY:" + ",".join(heavy))
    """
)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["apply", "--help"], ["--demo", "plan", "--help"],
                                  ["rotate", "--help"], ["secrets", "--help"], ["--manual", "--help"]])
def test_help_and_version_import_nothing_heavy(argv):
    result = run_py(HEAVY_CHECK, *argv)
    assert result.returncode == 0, result.stderr
    assert "HEAVY:\n" in result.stdout or result.stdout.rstrip().endswith("HEAVY:")


def test_python_dash_m_wizard_help_is_fast_and_lists_commands():
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "wizard", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert time.monotonic() - started < 10
    for word in ("plan", "apply", "verify", "test", "snippet", "secrets", "rotate", "manual", "simtenant serve",
                 "exit codes", "--demo"):
        assert word in result.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_global_options_before_the_command_and_vendor_after():
    args, extra = cli.build_parser().parse_known_args(
        ["--demo", "apply", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com", "--set", "a=b", "--json"]
    )
    assert extra == []
    assert args.demo and args.command == "apply" and args.vendor == "pexip"
    assert args.set == ["addin_fqdn=px01.example.com", "a=b"]
    assert args.json and not args.show_secret


def test_vendor_before_the_command_is_kept():
    args, _ = cli.build_parser().parse_known_args(["--vendor", "flexo", "plan"])
    assert args.vendor == "flexo" and args.command == "plan"


def test_client_id_app_only_where_it_belongs():
    parser = cli.build_parser()
    args, _ = parser.parse_known_args(["test", "--vendor", "pexip", "--client-id-app", "x"])
    assert args.client_id_app == "x"
    args, _ = parser.parse_known_args(["apply", "--vendor", "pexip", "--client-id-app", "x"])
    assert args.client_id_app == "x"  # apply: repair that registration instead of creating one
    with pytest.raises(SystemExit):
        parser.parse_args(["secrets", "--client-id-app", "x"])


def test_unknown_arguments_are_refused(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--demo", "plan", "--vendor", "pexip", "--bogus"])
    assert info.value.code == 2
    assert "--bogus" in capsys.readouterr().err


@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    module = types.ModuleType("screens.app")

    def run_app(args):
        calls.append(args)
        return 0

    module.run_app = run_app
    monkeypatch.setitem(sys.modules, "screens.app", module)
    return calls


@pytest.mark.parametrize(
    "argv, demo, vendor",
    [([], False, None), (["--demo"], True, None), (["--demo", "--vendor", "pexip"], True, "pexip")],
)
def test_without_a_command_the_tui_starts(fake_app, argv, demo, vendor):
    assert cli.main(argv) == 0
    (args,) = fake_app
    assert args.demo is demo and args.vendor == vendor and args.command is None


def test_simtenant_serve_passes_its_options_through(monkeypatch):
    seen = []
    module = types.ModuleType("wizard.simtenant.server")
    module.main = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "wizard.simtenant.server", module)
    assert cli.main(["simtenant", "serve", "--port", "0", "--ca-dir", "/tmp/x"]) == 0
    assert seen == [["--port", "0", "--ca-dir", "/tmp/x"]]


def test_the_lazy_tui_import_line_is_kept():
    # import-linter allows exactly this import from the engine into screens.
    assert "from screens.app import run_app" in (ROOT / "wizard" / "cli.py").read_text()


# -- headless errors: plain words, next step, exit code, no traceback -----------------


def test_missing_vendor_is_bad_input(capsys):
    assert cli.main(["--demo", "plan"]) == 2
    err = capsys.readouterr().err
    assert "--vendor" in err and "Next step" in err and "Traceback" not in err


def test_bad_set_syntax_is_bad_input(monkeypatch, capsys):
    assert cli.main(["--demo", "plan", "--vendor", "pexip", "--set", "novalue", "--json"]) == 2
    captured = capsys.readouterr()
    assert "KEY=VALUE" in captured.err
    import json

    data = json.loads(captured.out)
    assert data["error"]["exit_code"] == 2 and data["vendor"] == "pexip"


def test_test_command_refuses_without_a_secret(monkeypatch, capsys):
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    code = cli.main(["--demo", "test", "--vendor", "pexip", "--client-id-app", "3fa85f64-5717-4562-b3fc-2c963f66afa6"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--secret-file" in err
    # Nothing typed is wrong, something is missing: the next step says what to add (issue 17 item 7).
    assert "Correct 'client secret'" not in err and "again with --secret-file PATH" in err


def test_a_missing_secret_file_is_a_step_to_add_not_a_value_to_correct():
    from wizard.errors import InputError

    assert "Correct 'x'" in str(InputError("x", "is wrong"))
    err = InputError("client secret", "is shown only once", next_step="Run it again with --secret-file PATH.")
    assert "Correct" not in str(err) and str(err).endswith("Next step: Run it again with --secret-file PATH.")


def test_client_id_app_must_be_a_guid(capsys, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("value\n")
    code = cli.main(["--demo", "test", "--vendor", "pexip", "--client-id-app", "not-a-guid", "--secret-file", str(secret)])
    assert code == 2
    assert "GUID" in capsys.readouterr().err


SIGTERM_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import wizard.commands as commands

    class Slow:
        def __init__(self, args, cancel, **kwargs):
            print("READY", flush=True)
            threading.Event().wait(30)

    commands.Context = Slow
    from wizard.cli import main
    sys.exit(main(["--demo", "plan", "--vendor", "pexip"]))
    """
)


def test_sigterm_is_handled_like_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-c", SIGTERM_SCRIPT], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["missing", "directory", "not_pem"])
def test_unusable_ca_bundle_is_bad_input_naming_the_option(capsys, tmp_path, kind):
    path = tmp_path / "ca.pem"
    if kind == "directory":
        path.mkdir()
    elif kind == "not_pem":
        path.write_text("hello\n")
    code = cli.main(["--simtenant", "https://127.0.0.1:9", "--ca-bundle", str(path), "plan", "--vendor", "pexip",
                     "--set", "addin_fqdn=px01.example.com"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--ca-bundle" in err and "internal error" not in err


def test_vendor_choices_come_from_the_profile_files(monkeypatch):
    from importlib import resources

    files = sorted(p.name[:-5] for p in resources.files("wizard").joinpath("profiles").iterdir() if p.name.endswith(".toml"))
    assert list(cli.vendor_ids()) == files and "pexip" in files
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["plan", "--vendor", "acme"])
    # a sixth vendor dropped into the folder: its file name is all the parser needs
    monkeypatch.setattr(cli, "vendor_ids", lambda: (*files, "acme"))
    parser = cli.build_parser()
    assert parser.parse_args(["plan", "--vendor", "acme"]).vendor == "acme"
    assert parser.parse_args(["--vendor", "acme"]).vendor == "acme"
    assert "acme" in parser.format_help()


@pytest.mark.parametrize("command", ["verify", "rotate"])
def test_client_id_after_the_command_is_the_app_before_it_the_sign_in_client(command):
    parser = cli.build_parser()
    args = parser.parse_args(["--client-id", "public-client", command, "--vendor", "pexip", "--client-id", "the-app"])
    assert args.client_id == "public-client" and args.client_id_app == "the-app"
    args = parser.parse_args(["--client-id", "public-client", command, "--vendor", "pexip"])
    assert args.client_id == "public-client" and args.client_id_app is None
    args = parser.parse_args([command, "--vendor", "pexip", "--client-id-app", "the-app"])
    assert args.client_id is None and args.client_id_app == "the-app"
    sub = parser._subparsers._group_actions[0].choices[command]
    assert "--client-id" in sub.format_help() and "--client-id is the same" in " ".join(sub.format_help().split())
    assert "verify --client-id ID" in parser.format_help()


@pytest.mark.parametrize("argv", [
    [], ["--demo"], ["--demo", "--remember"], ["--tenant=contoso.com"], ["--auth=paste", "--demo"],
    ["--vendor=pexip", "--cloud=usgov"], ["--client-id=11111111-2222-3333-4444-555555555555", "--debug-log"],
    ["--simtenant=https://127.0.0.1:8443", "--ca-bundle=/tmp/ca.pem", "--simtenant-remote"], ["--dem"],
    ["--demo", "--no-such-option"],
])
def test_an_options_only_command_line_parses_alike_without_the_commands_parsers(argv):
    """`m365-wizard --demo` builds the parser without the commands' parsers (start-up): the
    result must be the one of the full parser, unknown options included."""
    assert cli.may_name_command(argv) is False
    lean = cli.build_parser(commands=False).parse_known_args(argv)
    full = cli.build_parser().parse_known_args(argv)
    assert (vars(lean[0]), lean[1]) == (vars(full[0]), full[1])


@pytest.mark.parametrize("argv", [
    ["test"], ["--tenant", "contoso.com"], ["-h"], ["--help"], ["--he"], ["--demo", "apply", "--vendor", "pexip"],
])
def test_a_command_line_that_may_name_a_command_or_asks_for_help_gets_the_full_parser(argv):
    assert cli.may_name_command(argv) is True


def test_the_help_still_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "apply" in out and "verify" in out and "simtenant" in out


def test_an_options_only_line_with_an_error_gets_the_full_usage_line(capsys):
    """`--demo --vendor=pexip --json` (the command forgotten): the usage names the commands."""
    with pytest.raises(SystemExit) as stop:
        cli.main(["--demo", "--vendor=pexip", "--json"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "unrecognized arguments: --json" in err and "COMMAND" in err
    with pytest.raises(SystemExit):
        cli.main(["--cloud=mars"])
    err = capsys.readouterr().err
    assert "invalid choice: 'mars'" in err and "COMMAND" in err
