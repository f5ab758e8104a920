"""Device-code sign-in for the admin, with MSAL's public client.

The admin signs in on any device (phone, laptop) with a short code, so the
wizard works over SSH and on servers without a browser
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).

    signin = SignIn(target, http, clock, scopes_for(profile))
    code = signin.start()          # show code.user_code and code.verification_uri
    who = signin.wait(cancel)      # SignedIn(tenant_id, username, display_name, roles, …)
    graph = signin.graph           # a GraphClient whose token provider is signin.access_token

Where the tenant blocks the device-code flow (the raised SignInError has `flow_blocked`),
the auth-code flow with PKCE signs in with the same client, scopes and role check
(`wizard.signin_authcode`):

    link = signin.start_paste()    # show link.url; the browser lands on link.redirect_uri/?code=…
    who = signin.finish_paste(pasted_address)
    who = signin.sign_in_browser() # a local browser (check signin_authcode.browser_available())

Design choices:
- MSAL talks through the wizard's one shared `httpx.Client` (MSAL calls
  `.get/.post(url, params=, data=, headers=, timeout=)` and reads
  `.status_code/.text/.headers`, all of which httpx provides).
- The polling loop is ours, not MSAL's: each poll is one request
  (`exit_condition=lambda flow: True`), the waits go through `Clock.sleep`
  so a cancel stops it at once and tests never really sleep, and `slow_down`
  adds 5 seconds to the interval (RFC 8628 section 3.5).
- The token cache is in memory unless the admin opted in to a remembered
  sign-in (`wizard.tokencache`).
- The directory roles are read by `wizard.roles.read` right after sign-in.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable

import httpx
import msal

from wizard import roles
from wizard.clock import AnyEvent, Cancelled, Clock
from wizard.errors import PastedAddressError, SignInError
from wizard.explain import MANUAL, explain_signin
from wizard.graph import GraphClient
from wizard.identityhttp import IdentityHttp, IdentityUnavailable
from wizard.signin_authcode import FIELD, PasteLink, parse_pasted, pick_port
from wizard.target import CLOUDS, Target
from wizard.untrusted import clean, device_login_ok

log = logging.getLogger("wizard.signin")

# Hosts of Microsoft's own clouds: MSAL's instance discovery knows them. Any
# other host (the simulated tenant) is used as given, without discovery.
from wizard.target import MICROSOFT_LOGIN_HOSTS as MICROSOFT_AUTHORITY_HOSTS  # noqa: E402 (one cloud table)

# RFC 8628 section 3.5: on `slow_down` the interval grows by 5 seconds for good.
SLOW_DOWN_STEP = 5

# Refusals of the device-code flow itself by the tenant's policy, where the auth-code sign-in
# (browser or paste-back) may still be allowed: Conditional Access (AADSTS53003, e.g. its
# "authentication flows" condition), device authentication required (50097), device platform
# not supported by Conditional Access (50005).
# https://learn.microsoft.com/en-us/entra/identity/conditional-access/concept-authentication-flows
DEVICE_FLOW_POLICY_CODES = frozenset({"AADSTS53003", "AADSTS50097", "AADSTS50005"})
FLOW_BLOCKED_NEXT_STEP = (
    "Sign in with a link in a browser instead, which such a policy usually allows: press p in the wizard, "
    "or run the command with --auth paste (--auth browser on a desktop). If that is refused too: " + MANUAL
)
# How long the browser sign-in waits for the admin (MSAL's own loopback listener).
BROWSER_TIMEOUT = 300


@dataclass(frozen=True)
class DeviceCode:
    """What to show the admin: go to `verification_uri`, type `user_code`."""

    user_code: str
    verification_uri: str
    expires_at: float  # on the wizard's clock (clock.now())
    interval: int
    message: str


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, to which tenant, holding which directory roles (by name)."""

    tenant_id: str
    username: str
    display_name: str
    roles: frozenset[str]
    scopes: tuple[str, ...] = ()
    role_template_ids: frozenset[str] = field(default_factory=frozenset)
    roles_known: bool = True  # False when Graph would not tell us (then let Graph decide)


