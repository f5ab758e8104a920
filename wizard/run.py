"""The application layer: one run of the wizard, for one vendor in one tenant.

Every decision lives here, so the two front ends cannot drift apart:

- the TUI (`screens/`) calls these methods from its screens, one step per screen;
- the headless commands (`wizard/commands.py`, `wizard/day2.py`) call the same methods
  in a row and print the result.

The story of a run, top to bottom:

    run = Run(clock=clock, connect=lambda: connect(options, clock))   # nothing contacted yet
    run.choose_vendor("pexip")
    run.answers = run.profile.validate(raw)
    who = run.try_remembered()              # --remember: no device code when it still works
    if who is None:
        code = run.start_signin()           # show code.user_code, code.verification_uri
        who = run.wait_signin(cancel)
    run.check_roles()                       # RoleError right after sign-in, before any plan or write
    view = run.make_plan()                  # PlanView: the plan, same-name registrations, the secret kept
    if view.same_name:                      # a registration of the same name the wizard did not make
        run.repair(view.same_name[0])       #   check and repair that one (plans again) …
        # or run.create_separate()          #   … or create a separate new one, explicitly
    run.secret_choice = KEEP                # or NEW: a re-run keeps a valid secret unless asked
    applied = run.apply(on_progress, cancel)    # refuses while a same-name question is open
    if run.secret_to_create:
        secret = run.create_secret(on_progress)  # the value is shown once
    report = run.test_token(on_progress, cancel) # skipped (report.skipped) without a value
    snippet = run.snippet()
    run.sign_out()                          # "use another account": the answers stay

Blocking methods (sign-in, Graph) are called from worker threads, never an event loop.
Engine modules are imported inside the methods, so building a `Run` stays cheap (the
TUI's first frame does not wait for MSAL or httpx).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from wizard.clock import Clock
from wizard.errors import EXIT_BAD_INPUT, InputError, RoleError, WizardError

if TYPE_CHECKING:
    from wizard.apply import Applied, StepProgress
    from wizard.plan import Plan
    from wizard.profile_files import VendorChoice
    from wizard.settings import Outcome, SavedFile, SettingsBlock
    from wizard.profiles import Profile
    from wizard.secret import NewSecret
    from wizard.setup import AppSummary, Setup
    from wizard.signin import DeviceCode, SignedIn, SignIn
    from wizard.signin_authcode import PasteLink
    from wizard.simtenant import SimTenant
    from wizard.snippet import Snippet
    from wizard.target import Target
    from wizard.tokencache import CacheStore
    from wizard.tokentest import TokenTestReport

#: The steps of the wizard, in order: (id, title shown in the header).
STEPS: tuple[tuple[str, str], ...] = (
    ("vendor", "Vendor"),
    ("questions", "Details"),
    ("signin", "Sign in"),
    ("pick", "Existing app"),  # verify mode only
    ("plan", "Plan"),
    ("apply", "Apply"),
    ("secret", "Client secret"),  # vendors with a client secret (the step is passed over when one is kept)
    ("tokentest", "Token test"),
    ("result", "Result"),
)

#: The secret choice on a re-run whose app already has a valid client secret.
KEEP = "keep"  # the vendor already has it: no new secret (the default)
NEW = "new"  # create another one (the old one keeps working until it is removed)

Progress = Callable[["StepProgress"], None]


class SameNameExists(WizardError):
    """Apply would create a second registration next to one of the same name the wizard did not make."""

    exit_code = EXIT_BAD_INPUT


# --------------------------------------------------------------------------- where Microsoft is


@dataclass(frozen=True)
class ConnectOptions:
    """Where Microsoft is, as the command line says it (the same for both front ends)."""

    demo: bool = False
    simtenant: str | None = None  # URL of a running `m365-wizard simtenant serve`
    cloud: str = "global"
    tenant: str | None = None
    client_id: str | None = None  # the public client the admin signs in with
    ca_bundle: str | None = None
    #: --demo: the simulated tenant approves a device code by itself after this many seconds
    #: (the TUI gives the person time to see the code; the CLI approves at once).
    demo_auto_approve: float | None = 3.0

    @classmethod
    def from_args(cls, args: Any, *, demo_auto_approve: float | None = 3.0) -> ConnectOptions:
        """From parsed arguments (the attributes `wizard.cli` defines on every command)."""
        return cls(
            demo=bool(args.demo),
            simtenant=args.simtenant or None,
            cloud=args.cloud or "global",
            tenant=args.tenant or None,
            client_id=args.client_id or os.environ.get("M365_WIZARD_CLIENT_ID") or None,
            ca_bundle=args.ca_bundle or None,
            demo_auto_approve=demo_auto_approve,
        )

    @property
    def place(self) -> str:
        """Where Microsoft is, as a short key (the last-run record of each vendor is kept per place)."""
        if self.demo:
            return "demo"
        if self.simtenant:
            return f"simtenant-{self.simtenant}"
        return f"{self.cloud or 'global'}-{self.tenant or 'organizations'}"

    @property
    def tenant_hint(self) -> str:
        """The tenant in words before anyone signed in (the TUI's header)."""
        if self.demo:
            return "demo tenant"
        return self.tenant or "after sign-in"


def connect(options: ConnectOptions, clock: Clock) -> tuple[Target, SimTenant | None]:
    """The `Target` (and, for --demo, the in-process simulated tenant). Contacts nobody."""
    from wizard.target import Target

    if options.ca_bundle:
        check_ca_bundle(options.ca_bundle)
    if options.demo:
        from dataclasses import replace

        from wizard.simtenant import SimTenant
        from wizard.target import demo_target

        sim = SimTenant(scenario="demo", clock=clock, auto_approve_after=options.demo_auto_approve)
        target = demo_target(sim, tenant=options.tenant or "organizations")
        if options.client_id:
            target = replace(target, public_client_id=options.client_id)
        return target, sim
    given = {"tenant": options.tenant, "public_client_id": options.client_id, "verify": options.ca_bundle}
    kwargs: dict[str, Any] = {k: v for k, v in given.items() if v}
    if options.simtenant:  # loopback, or --simtenant-remote: checked by the CLI before this
        return Target.simulated(options.simtenant, **kwargs), None
    return Target.for_cloud(options.cloud or "global", **kwargs), None


def check_ca_bundle(path: str) -> None:
    """--ca-bundle must name a readable PEM file: said plainly, before any connection."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4 * 1024 * 1024)
    except OSError as exc:
        raise InputError("--ca-bundle", f"cannot be read: {path} ({exc.strerror or type(exc).__name__})",
                         example="--ca-bundle /etc/ssl/certs/company-proxy.pem") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise InputError("--ca-bundle", f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                         example="--ca-bundle /etc/ssl/certs/company-proxy.pem")


# --------------------------------------------------------------------------- what the plan asks


@dataclass(frozen=True)
class SecretFacts:
    """The client secret a registration already has (never its value: Microsoft keeps none)."""

    hint: str  # the first characters Microsoft shows ("abc")
    end: str  # YYYY-MM-DD
    key_id: str
    display_name: str


@dataclass
class PlanView:
    """The plan and the questions it raises before anything is written.

    `same_name`: registrations of the vendor's display name the wizard did not make; while
    this is not empty and the plan creates an app, `Run.apply` refuses (never a silent
    duplicate). `current_secret`: the valid secret a re-run finds; the run keeps it unless
    `Run.secret_choice` is `NEW`.
    """

    plan: Plan
    same_name: list[AppSummary] = field(default_factory=list)
    current_secret: SecretFacts | None = None
    notes: list[str] = field(default_factory=list)  # the plan's notes + the profile's
    replaced_notes: list[str] = field(default_factory=list)  # notes that apply made out of date

    @property
    def creates_app(self) -> bool:
        return any(s.kind == "create_app" for s in self.plan.steps)


# --------------------------------------------------------------------------- the run


@dataclass(eq=False, repr=False)
class Run:
    """One wizard run: where Microsoft is, the vendor and answers, the sign-in, the plan and
    its choices, what was applied, the new secret (until delivered) and the token test.

    A run is a thing with a state, not a value: two runs are never equal unless they are the
    same run, and its repr does not list its state (the secret, the tokens). No generated
    `__eq__`/`__repr__` also keeps `import wizard.run` cheap for the TUI's first frame.

    `connect` builds `(target, sim)` on first need (the composition root passes it, so heavy
    imports happen in a worker). Tests pass `target` and `sim` directly instead.
    """

    clock: Clock = field(default_factory=Clock)
    target: Target | None = None
    sim: SimTenant | None = None
    http: Any = None  # the one httpx.Client (connection pool) of this run
    connect: Callable[[], tuple[Target, SimTenant | None]] | None = None
    manual: bool = False
    tenant: str | None = None  # --tenant as given (None: 'organizations', then the signed-in tenant)
    remember: bool = False  # --remember: the sign-in is kept (wizard.tokencache)
    #: --auth: how the admin signs in first ("device", "paste", "browser"). The TUI signs in with
    #: the paste-back link for "paste" and "browser" (MSAL's browser wait cannot be cancelled).
    auth: str = "device"
    state_dir: Any = None  # where the engine keeps its journal; None: the user's state dir
    #: --demo, known before the demo tenant is built (its accounts are shown in the field help)
    demo_mode: bool = False
    #: The TUI keeps a record of each vendor's last run (`wizard.resume`: answers, how far it got,
    #: never a secret) and offers its answers when the same vendor is started again.
    keep_last_run: bool = False
    place: str = ""  # where Microsoft is, as the record's key ("demo", a cloud and --tenant …)

    profile: Profile | None = None
    answers: dict = field(default_factory=dict)
    mode: str = "create"  # "create" | "verify"
    existing: AppSummary | None = None  # the registration to check and repair (picked or named)

    signin: SignIn | None = None
    device_code: DeviceCode | None = None
    paste_link: PasteLink | None = None
    who: SignedIn | None = None
    token_store: CacheStore | None = None
    remember_note: str = ""  # why the sign-in cannot be remembered, in plain words
    remembered: bool = False  # this sign-in came from the cache, without a device code
    role_warning: str = ""  # the role check could not tell (Graph would not say): Microsoft decides
    setup: Setup | None = None
    view: PlanView | None = None
    allow_duplicate: bool = False  # "create a separate new one" was chosen explicitly
    secret_choice: str = KEEP
    applied: Applied | None = None
    secret: NewSecret | None = None  # the new secret; forgotten once delivered and tested
    secret_file: Any = None  # where create_secret(deliver_to=…) wrote it
    removed_undelivered: list[str] = field(default_factory=list)  # keyIds of earlier undelivered secrets removed
    report: TokenTestReport | None = None
    saved_settings: list[SavedFile] = field(default_factory=list)  # files the person asked for
    finished: bool = False  # the person finished the result (or the manual checklist's test)
    manual_ids: tuple[str, str] | None = None  # manual mode: (tenant ID, client ID) that passed the test

    _demo_state: Any = field(default=None, repr=False)
    _last: Any = field(default=None, repr=False)  # this run's LastRun record (wizard.resume)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- vendor and answers -----------------------------------------------------

    def vendor_choices(self) -> list[VendorChoice]:
        """The vendors to offer (bundled, then local and `--profile` files; those that cannot be
        used with the reason): `wizard.profile_files.vendor_choices`, cheap with the bundled ones only."""
        from wizard.profile_files import vendor_choices

        return vendor_choices()

    def choose_vendor(self, vendor_id: str) -> None:
        """Pick a vendor; switching vendors forgets what depended on the old one."""
        from wizard.profiles import get_profile

        if self.profile is not None and self.profile.id == vendor_id:
            return
        self.profile = get_profile(vendor_id)
        self.answers = {}
        self.forget_plan()

    def set_answers(self, answers: dict, mode: str | None = None) -> None:
        """New answers (or mode): what was planned for the old ones is forgotten; the sign-in stays."""
        mode = mode or self.mode
        if (answers, mode) != (self.answers, self.mode) or self.view is None:
            self.forget_plan()
            self.existing = None
        self.answers, self.mode = dict(answers), mode
        self._record_answers()

    def forget_plan(self) -> None:
        """Drop the plan and what followed it (answers changed, another account, new vendor)."""
        self.setup = None
        self.view = None
        self.allow_duplicate = False
        self.secret_choice = KEEP
        self.applied = None
        self.secret = None
        self.secret_file = None
        self.removed_undelivered = []
        self.report = None

    @property
    def vendor(self) -> Profile:
        if self.profile is None:
            raise InputError("vendor", "is not chosen yet", example="--vendor pexip")
        return self.profile

    @property
    def checklist_tenant(self) -> str | None:
        """The tenant the manual checklist names: the signed-in one, the simulated one, --tenant, or none
        (never a placeholder such as "after sign-in", which would read "Tenant: after sign-in")."""
        if self.who is not None:
            return self.who.tenant_id
        if self.sim is not None:
            return self.sim.domain
        return self.tenant or None

    @property
    def is_enterprise_app(self) -> bool:
        return self.profile is not None and self.profile.kind == "enterprise_app"

    @property
    def secret_needed(self) -> bool:
        """Does this vendor use a client secret at all? (LoopMeeting holds its own credentials.)"""
        return self.profile is None or (not self.is_enterprise_app and self.profile.secret_needed)

    # -- where Microsoft is -----------------------------------------------------

    def ensure_connected(self) -> Target:
        """Build the target (and the demo tenant) if not done yet. Blocking."""
        with self._lock:
            if self.target is None and self.connect is not None:
                self.target, self.sim = self.connect()
            if self.target is None:
                raise RuntimeError("Run has neither a target nor a way to connect")
            if self.http is None:
                self.http = self.target.http_client()
        return self.target

    def portal(self) -> str:
        """The Entra admin center of this cloud (manual mode's links)."""
        return self.ensure_connected().portal

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None

    @property
    def demo(self) -> bool:
        """--demo: the in-process simulated tenant (built, or to be built on first need)."""
        return self.sim is not None or self.demo_mode

    # -- what --demo shows about its tenant --------------------------------------

    def demo_accounts(self) -> list[tuple[str, str, str]]:
        """--demo only: the demo tenant's accounts, (address, "mailbox" | "shared mailbox" | "",
        directory role or ""), ordinary accounts first; [] against any other tenant. From the seed
        the demo tenant is built from (`wizard.simtenant.seed`), so the list cannot drift from it."""
        if not self.demo:
            return []
        from wizard.simtenant import seed

        domain = self.sim.domain if self.sim is not None else seed.DEMO_DOMAIN
        return sorted(seed.accounts(domain), key=lambda a: bool(a[2]))

    def demo_accounts_sentence(self) -> str:
        """'The demo tenant's accounts (each with a mailbox): jane@…, calendar-sync@… (shared
        mailbox); administrators: admin@… (Global Administrator), …', or '' outside the demo."""
        found = self.demo_accounts()
        if not found:
            return ""

        def words(address: str, mailbox: str, role: str) -> str:
            facts = [f for f in (mailbox if mailbox != "mailbox" else "", "" if mailbox else "no mailbox", role) if f]
            return f"{address} ({', '.join(facts)})" if facts else address

        plain = [words(*a) for a in found if not a[2]]
        admins = [words(*a) for a in found if a[2]]
        every = " (each with a mailbox)" if all(a[1] for a in found) else ""
        text = f"The demo tenant's accounts{every}: " + ", ".join(plain)
        if admins:
            text += "; administrators: " + ", ".join(admins)
        return text + "."

    def field_help(self, question: Any) -> str:
        """A question's help as the form shows it: with --demo, an account question (mailbox,
        service account) also lists the demo tenant's accounts."""
        text = question.help or ""
        if question.kind == "email":
            text = f"{text} {self.demo_accounts_sentence()}".strip()
        return text

    def followup_intro(self) -> str:
        """--demo: the words before the vendor-console steps (this was the simulated tenant; the
        steps are what would come next for real). '' otherwise: the front end's own heading."""
        if not self.demo:
            return ""
        name = self.profile.name.split(" — ")[0] if self.profile is not None else "the vendor"
        return (f"This was the simulated demo tenant: nothing was set up in a real tenant or in {name}. "
                f"With your real tenant, these would be the next steps in {name}'s console:")

    #: Headless --demo: the demo tenant lives only as long as one command.
    DEMO_TENANT_NOTE = ("--demo: a new simulated tenant for this command only; it is gone when the command ends, so "
                        "a later `--demo verify` or `--demo secrets` finds nothing this command made. For a tenant that "
                        "persists between commands, run `m365-wizard simtenant serve` in another terminal and pass "
                        "`--simtenant URL --ca-bundle FILE` (as it prints them) to each command.")

    def demo_tenant_note(self) -> str:
        """What a headless --demo command says first (see `DEMO_TENANT_NOTE`), or ''."""
        return self.DEMO_TENANT_NOTE if self.demo else ""

    # -- the steps a person goes through ---------------------------------------

    def steps(self) -> list[tuple[str, str]]:
        """The wizard's steps for this vendor and mode, (id, title): the one source of every
        "Step N of M". Fixed once the vendor and mode are chosen (nothing the tenant says
        changes the count): a step this run turns out not to need (a kept secret) is passed
        over, not taken out. LoopMeeting has no secret step; verify mode has "Existing app"."""
        steps = list(STEPS)
        if self.mode != "verify":
            steps = [s for s in steps if s[0] != "pick"]
        if self.profile is not None and not self.secret_needed:
            steps = [s for s in steps if s[0] != "secret"]
        return steps

    # -- sign-in (blocking: from a worker thread) -------------------------------

    def new_signin(self) -> SignIn:
        """A fresh `SignIn`; with --remember it uses the kept token cache (opened once)."""
        from wizard.signin import SignIn, scopes_for

        target = self.ensure_connected()
        cache = None
        if self.remember:
            if self.token_store is None:
                from wizard.tokencache import open_cache

                self.token_store = open_cache(target)
                self.remember_note = self.token_store.note
            cache = self.token_store.cache
        self.signin = SignIn(target, self.http, self.clock, scopes_for(self.profile), token_cache=cache)
        return self.signin

    def try_remembered(self) -> SignedIn | None:
        """--remember: the remembered sign-in if it still works (no device code), else None."""
        self.remembered = False
        if not self.remember:
            return None
        signin = self.new_signin()
        if self.token_store is None or not self.token_store.persistent:
            return None
        who = signin.try_silent()
        if who is not None:
            self.remembered = True
            self._signed_in(who)
        return who

    def start_signin(self) -> DeviceCode:
        """Ask Microsoft for a device code (shown to the admin)."""
        signin = self.new_signin()
        self.device_code = signin.start()
        return self.device_code

    def wait_signin(self, cancel: threading.Event | None = None) -> SignedIn:
        """Wait until the code is approved. Raises `SignInError`, `Cancelled`."""
        if self.signin is None:
            raise RuntimeError("wait_signin() before start_signin()")
        who = self.signin.wait(cancel)
        self._signed_in(who)
        return who

    def start_paste(self) -> PasteLink:
        """Paste-back sign-in (auth code with PKCE, for SSH): the link to open on any device."""
        self.device_code = None  # a device code shown before is given up
        self.paste_link = self.new_signin().start_paste()
        return self.paste_link

    def finish_paste(self, pasted: str) -> SignedIn:
        """Redeem the address the browser landed on; `PastedAddressError` names what is wrong
        (the link stays valid: paste again)."""
        if self.signin is None:
            raise RuntimeError("finish_paste() before start_paste()")
        who = self.signin.finish_paste(pasted)
        self.paste_link = None
        self._signed_in(who)
        return who

    def sign_in_browser(self, on_link: Callable[[str], None] | None = None) -> SignedIn:
        """Sign in in this machine's browser (MSAL listens on a loopback port)."""
        who = self.new_signin().sign_in_browser(on_link=on_link)
        self._signed_in(who)
        return who

    def _signed_in(self, who: SignedIn) -> None:
        self.who = who
        if self.signin is not None:
            self.target = self.signin.target  # pinned to the signed-in tenant
        self.device_code = None
        self.forget_plan()
        self.save_signin()

    def save_signin(self) -> None:
        """--remember: write the sign-in to the keyring (a refusal becomes `remember_note`)."""
        if self.token_store is not None and self.token_store.persistent:
            self.token_store.save()
            self.remember_note = self.token_store.note

    @property
    def can_approve(self) -> bool:
        """Demo only: the simulated tenant can approve the code for us."""
        return self.sim is not None

    def demo_paste_address(self, as_user: str | None = None) -> str:
        """Demo only: sign in at the demo tenant's page with the paste-back link; returns the
        address its /authorize sends the browser to (what the admin would paste), or ''."""
        if self.sim is None or self.paste_link is None:
            return ""
        return self.sim.authorize_redirect(self.paste_link.url, as_user=as_user)

    def approve_demo(self, as_user: str | None = None) -> None:
        """Demo only: approve the current device code at once (as the demo admin by default)."""
        if self.sim is not None and self.device_code is not None:
            if as_user:
                self.sim.approve_device_code(self.device_code.user_code, as_user=as_user)
            else:
                self.sim.approve_device_code(self.device_code.user_code)
            if self.signin is not None:
                self.signin.poll_now()  # continue at once, not at the next poll

    def sign_out(self) -> None:
        """"Use another account": forget this sign-in (and its remembered copy); the answers stay."""
        if self.signin is not None:
            self.signin.sign_out()
        self.save_signin()
        self.signin = None
        self.device_code = None
        self.paste_link = None
        self.who = None
        self.remembered = False
        self.forget_plan()
        self.existing = None

    @property
    def graph(self) -> Any:
        """The Graph client of the signed-in admin."""
        if self.signin is None or self.who is None:
            raise RuntimeError("nobody is signed in")
        return self.signin.graph

    # -- the engine facade ------------------------------------------------------

    def journal_dir(self) -> Any:
        """The engine's state dir. The demo tenant is new on every run, so its journal must
        not outlive it (an earlier demo's journal names an app this tenant never had)."""
        if self.state_dir is None and self.sim is not None:
            if self._demo_state is None:
                import tempfile

                self._demo_state = tempfile.TemporaryDirectory(prefix="m365-wizard-demo-")
            return self._demo_state.name
        return self.state_dir

    def make_setup(self) -> Setup:
        """The engine's `Setup` for this vendor, answers and signed-in admin."""
        if self.setup is None:
            from wizard.setup import Setup

            if self.who is None:
                raise RuntimeError("make_setup() before sign-in")
            self.setup = Setup(self.vendor, self.answers, self.graph, self.who, self.ensure_connected(),
                               clock=self.clock, state_dir=self.journal_dir())
            self.setup.account_hint = self.demo_accounts_sentence()
        return self.setup

    def check_roles(self) -> str | None:
        """Right after sign-in, before any plan or write: `RoleError` names the role missing.
        Returns (and keeps for the plan's notes) a warning when Graph would not say which roles
        the admin holds: then Microsoft decides at the first write."""
        self.role_warning = self.make_setup().check_roles() or ""
        return self.role_warning or None

    def role_problem(self) -> RoleError | None:
        """`check_roles()`, with a missing role as a value instead of raised (the TUI shows it on
        the sign-in screen and offers another account)."""
        try:
            self.check_roles()
        except RoleError as error:
            return error
        return None

    def find_existing(self, client_id: str | None = None) -> list[AppSummary]:
        """Registrations this vendor's could be (verify mode picks one)."""
        return self.make_setup().find_existing(client_id)

    def use_client_id(self, client_id: str) -> AppSummary:
        """The registration with this Application (client) ID is the one to check and repair."""
        from wizard.answers import as_guid

        wanted = as_guid(client_id)
        if wanted is None:
            raise InputError("--client-id-app", "must be the Application (client) ID, a GUID",
                             example="00000000-0000-0000-0000-000000000000")
        found = [a for a in self.find_existing(wanted) if a.client_id.lower() == wanted.lower()]
        if not found:
            raise InputError("--client-id-app", f"no app registration with the Application (client) ID "
                             f"{wanted} is in this tenant")
        self.existing = found[0]
        return self.existing

    # -- the plan and its questions --------------------------------------------

    def make_plan(self) -> PlanView:
        """Read the tenant; the plan and what it asks. Writes nothing."""
        setup = self.make_setup()
        same_name: list[AppSummary] = []
        if self.existing is None and not self.is_enterprise_app:
            same_name = [a for a in setup.find_existing() if a.match == "displayName" and not a.managed]
        plan = setup.plan(existing=self.existing)
        view = PlanView(plan=plan, notes=([self.role_warning] if self.role_warning else [])
                        + list(plan.notes) + [str(n) for n in self.vendor.notes])
        if view.creates_app and not self.allow_duplicate:
            view.same_name = same_name
        if self.secret_needed and not plan.needs_secret:
            view.current_secret = current_secret(plan, self.clock.now())
            if view.current_secret is not None:
                view.notes = [n for n in view.notes if not n.startswith("The app has a client secret valid until")]
                view.notes.insert(0, self.kept_secret_sentence(view.current_secret))
        self.view = view
        return view

    @staticmethod
    def kept_secret_sentence(facts: SecretFacts) -> str:
        return (f"The app already has a valid client secret until {facts.end} ({facts.hint}…): the vendor "
                "already has it, so no new one is created (--new-secret, or s on the wizard's plan, makes "
                "one; `m365-wizard rotate` replaces it without an outage).")

    def repair(self, candidate: AppSummary) -> PlanView:
        """"Check and repair this one": plan against the same-name registration instead."""
        self.existing = candidate
        self.view = None
        return self.make_plan()

    def create_separate(self) -> None:
        """"Create a separate new one": the same-name registration stays as it is."""
        self.allow_duplicate = True
        if self.view is not None:
            self.view.same_name = []

    @property
    def plan(self) -> Plan | None:
        return self.view.plan if self.view is not None else None

    @property
    def secret_to_create(self) -> bool:
        """Will this run create a client secret? Only when the app has no valid one, or when
        a new one was asked for: a re-run never adds a second secret by itself."""
        if not self.secret_needed or self.view is None:
            return False
        return self.view.plan.needs_secret or self.secret_choice == NEW

    # -- apply, secret, token test, snippet --------------------------------------

    def apply(self, on_progress: Progress | None = None, cancel: threading.Event | None = None) -> Applied:
        """Carry out the plan (roles checked again by the engine; nothing written without them)."""
        from wizard.clock import Cancelled
        from wizard.resume import APPLIED, FAILED, STOPPED

        view = self.check_ready()
        setup = self.make_setup()
        on_progress = self._record_apply(view, on_progress)
        try:
            self.applied = setup.apply(view.plan, on_progress, cancel)
        except Cancelled:
            self._record_stage(STOPPED)
            raise
        except Exception:
            self._record_stage(FAILED)
            raise
        self._record_stage(APPLIED)
        extra = setup.result_notes(self.applied.client_id)  # innovaphone: the allow-list PowerShell with the app id
        if extra:
            from wizard import ews

            view.replaced_notes = [n for n in view.notes if n.startswith("Since " + ews.BLOCKING_SINCE)]
            view.notes = [n for n in view.notes if n not in view.replaced_notes] + extra
        return self.applied

    # -- the last run (resume) -------------------------------------------------

    def resume_offer(self) -> Any:
        """The last run of this vendor here, if it did not finish: its answers (only those the
        vendor's questions still ask) and how far it got (`wizard.resume.LastRun`); else None."""
        from dataclasses import replace

        from wizard.resume import LastRuns

        if not self.keep_last_run or self.profile is None:
            return None
        record = LastRuns(self.state_dir).read(self.place, self.profile.id)
        if record is None or not record.interrupted:
            return None
        known = {q.key for q in self.profile.questions}
        answers = {k: v for k, v in record.answers.items() if k in known and v not in (None, "", [])}
        if not answers:
            return None
        return replace(record, answers=answers, mode=record.mode if record.mode in ("create", "verify") else "create")

    def finish(self) -> None:
        """The run went to its end (the person left the result): nothing is offered next time, the
        secret is forgotten (the settings block shows the placeholder from now on) and the summary
        after the app (`exit_summary`) tells what was set up."""
        from wizard.resume import FINISHED

        self.forget_secret()
        self.finished = True
        self._record_stage(FINISHED)

    def stop_summary(self) -> str:
        """After a stop or failure in Apply: how many planned changes were really made."""
        record = self._last
        if record is None or not record.steps:
            return ""
        done, total = len(record.done_steps), len(record.steps)
        if not done:
            return f"None of the {total} changes was made."
        return f"{done} of {total} changes were made (marked ok); the others were not."

    @property
    def _tenant_words(self) -> str:
        if self.who is not None:
            return self.who.username.split("@", 1)[1] if "@" in self.who.username else self.who.tenant_id
        return self.sim.domain if self.sim is not None else (self.tenant or "")

    def _save_last(self, record: Any) -> None:
        from wizard.resume import LastRuns

        self._last = record
        if self.keep_last_run:
            try:
                LastRuns(self.state_dir).write(self.place, record)
            except OSError:
                pass  # a state folder that cannot be written never stops a run

    def _record_answers(self) -> None:
        """New answers: recorded; the same answers as an interrupted run's keep what it did."""
        from dataclasses import replace

        from wizard.resume import ANSWERED, LastRun, LastRuns, plain_answers

        if not self.keep_last_run or self.profile is None:
            return
        plain = plain_answers(self.answers)
        old = self._last or LastRuns(self.state_dir).read(self.place, self.profile.id)
        if (old is not None and old.vendor == self.profile.id and old.interrupted and old.steps
                and old.answers == plain and old.mode == self.mode):
            self._save_last(replace(old, saved=self.clock.now()))  # still the truth about the tenant
            return
        self._save_last(LastRun(self.profile.id, plain, self.mode, ANSWERED, tenant=self._tenant_words,
                                demo=self.sim is not None, saved=self.clock.now()))

    def _record_stage(self, stage: str) -> None:
        from dataclasses import replace

        if self._last is not None:
            self._save_last(replace(self._last, stage=stage, saved=self.clock.now()))

    def _record_apply(self, view: PlanView, on_progress: Progress | None) -> Progress | None:
        """Apply starts: the planned changes are recorded as not done, then each as it ends (in
        memory for `stop_summary`; on disk too with `keep_last_run`)."""
        from wizard.resume import APPLYING, LastRun, StepRecord, plain_answers

        steps = [StepRecord(s.id, s.sentence) for s in view.plan.steps]
        if self.secret_to_create and not any(s.id == "secret" for s in steps):
            steps.append(StepRecord("secret", "Create a new client secret (its value is shown once)"))
        self._save_last(LastRun(self.vendor.id, plain_answers(self.answers), self.mode, APPLYING,
                                tenant=self._tenant_words, demo=self.sim is not None, saved=self.clock.now(),
                                steps=tuple(steps)))
        return self._recorded(on_progress)

    def _recorded(self, on_progress: Progress | None) -> Progress | None:
        """`on_progress`, and each step's end written to the last-run record first."""
        from wizard.resume import with_step

        def report(progress: StepProgress) -> None:
            record = self._last
            if record is not None and progress.state != "retrying":  # "running": under way, if killed now
                self._save_last(with_step(record, progress.step_id, progress.sentence, progress.state,
                                          progress.detail))
            if on_progress is not None:
                on_progress(progress)
        return report

    def result_notes(self) -> list[str]:
        """Notes for the result beyond the profile's (innovaphone: the EWS allow list with the app id)."""
        if self.applied is None:
            return []
        return self.make_setup().result_notes(self.applied.client_id)

    def check_ready(self) -> PlanView:
        """The plan, if nothing stands in its way: `SameNameExists` while a registration of the
        same name that the wizard did not make is unanswered (never a silent duplicate)."""
        view = self.view
        if view is None:
            raise RuntimeError("apply() before make_plan()")
        if view.same_name and view.creates_app:
            listed = ", ".join(f"'{a.display_name}' (client ID {a.client_id})" for a in view.same_name)
            first = view.same_name[0].client_id
            vendor = self.vendor.id
            raise SameNameExists(
                f"An app registration of the same name exists that the wizard did not create: {listed}. "
                "Nothing was changed.",
                next_step=(f"Check it with `m365-wizard verify --vendor {vendor} --client-id-app {first}`; "
                           f"repair it with `apply --client-id-app {first}`, or create a new one anyway "
                           "with `apply --yes` (in the wizard: r repairs it, n creates a new one)."),
            )
        return view

    @staticmethod
    def check_secret_output(path: str | None, force: bool = False) -> None:
        """Before sign-in: the file the new secret goes to must be able to take it (a folder that
        exists and is writable; not a folder, not a symlink, not an existing file unless `force`).
        InputError (exit 2) otherwise: nothing signed in, nothing written (wizard/delivery.py)."""
        if path:
            from wizard.delivery import check_secret_file

            check_secret_file(path, force=force)

    def create_secret(self, on_progress: Progress | None = None, cancel: threading.Event | None = None,
                      *, deliver_to: str | None = None) -> NewSecret:
        """addPassword, once per run: asking again returns the secret already made.

        The journal records the new secret as "created, value not delivered" until
        `secret_delivered()` (a re-run replaces an undelivered one). With `deliver_to` the value
        is written there (0600, fsynced) before this returns, and Ctrl+C / SIGTERM are held back
        from addPassword's answer until the file is written (then the run stops)."""
        if self.secret is not None:
            return self.secret
        if self.applied is None:
            raise RuntimeError("create_secret() before apply()")
        from wizard.delivery import shielded

        setup = self.make_setup()
        with shielded(cancel):
            self.secret = setup.create_secret(self.applied, on_progress=self._recorded(on_progress))
            if deliver_to:
                self.secret_file = self.secret.save_to_file(deliver_to)
                self.secret_delivered()
        return self.secret

    def secret_delivered(self) -> None:
        """The user holds the new secret's value (written to a file, or shown and confirmed)."""
        if self.secret is not None and self.setup is not None:
            self.setup.secret_delivered(self.secret)

    def secret_value(self, given: str | None = None) -> str | None:
        """The value to test with: the one made in this run, else one the user gave."""
        if self.secret is not None:
            return self.secret.value
        return given or None

    def test_token(self, on_progress: Progress | None = None, cancel: threading.Event | None = None,
                   *, secret_value: str | None = None) -> TokenTestReport:
        """A real token with the new credentials and its claims; `report.skipped` says why not."""
        from wizard.tokentest import TokenTestReport

        if self.applied is None:
            raise RuntimeError("test_token() before apply()")
        value = self.secret_value(secret_value)
        if self.secret_needed and value is None:
            if self.secret_to_create:
                reason = "the new secret's value is no longer here (it is shown only once)"
            else:
                reason = ("no secret value to test with: the app's existing secret is not shown again "
                          "(set M365_WIZARD_CLIENT_SECRET to test it, or run `m365-wizard test`)")
            self.report = TokenTestReport(skipped=reason)
            return self.report
        # A value a person gave (not made in this run) is checked as typed: a refusal is a wrong
        # value, said within seconds, not replication to wait out.
        self.report = self.make_setup().test_token(self.applied.client_id, value, on_progress, cancel,
                                                   typed=self.secret is None)
        if self.report.ok and self.secret is not None:
            # The new secret works: the ones an interrupted run created and never delivered go now,
            # not before (the new one is itself tracked until the user holds it).
            self.removed_undelivered = self.make_setup().remove_undelivered(self.applied, self.secret.key_id)
        return self.report

    def snippet(self, secret_value: str | None = None) -> Snippet:
        """The vendor's settings block (the new secret while it is here, else a placeholder)."""
        if self.applied is None:
            raise RuntimeError("snippet() before apply()")
        from wizard.settings import STORED_PLACEHOLDER

        value = self.secret_value(secret_value)
        snippet = self.make_setup().snippet(self.applied.client_id, value or STORED_PLACEHOLDER)
        if self.secret_needed and value is None:  # the placeholder is no secret: never masked
            from dataclasses import replace

            snippet = replace(snippet, rows=[replace(row, secret=False) if row.secret else row for row in snippet.rows])
        return snippet

    def forget_secret(self) -> None:
        """The secret was delivered (and tested): drop our copy so nothing can show it again."""
        self.secret = None

    # -- the settings as the person gets them (wizard/settings.py) -------------------

    def settings(self) -> SettingsBlock:
        """The block for the result step. While this run holds the secret it made, the block
        carries the value, shown, so it can be pasted as is; `finish()` drops it."""
        from wizard.settings import SettingsBlock

        snippet = self.snippet()
        return SettingsBlock(snippet, holds_secret=snippet.has_secret)

    def save_settings(self, snippet: Snippet, path: Any, fmt: str = "text", *, mask: bool,
                      overwrite: bool = False) -> Any:
        """Write the block the person asked to save (0600; an existing file only with `overwrite`,
        else `files.FileExists`); the summary after the app names it."""
        from wizard.settings import SavedFile

        written = snippet.save(path, fmt, mask=mask, overwrite=overwrite)
        saved = SavedFile(written, holds_secret=snippet.has_secret and not mask)
        self.saved_settings = [f for f in self.saved_settings if f.path != written] + [saved]
        return written

    def manual_done(self, tenant_id: str, client_id: str) -> None:
        """Manual mode: the pasted values passed the token test and the person finished."""
        self.manual_ids = (tenant_id, client_id)
        self.finished = True

    def outcome(self) -> Outcome | None:
        """What a finished run ended with (ids and names, never a secret); None before that."""
        from wizard.settings import Outcome

        if not self.finished or self.profile is None:
            return None
        if self.applied is not None:
            tenant_id, client_id = self.applied.tenant_id, self.applied.client_id
        elif self.manual_ids is not None:
            tenant_id, client_id = self.manual_ids
        else:
            return None
        domain = ""
        if self.who is not None and "@" in self.who.username:
            domain = self.who.username.split("@", 1)[1]
        elif self.sim is not None:
            domain = self.sim.domain
        tenant = f"{domain} (tenant ID {tenant_id})" if domain and tenant_id else (domain or tenant_id)
        steps = self.profile.followup_steps(self.answers or {})
        name = self.profile.name.split(" — ")[0].split(" (")[0]
        return Outcome(vendor=self.profile.name, tenant=tenant, client_id=client_id,
                       next_step=steps[0] if steps else "", console=f"the {name} console", demo=self.demo)

    def exit_summary(self) -> list[str]:
        """The lines to print after the app exits ([] when there is nothing to say)."""
        from wizard.settings import exit_summary

        return exit_summary(self.outcome(), self.saved_settings)


def current_secret(plan: Plan, now: float) -> SecretFacts | None:
    """The longest-lived valid client secret of the planned app, or None."""
    from wizard.dates import day, parse_graph_time

    app = (plan.existing.app if plan.existing is not None else None) or {}
    best: tuple[float, dict] | None = None
    for cred in app.get("passwordCredentials") or []:
        end = parse_graph_time(cred.get("endDateTime"))
        if end is not None and end > now and (best is None or end > best[0]):
            best = (end, cred)
    if best is None:
        return None
    end, cred = best
    return SecretFacts(hint=str(cred.get("hint") or ""), end=day(end), key_id=str(cred.get("keyId") or ""),
                       display_name=str(cred.get("displayName") or ""))
