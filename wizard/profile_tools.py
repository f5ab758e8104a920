"""`m365-wizard profile check|new|list`: the installer's tools for vendor profile files.

    m365-wizard profile check FILE     every problem with the line, the key and what is expected
    m365-wizard profile new [FILE]     a commented starter file that passes `profile check`
    m365-wizard profile list           the bundled vendors and the local ones (profiles folder)

The checks are the loader's own (`wizard.profiles.load_profile`): what `check` accepts is what
`--profile FILE` runs. Only this module finds the line a key is on (the loader works on data).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from wizard.errors import EXIT_BAD_INPUT, EXIT_OK, WizardError

_HEADER = re.compile(r"\s*\[\[\s*([^\]]+?)\s*\]\]|\s*\[\s*([^\[\]]+?)\s*\]")
_SEGMENT = re.compile(r"([A-Za-z0-9_-]+)(?:\[(\d+)\])?")
_TOML_AT = re.compile(r"\(at line (\d+)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile file."""

    path: str
    line: int | None  # 1-based; None when the key is missing altogether
    key: str  # e.g. "permissions[2].type"; "" for the file as a whole
    message: str  # "key 'permissions[2].type' …" in the loader's words

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


def locate(text: str, key: str) -> int | None:
    """The line (1-based) of `key` ("permissions[2].type", "branding.logo", "id") in TOML `text`:
    the key's own line where it is written, else its table's header; None when neither is found."""
    lines = text.splitlines()
    headers: list[tuple[int, str, int | None]] = []  # (line, dotted name, index of [[array]] or None)
    counts: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        stripped = line.split("#", 1)[0]
        match = _HEADER.match(stripped)
        if not match or "=" in stripped.split("]", 1)[0]:
            continue
        if match.group(1):
            name = match.group(1)
            headers.append((number, name, counts.get(name, 0)))
            counts[name] = counts.get(name, 0) + 1
        else:
            headers.append((number, match.group(2), None))
    segments = _SEGMENT.findall(key)
    if not segments:
        return None

    def key_line(start: int, end: int, name: str) -> int | None:
        pattern = re.compile(rf"\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*=")
        for number in range(start, end):
            if pattern.match(lines[number - 1]):
                return number
        return None

    def region_end(after: int) -> int:
        return next((n for n, _, _ in headers if n > after), len(lines) + 1)

    for take in range(len(segments), 0, -1):  # the longest prefix that is a table header
        name = ".".join(s for s, _ in segments[:take])
        index = segments[take - 1][1]
        for number, header, position in headers:
            if header != name or (index != "" and position != int(index)) or (index == "" and position is not None):
                continue
            rest = segments[take:]
            if not rest:
                return number
            return key_line(number + 1, region_end(number), rest[0][0]) or number
    first_header = headers[0][0] if headers else len(lines) + 1
    return key_line(1, first_header, segments[0][0])


def check(path: str | Path) -> list[Problem]:
    """The problems of one profile file (empty: `--profile FILE` will load it)."""
    from wizard.profiles import ProfileError, load_profile

    file = Path(path)
    try:
        load_profile(file)
    except ProfileError as err:
        text = _read(file)
        message = str(err.message).removeprefix(f"Vendor profile {file}: ")
        line = None
        found = _TOML_AT.search(message)
        if found:
            line = int(found.group(1))
        elif err.key and text is not None:
            line = locate(text, err.key)
        return [Problem(str(file), line, err.key, message)]
    except WizardError as err:  # cannot be read
        return [Problem(str(file), None, "", err.message)]
    return []


def _read(file: Path) -> str | None:
    try:
        return file.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


