"""The authorization-code flow with PKCE: `/authorize` (the "browser" side) and the codes it issues.

https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow

    GET  /{tenant}/oauth2/v2.0/authorize?client_id&response_type=code&redirect_uri&scope&state
         &code_challenge&code_challenge_method=S256&nonce[&response_mode=query|form_post]
    POST /{tenant}/oauth2/v2.0/authorize   (the sign-in page's form: pick a user, Approve / Decline)

The sign-in page plays the part of Microsoft's: it checks the client and the redirect URI
(an unknown redirect URI is shown on the page, AADSTS50011, and never redirected to), then
- in a demo tenant (`auto_approve_after` set) signs in the demo admin at once and redirects;
- otherwise shows a form like `/devicelogin` (pick a user, Approve or Decline).
The answer goes to `redirect_uri` as `?code=…&state=…` (response_mode query, MSAL's default for
`initiate_auth_code_flow`) or as an auto-submitted form (`form_post`, what MSAL's own loopback
listener in `acquire_token_interactive` asks for). A Conditional Access block of every sign-in
(`conditional_access_block`) is shown on the page too (AADSTS53003), as Microsoft does.

Redemption is in `identity.py` (grant_type=authorization_code): codes are single-use
(AADSTS54005), live 10 minutes (AADSTS70008), need the same redirect URI (AADSTS500112)
and the PKCE verifier whose S256 hash is the challenge (AADSTS501481).

Redirect URIs match as Microsoft matches them: exactly, except that for `http://localhost`
the port is ignored (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions).
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from wizard.simtenant import catalog

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

# "Authorization codes are short lived. Typically, they expire after about 10 minutes."
# (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response)
CODE_LIFETIME = 600


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    challenge: str
    challenge_method: str
    nonce: str
    user_id: str
    issued: float
    expires_at: float
    status: str = "issued"          # issued | redeemed


@dataclass
class AuthCodeStore:
    codes: dict[str, AuthCode] = field(default_factory=dict)

    def add(self, code: AuthCode) -> None:
        self.codes[code.code] = code

    def get(self, code: str) -> AuthCode | None:
        return self.codes.get(code)


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(code_verifier))) without padding (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def verifier_matches(code: AuthCode, verifier: str) -> bool:
    if not code.challenge:
        return True  # no PKCE asked at /authorize
    if not verifier:
        return False
    if code.challenge_method.upper() == "PLAIN":
        return verifier == code.challenge
    return s256(verifier) == code.challenge


def redirect_matches(registered: str, sent: str) -> bool:
    """Exact match, except the port of a `localhost` redirect URI (Microsoft's localhost exception)."""
    if registered == sent:
        return True
    a, b = urlsplit(registered), urlsplit(sent)
    if a.hostname != "localhost" or b.hostname != "localhost" or a.scheme != b.scheme:
        return False
    return (a.path or "/") == (b.path or "/") and a.query == b.query


def registered_redirects(sim: "SimTenant", client_id: str) -> list[str]:
    """Redirect URIs a client may use: Microsoft's public clients' own, or a tenant app's."""
    if client_id.lower() in catalog.PUBLIC_CLIENT_REDIRECT_URIS:
        return list(catalog.PUBLIC_CLIENT_REDIRECT_URIS[client_id.lower()])
    app = sim.state.app_by_app_id(client_id)
    if app is None:
        return []
    uris: list[str] = []
    for kind in ("publicClient", "web", "spa"):
        uris += list((app.get(kind) or {}).get("redirectUris") or [])
    return uris


def redirect_address(redirect_uri: str, params: dict[str, str]) -> str:
    """Where the browser lands: `redirect_uri` + `?…` (a URI without a path gains a trailing '/',
    https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#restrictions)."""
    parts = urlsplit(redirect_uri)
    base = redirect_uri if parts.path else redirect_uri + "/"
    return f"{base}{'&' if parts.query else '?'}{urlencode(params)}"


def landing(redirect_uri: str, response_mode: str, params: dict[str, str]) -> httpx.Response:
    """The browser's next step: a 302 to the redirect URI, or a self-submitting form (form_post)."""
    if response_mode == "form_post":
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items())
        body = (f'<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">'
                f'<form method="POST" name="hiddenform" action="{html.escape(redirect_uri)}">{inputs}'
                f'<noscript><p>Script is disabled. Click Submit to continue.</p>'
                f'<input type="submit" value="Submit"></noscript></form></body></html>')
        return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, text=body)
    return httpx.Response(302, headers={"Location": redirect_address(redirect_uri, params)})


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulated tenant - sign in</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>Simulated tenant sign-in</h1>
<p>{message}</p>
{form}
<p><small>{tenant} - a simulated Microsoft Entra tenant for tests and demos.</small></p>
</body></html>"""

_FORM = """<form method="post">
  {hidden}
  <p><label>Sign in as <select name="user">{users}</select></label></p>
  <p><button name="action" value="approve">Accept</button>
     <button name="action" value="decline">Cancel</button></p>
</form>"""


def page(sim: "SimTenant", message: str, params: dict[str, str] | None = None, status: int = 200) -> httpx.Response:
    """The sign-in page: a message, and the user form when `params` (the authorize request) are given."""
    form = ""
    if params is not None:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k not in ("user", "action"))
        users = "".join(f'<option value="{html.escape(u["userPrincipalName"])}">'
                        f'{html.escape(u["displayName"])} ({html.escape(u["userPrincipalName"])})</option>'
                        for u in sim.state.users.values())
        form = _FORM.format(hidden=hidden, users=users)
    body = _PAGE.format(message=html.escape(message), form=form, tenant=html.escape(sim.state.domain))
    return httpx.Response(status, headers={"Content-Type": "text/html; charset=utf-8"}, text=body)


def query_params(request: httpx.Request) -> dict[str, str]:
    """The authorize request's parameters: the query string (GET) or the page's form (POST)."""
    if request.method == "POST":
        body = request.content.decode("utf-8", "replace") if request.content else ""
        return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    return {k: v[-1] for k, v in parse_qs(request.url.query.decode("ascii", "replace"), keep_blank_values=True).items()}
