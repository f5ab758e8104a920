"""Secret hygiene: after a full run, the client secret and the tokens are nowhere they should not be.

Each case runs `m365-wizard --demo apply --vendor V --json` in-process (the tenant injected
so the test can see what Microsoft handed out, one FakeClock) with HOME, XDG_* and the
temp dir inside tmp_path, every log record captured at DEBUG (caplog) and the opt-in
debug log on. Then everything is searched — stdout, stderr, log records, the debug log,
the journal, every file written under tmp_path — for:

- the client secret VALUE (secretText of addPassword): allowed only in the --secret-file
  (mode 0600) and on stdout with --show-secret;
- every access, id and refresh token and device code the identity platform issued:
  allowed nowhere.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile

import httpx
import pytest

import wizard.commands as commands
import wizard.simtenant as simtenant
from wizard import cli
from wizard.clock import FakeClock
from wizard.debuglog import disable_debug_log, enable_debug_log

ARGS = {
    "pexip": ["--set", "addin_fqdn=px01.example.com"],
    "syncsign": ["--set", "sops_domain=sops.example.com"],
    "flexo": ["--set", "redirect_uri=https://flexo.example.com/oauth/callback"],
    "innovaphone": ["--set", "mailbox=calendar-sync@contoso.onmicrosoft.com"],
    "loopmeeting": ["--set", "service_account=loopmeeting-svc@contoso.onmicrosoft.com"],
}
CREDENTIAL_FIELDS = ("access_token", "id_token", "refresh_token", "device_code", "secretText", "client_secret")


class RawRecords(logging.Handler):
    """Keeps each record's text as emitted, before any other handler (the debug log's
    redacting filter) sees it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.getMessage()))


def raw_records(records) -> str:
    """Log records as text, minus MSAL's own `msal.token_cache` event, which names the
    device_code it just redeemed (single use, already spent); tokens are never in it."""
    return "\n".join(r.getMessage() for r in records if r.name != "msal.token_cache")


