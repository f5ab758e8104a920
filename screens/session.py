"""What the screens show about the run: `WizardSession`, the engine's `Run` plus UI state.

Every decision (what to create, whether a secret is made, what to refuse, when to ask)
belongs to `wizard.run.Run`, which the headless commands use too. This subclass only adds
what a screen needs to *show*: the text typed so far for each vendor (kept when going
back), the header's tenant and vendor words, ("Step N of M" counts `Run.steps()`).

Methods that block (sign-in, Graph calls) are the engine's and are called from thread
workers, never from the event loop.
"""

from __future__ import annotations

from typing import Any

from wizard.run import STEPS as RUN_STEPS
from wizard.run import Run

#: The steps of the wizard (`Run.steps()` decides which a run goes through: one source for every counter).
STEPS = RUN_STEPS


class WizardSession(Run):
    """The run, plus what the screens show about it. Takes `Run`'s keyword arguments and
    `tenant_hint` (not a dataclass of its own: that would generate `Run`'s `__init__` again)."""

    def __init__(self, *, tenant_hint: str = "", **run: Any) -> None:
        super().__init__(**run)
        self.tenant_hint = tenant_hint  # what the header shows before sign-in
        self.drafts: dict[str, dict] = {}  # vendor id -> raw text typed
        self.offered: set[str] = set()  # vendors whose last run was offered already

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
            return self.sim.domain
        return self.tenant_hint

    @property
    def header_tenant(self) -> str:
        """The header's tenant: with --demo marked "(demo)" on every screen, before and after sign-in."""
        label = self.tenant_label
        return f"{label} (demo)" if self.demo and "demo" not in label else label

    # -- text typed -------------------------------------------------------

    def draft(self) -> dict:
        """Raw text typed for the current vendor (kept when going back)."""
        return self.drafts.setdefault(self.vendor.id, {})

    def take_resume(self) -> list[str] | None:
        """The first time a vendor's questions are shown: when the engine offers its last run's
        answers (`Run.resume_offer`) and nothing is typed yet, they fill the draft; returns the
        offer's sentences for the screen (else None)."""
        vendor = self.vendor.id
        if vendor in self.offered:
            return None
        self.offered.add(vendor)
        draft = self.draft()
        if any(str(v).strip() for v in draft.values()):
            return None
        offer = self.resume_offer()
        if offer is None:
            return None
        for key, value in offer.answers.items():
            draft[key] = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        self.mode = offer.mode
        return offer.words(self.short_vendor_name)
