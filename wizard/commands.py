"""The headless subcommands: `plan`, `apply`, `test`, `snippet` (and the shared `Context`).

The day-two commands `verify`, `secrets`, `rotate` and `manual` live in `wizard.day2`
and use the same `Context`, `Report`, `Progress` and `print_error`.

For scripts and for admins who prefer a plain terminal. Each command does what
the interactive wizard does, through the same `wizard.setup.Setup` facade:

    m365-wizard --demo apply --vendor pexip --set addin_fqdn=px01.example.com --json

Conventions:
- the device code and progress go to stderr, results to stdout;
- `--json` prints exactly one JSON object on stdout (also after an error:
  `{"error": …}`), so a script can always parse it;
- a client secret is printed only with `--show-secret`, written only with
  `--secret-file PATH` (0600), and read (for `test` / `snippet`) only from a file
  or `M365_WIZARD_CLIENT_SECRET`, never from an argument that `ps` would show;
- errors print plain words, the next step and the support ids, never a traceback;
  the exit codes are those of `wizard.errors` (130 after Ctrl+C or SIGTERM).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, overload

from wizard.answers import as_guid
from wizard.clock import Cancelled, Clock
from wizard.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_TOKEN_TEST, InputError, WizardError
from wizard.run import SameNameExists  # noqa: F401 (part of this API)
from wizard.settings import STORED_PLACEHOLDER

if TYPE_CHECKING:
    from wizard.apply import StepProgress
    from wizard.tokentest import TokenTestReport

SECRET_ENV = "M365_WIZARD_CLIENT_SECRET"
CLIENT_ID_ENV = "M365_WIZARD_CLIENT_ID"
SECRET_FILE_LIMIT = 4096  # characters read from --secret-file at most
EXIT_INTERNAL = 1


# --------------------------------------------------------------------------- output


@dataclass
class Report:
    """Everything a command tells: printed as text, or as one JSON object."""

    command: str
    vendor: str
    tenant_id: str = ""
    client_id: str = ""
    signed_in_as: str = ""
    steps: list[dict] = field(default_factory=list)
    graph_requests: int = 0
    graph_writes: int = 0
    token_test: dict | None = None
    snippet: dict | None = None
    secret: dict | None = None
    followup: list[str] = field(default_factory=list)
    followup_intro: str = ""  # --demo: the steps are what would come next with a real tenant
    in_order: bool | None = None  # verify: True when nothing needs changing
    notes: list[str] = field(default_factory=list)  # plan notes (e.g. what a lookup found)
    candidates: list[dict] = field(default_factory=list)  # same-name registrations the wizard did not make

    def as_dict(self) -> dict:
        data = {
            "command": self.command,
            "vendor": self.vendor,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "signed_in_as": self.signed_in_as,
            "steps": self.steps,
            "graph_requests": self.graph_requests,
            "graph_writes": self.graph_writes,
            "token_test": self.token_test,
            "snippet": self.snippet,
        }
        if self.secret is not None:
            data["secret"] = self.secret
        if self.in_order is not None:
            data["in_order"] = self.in_order
        if self.followup:
            data["followup"] = self.followup
            if self.followup_intro:
                data["followup_intro"] = self.followup_intro
        if self.notes:
            data["notes"] = self.notes
        if self.candidates:
            data["candidates"] = self.candidates
        failed = token_test_error(self.token_test)
        if failed is not None:
            data["error"] = failed
        return data


def token_test_error(token_test: dict | None) -> dict | None:
    """A failed token test (exit 6) as the JSON `error` object every failing run carries; the
    report itself (secret, snippet) stays beside it, so nothing the run produced is lost."""
    if not token_test or token_test.get("ok") is not False or token_test.get("skipped"):
        return None
    reasons = [c["reason"] for c in token_test.get("checks", []) if not c.get("ok")]
    return {
        "type": "TokenTestFailed",
        "message": "The token test failed: " + ("; ".join(reasons) or "Microsoft issued no usable token."),
        "next_step": "Run `m365-wizard test` with the same client ID and secret once the cause is fixed; "
                     "nothing needs to be created again.",
        "code": "", "request_id": "", "client_request_id": "",
        "exit_code": EXIT_TOKEN_TEST,
    }


def _say(text: str) -> None:
    """Progress for the person at the terminal: stderr, so stdout stays the result. Cleaned of
    escape sequences: parts of it may come from a server (wizard/untrusted.py)."""
    print(_clean_line(text), file=sys.stderr, flush=True)


def _clean_line(text: Any) -> str:
    from wizard.untrusted import clean

    return clean(text, newlines=True, limit=20000)


class CleanStream:
    """A text stream that cleans what is written to it (wizard/untrusted.py) before passing it on."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(_clean_line(text))

    def flush(self) -> None:
        self.stream.flush()


