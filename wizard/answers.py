"""Checking what the admin typed, with messages a non-expert can act on.

Every validator takes the raw text and the field's name (the question's label) and either
returns the *normalised* value or raises `InputError(field, what is expected, example=…)`.
None of them ever raises anything else, whatever the input: control characters, odd
unicode, megabytes of text (a hypothesis test throws such strings at every kind).

Kinds (`Question.kind` in `wizard.profiles`):
    fqdn    a server's full DNS name, no port            px01.vc.example.com
    domain  a server's DNS name, a port allowed          sops.example.com  or  sops.example.com:8443
    url     an https redirect URI (Entra's rules)        https://flexo.example.com/oauth
    email   one email address / user principal name      rooms@contoso.com
    months  a client secret lifetime, 1..24              24
    choice  one of `Question.choices`                    single
    text    free text on one line (a display name)       Pexip Scheduling Personal VMRs
    web_url an https web page (Branding: Home page URL)  https://flexo.example.com
    file    a local file, checked by its content        ./flexo-logo.png
            (`Question.accept`: file types by magic bytes, `Question.max_kb`: size limit)

`validate_one(question, raw)` is what the TUI calls as a field is typed and what
`Profile.validate` calls for every answer; it handles defaults, required answers and
repeatable questions (a list, or one string with commas/spaces/new lines between values).
"""

from __future__ import annotations

import ipaddress
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

from wizard.errors import InputError

# Longer than any sensible answer; checked first so huge input is refused cheaply.
MAX_INPUT = 2048
# Entra: "You can use a maximum of 256 characters for each redirect URI you add to an app
# registration." https://learn.microsoft.com/en-us/entra/identity-platform/reply-url
MAX_REDIRECT_URI = 256
# Same page: "Redirect URIs don't support special characters - ! $ ' ( ) , ;"
REDIRECT_FORBIDDEN = set("!$'(),;")
# Entra's application displayName is limited to 256 characters (Graph application resource:
# https://learn.microsoft.com/en-us/graph/api/resources/application); 120 keeps it readable.
MAX_DISPLAY_NAME = 120
SECRET_MONTHS_MIN, SECRET_MONTHS_MAX = 1, 24  # Entra offers at most 24 months

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# The local part of an address: RFC 5322 "atext" and dots, which is what Exchange accepts.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_SEPARATORS = re.compile(r"[\s,;]+")
# An Entra object or application id: 8-4-4-4-12 hexadecimal digits (braces tolerated).
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def as_guid(value: Any) -> str | None:
    """The canonical lower-case form of a GUID, or None when `value` is not one.

    Ids typed or pasted by a user go into Graph URL key segments such as
    `/applications(appId='…')`: only a real GUID may go there.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().strip("{}")
    return text.lower() if GUID.fullmatch(text) else None
_MONTHS = re.compile(r"([0-9]{1,4})\s*(?:months?)?", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def _clean(raw: Any, field: str, example: str = "") -> str:
    """Text with surrounding blanks removed; refuses non-text, huge or control characters."""
    if raw is None:
        raw = ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise InputError(field, "expects text", example=example)
    text = str(raw)
    if len(text) > MAX_INPUT:
        raise InputError(field, f"is far too long ({len(text)} characters)", example=example)
    text = text.strip()
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise InputError(
                field,
                f"contains an invisible or control character (U+{ord(ch):04X}); "
                "type the value again instead of pasting it",
                example=example,
            )
    return text


def _no_spaces(text: str, field: str, example: str) -> None:
    if any(ch.isspace() for ch in text):
        raise InputError(field, "must not contain spaces", example=example)


def _host(text: str, field: str, example: str, *, allow_single_label: bool = False) -> str:
    """A DNS host name: lower case, punycode for IDN, trailing dot removed, RFC 1035 sizes."""
    host = text[:-1] if text.endswith(".") else text
    if not host:
        raise InputError(field, "needs a server name", example=example)
    if host.startswith("[") or _is_ip(host):
        raise InputError(
            field,
            "is an IP address; type the server's DNS name instead "
            "(Microsoft and the certificate need the name)",
            example=example,
        )
    labels = host.split(".")
    ascii_labels = []
    for label in labels:
        if not label:
            raise InputError(field, "has an empty part between two dots", example=example)
        if not label.isascii():
            try:  # IDN → punycode ("xn--…"), RFC 3490 as implemented by the idna codec
                label = label.encode("idna").decode("ascii")
            except (UnicodeError, ValueError):
                raise InputError(
                    field, f"has a part that is not a valid name: '{label[:63]}'", example=example
                ) from None
        label = label.lower()
        if len(label) > 63:
            raise InputError(
                field, "has a part longer than 63 characters between dots", example=example
            )
        if not _LABEL.match(label):
            raise InputError(
                field,
                f"may use only letters, digits and hyphens between dots "
                f"(not at the start or end of a part); '{label}' does not fit",
                example=example,
            )
        ascii_labels.append(label)
    result = ".".join(ascii_labels)
    if len(result) > 253:
        raise InputError(field, "is longer than 253 characters", example=example)
    if len(ascii_labels) < 2 and not allow_single_label:
        raise InputError(
            field,
            "needs the full name with the domain (a single word only works inside your network)",
            example=example,
        )
    if ascii_labels[-1].isdigit():
        raise InputError(field, "ends in a number, which is not a domain", example=example)
    return result


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _split_port(text: str, field: str, example: str, allow_port: bool) -> tuple[str, str]:
    if ":" not in text:
        return text, ""
    host, _, port = text.rpartition(":")
    if host.count(":") or text.startswith("["):  # an IPv6 literal
        raise InputError(
            field, "is an IP address; type the server's DNS name instead", example=example
        )
    if not allow_port:
        raise InputError(
            field, f"must be only the host name, without a port (':{port[:8]}')", example=example
        )
    if not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InputError(field, "has a port that is not a number from 1 to 65535", example=example)
    return host, str(int(port))


# --------------------------------------------------------------------------- validators


def fqdn(raw: Any, field: str = "server name", *, example: str = "", allow_port: bool = False) -> str:
    """A server's full DNS name as typed in a vendor console: `px01.vc.example.com`.

    Refuses what people paste by mistake: a whole URL ("type only the host name, without
    https://"), a path, a port (unless `allow_port`), spaces, an IP address, a single word.
    Normalises: lower case, trailing dot dropped, international names to punycode.
    """
    example = example or "server.example.com"
    text = _clean(raw, field, example)
    if not text:
        raise InputError(field, "is required", example=example)
    lowered = text.lower()
    if lowered.startswith(("https://", "http://")) or "://" in text:
        raise InputError(
            field, "type only the host name, without https:// and without a path", example=example
        )
    _no_spaces(text, field, example)
    if "@" in text:
        raise InputError(
            field, "looks like an email address; type the server's host name", example=example
        )
    if "/" in text or "\\" in text or "?" in text or "#" in text:
        raise InputError(
            field, "type only the host name, without a path such as /m", example=example
        )
    host, port = _split_port(text, field, example, allow_port)
    host = _host(host, field, example)
    return f"{host}:{port}" if port else host


def domain(raw: Any, field: str = "domain", *, example: str = "") -> str:
    """A server's DNS name where a port is allowed (an on-premises server): `sops.example.com:8443`."""
    return fqdn(raw, field, example=example or "sops.example.com", allow_port=True)


def url(raw: Any, field: str = "redirect URI", *, example: str = "") -> str:
    """A Web redirect URI, by Entra's rules
    (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url):

    https only (http only for localhost / 127.0.0.1, as Entra allows), at most 256
    characters, no wildcard, no fragment, none of ``! $ ' ( ) , ;``. The host is checked
    like an FQDN (lower-cased, punycode); the path keeps its case (Entra matches it exactly).
    """
    example = example or "https://app.example.com/oauth/callback"
    text = _clean(raw, field, example)
    if not text:
        raise InputError(field, "is required", example=example)
    _no_spaces(text, field, example)
    if "*" in text:
        raise InputError(field, "must not contain a wildcard (*); Entra needs the exact address",
                         example=example)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(field, "is not a valid web address", example=example) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.netloc:
        raise InputError(field, "must be a full address starting with https://", example=example)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InputError(field, "must not contain a user name or password", example=example)
    if parts.fragment or text.endswith("#"):
        raise InputError(field, "must not contain a fragment (#…)", example=example)
    bad = sorted(REDIRECT_FORBIDDEN.intersection(text))
    if bad:
        raise InputError(
            field, f"must not contain the characters {' '.join(bad)} (Entra refuses them)",
            example=example,
        )
    hostname = parts.hostname or ""
    loopback = hostname in ("localhost", "127.0.0.1")
    if scheme == "http" and not loopback:
        raise InputError(
            field, "must start with https:// (http:// is allowed only for localhost)",
            example=example,
        )
    if loopback:
        host = hostname
    else:
        host_text = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
        host = _host(host_text, field, example)
    netloc = f"{host}:{port}" if port is not None else host
    result = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    if len(result) > MAX_REDIRECT_URI:
        raise InputError(
            field, f"is {len(result)} characters long; Entra allows at most {MAX_REDIRECT_URI}",
            example=example,
        )
    return result


def email(raw: Any, field: str = "email address", *, example: str = "") -> str:
    """One email address (or user principal name): `rooms@contoso.com`.

    The domain part is checked like an FQDN (needs a dot) and lower-cased; the local part
    keeps its spelling. Whether the mailbox really exists is checked later, against Graph.
    """
    example = example or "rooms@contoso.com"
    text = _clean(raw, field, example)
    if not text:
        raise InputError(field, "is required", example=example)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    _no_spaces(text, field, example)
    if text.count("@") != 1:
        if "@" not in text:
            raise InputError(field, "needs one email address with an @", example=example)
        raise InputError(field, "takes one email address only (one @)", example=example)
    local, _, dom = text.partition("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise InputError(
            field, "has a part before the @ that is not a valid address", example=example
        )
    try:
        host = _host(dom, field, example)
    except InputError:
        raise InputError(
            field, "needs a domain with a dot after the @, like contoso.com", example=example
        ) from None
    address = f"{local}@{host}"
    if len(address) > 254:
        raise InputError(field, "is longer than 254 characters", example=example)
    return address


def months(raw: Any, field: str = "secret lifetime in months", *, example: str = "") -> int:
    """A client secret lifetime: a whole number of months, 1 to 24 (Entra's longest)."""
    example = example or "24"
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = _clean(raw, field, example)
        match = _MONTHS.fullmatch(text)
        if not match:
            if text.lower() in ("never", "0", "unlimited", "forever"):
                raise InputError(
                    field, "cannot be 'never': Entra no longer offers secrets that never "
                    f"expire; choose {SECRET_MONTHS_MIN} to {SECRET_MONTHS_MAX} months",
                    example=example,
                )
            raise InputError(
                field, f"must be a whole number of months from {SECRET_MONTHS_MIN} to "
                f"{SECRET_MONTHS_MAX}", example=example,
            )
        value = int(match.group(1))
    if not SECRET_MONTHS_MIN <= value <= SECRET_MONTHS_MAX:
        raise InputError(
            field,
            f"must be from {SECRET_MONTHS_MIN} to {SECRET_MONTHS_MAX} months "
            "(Entra offers at most 24 months; 'never' no longer exists)",
            example=example,
        )
    return value


def choice(raw: Any, field: str, choices: Iterable[str], *, example: str = "") -> str:
    """One of `choices`, ignoring case and surrounding blanks."""
    options = tuple(choices)
    example = example or (options[0] if options else "")
    text = _clean(raw, field, example)
    for option in options:
        if text.lower() == option.lower():
            return option
    raise InputError(field, f"must be one of: {', '.join(options)}", example=example)


def text(raw: Any, field: str = "name", *, example: str = "", max_length: int = MAX_DISPLAY_NAME) -> str:
    """Free text on one line (a display name); inner runs of blanks become one space."""
    value = " ".join(_clean(raw, field, example).split())
    if not value:
        raise InputError(field, "is required", example=example)
    if len(value) > max_length:
        raise InputError(field, f"is longer than {max_length} characters", example=example)
    return value


def web_url(raw: Any, field: str = "web address", *, example: str = "") -> str:
    """An https address of a web page (Branding & properties: Home page URL, terms of service…).

    Not a redirect URI: a query and a fragment are allowed, and its value does not identify
    the registration. https only (the wizard's rule: a page shown to users from Entra); the
    host is checked like an FQDN and lower-cased, the rest keeps its spelling.
    """
    example = example or "https://www.example.com"
    text = _clean(raw, field, example)
    if not text:
        raise InputError(field, "is required", example=example)
    _no_spaces(text, field, example)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(field, "is not a valid web address", example=example) from None
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise InputError(field, "must be a full address starting with https://", example=example)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InputError(field, "must not contain a user name or password", example=example)
    host_text = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    host = _host(host_text, field, example)
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))


# File types a `file` question may accept, recognised by their first bytes (never the name).
# name: (Content-Type, magic prefixes, words)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...], str]] = {
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), "PNG"),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), "JPEG"),
    "bmp": ("image/bmp", (b"BM",), "BMP"),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a"), "GIF"),
}


@dataclass(frozen=True)
class FileData:
    """A checked local file: its absolute path, bytes and type (from the magic bytes)."""

    path: str
    data: bytes = field(repr=False)
    type: str  # a FILE_TYPES key
    shown: str = ""  # the path as the admin typed it, for sentences

    @property
    def content_type(self) -> str:
        return FILE_TYPES[self.type][0]

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        import hashlib  # lazy: OpenSSL's libcrypto is not needed to load the profiles

        return hashlib.sha256(self.data).hexdigest()

    @property
    def size_words(self) -> str:
        return size_words(self.size)


def size_words(size: int) -> str:
    """23 KB, 512 bytes: for sentences (KB = 1024 bytes, as the portal's "100 KB")."""
    return f"{size} bytes" if size < 1024 else f"{(size + 1023) // 1024} KB"


def _type_words(accept: Iterable[str]) -> str:
    words = [FILE_TYPES[t][2] for t in accept if t in FILE_TYPES]
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def read_file(raw: Any, field: str = "file", *, accept: Iterable[str] = (), max_bytes: int = 0,
              example: str = "") -> FileData:
    """A local file the wizard will upload: exists, is a regular readable file, not empty,
    at most `max_bytes`, and of one of the `accept` types by its first bytes."""
    accept = tuple(accept) or tuple(FILE_TYPES)
    example = example or "./logo.png"
    text = _clean(raw, field, example)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()  # a path dragged into a terminal comes quoted
    if not text:
        raise InputError(field, "is required", example=example)
    shown = text
    try:
        path = Path(text).expanduser().absolute()
        info = path.stat()
    except FileNotFoundError:
        raise InputError(field, f"{shown}: there is no such file", example=example) from None
    except PermissionError:
        raise InputError(field, f"{shown}: the wizard may not read it (permission denied)", example=example) from None
    except (OSError, ValueError, RuntimeError) as err:
        reason = getattr(err, "strerror", "") or "not a usable path"
        raise InputError(field, f"{shown[:80]}: cannot be read ({reason})", example=example) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(field, f"{shown}: is a folder; give the image file in it", example=example)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(field, f"{shown}: is not a regular file", example=example)
    if info.st_size == 0:
        raise InputError(field, f"{shown}: the file is empty", example=example)
    if max_bytes and info.st_size > max_bytes:
        raise InputError(field, f"{shown}: is {size_words(info.st_size)}; at most {size_words(max_bytes)} "
                                "is allowed (make the image smaller)", example=example)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1 if max_bytes else -1)
    except PermissionError:
        raise InputError(field, f"{shown}: the wizard may not read it (permission denied)", example=example) from None
    except OSError as err:
        raise InputError(field, f"{shown}: cannot be read ({err.strerror or 'error'})", example=example) from None
    if max_bytes and len(data) > max_bytes:  # it grew since the stat
        raise InputError(field, f"{shown}: is larger than {size_words(max_bytes)}", example=example)
    found = next((name for name, (_, magic, _) in FILE_TYPES.items() if data.startswith(magic)), None)
    if found is None or found not in accept:
        what = f"a {FILE_TYPES[found][2]} image" if found else "not an image of a known type"
        raise InputError(field, f"{shown}: is {what} (by its content, whatever its name); "
                                f"{_type_words(accept)} is needed", example=example)
    return FileData(str(path), data, found, shown)


def file_path(raw: Any, field: str = "file", *, accept: Iterable[str] = (), max_bytes: int = 0,
              example: str = "") -> str:
    """`read_file`, keeping only the absolute path (what the answers hold)."""
    return read_file(raw, field, accept=accept, max_bytes=max_bytes, example=example).path


def read_question_file(question: Any, value: Any) -> FileData:
    """Read and check the file a `file` question's answer names (again: it may have changed)."""
    try:
        return read_file(value, _name(question), accept=getattr(question, "accept", ()),
                         max_bytes=int(getattr(question, "max_kb", 0) or 0) * 1024, example=question.example)
    except InputError as err:
        err.key = question.key
        raise


_BY_KIND = {
    "fqdn": lambda raw, q: fqdn(raw, _name(q), example=q.example),
    "domain": lambda raw, q: domain(raw, _name(q), example=q.example),
    "url": lambda raw, q: url(raw, _name(q), example=q.example),
    "email": lambda raw, q: email(raw, _name(q), example=q.example),
    "months": lambda raw, q: months(raw, _name(q), example=q.example),
    "choice": lambda raw, q: choice(raw, _name(q), q.choices, example=q.example),
    "text": lambda raw, q: text(raw, _name(q), example=q.example),
    "web_url": lambda raw, q: web_url(raw, _name(q), example=q.example),
    "file": lambda raw, q: file_path(raw, _name(q), accept=getattr(q, "accept", ()),
                                     max_bytes=int(getattr(q, "max_kb", 0) or 0) * 1024, example=q.example),
}
KINDS = tuple(_BY_KIND)


