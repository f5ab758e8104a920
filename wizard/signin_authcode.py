"""The auth-code sign-in (with PKCE) where the device-code flow is blocked: its pieces.

Two ways, both MSAL's authorization-code flow with PKCE on the same public client and
scopes as the device code (`SignIn.start_paste` / `finish_paste`, `SignIn.sign_in_browser`):

- **paste-back** (for SSH): the wizard shows a sign-in link; the admin opens it on any device
  and signs in; the browser then lands on `http://localhost:PORT/?code=…&state=…`, a page that
  cannot load because nothing listens there (the wizard says so in advance); the admin copies
  that address from the address bar and pastes it back. `parse_pasted` checks it (a web
  address, our port, our `state`, a `code`, or Microsoft's `error=…`), then MSAL redeems the
  code with the PKCE verifier only this wizard knows
  (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
- **browser**: MSAL's `acquire_token_interactive` opens the local browser and listens on a
  loopback port itself; `browser_available()` says first whether a browser can be opened here.

The redirect URI is `http://localhost:PORT`: Microsoft Graph Command Line Tools is registered
with `http://localhost` (what Connect-MgGraph's interactive sign-in uses), and the identity
platform ignores the port of a localhost redirect URI
(https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions).
A code that lands at some other program on that port is useless without the PKCE verifier.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import parse_qs, urlsplit

from wizard.errors import PastedAddressError, SignInError
from wizard.explain import explain_signin

#: The field name used in messages about the pasted address.
FIELD = "sign-in address"
EXAMPLE = "http://localhost:53682/?code=0.AXo…&state=…"
# Loopback ports for the paste-back redirect: the ephemeral range (RFC 6335), where no
# well-known service listens on the admin's device.
PORT_RANGE = (49152, 65535)


@dataclass(frozen=True)
class PasteLink:
    """What to show the admin for the paste-back sign-in."""

    url: str            # the sign-in link to open on any device
    redirect_uri: str   # http://localhost:PORT: where the browser lands afterwards
    started_at: float   # on the wizard's clock

    @property
    def landing_hint(self) -> str:
        """The start of the address the admin will paste back."""
        return f"{self.redirect_uri}/?code=…"


def pick_port() -> int:
    low, high = PORT_RANGE
    return low + secrets.randbelow(high - low + 1)


def parse_pasted(text: str, state: str, redirect_uri: str) -> dict[str, str]:
    """The pasted address as MSAL's `auth_response` dict; `PastedAddressError` naming what is wrong.

    Accepts the whole address (`http://localhost:PORT/?code=…&state=…`) or just its query
    (`code=…&state=…`). `error=…` in it (the sign-in failed in the browser) is a `SignInError`
    in plain words.
    """
    value = (text or "").strip().strip("'\"<>")
    if not value:
        raise PastedAddressError(FIELD, "is empty: paste the whole address from the browser's address bar",
                                 next_step=f"Copy the address the browser shows after signing in ({EXAMPLE}).")
    if any(c.isspace() for c in value):
        value = "".join(value.split())  # a terminal may wrap a long paste
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        query = parts.query or parts.fragment
        if "/oauth2/v2.0/authorize" in parts.path:
            raise PastedAddressError(
                FIELD, "is the sign-in link itself, not the address the browser lands on afterwards",
                next_step="Open the link, sign in, then paste the address shown in the browser's address bar "
                          "(it starts with " + redirect_uri + ").")
        expected = urlsplit(redirect_uri)
        if parts.hostname not in ("localhost", "127.0.0.1") or parts.port != expected.port:
            raise PastedAddressError(
                FIELD, f"is not where this sign-in sends the browser (expected an address starting with "
                       f"{redirect_uri}/)",
                next_step="Paste the address of the page the browser shows right after this sign-in "
                          "(an older sign-in link used another port).")
    elif "=" in value and "://" not in value:
        query = value.lstrip("?#")
    else:
        raise PastedAddressError(FIELD, "is not a web address", next_step=f"Paste the whole address, e.g. {EXAMPLE}.")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if "error" in params:
        raise _browser_error(params)
    if not params.get("state"):
        raise PastedAddressError(FIELD, "has no 'state=…' part: the address was cut short",
                                 next_step="Copy the whole address from the browser's address bar and paste it again.")
    if params["state"] != state:
        raise PastedAddressError(
            FIELD, "is from another sign-in (its 'state' is not this link's)",
            next_step="Open the link shown now, sign in, paste the address it lands on.")
    if not params.get("code"):
        raise PastedAddressError(FIELD, "has no 'code=…' part: the address was cut short",
                                 next_step="Copy the whole address from the browser's address bar and paste it again.")
    return params


def _browser_error(params: Mapping[str, str]) -> SignInError:
    """`?error=access_denied&error_description=AADSTS65004: …` in plain words."""
    error, description = params.get("error", ""), params.get("error_description", "")
    plain, next_step, code = explain_signin(error, description)
    if error == "access_denied" and not description:
        plain, next_step = "The sign-in was cancelled in the browser.", "Start the sign-in again and accept."
    return SignInError(f"The address you pasted says the sign-in failed: {plain}", next_step=next_step, code=code)


def browser_available(env: Mapping[str, str] | None = None, platform: str | None = None) -> tuple[bool, str]:
    """(True, "") when a web browser can be opened on this machine, else (False, why) in plain words.

    On Linux and BSD a graphical browser needs a desktop session (DISPLAY or WAYLAND_DISPLAY);
    without one Python's `webbrowser` would start a text browser inside this terminal, or
    nothing at all (an SSH session): then the paste-back sign-in is the way.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    over_ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        desktop = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("WSL_DISTRO_NAME") or env.get("BROWSER")
        if not desktop:
            where = "this SSH session has" if over_ssh else "this machine has"
            return False, f"No web browser can be opened here: {where} no graphical desktop. Use the paste-back sign-in."
    elif over_ssh:
        return False, "No web browser can be opened here: this is an SSH session. Use the paste-back sign-in."
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False, "No web browser is installed on this machine. Use the paste-back sign-in."
    return True, ""