# --------------------------------------------------------------------------- context


class Context:
    """What every command needs: the `Run` (clock, target, profile, answers, sign-in), output."""

    def __init__(self, args: Any, cancel: threading.Event, vendor_required: bool = True) -> None:
        """`vendor_required=False` (`secrets`): without --vendor, `profile` is None and the
        sign-in asks only for the scopes every command needs (User.Read, Application.ReadWrite.All)."""
        from wizard.run import Run

        self.args = args
        self.cancel = cancel
        self.clock = Clock()
        self.run = Run(clock=self.clock, connect=lambda: (_target(args, self.clock, self), self.sim),
                       remember=bool(getattr(args, "remember", False)), demo_mode=bool(getattr(args, "demo", False)))
        self.sim: Any = None
        vendor = getattr(args, "vendor", None)
        if vendor:
            self.run.choose_vendor(vendor)
        elif vendor_required:
            raise InputError("--vendor", "is required for this command", example="--vendor pexip")
        self.report = Report(command=args.command or "", vendor=vendor or "")
        self.after_show: list[Callable[[], None]] = []  # run once the result is printed

    @property
    def profile(self) -> Any:
        return self.run.profile

    # Microsoft is reached lazily: bad input is reported before any connection.
    @property
    def target(self) -> Any:
        return self.run.ensure_connected()

    @property
    def http(self) -> Any:
        self.run.ensure_connected()
        return self.run.http

    @property
    def who(self) -> Any:
        return self.run.who

    @property
    def graph(self) -> Any:
        return self.run.graph if self.run.who is not None else None

    def close(self) -> None:
        self.run.close()

    def answers(self) -> dict:
        """`--set key=value` pairs, validated by the vendor's profile (a repeated key is a list)."""
        raw: dict[str, Any] = {}
        for item in getattr(self.args, "set", None) or []:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise InputError("--set", f"expects KEY=VALUE, got '{item[:60]}'", example="--set addin_fqdn=px01.example.com")
            if key in raw:
                previous = raw[key]
                raw[key] = (previous if isinstance(previous, list) else [previous]) + [value]
            else:
                raw[key] = value
        answers = self.run.vendor.validate(raw)
        self.run.set_answers(answers)
        return answers

    def sign_in(self, *, check_roles: bool = False) -> Any:
        """Sign-in of the admin (device code on stderr, or `--auth paste|browser`); returns `SignedIn`.
        `check_roles`: the role check right after sign-in (`RoleError` before any plan or write)."""
        run = self.run
        run.ensure_connected()
        who = run.try_remembered()
        if run.remember_note:
            _say(run.remember_note)
        method = getattr(self.args, "auth", None) or "device"
        if who is None and method == "paste":
            who = self._sign_in_paste()
        elif who is None and method == "browser":
            who = self._sign_in_browser()
        elif who is None:
            code = run.start_signin()
            _say(code.message or f"To sign in, open {code.verification_uri} and enter the code {code.user_code}.")
            if run.demo:
                _say("(demo tenant: the code is approved automatically)")
            who = run.wait_signin(self.cancel)
        run.graph.cancel = self.cancel
        self.report.tenant_id = who.tenant_id
        self.report.signed_in_as = who.username
        _say(f"Signed in as {who.username} ({', '.join(sorted(who.roles)) or 'no directory role'}).")
        if check_roles:
            run.check_roles()
        return who

    def _sign_in_paste(self) -> Any:
        """`--auth paste`: show the sign-in link, read back the address the browser lands on.

        From a terminal a bad paste is said and asked again (up to 3 times); from a pipe the
        first answer counts (a script gets exit 3 and the reason).
        """
        from wizard.errors import PastedAddressError
        from wizard.signin_authcode import FIELD

        link = self.run.start_paste()
        _say("To sign in, open this link in a browser on any device (phone, laptop):")
        _say(f"  {link.url}")
        _say(f"After you sign in, the browser goes to {link.landing_hint} and shows an error such as "
             "'This site can't be reached': that is expected, nothing runs there. Copy that whole address "
             "from the browser's address bar and paste it here.")
        interactive = _stdin_is_terminal()
        if self.sim is not None:
            _say("(demo tenant: press Enter on an empty line and the demo admin signs in for you)")
        for attempt in range(3 if interactive else 1):
            if interactive:
                print(f"{FIELD[0].upper()}{FIELD[1:]}: ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                raise PastedAddressError(FIELD, "was not given (the input ended before an address was pasted)")
            if self.sim is not None and not line.strip():
                line = self.sim.authorize_redirect(link.url)
                _say(f"  {line}")
            try:
                return self.run.finish_paste(line)
            except PastedAddressError as exc:
                if not interactive or attempt == 2:
                    raise
                _say(f"{exc.message} {exc.next_step}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _sign_in_browser(self) -> Any:
        """`--auth browser`: this machine's browser, MSAL listening on a loopback port."""
        from wizard.errors import SignInError
        from wizard.signin_authcode import browser_available

        if self.target.transport is not None:
            raise SignInError("The demo tenant runs inside the wizard; a browser cannot reach it.",
                              next_step="Use --auth paste with --demo.", code="no_browser")
        ok, why = browser_available()
        if not ok:
            raise SignInError(why, next_step="Run the command again with --auth paste.", code="no_browser")
        _say("Opening the Microsoft sign-in page in your browser; finish signing in there…")
        return self.run.sign_in_browser(on_link=lambda url: _say(f"The browser did not open. Open this link: {url}"))

    def setup(self, answers: dict, who: Any = None) -> Any:
        """The engine's `Setup`: the run's, after sign-in; without one (`snippet`) for `who`."""
        if who is None:
            self.run.set_answers(answers)
            return self.run.make_setup()
        from wizard.graph import GraphClient
        from wizard.setup import Setup

        def not_signed_in(*_args: Any, **_kwargs: Any) -> str:
            from wizard.errors import SignInError

            raise SignInError("This command works without an admin sign-in; it cannot read Microsoft Graph.")

        graph = GraphClient(self.http, self.target.graph_url, not_signed_in, clock=self.clock)
        return Setup(self.profile, answers, graph, who, self.target, clock=self.clock, state_dir=self.run.journal_dir())

    def count_requests(self) -> None:
        if self.graph is not None:
            self.report.graph_requests = self.graph.requests
            self.report.graph_writes = self.graph.writes

    def tenant_id(self) -> str:
        """The tenant's GUID without an admin sign-in: from its OpenID configuration.

        The `issuer` of https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration
        names the tenant id (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc).
        """
        target = self.target  # connects (and creates the demo tenant) if not yet done
        if self.sim is not None and self.args.tenant in (None, "organizations"):
            return self.sim.tenant_id
        tenant = target.tenant
        if tenant in ("organizations", "common", "consumers"):
            raise InputError("--tenant", "is required without an admin sign-in", example="--tenant contoso.com")
        url = f"{target.authority_host.rstrip('/')}/{tenant}/v2.0/.well-known/openid-configuration"
        import httpx

        try:
            response = self.http.get(url)
            issuer = response.json().get("issuer", "") if response.status_code == 200 else ""
        except (httpx.HTTPError, ValueError):
            issuer = ""
        parts = issuer.rstrip("/").split("/")
        if len(parts) < 2 or not parts[-2]:
            from wizard.errors import SignInError

            raise SignInError(
                f"Microsoft does not know the tenant '{tenant}'.",
                next_step="Check the tenant domain or ID passed with --tenant.",
                code="AADSTS90002",
            )
        return parts[-2]


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _target(args: Any, clock: Clock, ctx: Any) -> Any:
    """Where Microsoft is (`wizard.run.connect`): the demo tenant in-process (approving the
    sign-in at once: nobody is there to type the code), a running simulator, or the real cloud."""
    from wizard.run import ConnectOptions, connect

    target, sim = connect(ConnectOptions.from_args(args, demo_auto_approve=0), clock)
    ctx.sim = sim
    if sim is not None:
        _say(ctx.run.demo_tenant_note())  # each headless --demo command gets a fresh tenant
    return target


@overload
def _read_secret(args: Any, required: Literal[True]) -> str: ...
@overload
def _read_secret(args: Any, required: bool) -> str | None: ...


def _read_secret(args: Any, required: bool) -> str | None:
    """The client secret for `test` / `snippet`: from --secret-file, else the environment."""
    path = getattr(args, "secret_file", None)
    if path:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                # Bounded: a client secret is 40 characters; /dev/zero or a log file must not be read to the end.
                value = handle.read(SECRET_FILE_LIMIT + 1)
        except IsADirectoryError:
            raise InputError("--secret-file", f"{path} is a folder, not a file") from None
        except OSError as exc:
            raise InputError("--secret-file", f"cannot be read ({exc.strerror or type(exc).__name__})") from None
        if len(value) > SECRET_FILE_LIMIT:
            raise InputError("--secret-file", f"{path} is longer than any client secret "
                                              f"({SECRET_FILE_LIMIT} characters at most): is it the right file?")
        value = value.strip()
        if not value:
            raise InputError("--secret-file", "is empty")
        return value
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return value
    if required:
        raise InputError(
            "client secret",
            f"is needed: put it in a file and pass --secret-file PATH, or set {SECRET_ENV}"
            " (never on the command line, where other users could see it)",
            next_step=f"Run the same command again with --secret-file PATH (or {SECRET_ENV} set).",
        )
    return None


def _client_id_app(args: Any) -> str:
    value = (getattr(args, "client_id_app", None) or "").strip()
    if not value:
        raise InputError("--client-id-app", "is required for this command", example="--client-id-app 1b2c3d4e-…")
    guid = as_guid(value)
    if guid is None:
        raise InputError("--client-id-app", "must be the Application (client) ID, a GUID")
    return guid


# --------------------------------------------------------------------------- progress and results


def _plan_steps(plan: Any, outcome: str) -> list[dict]:
    return [{"id": s.id, "sentence": s.sentence, "outcome": outcome} for s in plan.steps]


class Progress:
    """Collects `StepProgress` updates; tells the terminal (stderr) as they come."""

    SYMBOLS = {"running": "…", "retrying": "↻", "done": "✓", "failed": "✗", "skipped": "–"}

    def __init__(self) -> None:
        self.steps: dict[str, dict] = {}
        self._lock = threading.Lock()

    def seed(self, entries: list[dict]) -> None:
        for entry in entries:
            self.steps.setdefault(entry["id"] or entry["sentence"], dict(entry))

    def __call__(self, update: StepProgress) -> None:
        key = update.step_id or update.sentence
        state = update.state
        sentence = update.sentence
        with self._lock:
            entry = self.steps.setdefault(key, {"id": key, "sentence": sentence, "outcome": "pending"})
            entry["outcome"] = state
            if sentence:
                entry["sentence"] = sentence
            detail = update.detail
            if detail:
                entry["detail"] = str(detail)
            else:
                entry.pop("detail", None)  # a retry note does not outlive the retry
        if state in self.SYMBOLS and state != "running":
            _say(f"  {self.SYMBOLS[state]} {sentence}" + (f" ({detail})" if detail else ""))

    def list(self) -> list[dict]:
        return list(self.steps.values())


def _token_test_dict(report: TokenTestReport) -> dict:
    return {
        "ok": bool(report.ok),
        "attempts": report.attempts,
        "checks": [{"name": c.name, "ok": bool(c.ok), "reason": c.reason} for c in report.checks],
        "not_checked": list(report.not_checked),
    }


def _snippet_dict(snippet: Any, show_secret: bool) -> dict:
    return {
        "vendor": snippet.vendor,
        "rows": [
            {"label": r.label, "value": r.shown(not show_secret), "secret": bool(r.secret)} for r in snippet.rows
        ],
    }


# --------------------------------------------------------------------------- the commands


def _same_name_notes(ctx: Context, candidates: list) -> list[str]:
    vendor = ctx.profile.id
    return [f"An app registration named '{a.display_name}' (client ID {a.client_id}) exists that the wizard did not "
            f"create. To check and repair it instead of creating a second one: "
            f"`m365-wizard verify --vendor {vendor} --client-id-app {a.client_id}` "
            f"(or `apply --client-id-app {a.client_id}`)." for a in candidates]


def _plan(ctx: Context) -> Any:
    """Sign in, check the roles, plan: the same order as the wizard's screens."""
    ctx.answers()
    ctx.sign_in(check_roles=True)
    run = ctx.run
    if getattr(ctx.args, "client_id_app", None):
        run.use_client_id(_client_id_app(ctx.args))
    view = run.make_plan()
    ctx.report.notes = list(view.notes)
    if view.same_name:
        ctx.report.candidates = [{"client_id": a.client_id, "display_name": a.display_name, "created": a.created}
                                 for a in view.same_name]
        ctx.report.notes = _same_name_notes(ctx, view.same_name) + ctx.report.notes
    return view


def cmd_plan(ctx: Context) -> int:
    view = _plan(ctx)
    ctx.report.steps = _plan_steps(view.plan, "nothing to do" if view.plan.nothing_to_do else "planned")
    ctx.count_requests()
    return EXIT_OK


def cmd_apply(ctx: Context) -> int:
    from wizard.run import NEW

    args = ctx.args
    run = ctx.run
    if run.secret_needed and not args.demo and not (args.secret_file or args.show_secret):
        # The secret is shown once; without one of these it would be lost at once.
        ctx.answers()  # bad answers are reported first
        raise InputError(
            "client secret",
            "is shown only once: add --secret-file PATH (written 0600) or --show-secret",
            next_step="Run the same command again with --secret-file PATH (or --show-secret).",
        )
    if run.secret_needed:
        ctx.answers()  # bad answers are reported first
        run.check_secret_output(args.secret_file, force=bool(getattr(args, "force", False)))  # before sign-in
    view = _plan(ctx)
    if view.same_name and getattr(args, "yes", False):
        ctx.report.notes.insert(0, "A new registration is created next to the one(s) of the same name (--yes): "
                                   + ", ".join(a.client_id for a in view.same_name) + ".")
        run.create_separate()
    if getattr(args, "new_secret", False):
        run.secret_choice = NEW
    progress = Progress()
    progress.seed(_plan_steps(view.plan, "pending"))
    run.check_ready()  # a same-name registration unanswered: SameNameExists, exit 2, nothing written
    count = len(view.plan.steps)
    _say(f"Nothing to change for {ctx.profile.name}: the registration already matches." if not count else
         f"Applying {count} step{'' if count == 1 else 's'} for {ctx.profile.name}:")
    try:
        applied = run.apply(progress, ctx.cancel)
    finally:
        ctx.report.steps = progress.list()
        ctx.count_requests()
    ctx.report.client_id = applied.client_id
    ctx.report.tenant_id = applied.tenant_id or ctx.report.tenant_id
    ctx.report.notes = [n for n in ctx.report.notes if n not in view.replaced_notes] + \
        [n for n in view.notes if n not in ctx.report.notes]  # e.g. the EWS allow list, now with the client ID
    if run.secret_to_create:
        secret = run.create_secret(progress, ctx.cancel, deliver_to=args.secret_file)
        ctx.report.secret = {"created": True, "key_id": secret.key_id, "end": secret.end, "hint": secret.hint,
                             "months": secret.months}
        ctx.report.notes = [n for n in ctx.report.notes if not n.startswith("The app already has a valid client secret")]
        ctx.report.notes.extend(n for n in secret.notes if n not in ctx.report.notes)
        if args.secret_file:
            ctx.report.secret["file"] = str(run.secret_file)
            _say(f"The client secret was written to {run.secret_file} (readable by you only).")
        elif args.show_secret:
            ctx.after_show.append(run.secret_delivered)  # delivered once the result is printed
        else:
            _say("The client secret is masked in this output (demo tenant). Use --show-secret or --secret-file.")
    elif run.secret_needed and view.current_secret is not None:
        # The app already has a valid secret: a re-run does not add a second one.
        facts = view.current_secret
        ctx.report.secret = {"created": False, "valid_until": facts.end, "hint": facts.hint}
        _say(run.kept_secret_sentence(facts))
    report = run.test_token(progress, ctx.cancel, secret_value=os.environ.get(SECRET_ENV, "").strip() or None)
    if run.removed_undelivered and ctx.report.secret is not None:
        ctx.report.secret["removed_undelivered"] = list(run.removed_undelivered)
        ctx.report.notes.append(f"Removed {len(run.removed_undelivered)} client secret(s) an earlier run created but "
                                f"never delivered (Secret ID {', '.join(run.removed_undelivered)}).")
    if report.skipped:
        ctx.report.token_test = {"ok": None, "skipped": True, "reason": report.skipped, "attempts": 0, "checks": []}
        _say(f"  – Token test skipped: {report.skipped}.")
        passed = True
    else:
        ctx.report.token_test = _token_test_dict(report)
        passed = bool(report.ok)
    snippet = run.snippet(secret_value=os.environ.get(SECRET_ENV, "").strip() or None)
    ctx.report.snippet = _snippet_dict(snippet, args.show_secret)
    ctx.report.followup = ctx.profile.followup_steps(run.answers)
    ctx.report.followup_intro = run.followup_intro()
    ctx.report.steps = progress.list()
    ctx.count_requests()
    return EXIT_OK if passed else EXIT_TOKEN_TEST


def cmd_test(ctx: Context) -> int:
    """Client credentials only: no admin sign-in, nothing written."""
    from wizard import tokentest

    client_id = _client_id_app(ctx.args)
    secret = _read_secret(ctx.args, required=True)
    tenant_id = ctx.tenant_id()
    ctx.report.tenant_id, ctx.report.client_id = tenant_id, client_id

    def attempt(number: int, code: str) -> None:
        _say(f"  ↻ Microsoft does not accept the credentials yet (AADSTS{code}); trying again (attempt {number}).")

    started = ctx.clock.monotonic()
    result, code, attempts = tokentest.acquire_token(
        ctx.target, tenant_id, client_id, secret, ctx.target.resource_for(ctx.profile.token_resource),
        http=ctx.http, clock=ctx.clock, cancel=ctx.cancel, on_attempt=attempt, typed=True,
    )
    report = tokentest.TokenTestReport(attempts=attempts, code=code)
    if result is None:  # typed values: a refusal is a wrong value, said within ~15 s
        report.checks.append(tokentest.typed_failure(code, secret, attempts, ctx.clock.monotonic() - started, True))
    else:
        from wizard.permissions import in_token

        resource = ctx.target.resource_for(ctx.profile.token_resource).rstrip("/")
        roles = [p.name for p in ctx.profile.permissions
                 if p.type == "application" and in_token(p, resource, ctx.target.resource_for)]
        claims = tokentest.decode_claims(result["access_token"])
        report.checks.extend(tokentest.claim_checks(claims, tenant_id=tenant_id, client_id=client_id, roles_needed=roles))
    report.not_checked = tokentest.delegated_not_checked(ctx.profile)
    from wizard import ews

    if result is not None and report.ok and ews.uses_ews(ctx.profile):  # innovaphone: the Calendar's EWS call
        mailbox = str(ctx.answers().get("mailbox") or "") if getattr(ctx.args, "set", None) else ""
        if mailbox:
            report.checks.append(ews.token_check(ctx.http, ctx.target.exchange_url, result["access_token"], mailbox, client_id))
        else:
            report.not_checked.append(ews.NO_MAILBOX)
    ctx.report.token_test = _token_test_dict(report)
    return EXIT_OK if report.ok else EXIT_TOKEN_TEST


def cmd_snippet(ctx: Context) -> int:
    """The vendor's settings block for an existing registration (no admin sign-in)."""
    from types import SimpleNamespace

    answers = ctx.answers()
    client_id = _client_id_app(ctx.args)
    secret = _read_secret(ctx.args, required=False)
    tenant_id = ctx.tenant_id()
    setup = ctx.setup(answers, who=SimpleNamespace(tenant_id=tenant_id, roles=frozenset(), username=""))
    setup.look_up(ctx.http)  # anonymous (Autodiscover V2): the one read `snippet` may do
    ctx.report.notes = setup.lookup_notes()
    snippet = setup.snippet(client_id, secret or STORED_PLACEHOLDER)
    ctx.report.tenant_id, ctx.report.client_id = tenant_id, client_id
    ctx.report.snippet = _snippet_dict(snippet, ctx.args.show_secret)
    ctx.report.followup = ctx.profile.followup_steps(answers)
    ctx.report.followup_intro = ctx.run.followup_intro()
    return EXIT_OK


COMMANDS: dict[str, Callable[[Context], int]] = {
    "plan": cmd_plan,
    "apply": cmd_apply,
    "test": cmd_test,
    "snippet": cmd_snippet,
}


# --------------------------------------------------------------------------- printing


def print_text(report: Report) -> None:
    """The result for a person: steps, token test, settings block, follow-up."""
    out = CleanStream(sys.stdout)  # display names, notes… may come from Graph: cleaned
    if report.tenant_id:
        print(f"Tenant: {report.tenant_id}", file=out)
    if report.client_id:
        print(f"Application (client) ID: {report.client_id}", file=out)
    if report.steps:
        print("\nSteps:", file=out)
        for step in report.steps:
            print(f"  [{step['outcome']}] {step['sentence']}", file=out)
    if report.in_order is not None:
        print("\nThe registration is in order." if report.in_order else "\nThe registration needs the changes above (run `apply`).", file=out)
    if report.token_test is not None and report.token_test.get("skipped"):
        print(f"\nToken test: skipped ({report.token_test['reason']})", file=out)
    elif report.token_test is not None:
        print("\nToken test: " + ("passed" if report.token_test["ok"] else "FAILED"), file=out)
        for check in report.token_test["checks"]:
            print(f"  {'✓' if check['ok'] else '✗'} {check['name']}: {check['reason']}", file=out)
        for line in report.token_test.get("not_checked") or []:
            print(f"  – not checked: {line}", file=out)
    if report.snippet is not None:
        print(f"\nSettings for {report.vendor}:", file=out)
        width = max((len(r["label"]) for r in report.snippet["rows"]), default=0)
        for row in report.snippet["rows"]:
            print(f"  {row['label'].ljust(width)} : {row['value']}", file=out)
    if report.notes:
        print("\nNotes:", file=out)
        for note in report.notes:
            print(f"  • {note}", file=out)
    if report.followup:
        print("\n" + (report.followup_intro or "Next, in the vendor's console:"), file=out)
        for number, line in enumerate(report.followup, start=1):
            print(f"  {number}. {line}", file=out)
    if report.graph_requests:
        print(f"\n({report.graph_requests} Graph requests, {report.graph_writes} writes)", file=out)


def print_error(exc: WizardError, as_json: bool, report: Report | None) -> None:
    """Plain message, next step, support ids on stderr (and a JSON error object if asked)."""
    _say(f"m365-wizard: {exc.message}")
    if exc.next_step:
        _say(f"Next step: {exc.next_step}")
    support = exc.support_line()
    if support:
        _say(f"For Microsoft support: {support}")
    if as_json:
        data = report.as_dict() if report is not None else {}
        data["error"] = {
            "type": type(exc).__name__,
            "message": exc.message,
            "next_step": exc.next_step,
            "code": exc.code,
            "request_id": exc.request_id,
            "client_request_id": exc.client_request_id,
            "exit_code": exc.exit_code,
        }
        print(json.dumps(data, indent=2), flush=True)


class Interrupted(WizardError):
    """Ctrl+C or SIGTERM: stopped cleanly; a re-run continues."""

    exit_code = EXIT_INTERRUPTED


INTERRUPTED = "m365-wizard: interrupted. Run the same command again: it checks what was already done before acting."


def run_guarded(args: Any, body: Callable[["Context"], tuple[int, Callable[[], None]]], *,
                vendor_required: bool = True, interrupted: str = INTERRUPTED) -> int:
    """Run one headless command's `body(ctx)`, which returns (exit code, show): `show()` prints
    the result once everything is closed. Errors become plain words and an exit code (with
    --json, one JSON object on stdout in every case); never a traceback."""
    cancel = threading.Event()
    as_json = bool(getattr(args, "json", False))
    ctx: Context | None = None
    try:
        ctx = Context(args, cancel, vendor_required=vendor_required)
        code, show = body(ctx)
    except WizardError as exc:
        if ctx is not None:
            ctx.count_requests()
        print_error(exc, as_json, ctx.report if ctx else None)
        return exc.exit_code
    except (KeyboardInterrupt, Cancelled):
        cancel.set()
        print_error(Interrupted(interrupted.removeprefix("m365-wizard: ")), as_json,
                    ctx.report if ctx else None)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly, without a traceback or any value
        from wizard.explain import plain_cause

        logging.getLogger("wizard.commands").error("internal error %s", type(exc).__name__)  # debug log, for support
        _say(f"m365-wizard: unexpected internal error ({plain_cause(exc)}). Please report it"
             " (run again with --debug-log PATH for the details).")
        return EXIT_INTERNAL
    finally:
        if ctx is not None:
            ctx.close()  # the Context opens its HTTP pool lazily
    show()
    for done in ctx.after_show if ctx is not None else []:
        try:
            done()
        except (OSError, ValueError):  # the journal could not be written: a re-run replaces that secret
            pass
    return code


def run_command(args: Any) -> int:
    """Run one headless command (plan, apply, test, snippet); returns the exit code."""

    def body(ctx: Context) -> tuple[int, Callable[[], None]]:
        code = COMMANDS[args.command](ctx)

        def show() -> None:
            if getattr(args, "json", False):
                print(json.dumps(ctx.report.as_dict(), indent=2), flush=True)
            else:
                print_text(ctx.report)

        return code, show

    return run_guarded(args, body)