class Recorder:
    """Wraps the tenant's handler: remembers every credential that crossed the wire."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.values: dict[str, set[str]] = {k: set() for k in CREDENTIAL_FIELDS}
        self._handle = sim.handle
        sim.handle = self.handle

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.content:
            form = httpx.QueryParams(request.content.decode("utf-8", "replace"))
            for key in ("client_secret", "refresh_token", "device_code"):
                if form.get(key):
                    self.values[key].add(form[key])
        response = self._handle(request)
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in CREDENTIAL_FIELDS:
                if isinstance(body.get(key), str) and body[key]:
                    self.values[key].add(body[key])
        return response

    @property
    def secrets(self) -> set[str]:
        return self.values["secretText"] | self.values["client_secret"]

    @property
    def tokens(self) -> set[str]:
        return self.values["access_token"] | self.values["id_token"] | self.values["refresh_token"] | self.values["device_code"]


@pytest.fixture
def world(tmp_path, monkeypatch):
    home = tmp_path / "home"
    for name, sub in (("HOME", "home"), ("XDG_STATE_HOME", "home/.local/state"), ("XDG_CONFIG_HOME", "home/.config"),
                      ("XDG_DATA_HOME", "home/.local/share"), ("XDG_CACHE_HOME", "home/.cache"),
                      ("XDG_RUNTIME_DIR", "run")):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(tmp_path / sub))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.delenv("M365_WIZARD_CLIENT_SECRET", raising=False)
    clock = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: clock)
    sim = simtenant.SimTenant(scenario="demo", clock=clock, auto_approve_after=0)
    sim.simulate_loopmeeting_consent()
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    recorder = Recorder(sim)
    keep = tempfile.TemporaryDirectory  # the demo journal dir is removed on exit: keep it to search it
    kept: list[str] = []

    class Kept:
        def __init__(self, *a, **kw):
            self.name = tempfile.mkdtemp(*a, **kw)
            kept.append(self.name)

        def cleanup(self):
            pass

    monkeypatch.setattr(tempfile, "TemporaryDirectory", Kept)
    yield {"tmp": tmp_path, "home": home, "recorder": recorder, "kept": kept}
    monkeypatch.setattr(tempfile, "TemporaryDirectory", keep)


def every_file(root) -> list[str]:
    found = []
    for folder, _, names in os.walk(root):
        found.extend(os.path.join(folder, n) for n in names)
    return found


CASES = [pytest.param(v, mode, id=f"{v}-{mode}") for v in ARGS for mode in ("masked", "secret-file", "show-secret")
         if not (v == "loopmeeting" and mode != "masked")]


@pytest.mark.parametrize(("vendor", "mode"), CASES)
def test_the_secret_and_tokens_go_nowhere_else(world, capsys, caplog, vendor, mode):
    tmp, recorder = world["tmp"], world["recorder"]
    caplog.set_level(logging.DEBUG)
    raw = RawRecords()
    for name in ("wizard", "msal", "httpx", "httpcore"):
        logging.getLogger(name).addHandler(raw)  # before the debug log's handler
    debug_log = enable_debug_log(tmp / "home" / "debug.log")
    secret_file = tmp / "home" / "secret.txt"
    argv = ["--demo", "apply", "--vendor", vendor, *ARGS[vendor], "--json"]
    if mode == "secret-file":
        argv += ["--secret-file", str(secret_file)]
    if mode == "show-secret":
        argv += ["--show-secret"]
    try:
        code = cli.main(argv)
    finally:
        disable_debug_log()
        for name in ("wizard", "msal", "httpx", "httpcore"):
            logging.getLogger(name).removeHandler(raw)
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["token_test"]["ok"] is True

    tokens, secrets = recorder.tokens, recorder.secrets
    assert recorder.values["access_token"] and recorder.values["refresh_token"], "the recorder saw no token"
    if vendor != "loopmeeting":
        assert len(recorder.values["secretText"]) == 1, "one secret was created"
    secret = next(iter(recorder.values["secretText"]), None)

    assert raw.lines, "nothing was logged at DEBUG: the test would prove nothing"
    records = "\n".join(text for name, text in raw.lines if name != "msal.token_cache")
    spent_codes = recorder.values["device_code"]
    for name, text in raw.lines:  # MSAL's cache event may name the spent device code, never a token
        for token in tokens - spent_codes:
            assert token not in text, f"a token leaked into the log record of {name}"
    log_text = debug_log.read_text("utf-8")
    assert "GET /applications" in log_text or "HTTP Request" in log_text, "the debug log recorded nothing useful"
    places = {"stderr": err, "log records": records, "debug log": log_text}
    if mode != "show-secret":
        places["stdout"] = out
    files = [f for f in every_file(tmp) + [f for d in world["kept"] for f in every_file(d)]]
    assert any(f.endswith(".json") for d in world["kept"] for f in every_file(d)), "no journal was written"
    for path in files:
        with open(path, "rb") as handle:
            content = handle.read().decode("utf-8", "replace")
        if path == str(secret_file):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert content.strip() == secret
            for token in tokens:
                assert token not in content
            continue
        places[f"file {os.path.relpath(path, tmp)}"] = content

    for where, text in places.items():
        for token in tokens:
            assert token not in text, f"a token leaked into {where}"
        for value in secrets:
            assert value not in text, f"the client secret leaked into {where}"
    if mode == "show-secret":
        assert secret in out  # asked for: shown once, on stdout
    if mode == "secret-file":
        assert secret_file.exists() and data["secret"]["file"] == str(secret_file)
    else:
        assert not secret_file.exists()
    # every file that exists and is private: journal and debug log are 0600
    for path in files:
        if path.endswith(".json") or path.endswith(".log"):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_a_secret_file_in_a_shared_place_is_still_0600(world, capsys, tmp_path):
    """Written with a permissive umask over an existing world-readable file: still 0600."""
    path = tmp_path / "shared.txt"
    path.write_text("old")
    os.chmod(path, 0o644)
    old = os.umask(0o022)
    try:
        refused = cli.main(["--demo", "apply", "--vendor", "pexip", *ARGS["pexip"], "--json", "--secret-file", str(path)])
        assert refused == 2 and path.read_text() == "old"  # an existing file is kept unless --force
        capsys.readouterr()
        code = cli.main(["--demo", "apply", "--vendor", "pexip", *ARGS["pexip"], "--json", "--secret-file", str(path),
                         "--force"])
    finally:
        os.umask(old)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().strip() in world["recorder"].values["secretText"]


def test_errors_carry_no_secret_or_token(world, capsys, caplog, monkeypatch):
    """A failure after the secret exists (the token test refuses it): the error output and
    the logs hold neither the secret nor a token."""
    caplog.set_level(logging.DEBUG)
    sim = world["recorder"].sim
    sim.faults.secret_delay_seconds = 10_000  # the new secret is never accepted
    code = cli.main(["--demo", "apply", "--vendor", "innovaphone", *ARGS["innovaphone"], "--json"])
    out, err = capsys.readouterr()
    assert code == 6
    assert json.loads(out)["token_test"]["ok"] is False
    text = out + err + raw_records(caplog.records)
    for value in world["recorder"].secrets | world["recorder"].tokens:
        assert value not in text
