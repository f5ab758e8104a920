"""Where vendor profile files are, and the vendor list at a glance.

The files: the bundled ones (`wizard/profiles/ID.toml`), the user's profiles folder
(platformdirs' user config dir, `m365-wizard/profiles/ID.toml`) and the files named with
`--profile PATH` in this run. `wizard.profiles` parses and checks them (`catalogue()`); this
module only finds them, so it stays cheap to import: the command line's `--vendor` choices
and the vendor screen's first frame come from here, before any profile is parsed.

`vendor_choices()` is the list the vendor screen offers. With only the bundled vendors (no
local file, no `--profile`: the usual case) it reads the four head keys of each bundled file
(`id`, `order`, `name`, `summary`: one-line keys above the first table in every file) instead
of parsing and checking all of them; the full check still runs when a vendor is chosen (`get_profile`). Any
local or `--profile` file, or a head that is not as expected, means the full catalogue, so a
file that cannot be used is listed with its reason.

    >>> [c.id for c in vendor_choices()][:2]
    ['flexo', 'syncsign']
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

BUNDLED = "bundled"
LOCAL = "local"
FILE = "file"

#: The package's own profiles (kept next to this module, as the package data they are).
BUNDLED_DIR = Path(__file__).with_name("profiles")

_extra: tuple[Path, ...] = ()  # --profile PATH of this run (`wizard.profiles.use_profile_files`)


class VendorChoice(NamedTuple):
    """One vendor the vendor screen lists; `problem` (in words) when its file cannot be used."""

    id: str
    name: str
    summary: str
    origin: str  # BUNDLED | LOCAL (the user's folder) | FILE (--profile PATH)
    path: str  # the file, for messages
    problem: str = ""


def bundled_files() -> list[Path]:
    """The bundled profile files, by name."""
    return sorted(p for p in BUNDLED_DIR.iterdir() if p.suffix == ".toml" and not p.name.startswith("."))


def user_profiles_dir() -> Path:
    """The user's profiles folder, e.g. ~/.config/m365-wizard/profiles on Linux."""
    import platformdirs  # lazy: only where the folder is needed

    return Path(platformdirs.user_config_dir("m365-wizard", appauthor=False)) / "profiles"


def local_files() -> list[Path]:
    """The .toml files of the user's profiles folder ([] when there is none, the usual case)."""
    folder = user_profiles_dir()
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith("."))
    except OSError:  # no folder (the usual case), or unreadable
        return []


def extra_files() -> tuple[Path, ...]:
    """The `--profile PATH` files of this run."""
    return _extra


def set_extra_files(paths: tuple[Path, ...]) -> None:
    global _extra
    _extra = tuple(paths)


def vendor_ids() -> tuple[str, ...]:
    """The ids `--vendor` accepts, from file names only (nothing parsed, `--help` stays fast)."""
    bundled = [p.stem for p in bundled_files()]
    local = [p.stem for p in local_files() if p.stem not in bundled]
    return tuple(bundled + local)


# --------------------------------------------------------------------------- the list at a glance

_HEAD = ("id", "order", "name", "summary")
_HEAD_KEY = re.compile(r"(id|order|name|summary)\s*=")
#: The plain form of a head line: a basic string without escapes, or a whole number.
_HEAD_LINE = re.compile(r'(id|order|name|summary)\s*=\s*(?:"([^"\\]*)"|([0-9]+))\s*(?:#.*)?')


def _head(path: Path) -> tuple[int, VendorChoice] | None:
    """The order and the choice of a bundled file from its head lines; None when they are not
    the plain one-line keys expected (the caller then parses every file in full)."""
    head: dict[str, str | int] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("["):  # the first table: every top-level key is above it
            break
        if not _HEAD_KEY.match(line):
            continue
        plain = _HEAD_LINE.fullmatch(line)
        if plain is None or plain[1] in head:  # another form (escapes, a multi-line string), or twice
            return None
        head[plain[1]] = plain[2] if plain[3] is None else int(plain[3])
    vendor, order, name, summary = (head.get(key) for key in _HEAD)
    if not (isinstance(order, int) and vendor == path.stem and isinstance(name, str) and name.strip()
            and isinstance(summary, str) and summary.strip()):
        return None
    return order, VendorChoice(vendor, name, summary, BUNDLED, f"wizard/profiles/{path.name}")


def bundled_heads() -> list[VendorChoice] | None:
    """The bundled vendors in the wizard's order (`order`, then id) from their head lines, or None."""
    heads = []
    for path in bundled_files():
        head = _head(path)
        if head is None:
            return None
        heads.append(head)
    heads.sort(key=lambda h: (h[0], h[1].id))
    return [choice for _, choice in heads]


def vendor_choices() -> list[VendorChoice]:
    """The vendors to offer: bundled first (in the wizard's order), then the user's folder, then
    `--profile` files; those that cannot be used are listed too, with the reason."""
    if not _extra and not local_files():
        heads = bundled_heads()
        if heads is not None:
            return heads
    from wizard.profiles import catalogue  # lazy: parses and checks every file

    return [VendorChoice(e.id, e.profile.name, e.profile.summary, e.origin, e.path) if e.profile is not None
            else VendorChoice(e.id, e.id, "", e.origin, e.path, e.problem) for e in catalogue()]
