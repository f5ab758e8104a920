"""What the screens show about the run: `WizardSession`, the engine's `Run` plus UI state.

Every decision (what to create, whether a secret is made, what to refuse, when to ask)
belongs to `wizard.run.Run`, which the headless commands use too. This subclass only adds
what a screen needs to *show*: the text typed so far for each vendor (kept when going
back), the header's tenant and vendor words, and the list of steps for "Step N of M".

Methods that block (sign-in, Graph calls) are the engine's and are called from thread
workers, never from the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.run import Run

#: The steps of the wizard, in order: (id, title shown in the header).
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
class WizardSession(Run):
    """The run, plus what the screens show about it."""

    tenant_hint: str = ""  # what the header shows before sign-in
    drafts: dict[str, dict] = field(default_factory=dict)  # vendor id -> raw text typed

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
            if "@" in self.who.username:
                return self.who.username.split("@", 1)[1]
            return self.who.tenant_id
        if self.sim is not None:
            return f"{self.sim.domain} (demo)"
        return self.tenant_hint

    def steps(self) -> list[tuple[str, str]]:
        """The steps for this vendor: no secret step when no secret is made."""
        steps = list(STEPS)
        if self.mode != "verify":
            steps = [s for s in steps if s[0] != "pick"]
        no_secret = not self.secret_needed or (self.view is not None and not self.secret_to_create)
        if self.profile is not None and no_secret:
            steps = [s for s in steps if s[0] != "secret"]
        return steps

    # -- text typed -------------------------------------------------------

    def draft(self) -> dict:
        """Raw text typed for the current vendor (kept when going back)."""
        return self.drafts.setdefault(self.vendor.id, {})