def scopes_for(profile: Any, graph_resource: str | None = None) -> list[str]:
    """The delegated Graph scopes the admin's sign-in needs for this vendor, and no more.

    - `Application.ReadWrite.All`: create / repair the registration and service principal.
    - `DelegatedPermissionGrant.ReadWrite.All`: admin consent to delegated permissions
      (https://learn.microsoft.com/graph/api/oauth2permissiongrant-post).
    - `AppRoleAssignment.ReadWrite.All`: admin consent to application permissions,
      and LoopMeeting's user assignment
      (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
    - `Directory.Read.All`: otherwise, to read delegated grants when diffing (least privileged).
    - `User.Read.All`: a mailbox or service account the admin names must be looked up.
    - `User.Read`: `/me` and the admin's own directory roles.

    Short names mean Microsoft Graph to the identity platform
    (https://learn.microsoft.com/entra/identity-platform/scopes-oidc); for a national
    cloud pass `graph_resource` (e.g. https://graph.microsoft.us) to get full scope URIs.
    """
    permissions = tuple(getattr(profile, "permissions", ()) or ())
    kinds = {getattr(p, "type", "") for p in permissions}
    consent = bool(getattr(profile, "admin_consent", True))
    scopes = {"User.Read", "Application.ReadWrite.All"}
    if (consent and "delegated" in kinds) or getattr(profile, "kind", "") == "enterprise_app":
        # Consent to delegated permissions; an enterprise app (LoopMeeting) has its
        # delegated grants read back and checked.
        scopes.add("DelegatedPermissionGrant.ReadWrite.All")
    else:
        # Diffing an existing registration reads its delegated grants (e.g. a permission
        # consented with the wrong type). Microsoft lists Directory.Read.All as the
        # least-privileged delegated scope for reading them
        # (https://learn.microsoft.com/graph/api/oauth2permissiongrant-get).
        scopes.add("Directory.Read.All")
    if (consent and "application" in kinds) or getattr(profile, "kind", "") == "enterprise_app":
        scopes.add("AppRoleAssignment.ReadWrite.All")
    if any(getattr(q, "kind", "") == "email" for q in getattr(profile, "questions", ()) or ()):
        scopes.add("User.Read.All")
    ordered = sorted(scopes)
    if graph_resource:
        base = graph_resource.rstrip("/")
        ordered = [f"{base}/{s}" for s in ordered]
    return ordered


def graph_scopes(scopes: Iterable[str], target: Target) -> list[str]:
    """Qualify short scope names for a national cloud; the global cloud and the simulator keep them short."""
    if target.cloud in ("usgov", "china"):
        base = target.graph_resource
        return [s if "://" in s else f"{base}/{s}" for s in scopes]
    return list(scopes)


