"""Every CLI entry with bad arguments: a plain message and exit 2, never a traceback.

Each case runs `wizard.cli.main([...])` in-process; argparse's own errors end in
SystemExit(2) with its usage line, the wizard's checks in exit 2 with the field named.
No case reaches the network: every one fails on its input first.
"""

from __future__ import annotations

import os
import stat

import pytest

from wizard import cli
from wizard.errors import EXIT_BAD_INPUT

APP = "11111111-2222-3333-4444-555555555555"
PEXIP = ["--vendor", "pexip", "--set", "addin_fqdn=px01.example.com"]


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("M365_WIZARD_CLIENT_ID", raising=False)


def cases(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir(exist_ok=True)
    missing = str(tmp_path / "missing" / "dir" / "x")
    return [
        ["--no-such-option"],
        ["no-such-command"],
        ["--tenant", "not a tenant!", "--demo", "plan", *PEXIP],
        ["--tenant", "contoso", "--demo", "plan", *PEXIP],
        ["--client-id", "nope", "--demo", "plan", *PEXIP],
        ["--cloud", "mars", "plan", *PEXIP],
        ["--simtenant", "not a url", "plan", *PEXIP],
        ["--simtenant", "https://127.0.0.1:99999", "plan", *PEXIP],
        ["--simtenant", "http://127.0.0.1:8443", "plan", *PEXIP],
        ["--simtenant", "https://relay.example.com", "plan", *PEXIP],
        ["--ca-bundle", str(tmp_path / "none.pem"), "--simtenant", "https://127.0.0.1:8443", "plan", *PEXIP],
        ["--debug-log", missing, "--demo", "plan", *PEXIP],
        ["--demo", "--debug-log", missing, "plan", *PEXIP],
        ["--debug-log", "apply"],
        ["--demo", "plan"],
        ["--demo", "plan", "--vendor", "nosuchvendor"],
        ["--demo", "plan", "--vendor", "pexip", "--set", "noequals"],
        ["--demo", "plan", "--vendor", "pexip", "--set", "addin_fqdn=not a host name"],
        ["--demo", "apply", "--vendor", "pexip", "--set", "unknown_key=1"],
        ["--demo", "apply", *PEXIP, "--client-id-app", "not-a-guid"],
        ["--demo", "test", "--vendor", "pexip"],
        ["--demo", "test", "--vendor", "pexip", "--client-id-app", APP, "--secret-file", "/dev/zero"],
        ["--demo", "test", "--vendor", "pexip", "--client-id-app", APP, "--secret-file", str(folder)],
        ["--demo", "test", "--vendor", "pexip", "--client-id-app", APP, "--secret-file", str(tmp_path / "none")],
        ["--demo", "snippet", "--vendor", "pexip"],
        ["--demo", "verify", "--vendor", "pexip", "--client-id", "x"],
        ["--demo", "rotate", "--vendor", "pexip", "--months", "99"],
        ["--demo", "rotate", "--vendor", "pexip", "--months", "many"],
        ["--demo", "secrets", "--bogus"],
        ["manual", "--vendor", "pexip", "--set", "addin_fqdn"],
        ["--manual", "apply"],
        ["--manual", "--vendor", "nosuchvendor"],
        ["simtenant"],
        ["simtenant", "serve", "--port", "99999"],
        ["simtenant", "serve", "--port", "-1"],
        ["simtenant", "serve", "--seed", "x"],
        ["simtenant", "serve", "--scenario", "no-such-scenario"],
        ["simtenant", "serve", "--scenario", str(_bad_regex_scenario(tmp_path))],
        ["simtenant", "serve", "--scenario", str(_bad_toml_scenario(tmp_path))],
    ]


def _bad_regex_scenario(tmp_path):
    path = tmp_path / "bad-regex.toml"
    path.write_text('description = "bad"\n[[faults.rules]]\naction = "throttle"\npath = "^/v1.0/(applications"\n')
    return path


def _bad_toml_scenario(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('description = "never closed\n')
    return path


def test_every_entry_with_bad_arguments_says_so_without_a_traceback(capsys, tmp_path):
    for argv in cases(tmp_path):
        try:
            code = cli.main(argv)
        except SystemExit as exit_:  # argparse: usage line and exit 2
            code = exit_.code
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert "Traceback" not in text, (argv, text)
        assert "unexpected internal error" not in text, (argv, text)
        assert code == EXIT_BAD_INPUT, (argv, code, text[-500:])
        assert text.strip(), argv  # said something
    assert not (tmp_path / "missing").exists(), "--debug-log must not create folders"


def test_debug_log_before_a_command_does_not_take_the_command_as_its_path(capsys, tmp_path, monkeypatch):
    from wizard.debuglog import disable_debug_log

    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(["--debug-log", "snippet", "--vendor", "pexip"])  # a command error, not a file named "snippet"
    finally:
        disable_debug_log()
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT and "Add-in server FQDN" in captured.err and "Debug log" in captured.err
    assert not (tmp_path / "snippet").exists()


def test_debug_log_given_a_folder_writes_a_new_0600_file_inside(capsys, tmp_path):
    from wizard.debuglog import disable_debug_log

    folder = tmp_path / "logs"
    folder.mkdir()
    try:
        cli.main(["--debug-log", str(folder), "--demo", "snippet", "--vendor", "pexip"])
    finally:
        disable_debug_log()
    logs = list(folder.iterdir())
    assert len(logs) == 1 and stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    assert "Traceback" not in capsys.readouterr().err


def test_state_folders_are_0700_whatever_the_umask(tmp_path):
    from wizard.journal import Journal

    old = os.umask(0)
    try:
        journal = Journal("tenant", "m365-wizard-pexip-x", state_dir=tmp_path / "a" / "b" / "state")
        journal.set(client_id=APP)
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "state"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
