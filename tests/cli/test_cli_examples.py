"""Every example command line in README.md and in `m365-wizard --help` parses (issue 17 item 2),
and global options work before or after the command."""
import re
import shlex
from pathlib import Path

import pytest

from wizard import cli

ROOT = Path(__file__).resolve().parents[2]
GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _normalise(line: str) -> list[str]:
    """An example as written → argv: placeholders filled in, optional parts taken."""
    line = line[line.index("m365-wizard") + len("m365-wizard"):]
    line = re.split(r"(?:^|\s)#|\s{2,}(?=[a-z(])", line.strip(), maxsplit=1)[0]  # a comment or the epilog's description
    line = line.replace("<application id>", GUID).replace("[", " ").replace("]", " ")
    words = [w for w in shlex.split(line) if w not in ("…", "...")]
    words = ["pexip" if w == "V" and i and words[i - 1] == "--vendor" else w for i, w in enumerate(words)]
    return [w.replace("PORT", "8443") for w in words]


def _readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = [m.group(0) for m in re.finditer(r"^(?:\S*/)?m365-wizard(?: .*)?$", text, flags=re.M)]
    found += re.findall(r"`(m365-wizard [^`]*)`", text)
    return found


def _help_examples() -> list[str]:
    parser = cli.build_parser()
    return [line for line in parser.format_help().splitlines() if line.strip().startswith("m365-wizard")]


def _parse(argv: list[str]):
    """Parse as cli.main does (the same two parsers, the same unknown-argument rule)."""
    argv = cli._debug_log_before_command(argv)
    parser = cli.build_manual_parser() if "--manual" in argv else cli.build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "simtenant":
        pytest.fail(f"unrecognized arguments: {extra} in {argv}")
    return args


EXAMPLES = sorted(set(_readme_examples()) | set(_help_examples()))


def test_examples_were_found():
    assert len(EXAMPLES) >= 20
    assert any("test --vendor pexip" in e and "--tenant contoso.com" in e for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_parses(example, capsys):
    argv = _normalise(example)
    try:
        args = _parse(argv)
    except SystemExit as exc:
        if exc.code == 0 and "--help" in argv:
            return
        pytest.fail(f"{example!r} → {argv}: exit {exc.code}: {capsys.readouterr().err.strip()}")
    if "--tenant" in argv:
        assert args.tenant == argv[argv.index("--tenant") + 1]


@pytest.mark.parametrize("command", ["plan", "apply", "verify", "test", "snippet", "secrets", "rotate", "manual"])
def test_global_options_after_the_command(command):
    parser = cli.build_parser()
    tail = ["--tenant", "contoso.com", "--cloud", "usgov", "--demo", "--ca-bundle", "ca.pem",
            "--simtenant", "https://127.0.0.1:8443", "--auth", "paste", "--remember"]
    after = parser.parse_args([command, "--vendor", "pexip", *tail])
    before = parser.parse_args([*tail, command, "--vendor", "pexip"])
    for key in ("tenant", "cloud", "demo", "ca_bundle", "simtenant", "auth", "remember"):
        assert getattr(after, key) == getattr(before, key), key
    assert after.tenant == "contoso.com" and after.cloud == "usgov" and after.auth == "paste" and after.demo


@pytest.mark.parametrize("command", ["test", "secrets", "verify"])
def test_a_global_option_before_the_command_is_not_undone_by_the_command(command):
    parser = cli.build_parser()
    args = parser.parse_args(["--tenant", "contoso.com", "--cloud", "china", "--demo", "--auth", "paste",
                              command, "--vendor", "pexip"])
    assert (args.tenant, args.cloud, args.demo, args.auth, args.remember) == ("contoso.com", "china", True, "paste", False)
    args = parser.parse_args([command, "--vendor", "pexip"])
    assert (args.tenant, args.cloud, args.demo, args.auth, args.client_id) == (None, "global", False, "device", None)


def test_client_id_after_secrets_is_the_sign_in_client():
    # secrets acts on no one app: after it, --client-id can only be the sign-in's public client.
    args = cli.build_parser().parse_args(["secrets", "--client-id", "public-client"])
    assert args.client_id == "public-client"


def test_demo_after_the_command_runs_the_demo(capsys):
    code = cli.main(["plan", "--vendor", "pexip", "--set", "addin_fqdn=px01.example.com", "--demo", "--json"])
    out, err = capsys.readouterr()
    assert "unrecognized" not in err
    assert code == 0, err
