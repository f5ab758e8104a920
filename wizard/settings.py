"""The vendor's settings as the person gets them: on screen, in a file, and in the words left
in the terminal after the wizard closes.

- `SettingsBlock`: the block to show and whether it holds the new client secret. While the
  run still holds the secret it made (from its creation until the person finishes the result
  step), the block carries the VALUE, so it can be copied or pasted as is; afterwards the row
  says where the value went (`STORED_PLACEHOLDER`), and nothing can show it again.
- `SavedFile`: a file the person asked for (0600; `holds_secret` says whether the secret is in
  it), so the summary can name it.
- `exit_summary(...)`: the few lines printed to the terminal after the app exits (vendor,
  tenant, client ID, where the settings were saved, the next step in the vendor's console). It
  never holds a secret value: it takes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.snippet import Snippet

#: What the settings block says where a kept secret's value goes (it is never shown again).
STORED_PLACEHOLDER = "<the client secret VALUE you stored>"


@dataclass(frozen=True)
class SettingsBlock:
    """The block to show. `holds_secret`: the client secret's value is in it (this run made the
    secret and still has it); then it is shown unmasked, so what is seen is what can be pasted."""

    snippet: Snippet
    holds_secret: bool


@dataclass(frozen=True)
class SavedFile:
    path: Path
    holds_secret: bool

    def words(self) -> str:
        if self.holds_secret:
            return f"{self.path} (holds the client secret; readable by you only; delete it once the vendor has it)"
        return str(self.path)


@dataclass(frozen=True)
class Outcome:
    """What the run ended with, for the summary (ids and names only, never a secret)."""

    vendor: str
    tenant: str  # "contoso.onmicrosoft.com (tenant ID …)" or the tenant ID
    client_id: str
    next_step: str  # the first step left in the vendor's console ('' if none)
    console: str  # "the FlexO console"
    demo: bool = False


def exit_summary(outcome: Outcome | None, saved: list[SavedFile]) -> list[str]:
    """The lines left in the terminal after the app exits; [] when there is nothing to say.

    A finished run (`outcome`): vendor, tenant, client ID, the saved settings, the next step. A
    run that stopped earlier: only the files it saved (the person asked for them)."""
    lines: list[str] = []
    if outcome is not None:
        demo = " in the demo tenant (nothing real was changed)" if outcome.demo else ""
        lines.append(f"m365-wizard: {outcome.vendor} is set up{demo}.")
        rows = [("Vendor", outcome.vendor), ("Tenant", outcome.tenant),
                ("Client ID", outcome.client_id or "(none)")]
        if saved:
            rows += [("Settings", f"saved to {saved[0].words()}")]
            rows += [("", f"and to {f.words()}") for f in saved[1:]]
        else:
            rows.append(("Settings", "not saved to a file (they were shown in the wizard)"))
        if outcome.next_step:
            rows.append(("Next step", f"in {outcome.console}: {outcome.next_step}"))
        width = max(len(label) for label, _ in rows)
        lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
        return lines
    if saved:
        lines.append("m365-wizard: the settings were saved to:")
        lines += [f"  {f.words()}" for f in saved]
    return lines
