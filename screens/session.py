"""What the wizard knows so far, and thin calls into the engine.

`WizardSession` is the app's state: the vendor profile, the answers, where
Microsoft is (`target`, and `sim` in demo mode), who signed in, the `Setup`
facade, the plan, what was applied, the new secret (until the user confirms
they stored it) and the token-test report.

The methods here only *call* the engine (`wizard.*`); there is no Graph or
MSAL code in the screens. Methods that block (sign-in, Graph calls) are called
from thread workers, never from the event loop.

Engine modules are imported inside the methods, so building a session (and
therefore the first frame of the app) stays fast.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.clock import Clock

#: The eight steps of the wizard, in order: (id, title shown in the header).
STEPS: tuple[tuple[str, str], ...] = (
    ("vendor", "Vendor"),
    ("questions", "Details"),
    ("signin", "Sign in"),
    ("pick", "Existing app"),  # verify mode only
    ("plan", "Plan"),
    ("apply", "Apply"),
    ("secret", "Client secret"),
    ("tokentest", "Token test"),
    ("result", "Result"),
)


@dataclass
class WizardSession:
    """The app's state, shared by every screen.

    `connect` builds `(target, sim)` on first need (the composition root
    passes it, so heavy imports happen in a worker, after the first frame).
    Tests pass `target` and `sim` directly instead.
    """

    clock: Clock = field(default_factory=Clock)
    target: Any = None
    sim: Any = None
    http: Any = None  # the one httpx.Client (connection pool) for this session
    connect: Callable[[], tuple[Any, Any]] | None = None
    tenant_hint: str = ""  # what the header shows before sign-in
    manual: bool = False
    remember: bool = False  # --remember: the sign-in is kept in the OS encrypted store (wizard.tokencache, msal-extensions)
    token_store: Any = None  # the msal-extensions-backed MSAL cache (CacheStore), opened at the first sign-in
    remember_note: str = ""  # why the sign-in cannot be remembered (no keyring…), in plain words
    remembered: bool = False  # this sign-in came from the keyring, without a device code

    profile: Any = None
    answers: dict = field(default_factory=dict)
    drafts: dict[str, dict] = field(default_factory=dict)  # vendor id -> raw text typed
    mode: str = "create"  # "create" | "verify"
    existing: Any = None  # verify mode: the AppSummary the admin picked

    signin: Any = None
    device_code: Any = None
    who: Any = None
    setup: Any = None
    plan: Any = None
    applied: Any = None
    secret: Any = None  # NewSecret; cleared once the user confirmed they stored it
    secret_stored: bool = False  # the user confirmed "I have stored it"
    report: Any = None

    state_dir: Any = None  # where the engine keeps its journal; None: the user's state dir
    _demo_state: Any = field(default=None, repr=False)  # TemporaryDirectory for the demo tenant's journal
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- what the header shows -------------------------------------------

    @property
    def vendor_name(self) -> str:
        return self.profile.name if self.profile is not None else ""

    @property
    def short_vendor_name(self) -> str:
        """`FlexO (oomnis) — Microsoft Teams …` → `FlexO`: for the header."""
        return self.vendor_name.split(" — ")[0].split(" (")[0].removesuffix(" registration")

    @property
    def tenant_label(self) -> str:
        """The tenant in words: the signed-in domain, else what we were told."""
        if self.who is not None:
            username = getattr(self.who, "username", "") or ""
            if "@" in username:
                return username.split("@", 1)[1]
            return getattr(self.who, "tenant_id", "") or ""
        if self.sim is not None:
            return f"{self.sim.domain} (demo)"
        return self.tenant_hint

    def steps(self) -> list[tuple[str, str]]:
        """The steps for this vendor: no secret step when none is needed."""
        steps = list(STEPS)
        if self.mode != "verify":
            steps = [s for s in steps if s[0] != "pick"]
        if self.profile is not None and not self.needs_secret:
            steps = [s for s in steps if s[0] != "secret"]
        return steps

    @property
    def needs_secret(self) -> bool:
        """LoopMeeting (an enterprise app) gets no secret from us."""
        if self.profile is None:
            return True
        if getattr(self.profile, "kind", "registration") == "enterprise_app":
            return False
        return bool(getattr(self.profile, "secret_needed", True))

    # -- vendor and answers -----------------------------------------------

    def choose_vendor(self, vendor_id: str) -> None:
        """Pick a vendor; switching vendors forgets what depended on the old one."""
        from wizard.profiles import get_profile

        if self.profile is not None and self.profile.id == vendor_id:
            return
        self.profile = get_profile(vendor_id)
        self.answers = {}
        self.forget_from("signin")

    def draft(self) -> dict:
        """Raw text typed for the current vendor (kept when going back)."""
        return self.drafts.setdefault(self.profile.id, {})

    def forget_from(self, step: str) -> None:
        """Drop everything computed at `step` or later (answers changed, new vendor)."""
        order = [s for s, _ in STEPS]
        index = order.index(step)
        if index <= order.index("signin"):
            self.cancel_signin_state()
        if index <= order.index("pick"):
            self.existing = None
        if index <= order.index("plan"):
            self.setup = None
            self.plan = None
        if index <= order.index("apply"):
            self.applied = None
            self.secret = None
            self.report = None

    def cancel_signin_state(self) -> None:
        self.signin = None
        self.device_code = None
        self.who = None

    # -- where Microsoft is ----------------------------------------------------

    def ensure_connected(self) -> None:
        """Build the target (and the demo tenant) if not done yet. Blocking."""
        with self._lock:
            if self.target is None and self.connect is not None:
                self.target, self.sim = self.connect()
            if self.http is None and self.target is not None:
                self.http = self.target.http_client()

    # -- sign-in (call from a thread worker) --------------------------------------

    def new_signin(self):
        """A fresh `SignIn`; with `--remember` it uses the keyring cache (opened once). Blocking."""
        from wizard.signin import SignIn, scopes_for

        self.ensure_connected()
        cache = None
        if self.remember:
            if self.token_store is None:
                from wizard.tokencache import open_cache

                self.token_store = open_cache(self.target)
                self.remember_note = self.token_store.note
            cache = self.token_store.cache
        self.signin = SignIn(self.target, self.http, self.clock, scopes_for(self.profile), token_cache=cache)
        return self.signin

    def try_remembered(self):
        """`--remember`: the remembered sign-in if it still works (no device code), else None. Blocking."""
        self.remembered = False
        if not self.remember:
            return None
        signin = self.new_signin()
        if not self.token_store.persistent:
            return None
        who = signin.try_silent()
        if who is not None:
            self.who, self.remembered = who, True
            self.save_signin()
        return who

    def start_signin(self):
        """Ask Microsoft for a device code; returns `DeviceCode`. Blocking."""
        self.new_signin()
        self.device_code = self.signin.start()
        return self.device_code

    def wait_signin(self, cancel: threading.Event):
        """Wait until the code is approved; returns `SignedIn`. Raises `SignInError`, `Cancelled`."""
        self.who = self.signin.wait(cancel)
        self.save_signin()
        return self.who

    def save_signin(self) -> None:
        """`--remember`: write the sign-in to the keyring (a refusal becomes `remember_note`)."""
        if self.token_store is not None and self.token_store.persistent:
            self.token_store.save()
            self.remember_note = self.token_store.note

    @property
    def can_approve(self) -> bool:
        """Demo only: the simulated tenant can approve the code for us."""
        return self.sim is not None

    def approve_demo(self) -> None:
        """Demo only: approve the current device code at once, as the tenant admin."""
        if self.sim is not None and self.device_code is not None:
            self.sim.approve_device_code(self.device_code.user_code)
            if self.signin is not None:
                self.signin.poll_now()  # continue at once, not at the next poll

    # -- the Setup facade ----------------------------------------------------------

    def make_setup(self):
        """The engine's `Setup` for this vendor, answers and signed-in admin."""
        if self.setup is None:
            from wizard.graph import GraphClient
            from wizard.setup import Setup

            graph = GraphClient(
                self.http,
                base_url=self.target.graph_url,
                token=self.signin.access_token,
                clock=self.clock,
            )
            self.setup = Setup(self.profile, self.answers, graph, self.who, self.target, clock=self.clock,
                               state_dir=self.journal_dir())
        return self.setup

    def journal_dir(self):
        """The engine's state dir. The demo tenant is new on every run, so its journal must
        not outlive it: a journal left by an earlier demo run names an app this tenant never
        had, and the plan would wait a minute for it to "replicate"."""
        if self.state_dir is None and self.sim is not None:
            if self._demo_state is None:
                import tempfile

                self._demo_state = tempfile.TemporaryDirectory(prefix="m365-wizard-demo-")
            return self._demo_state.name
        return self.state_dir

    def forget_secret(self) -> None:
        """The user stored the secret: drop our copy so nothing can show it again."""
        self.secret = None