class SignIn:
    """One admin sign-in: start the device code, wait for it, hand out fresh tokens."""

    def __init__(
        self,
        target: Target,
        http: httpx.Client,
        clock: Clock,
        scopes: Iterable[str],
        *,
        token_cache: msal.TokenCache | None = None,
    ) -> None:
        self.target = target
        self.http = http
        self.clock = clock
        self.scopes = graph_scopes(scopes, target)
        self.token_cache = token_cache if token_cache is not None else msal.TokenCache()
        # What MSAL talks through: the shared pool, bounded retries, bad answers named (identityhttp.py).
        self.identity_http = IdentityHttp(http, clock)
        self.graph = GraphClient(http, target.graph_url, self.access_token, clock=clock)
        self.who: SignedIn | None = None
        self._app: msal.PublicClientApplication | None = None
        self._flow: dict | None = None
        self._code: DeviceCode | None = None
        self._account: dict | None = None
        self._auth_flow: dict | None = None
        self.paste_link: PasteLink | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()

    # -- MSAL ------------------------------------------------------------

    def _application(self) -> msal.PublicClientApplication:
        """Build MSAL's app once; MSAL fetches the tenant's OpenID configuration here."""
        if self._app is not None:
            return self._app
        host = self.target.authority_host.split("://", 1)[-1].rstrip("/")
        kwargs: dict[str, Any] = {}
        if host not in MICROSOFT_AUTHORITY_HOSTS:
            # https://learn.microsoft.com/python/api/msal/msal.application.publicclientapplication
            # instance_discovery=False: trust the authority as given (the simulated tenant).
            kwargs["instance_discovery"] = False
        try:
            self._app = msal.PublicClientApplication(
                self.target.public_client_id,
                authority=self.target.authority,
                http_client=self.identity_http,
                token_cache=self.token_cache,
                **kwargs,
            )
        except httpx.TransportError as exc:
            raise _unreachable(exc) from None
        except IdentityUnavailable as exc:
            raise _unavailable(exc) from None
        except ValueError:
            # MSAL raises ValueError when the tenant's OpenID configuration is missing:
            # an unknown tenant (AADSTS90002) or a mistyped --tenant.
            raise SignInError(
                f"Microsoft does not know the tenant '{self.target.tenant}'.",
                next_step="Check the tenant domain or ID passed with --tenant (or leave it out).",
                code="AADSTS90002",
            ) from None
        return self._app

    # -- the flow ----------------------------------------------------------

    def start(self) -> DeviceCode:
        """Ask Microsoft for a device code; raise SignInError with plain words if refused."""
        app = self._application()
        try:
            flow = app.initiate_device_flow(scopes=self.scopes)
        except httpx.TransportError as exc:
            raise _unreachable(exc) from None
        except IdentityUnavailable as exc:
            raise _unavailable(exc) from None
        except (ValueError, TypeError):  # a JSON answer of the wrong shape (e.g. a non-number interval)
            raise _malformed() from None
        if not isinstance(flow, dict) or "user_code" not in flow:
            raise _device_code_error(flow if isinstance(flow, dict) else {})
        self._flow = flow
        self._code = self._device_code(flow)
        return self._code

    def _device_code(self, flow: dict) -> DeviceCode:
        """What the admin is shown, from an answer that is not trusted (wizard/untrusted.py):
        no escape sequence or control character reaches the terminal, and for a real cloud the
        address must be one of Microsoft's device-login pages, else the code is not shown at all."""
        user_code = clean(flow.get("user_code"), limit=40)
        uri = clean(flow.get("verification_uri") or flow.get("verification_url") or "", limit=300)
        if not user_code or not uri or not self._verification_uri_ok(uri):
            raise SignInError(
                "The sign-in service sent a sign-in address that is not Microsoft's device-login page"
                f" ({uri[:80] or 'none'}); the code is not shown.",
                next_step="Someone between you and Microsoft may be relaying the sign-in: check the network, "
                          "the proxy and the --tenant / --simtenant address. " + MANUAL,
                code="untrusted_verification_uri",
            )
        message = clean(flow.get("message", ""), limit=400)
        # The server's sentence is shown only when it names no other address than the checked one.
        others = [u for u in re.findall(r"https?://[^\s]+", message) if u.rstrip(".,;)") != uri]
        if not message or others or uri not in message:
            message = f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."
        try:
            expires_in = int(flow.get("expires_in", 900))
            interval = max(1, int(flow.get("interval", 5)))
        except (TypeError, ValueError):
            raise _malformed() from None
        return DeviceCode(
            user_code=user_code,
            verification_uri=uri,
            expires_at=self.clock.now() + max(1, min(expires_in, 3600)),
            interval=min(interval, 60),
            message=message,
        )

    def _verification_uri_ok(self, uri: str) -> bool:
        """A real cloud: one of Microsoft's device-login pages of that cloud. A simulated tenant:
        a page on the tenant's own address."""
        if self.target.cloud in CLOUDS:
            return device_login_ok(uri, self.target.cloud)
        from urllib.parse import urlsplit

        ours, theirs = urlsplit(self.target.authority_host), urlsplit(uri)
        return (ours.scheme, ours.netloc.lower()) == (theirs.scheme, theirs.netloc.lower())

    def poll_now(self) -> None:
        """Cut the current wait between polls short (e.g. the demo tenant approved the code)."""
        self._wake.set()

    def wait(self, cancel: threading.Event | None = None) -> SignedIn:
        """Poll until the admin finished signing in; `Cancelled` when `cancel` is set.

        Each poll is a single token request; between polls the wizard's clock
        waits `interval` seconds (more after `slow_down`). The loop runs in the
        caller's thread, so once this returns or raises nothing is polling.
        """
        if self._flow is None or self._code is None:
            raise RuntimeError("SignIn.wait() called before start()")
        app, flow, code = self._application(), self._flow, self._code
        self.identity_http.cancel = cancel
        interval = code.interval
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            remaining = code.expires_at - self.clock.now()
            if remaining <= 0:
                raise _signin_error({"error": "expired_token"})
            # Our clock paces the polls; MSAL's own real-time pacing check would only
            # warn under a FakeClock, so its bookkeeping key is cleared (the flow dict
            # is shared with callers precisely to allow an own loop).
            flow.pop("latest_attempt_at", None)
            try:
                result = app.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: True)
            except httpx.TransportError as exc:
                raise _unreachable(exc) from None
            except IdentityUnavailable as exc:
                raise _unavailable(exc) from None
            except (ValueError, TypeError, msal.exceptions.MsalError):
                raise _malformed() from None
            if "access_token" in result:
                break
            error = result.get("error", "")
            if error == "slow_down":
                interval += SLOW_DOWN_STEP
            elif error != "authorization_pending":
                raise _device_code_error(result)
            self._wake.clear()
            try:
                self.clock.sleep(min(interval, max(remaining, 0.0)), AnyEvent(cancel, self._wake))
            except Cancelled:
                if cancel is not None and cancel.is_set():
                    raise
                # poll_now(): the code was just approved (demo), look at once.
        self._flow = None
        return self._finish(result)

    # -- the auth-code flow with PKCE: paste-back and browser ----------------------

    def start_paste(self, port: int | None = None) -> PasteLink:
        """Make the sign-in link for the paste-back sign-in (nothing listens on `port`)."""
        app = self._application()
        redirect_uri = f"http://localhost:{port or pick_port()}"
        try:
            with warnings.catch_warnings():
                # MSAL recommends response_mode=form_post; the paste-back needs the code in the address
                # bar (query), and the PKCE verifier never leaves this process.
                warnings.simplefilter("ignore", UserWarning)
                # select_account: the admin may be signed in to another tenant in that browser.
                flow = app.initiate_auth_code_flow(self.scopes, redirect_uri=redirect_uri, prompt="select_account")
        except httpx.TransportError as exc:
            raise _unreachable(exc) from None
        self._auth_flow = flow
        self.paste_link = PasteLink(url=flow["auth_uri"], redirect_uri=redirect_uri, started_at=self.clock.now())
        return self.paste_link

    def finish_paste(self, pasted: str) -> SignedIn:
        """Check the pasted address (state, code) and redeem its code with the PKCE verifier.

        A bad paste raises `PastedAddressError` (naming the field) and the link stays valid,
        so the admin can paste again; Microsoft's refusal raises `SignInError`.
        """
        flow = self._auth_flow
        if flow is None:
            raise RuntimeError("SignIn.finish_paste() called before start_paste()")
        response = parse_pasted(pasted, flow["state"], flow["redirect_uri"])
        try:
            result = self._application().acquire_token_by_auth_code_flow(flow, response)
        except httpx.TransportError as exc:
            raise _unreachable(exc) from None
        except ValueError as exc:  # MSAL's own state check (parse_pasted checked it already)
            raise PastedAddressError(FIELD, f"was refused ({exc})") from None
        if "access_token" not in result:
            raise _signin_error(result)
        self._auth_flow = None  # a code is good for one sign-in
        return self._finish(result)

    def sign_in_browser(self, timeout: int = BROWSER_TIMEOUT, on_link=None) -> SignedIn:
        """Sign in in this machine's browser (MSAL listens on a loopback port for the answer).

        `on_link(url)` is called when the browser could not be opened, to show the link.
        Blocks until the admin finished or `timeout` (seconds of real time, MSAL's) ran out.
        """
        app = self._application()
        try:
            result = app.acquire_token_interactive(
                self.scopes, prompt="select_account", timeout=timeout, auth_uri_callback=on_link)
        except httpx.TransportError as exc:
            raise _unreachable(exc) from None
        except ValueError as exc:  # e.g. the loopback port could not be opened
            raise SignInError(f"The browser sign-in could not start: {exc}",
                              next_step="Use the paste-back sign-in (--auth paste).") from None
        except msal.oauth2cli.oauth2.BrowserInteractionTimeoutError:
            raise SignInError(f"The browser sign-in was not finished within {timeout // 60} minutes.",
                              next_step="Start the sign-in again, or use the paste-back sign-in (--auth paste).",
                              code="timeout") from None
        if "access_token" not in result:
            raise _signin_error(result)
        return self._finish(result)

    def try_silent(self) -> SignedIn | None:
        """Reuse a remembered sign-in (opt-in keyring cache) without a device code, if any."""
        accounts = self._application().get_accounts()
        if not accounts:
            return None
        self._account = accounts[0]
        try:
            result = self._silent()
        except SignInError:
            return None
        if not result:
            self._account = None
            return None
        return self._finish(result)

    def _finish(self, result: dict) -> SignedIn:
        claims = result.get("id_token_claims") or self._cached_id_claims()
        tenant_id = str(claims.get("tid", ""))
        username = str(claims.get("preferred_username", "") or claims.get("upn", ""))
        display_name = str(claims.get("name", "") or username)
        if self._account is None:
            accounts = self._application().get_accounts(username=username or None)
            self._account = accounts[0] if accounts else None
        if tenant_id and self.target.tenant in ("organizations", "common"):
            # Pin everything that follows to the tenant the admin actually signed in to.
            self.target = self.target.with_tenant(tenant_id)
        template_ids, names, known = roles.read(self.graph, claims, str(result.get("access_token") or ""))
        granted = result.get("scope")
        scopes = tuple(granted.split()) if isinstance(granted, str) else tuple(self.scopes)
        self.who = SignedIn(
            tenant_id=tenant_id,
            username=username,
            display_name=display_name,
            roles=names,
            scopes=scopes,
            role_template_ids=template_ids,
            roles_known=known,
        )
        return self.who

    def _cached_id_claims(self) -> dict:
        """The id token claims of the remembered account (a silent result carries none).

        The id token was validated by MSAL when it was received; here it is only read.
        """
        if self._account is None:
            return {}
        entries = self.token_cache.search(
            msal.TokenCache.CredentialType.ID_TOKEN,
            query={"home_account_id": self._account.get("home_account_id")},
        )
        for entry in entries:
            raw = str(entry.get("secret", ""))
            try:
                payload = raw.split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            except (IndexError, ValueError):
                continue
            if isinstance(claims, dict):
                return claims
        return {
            "tid": self._account.get("realm", ""),
            "preferred_username": self._account.get("username", ""),
        }

    # -- tokens for Graph -------------------------------------------------

    def access_token(self, force_refresh: bool = False) -> str:
        """A valid access token for the admin (refreshed silently by MSAL when needed).

        `force_refresh=True` (used by GraphClient after a 401) skips the cached
        access token and redeems the refresh token.
        """
        result = self._silent(force_refresh)
        if not result:
            raise SignInError(
                "The sign-in is no longer valid.",
                next_step="Sign in again (run the wizard again).",
            )
        return result["access_token"]

    def _silent(self, force_refresh: bool = False) -> dict | None:
        if self._account is None:
            return None
        with self._lock:  # one refresh at a time when several workers ask at once
            try:
                # _with_error: a refused refresh (e.g. AADSTS50076, MFA again) is reported, not
                # flattened into None (https://msal-python.readthedocs.io, acquire_token_silent_with_error).
                result = self._application().acquire_token_silent_with_error(
                    self.scopes, account=self._account, force_refresh=force_refresh
                )
            except httpx.TransportError as exc:
                raise _unreachable(exc) from None
            except IdentityUnavailable as exc:
                raise _unavailable(exc) from None
            except (ValueError, TypeError, msal.exceptions.MsalError):
                raise _malformed() from None
        if result and "access_token" in result:
            return result
        if result and "error" in result:
            raise _signin_error(result, when="refresh")
        return None

    def sign_out(self) -> None:
        """Forget the account in the token cache (the keyring copy too, once saved)."""
        if self._app is not None and self._account is not None:
            self._app.remove_account(self._account)
        self._account = None
        self.who = None