STARTER = '''\
# A vendor profile for m365-wizard: what one product needs from Microsoft Entra.
# Check it with `m365-wizard profile check FILE`, run it with `m365-wizard --profile FILE`,
# or put it into the profiles folder as ID.toml (`m365-wizard profile list` shows the folder).
# Every key: docs/profiles.md; editors can check this file with wizard/data/profile.schema.json.

id = "{id}"                       # lowercase, unique; in the profiles folder also the file name
name = "My Product"               # shown on the vendor list
summary = "Lets My Product read users' calendars without a signed-in user (application)."
kind = "registration"             # "registration" (a new app) or "enterprise_app" (the vendor's app)
display_name_default = "My Product"
sign_in_audience = "AzureADMyOrg" # single tenant; "AzureADMultipleOrgs" for multi-tenant
admin_consent = true              # the wizard grants tenant-wide admin consent
secret_needed = true              # a client secret is created and shown once
secret_default_months = 12        # 1 to 24
token_test = "app_roles"          # app_roles | delegated_grant | enterprise_app
token_resource = "https://graph.microsoft.com" # the API the test token is for (another API: "api://<appId>")
# redirect_uris = ["https://{{server}}/oauth/callback"]   # Web redirect URIs; {{key}} = an answer
followup = ["Enter the values above in My Product > Settings > Microsoft 365."]

# Questions the admin answers (--set key=value on the command line).
[[questions]]
key = "server"
label = "Server host name"
help = "The host name of your My Product server, without https://."
example = "myproduct.example.com"
kind = "fqdn"                     # text | fqdn | domain | url | web_url | email | choice | months | file
required = false

# Any Microsoft Graph permission by name; type "delegated" or "application".
[[permissions]]
resource = "graph"
name = "Calendars.Read"
type = "application"

[[permissions]]
resource = "graph"
name = "User.Read.All"
type = "application"

# Any other API by its appId (a vendor's own multi-tenant API, SharePoint, Dynamics…): the wizard reads
# its service principal from the tenant at run time; token_resource may then be "api://<appId>".
# [[permissions]]
# resource = "00000000-0000-0000-0000-000000000000"   # the API's appId
# name = "Rooms.Read.All"                             # its app role value (or scope value, delegated)
# type = "application"

# The settings block to paste into the product, in the product's own words.
[[snippet]]
label = "Tenant ID"
template = "{{tenant_id}}"

[[snippet]]
label = "Client ID"
template = "{{client_id}}"

[[snippet]]
label = "Client secret"
template = "{{client_secret}}"
secret = true
'''


def starter(profile_id: str = "myproduct") -> str:
    return STARTER.format(id=profile_id)


def _id_from_path(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9_-]", "", path.stem.lower())
    return stem or "myproduct"


def run_new(path: str | None, out: TextIO, err: TextIO) -> int:
    """`profile new [PATH]`: the starter file (default: ./myproduct.toml); never overwrites."""
    file = Path(path) if path else Path("myproduct.toml")
    if file.is_dir():
        file = file / "myproduct.toml"
    if file.exists():
        print(f"m365-wizard: {file} exists already; choose another file name (nothing was written)", file=err)
        return EXIT_BAD_INPUT
    try:
        with open(file, "x", encoding="utf-8") as handle:
            handle.write(starter(_id_from_path(file)))
    except OSError as exc:
        print(f"m365-wizard: {file} cannot be written: {exc.strerror or exc}", file=err)
        return EXIT_BAD_INPUT
    print(f"Wrote {file}. Edit it, then: m365-wizard profile check {file}", file=out)
    return EXIT_OK


def run_check(path: str, out: TextIO, err: TextIO) -> int:
    """`profile check PATH`: exit 0 when it loads, 2 with every problem otherwise."""
    problems = check(path)
    for problem in problems:
        print(str(problem), file=err)
    if problems:
        return EXIT_BAD_INPUT
    from wizard.profiles import load_profile

    profile = load_profile(path)
    print(f"{path}: OK — {profile.id} ({profile.name}), {len(profile.permissions)} permission(s), "
          f"{len(profile.snippet)} snippet row(s)", file=out)
    others = sorted({p.resource_app_id for p in profile.permissions if not p.bundled})
    for app_id in others:
        names = ", ".join(f"{p.name} ({p.type})" for p in profile.permissions if p.resource_app_id == app_id)
        print(f"  API {app_id}: {names} — checked for shape only; the wizard reads this API's service principal "
              "in the tenant at run time and resolves the names there (plan shows the result).", file=out)
    return EXIT_OK


