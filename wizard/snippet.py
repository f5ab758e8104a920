"""The vendor's settings block: what the admin pastes into the vendor's console.

A `Snippet` is a list of rows in the vendor's own words and order ("User OAuth client ID",
"Client Secret", …). It renders as aligned text, JSON or `.env` lines, masking secrets by
default (a masked secret shows only its first three characters, like Entra's own "hint":
`abc…(hidden)`). `save` writes through `wizard.files.write_private` (atomic, mode 0600), and
`osc52` lets the TUI copy a value through the terminal, even over SSH and inside tmux.

`repr()` of a row or a snippet never shows a secret, so a stray log line cannot leak one.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from wizard import files

FORMATS = ("text", "json", "env", "plain")
_EXTENSIONS = {"text": "txt", "json": "json", "env": "env", "plain": "txt"}
_HIDDEN = "…(hidden)"
_ENV_SAFE = re.compile(r"^[A-Za-z0-9_./:@+-]*$")


def mask(value: str) -> str:
    """`abc…(hidden)`: the first three characters (what Entra shows as the secret's hint)."""
    return f"{value[:3]}{_HIDDEN}" if len(value) > 6 else _HIDDEN


@dataclass(frozen=True)
class SnippetRow:
    label: str
    value: str
    secret: bool = False

    def shown(self, mask_secret: bool = True) -> str:
        return mask(self.value) if self.secret and mask_secret else self.value

    def __repr__(self) -> str:
        return f"SnippetRow({self.label!r}, {self.shown(True)!r}, secret={self.secret})"


@dataclass(frozen=True)
class Snippet:
    vendor: str
    rows: list[SnippetRow] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Snippet({self.vendor!r}, {self.rows!r})"

    @property
    def has_secret(self) -> bool:
        return any(r.secret for r in self.rows)

    def value(self, label: str) -> str:
        """The (unmasked) value of the row with this label."""
        for row in self.rows:
            if row.label == label:
                return row.value
        raise KeyError(label)

    # ------------------------------------------------------------- renderings

    def as_text(self, mask: bool = True) -> str:
        """Aligned `Label : value` lines, one per row, in the vendor's order."""
        width = max((len(r.label) for r in self.rows), default=0)
        return "".join(f"{r.label.ljust(width)} : {r.shown(mask)}\n" for r in self.rows)

    def as_plain(self, mask: bool = True) -> str:
        """`Label: value` lines, one per row, nothing between: no alignment padding, no frame, and a
        value is never wrapped (what a hand copy from the terminal must bring along, and nothing more)."""
        return "".join(f"{r.label}: {r.shown(mask)}\n" for r in self.rows)

    def fields(self, mask: bool = True) -> list[tuple[str, str]]:
        """(label, value) of each row in the vendor's order: what "copy one field" offers."""
        return [(r.label, r.shown(mask)) for r in self.rows]

    def as_json(self, mask: bool = True) -> str:
        """`{"vendor": …, "settings": {label: value, …}}`, pretty-printed, order kept."""
        settings = {r.label: r.shown(mask) for r in self.rows}
        return json.dumps({"vendor": self.vendor, "settings": settings}, indent=2,
                          ensure_ascii=False) + "\n"

    def env_names(self) -> list[str]:
        """Environment variable names: vendor + label, e.g. PEXIP_USER_OAUTH_CLIENT_ID."""
        names: list[str] = []
        for row in self.rows:
            base = env_name(self.vendor, row.label)
            name, n = base, 2
            while name in names:
                name, n = f"{base}_{n}", n + 1
            names.append(name)
        return names

    def as_env(self, mask: bool = True) -> str:
        """`.env` lines (`NAME=value`, double-quoted when needed)."""
        return "".join(
            f"{name}={_env_quote(row.shown(mask))}\n"
            for name, row in zip(self.env_names(), self.rows)
        )

    def render(self, fmt: str, mask: bool = True) -> str:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        renderings = {"text": self.as_text, "json": self.as_json, "env": self.as_env, "plain": self.as_plain}
        return renderings[fmt](mask=mask)

    # ------------------------------------------------------------- saving

    def suggested_filename(self, fmt: str = "text") -> str:
        return f"{self.vendor}-settings.{_EXTENSIONS[fmt]}"

    def holds_secret(self, mask: bool) -> bool:
        """Does this rendering carry a secret value (unmasked)?"""
        return self.has_secret and not mask

    def save(self, path: str | os.PathLike[str], fmt: str = "text", mask: bool = False, *,
             overwrite: bool = False) -> Path:
        """Write the snippet to `path` atomically with mode 0600 (it may hold the secret); a missing
        folder is made (0700). An existing file is kept (`files.FileExists`) unless `overwrite`;
        other failures are `files.SaveFailed`, naming the path.

        The user asked for this file; nothing saves a secret otherwise.
        """
        return files.save_private(path, self.render(fmt, mask=mask), overwrite=overwrite)


def env_name(vendor: str, label: str) -> str:
    """`("pexip", "User OAuth client ID")` → `PEXIP_USER_OAUTH_CLIENT_ID`."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", f"{vendor} {label}").strip("_").upper()
    return text if text and not text[0].isdigit() else f"_{text}"


def _env_quote(value: str) -> str:
    if _ENV_SAFE.match(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    escaped = escaped.replace("\n", "\\n")
    return f'"{escaped}"'


def default_save_dir() -> Path:
    """Where a saved snippet goes unless the user says otherwise: Documents/m365-wizard.

    platformdirs' documents dir (https://platformdirs.readthedocs.io/) — ~/Documents on
    macOS/Linux, the user's Documents folder on Windows. Not created here.
    """
    import platformdirs  # lazy: keeps `import wizard.snippet` cheap

    return Path(platformdirs.user_documents_dir()) / "m365-wizard"


def osc52(text: str, tmux: bool | None = None) -> str:
    """The escape sequence that asks the terminal to put `text` on the clipboard.

    OSC 52 (`ESC ] 52 ; c ; <base64> BEL`, xterm's "Manipulate Selection Data",
    https://invisible-island.net/xterm/ctlseqs/ctlseqs.html) travels inside the terminal
    stream, so it works over SSH. Inside tmux (`$TMUX` set, or `tmux=True`) it is wrapped in
    tmux's passthrough DCS `ESC P tmux ; … ESC \\` with every ESC doubled (tmux(1),
    "allow-passthrough"; https://man7.org/linux/man-pages/man1/tmux.1.html), which tmux
    forwards to the outer terminal when `allow-passthrough` is on.
    """
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if tmux is None:
        tmux = bool(os.environ.get("TMUX"))
    if tmux:
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence
