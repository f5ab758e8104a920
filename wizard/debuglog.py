"""An opt-in debug log for support, with every credential redacted.

    from wizard.debuglog import enable_debug_log
    path = enable_debug_log()          # ~/.local/state/m365-wizard/log/debug-….log on Linux
    path = enable_debug_log("x.log")   # or a file of the user's choosing

Off by default: nothing is logged to disk unless the user asks (`--debug-log`). When on,
the wizard's loggers (`wizard.*`) and those of the libraries it drives (`msal`, `httpx`,
`httpcore`) write DEBUG records to a file created with mode 0600 in a 0700 directory
(platformdirs' user log dir). Every record passes `RedactingFilter`, and the formatted
text (tracebacks included) passes `redact()` once more before it is written:

- `Authorization: Bearer …` and any `Bearer <token>`;
- anything that looks like a JWT (`eyJ….….…`: access, id and refresh tokens of Entra);
- `client_secret=`, `client_assertion=`, `refresh_token=`, `access_token=`, `id_token=`,
  `code=`, `device_code=`, `password=`, `secretText` values — in query strings and form
  bodies (`key=value`), JSON (`"key": "value"`) and Python reprs (`'key': 'value'`);
- a bare Entra client secret value (`abc8Q~…`, Microsoft's format: 3 characters, a digit,
  `Q~`, then 31+ of letters, digits, `-_.~`:
  https://learn.microsoft.com/purview/sit-defn-azure-ad-client-secret).

What stays: URLs without their secrets, status codes, request ids and client-request ids,
which is what Microsoft support asks for. The user code of the device-code sign-in is not
a secret (it is shown on screen) and is kept; the `device_code` is redacted.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Iterable

REDACTED = "[REDACTED]"
LOGGERS = ("wizard", "msal", "httpx", "httpcore")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

# Names whose values are credentials, wherever they appear as key=value or "key": "value".
SECRET_KEYS = (
    "client_secret", "client_assertion", "refresh_token", "access_token", "id_token",
    "device_code", "code", "password", "secretText", "secret_text", "assertion", "secret",
)
_KEYS = "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True))

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization header in any rendering: "Authorization: Bearer x", ('authorization', 'Bearer x')
    (re.compile(r"(?i)(authorization['\"]?\s*[:=,]\s*['\"]?\s*)(?:bearer|basic|pop)?\s*[^\s'\",)}\]]+"),
     r"\1" + REDACTED),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"), "Bearer " + REDACTED),
    # JSON and Python reprs: "key": "value" / 'key': 'value' (the value may hold escaped quotes)
    (re.compile(r"""(?i)(["'])(""" + _KEYS + r""")\1(\s*:\s*)(["'])(?:\\.|(?!\4).)*\4"""),
     r"\1\2\1\3\4" + REDACTED + r"\4"),
    # key=value in query strings, form bodies and prose (not user_code=, which is not secret)
    (re.compile(r"(?i)(?<![A-Za-z0-9_])(" + _KEYS + r")=[^&\s'\",;)}\]]+"), r"\1=" + REDACTED),
    # JWTs (header.payload.signature, base64url; the signature may be empty for alg none)
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"), REDACTED + "-JWT"),
    # A bare Entra client secret value: 3 chars, a digit, Q~, then the rest.
    (re.compile(r"(?<![A-Za-z0-9_\-.~])[A-Za-z0-9_\-.~]{3}\dQ~[A-Za-z0-9_\-.~]{31,}"), REDACTED + "-SECRET"),
]


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every credential replaced by [REDACTED]; `extra` are literal values to hide too."""
    if not text:
        return text
    for value in extra:
        if value and len(value) >= 8:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) with `redact()`.

    `add_secret(value)` hides a literal value as well (e.g. a client secret the wizard
    just received, whatever its shape).
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._extra: set[str] = set()

    def add_secret(self, value: str) -> None:
        if value:
            self._extra.add(value)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = redact(message, self._extra)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._extra)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._extra)
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output is redacted once more (belt and braces)."""

    def __init__(self, fmt: str = FORMAT, redactor: RedactingFilter | None = None) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        extra = self._redactor._extra if self._redactor is not None else ()
        return redact(super().format(record), extra)


class DebugLogHandler(logging.FileHandler):
    """The file handler `enable_debug_log` installs (so it can be found and removed)."""

    previous_levels: dict[str, int]


def default_path(now: float | None = None) -> Path:
    """A new file in platformdirs' user log dir: `…/m365-wizard/log/debug-YYYYmmdd-HHMMSS.log`."""
    from platformdirs import user_log_dir

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return Path(user_log_dir("m365-wizard", appauthor=False)) / f"debug-{stamp}-{os.getpid()}.log"


def _private_file(path: Path) -> None:
    """Create (or tighten) `path` with mode 0600, its directory 0700 when we create it."""
    from wizard.files import private_dir

    if not path.parent.exists():
        private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def enable_debug_log(path: str | os.PathLike | None = None, *, level: int = logging.DEBUG,
                     loggers: Iterable[str] = LOGGERS) -> Path:
    """Start writing a redacted debug log to `path` (default: a new file in the user log dir).

    Returns the path, to tell the user where it is. Calling it again replaces the
    previous debug log handler.
    """
    disable_debug_log(loggers)
    target = Path(path).expanduser() if path else default_path()
    if path:
        # A folder the admin named gets a new file inside; a path in a folder that does not
        # exist is refused (a typo must not create folders). Bad input, said before anything runs.
        from wizard.errors import InputError

        if target.is_dir():
            target = target / default_path().name
        elif not target.parent.is_dir():
            raise InputError("--debug-log", f"the folder {target.parent} does not exist",
                             example="--debug-log ~/m365-wizard-debug.log")
        elif target.is_symlink():
            raise InputError("--debug-log", f"{target} is a symbolic link; name a plain file")
    try:
        _private_file(target)
    except OSError as exc:
        from wizard.errors import InputError

        raise InputError("--debug-log", f"cannot write {target} ({exc.strerror or type(exc).__name__})") from None
    handler = DebugLogHandler(target, mode="a", encoding="utf-8", delay=False)
    redactor = RedactingFilter()
    handler.addFilter(redactor)
    handler.setFormatter(RedactingFormatter(FORMAT, redactor))
    handler.setLevel(level)
    handler.previous_levels = {}
    for name in loggers:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        handler.previous_levels[name] = logger.level
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
    logging.getLogger("wizard.debuglog").info("debug log started (credentials are redacted)")
    return target


def debug_handler(loggers: Iterable[str] = LOGGERS) -> DebugLogHandler | None:
    """The installed debug log handler, if any."""
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, DebugLogHandler):
                return handler
    return None


def disable_debug_log(loggers: Iterable[str] = LOGGERS) -> None:
    """Stop the debug log (closes the file)."""
    seen: set[int] = set()
    for name in loggers:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, DebugLogHandler):
                logger.removeHandler(handler)
                logger.setLevel(getattr(handler, "previous_levels", {}).get(name, logger.level))
                if id(handler) not in seen:
                    seen.add(id(handler))
                    handler.close()