def run_list(out: TextIO) -> int:
    """`profile list`: every vendor, bundled and local, and the profiles folder."""
    from wizard.profile_files import user_profiles_dir
    from wizard.profiles import BUNDLED, catalogue

    entries = catalogue()
    width = max((len(e.id) for e in entries), default=2)
    for entry in entries:
        where = "bundled" if entry.origin == BUNDLED else "local"
        if entry.profile is not None:
            print(f"{entry.id:<{width}}  {where:<7}  {entry.profile.name}"
                  + ("" if entry.origin == BUNDLED else f"  ({entry.path})"), file=out)
        else:
            print(f"{entry.id:<{width}}  {where:<7}  CANNOT BE USED: {entry.problem}", file=out)
    print(f"\nLocal profiles folder: {user_profiles_dir()}", file=out)
    return EXIT_OK


def run_profile(args) -> int:
    """The `profile` command (wizard.cli wires its arguments here)."""
    out, err = sys.stdout, sys.stderr
    if args.profile_command == "check":
        return run_check(args.path, out, err)
    if args.profile_command == "new":
        return run_new(args.path, out, err)
    return run_list(out)


# --------------------------------------------------------------------------- generated files
# Both from wizard.profile_format, the model the loader checks against; tests/test_profile_tools.py
# regenerates them and fails when the shipped files drift. Regenerate with
#     python -m wizard.profile_tools --write

SCHEMA_FILE = "data/profile.schema.json"  # in the package
DOCS_FILE = "docs/profiles.md"  # in the repository


def _schema_of(key, tables: dict) -> dict:
    from wizard import profile_format as fmt

    node: dict = {"description": key.doc}
    kind = {"string": "string", "integer": "integer", "boolean": "boolean", "array": "array",
            "table": "object"}.get(key.type)
    if kind:
        node["type"] = kind
    allowed = list(fmt.enum(key))
    if key.type == "string" and allowed:
        node["enum"] = allowed
    if key.minimum is not None:
        node["minimum"] = key.minimum
    if key.maximum is not None:
        node["maximum"] = key.maximum
    if key.type == "array":
        if key.items in tables:
            node["items"] = {"$ref": f"#/$defs/{key.items}"}
        else:
            node["items"] = {"type": "string", **({"enum": allowed} if allowed else {})}
    if key.type == "table":
        value = {"$ref": f"#/$defs/{key.values}"} if key.values in tables else {"type": key.values or "string"}
        if key.keys:
            node["properties"] = {name: value for name in _resolved_keys(key)}
            node["additionalProperties"] = False
        else:
            node["additionalProperties"] = value
    return node


def _resolved_keys(key) -> list[str]:
    from wizard import profile_format as fmt

    found = fmt._enums()
    out: list[str] = []
    for name in key.keys:
        out.extend(found[name[1:]] if name.startswith("@") else (name,))
    return out