def _name(question: Any) -> str:
    return getattr(question, "label", "") or question.key


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple)):
        return all(_is_blank(item) for item in raw)
    return False


def validate_one(question: Any, raw: Any) -> Any:
    """Validate one answer for `question` (a `wizard.profiles.Question`); return the value.

    Blank → the question's default, or `InputError(label, "is required")` when required
    and without default. Repeatable questions return a list (duplicates dropped, order
    kept); `raw` may be a list or one string with values separated by commas, semicolons,
    spaces or new lines. The raised `InputError` names the question's label in `.field`
    and carries the question's key in `.key` (for `--set key=value` messages).
    """
    try:
        return _validate_one(question, raw)
    except InputError as err:
        err.key = question.key
        raise


def _validate_one(question: Any, raw: Any) -> Any:
    check = _BY_KIND.get(question.kind)
    if check is None:
        raise InputError(_name(question), f"has an unknown kind '{question.kind}'")
    if _is_blank(raw):
        default = question.default
        if default is None or default == "" or default == [] or default == ():
            if question.required:
                raise InputError(_name(question), "is required", example=question.example)
            return [] if question.repeatable else None
        raw = default
    if not question.repeatable:
        if isinstance(raw, (list, tuple)):
            values = [item for item in raw if not _is_blank(item)]
            if len(values) != 1:
                raise InputError(_name(question), "takes one value only", example=question.example)
            raw = values[0]
        return check(raw, question)
    items: list[Any]
    if isinstance(raw, (list, tuple)):
        items = []
        for item in raw:
            if isinstance(item, str):
                items.extend(p for p in _SEPARATORS.split(item) if p)
            elif not _is_blank(item):
                items.append(item)
    elif isinstance(raw, str):
        if len(raw) > MAX_INPUT * 8:
            raise InputError(_name(question), "is far too long", example=question.example)
        items = [p for p in _SEPARATORS.split(raw) if p]
    else:
        items = [raw]
    result: list[Any] = []
    for item in items:
        value = check(item, question)
        if value not in result:
            result.append(value)
    if not result and question.required:
        raise InputError(_name(question), "is required", example=question.example)
    return result