def _signin_error(result: dict, when: str = "sign_in") -> SignInError:
    """A MSAL error response as a SignInError: plain words, next step, support ids
    (`when`: "sign_in" or "refresh", see explain.AADSTS_WHEN)."""
    error = clean(result.get("error", ""), limit=80)
    description = clean(result.get("error_description", ""), limit=600)
    plain, next_step, code = explain_signin(error, description, when)
    return SignInError(
        plain,
        next_step=next_step,
        code=code,
        request_id=clean(result.get("trace_id", "") or "", limit=80),
        client_request_id=clean(result.get("correlation_id", "") or "", limit=80),
    )


def _device_code_error(result: dict) -> SignInError:
    """A refused device code; `flow_blocked` (and the auth-code sign-in as next step) when policy refused it."""
    error = _signin_error(result)
    if error.code in DEVICE_FLOW_POLICY_CODES:
        error.flow_blocked = True
        error.next_step = FLOW_BLOCKED_NEXT_STEP
    return error


def _unreachable(exc: Exception) -> SignInError:
    from wizard.identityhttp import describe_transport_error

    _kind, plain, next_step = describe_transport_error(exc, "Microsoft's sign-in service")
    return SignInError(plain, next_step=f"{next_step} {MANUAL}")


def _unavailable(exc: IdentityUnavailable) -> SignInError:
    """No usable answer from the sign-in service (after the one retry it allows): plain words, exit 3."""
    return SignInError(exc.plain, next_step=exc.next_step, code=f"HTTP {exc.status}" if exc.status else exc.kind,
                       request_id=exc.request_id)


def _malformed() -> SignInError:
    return SignInError(
        "Microsoft's sign-in service sent an answer of the wrong shape (fields missing or of the wrong type).",
        next_step="Try again; if it repeats, check the network or proxy between you and Microsoft.",
        code="malformed_answer",
    )