def _object(keys, tables: dict, title: str) -> dict:
    return {
        "type": "object", "description": title,
        "properties": {k.name: _schema_of(k, tables) for k in keys},
        "required": [k.name for k in keys if k.required],
        "additionalProperties": False,
    }


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of a vendor profile file."""
    from wizard import profile_format as fmt

    tables = fmt.TABLES
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "m365-wizard vendor profile",
        **_object(fmt.TOP, tables, "One vendor product: what it needs from Microsoft Entra (docs/profiles.md)."),
        "$defs": {name: _object(keys, tables, f"One entry of [[{name}s]]" if name != "lookup" else "[lookups.NAME]")
                  for name, keys in tables.items()},
    }
    return root


def schema_text() -> str:
    import json

    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def _doc_rows(keys) -> list[str]:
    from wizard import profile_format as fmt

    rows = ["| key | type | needed | meaning | example |", "|---|---|---|---|---|"]
    for k in keys:
        kind = k.type if k.type != "array" else f"array of {k.items}"
        if k.type == "table" and k.values:
            kind = f"table of {k.values}"
        allowed = fmt.enum(k) or (tuple(_resolved_keys(k)) if k.keys else ())
        meaning = k.doc + (f" One of: {', '.join(f'`{a}`' for a in allowed)}." if allowed else "")
        if k.minimum is not None or k.maximum is not None:
            meaning += f" Range: {k.minimum if k.minimum is not None else ''}..{k.maximum if k.maximum is not None else ''}."
        example = f"`{k.name} = {k.example}`" if k.example else ""
        rows.append(f"| `{k.name}` | {kind} | {'yes' if k.required else ''} | {meaning.replace('|', '/')} | "
                    f"{example.replace('|', '/')} |")
    return rows


def docs_text() -> str:
    """docs/profiles.md: every key, its meaning and an example (generated; do not edit by hand)."""
    from wizard import profile_format as fmt

    lines = [
        "# Vendor profiles",
        "",
        "<!-- Generated by `python -m wizard.profile_tools --write` from wizard/profile_format.py; do not edit. -->",
        "",
        "A vendor profile is one TOML file saying what a vendor product needs from Microsoft Entra. The five",
        "bundled ones are in `wizard/profiles/`. Your own:",
        "",
        "- `m365-wizard profile new roomsign.toml` writes a commented starter file;",
        "- `m365-wizard profile check roomsign.toml` names the line, the key and what is expected (exit 2 on an error);",
        "- `m365-wizard --profile roomsign.toml` (the wizard) or `m365-wizard apply --profile roomsign.toml …` runs it;",
        "- put it into the profiles folder as `ID.toml` (`m365-wizard profile list` shows the folder) and it is a",
        "  `--vendor` choice and on the vendor list, marked \"local\". A local profile can never replace a bundled",
        "  one: the same id twice is refused, naming both files.",
        "",
        "Editors can check and complete the keys with the JSON Schema `wizard/data/profile.schema.json`",
        "(e.g. taplo: `#:schema ./profile.schema.json` as the file's first line).",
        "",
        "## Top-level keys",
        "",
        "A bundled profile (one added to `wizard/profiles/`) writes `id`, `order`, `name` and `summary` as plain",
        "one-line keys above the first table: the vendor list is drawn from those lines before any profile is",
        "parsed (`wizard.profile_files`), and `tests/engine/test_profile_files.py` fails otherwise. Files of",
        "your own are always parsed in full; any layout TOML allows works there.",
        "",
        *_doc_rows(fmt.TOP),
    ]
    headings = {"question": "`[[questions]]`", "permission": "`[[permissions]]`", "snippet": "`[[snippet]]`",
                "lookup": "`[lookups.NAME]`"}
    for name, keys in fmt.TABLES.items():
        lines += ["", f"## {headings.get(name, name)}", "", *_doc_rows(keys)]
    lines += ["", "## An example", "", "```toml", starter("roomsign").rstrip("\n"), "```", ""]
    return "\n".join(lines)


def write_generated(repo: Path | None = None) -> list[Path]:
    """Write the schema (package data) and docs/profiles.md (repository) from the model."""
    package = Path(__file__).resolve().parent
    repo = repo or package.parent
    written = []
    for path, text in ((package / SCHEMA_FILE, schema_text()), (repo / DOCS_FILE, docs_text())):
        path.write_text(text, "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    if sys.argv[1:] == ["--write"]:
        for written_path in write_generated():
            print(f"wrote {written_path}")
    else:
        print("usage: python -m wizard.profile_tools --write", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
