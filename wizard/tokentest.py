"""Prove the new credentials work: a client-credentials token with the new secret.

`msal.ConfidentialClientApplication(client_id, client_credential=secret)` asks the
tenant's token endpoint for `<resource>/.default`
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
A brand-new app or secret is not accepted everywhere at once: AADSTS7000215 (invalid
secret), 7000222 (expired), 700016 (unknown app) and 7000229 (service principal not
known to sign-in yet, though Graph may show it) are retried for about two
minutes on the injected clock, with visible progress (a fresh secret usually works
after 4–18 s). Each attempt uses a new ConfidentialClientApplication (same httpx pool,
empty `http_cache`): MSAL's HTTP cache would otherwise replay the first error
response to every retry, so no retry would reach Microsoft.

The token's claims are decoded (no signature check: this is a report, the token is
never used for anything; https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)
and checked: `tid` is the tenant, `appid`/`azp` the client id, and `roles` holds every
application permission. For delegated-only apps (Pexip, SyncSign, FlexO) a token for
Graph proves the ID+secret pair; the delegated consent is read back from Graph.

Values a person typed (`test`, manual mode, a secret from the environment) are another
matter: when the secret was not created in this run, or the app's passwordCredentials show
it is older than a few minutes, a 7000215 / 700016 means a wrong value, not replication. With
`typed=True` the wait is cut to about 15 s (`TYPED_MAX_WAIT`) and `wrong_value_check` says
which value is probably wrong (a GUID-shaped secret is the Secret ID pasted instead of the
Value; 700016 is the client ID of another app or a typo) and how to keep waiting.

The token and the secret never leave this module: not in a check's reason, not in a log.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.clock import Clock
from wizard.explain import aadsts_code, explain_aadsts

# 7000229 "missing service principal in the tenant": sign-in's replicas learn a new service principal
# on their own time, so Graph can already show it while the token endpoint still refuses it.
RETRY_CODES = frozenset({"7000215", "7000222", "700016", "7000229"})
TYPED_MAX_WAIT = 15.0  # typed values: report a wrong value within about 15 s
SETTLED_SECONDS = 300.0  # a secret older than this is known everywhere: refusals mean a wrong value
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class Unavailable(str):
    """The "code" of a token test that got no usable answer from the token endpoint (an outage,
    a proxy's page, a dropped or timed-out request): a str, so every caller keeps working, with
    the plain words and next step of `wizard.identityhttp.IdentityUnavailable`."""

    plain: str
    next_step: str

    def __new__(cls, kind: str, plain: str, next_step: str) -> "Unavailable":
        value = super().__new__(cls, kind)
        value.plain, value.next_step = plain, next_step
        return value


from wizard.target import MICROSOFT_LOGIN_HOSTS as MICROSOFT_AUTHORITY_HOSTS  # noqa: E402 (one cloud table)


@dataclass(frozen=True)
class Check:
    """One check of the token test, in plain words."""

    name: str
    ok: bool
    reason: str


@dataclass
class TokenTestReport:
    checks: list[Check] = field(default_factory=list)
    attempts: int = 0
    code: str = ""  # the last AADSTS code when no token was issued
    # What this test did NOT check, in words (a passed test must not claim more than it saw).
    not_checked: list[str] = field(default_factory=list)
    skipped: str = ""  # why the test did not run (no secret value to test with), else ""

    @property
    def ok(self) -> bool:
        return not self.skipped and bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def acquire_token(
    target: Any,
    tenant_id: str,
    client_id: str,
    secret_value: str,
    resource: str,
    *,
    http: Any,
    clock: Clock,
    cancel: threading.Event | None = None,
    on_attempt: Callable[[int, str], None] | None = None,
    max_wait: float = 120.0,
    typed: bool = False,
) -> tuple[dict | None, str, int]:
    """(result with access_token | None, last AADSTS code, attempts). Retries propagation errors
    (for `typed` values only about `TYPED_MAX_WAIT` seconds).

    The token endpoint is reached through `wizard.identityhttp.IdentityHttp` (one retry of a
    5xx/429/drop, non-JSON answers refused); when it gives no usable answer the code is an
    `Unavailable` carrying plain words, and `failure_check` shows them."""
    import msal

    if typed:
        max_wait = min(max_wait, TYPED_MAX_WAIT)

    from wizard.identityhttp import IdentityHttp, IdentityUnavailable, describe_transport_error

    host = target.authority_host.split("://", 1)[-1].rstrip("/")
    kwargs: dict[str, Any] = {}
    if host not in MICROSOFT_AUTHORITY_HOSTS:
        kwargs["instance_discovery"] = False
    authority = f"{target.authority_host.rstrip('/')}/{tenant_id}"
    waited = 0.0
    attempt = 0
    code = ""
    while True:
        attempt += 1
        # A fresh client object per attempt, over the same shared httpx client (pool).
        # MSAL wraps `http_client` in its ThrottledHttpClient, whose `http_cache` (one
        # in-memory dict per application object unless one is passed) replays an HTTP 400
        # from the token endpoint for 60 s of real time and a 429/5xx for its Retry-After:
        # retries on one object would be answered from that cache and never see the tenant
        # catch up (msal/throttled_http_client.py; `http_cache` in
        # https://msal-python.readthedocs.io/en/latest/#msal.ClientApplication). The wizard
        # paces its own retries on the injected clock instead.
        try:
            app = msal.ConfidentialClientApplication(
                client_id, client_credential=secret_value, authority=authority,
                http_client=IdentityHttp(http, clock, cancel), token_cache=msal.TokenCache(), http_cache={}, **kwargs,
            )
            result = app.acquire_token_for_client(scopes=[f"{resource.rstrip('/')}/.default"])
        except IdentityUnavailable as exc:
            return None, Unavailable(exc.kind, exc.plain, exc.next_step), attempt
        except Exception as exc:  # MSAL's own errors for an answer of the wrong shape, a transport error
            import httpx

            if isinstance(exc, httpx.TransportError):
                kind, plain, next_step = describe_transport_error(exc, "Microsoft's token endpoint")
                return None, Unavailable(kind, plain, next_step), attempt
            if isinstance(exc, (ValueError, TypeError, KeyError, msal.exceptions.MsalError)):
                return None, Unavailable("malformed", "Microsoft's token endpoint sent an answer of the wrong shape.",
                                         "Try again; if it repeats, check the network or proxy."), attempt
            raise
        if not isinstance(result, dict):
            result = {}
        if "access_token" in result:
            return result, "", attempt
        codes = [str(c) for c in result.get("error_codes") or []]
        code = codes[0] if codes else aadsts_code(result.get("error_description", ""))
        wait = min(16.0, 2.0 * 2 ** (attempt - 1))
        if code not in RETRY_CODES or waited + wait > max_wait:
            return None, code or str(result.get("error", "")), attempt
        if on_attempt is not None:
            on_attempt(attempt + 1, code)
        clock.sleep(wait, cancel)
        waited += wait


ROLES_WAIT = 300.0  # right after consent, tokens can lack `roles` for minutes


def wait_for_roles(
    acquire: Callable[[], tuple[dict | None, str, int]],
    roles_needed: list[str],
    *,
    clock: Clock,
    cancel: threading.Event | None = None,
    on_wait: Callable[[float, float, list[str]], None] | None = None,
    max_wait: float = ROLES_WAIT,
) -> tuple[dict | None, dict, float]:
    """Ask for fresh tokens (no cache: `acquire` builds a new client) until they carry `roles_needed`.

    Right after admin consent Graph reads the app role assignment back while the token
    service still issues tokens without the `roles` claim. Back-off 5, 10, 20, 30, 30… s, up
    to `max_wait` on the injected clock; `on_wait(wait, waited, missing)` before each pause.
    Returns (last result, its claims, seconds waited).
    """
    waited, attempt = 0.0, 0
    result: dict | None = None
    claims: dict = {}
    while True:
        wait = min(30.0, 5.0 * 2 ** attempt)
        if waited + wait > max_wait:
            return result, claims, waited
        missing = [r for r in roles_needed if r not in set(claims.get("roles") or [])] if claims else list(roles_needed)
        if on_wait is not None:
            on_wait(wait, waited, missing)
        clock.sleep(wait, cancel)
        waited += wait
        attempt += 1
        result, _code, _tries = acquire()
        claims = decode_claims(result["access_token"]) if result else {}
        if claims and all(r in set(claims.get("roles") or []) for r in roles_needed):
            return result, claims, waited


def decode_claims(access_token: str) -> dict:
    """The token's claims, without checking the signature (report only)."""
    import jwt

    return jwt.decode(access_token, options={"verify_signature": False, "verify_aud": False, "verify_exp": False})


def claim_checks(claims: dict, *, tenant_id: str, client_id: str, roles_needed: list[str]) -> list[Check]:
    checks = [
        Check("tenant", str(claims.get("tid", "")).lower() == tenant_id.lower(),
              "the token was issued by your tenant" if str(claims.get("tid", "")).lower() == tenant_id.lower()
              else f"the token names another tenant ({claims.get('tid', 'none')})"),
    ]
    app = str(claims.get("appid") or claims.get("azp") or "")
    checks.append(Check("client id", app.lower() == client_id.lower(),
                        "the token was issued to the new app" if app.lower() == client_id.lower()
                        else f"the token was issued to another app ({app or 'none'})"))
    if roles_needed:
        have = set(claims.get("roles") or [])
        missing = [r for r in roles_needed if r not in have]
        checks.append(Check(
            "application permissions", not missing,
            f"the token carries {', '.join(roles_needed)}" if not missing
            else f"the token lacks {', '.join(missing)}: admin consent is missing or not replicated yet",
        ))
    return checks


def failure_check(code: str, attempts: int) -> Check:
    """A plain-words check for a token request that never succeeded."""
    times = f"(tried {attempts} time{'' if attempts == 1 else 's'})"
    if isinstance(code, Unavailable):
        return Check("token", False, f"{code.plain} {code.next_step} {times}")
    plain, next_step = explain_aadsts(code) if code else ("Microsoft issued no token.", "Check the network and try again.")
    prefix = f"AADSTS{code}: " if code.isdigit() else ""
    return Check("token", False, f"{prefix}{plain} {next_step} (tried {attempts} time{'' if attempts == 1 else 's'})")


def looks_like_guid(value: str) -> bool:
    return bool(_GUID.match((value or "").strip()))


def secret_settled(app: dict | None, secret_value: str, now: float) -> bool | None:
    """Is the typed secret older than a few minutes, by the app's passwordCredentials?

    Credentials are matched by `hint` (the value's first characters, which Graph returns);
    True when every match started more than `SETTLED_SECONDS` ago, False when one is younger,
    None when the app shows no match (it may be another app's secret, or a typo).
    """
    from wizard.dates import parse_graph_time

    matches = [c for c in (app or {}).get("passwordCredentials") or []
               if c.get("hint") and secret_value.startswith(str(c["hint"]))]
    if not matches:
        return None
    starts = [parse_graph_time(c.get("startDateTime")) for c in matches]
    return all(s is not None and now - s > SETTLED_SECONDS for s in starts)


def typed_failure(code: str, secret_value: str, attempts: int, waited: float, typed: bool) -> Check:
    """The failed check for a token request: `wrong_value_check` for typed values refused with
    a propagation code, else `failure_check`."""
    if typed and code in RETRY_CODES:
        return wrong_value_check(code, secret_value, attempts, waited)
    return failure_check(code, attempts)


def wrong_value_check(code: str, secret_value: str, attempts: int, waited: float) -> Check:
    """A refusal of typed values: which value is probably wrong, and how to keep waiting."""
    keep_waiting = ("If the secret was created in the last few minutes, Microsoft may not know it yet: "
                    "test again in a minute to keep waiting.")
    if code == "7000215":
        if looks_like_guid(secret_value):
            what = ("The client secret you gave is shaped like a GUID: that is the Secret ID, not the secret. "
                    "Use the secret VALUE (not the Secret ID), shown once when the secret was created "
                    "(Certificates & secrets, 'Value' column); if it is lost, create a new secret.")
        else:
            what = ("The client secret value is probably wrong (a typo, a secret of another app, or a removed one). "
                    "Use the secret VALUE (not the Secret ID) of this app's secret.")
    elif code == "700016":
        what = ("The Application (client) ID is probably wrong: Microsoft knows no app with this ID in this tenant "
                "(the client ID of another app or tenant, or the Object ID pasted instead). Copy it from the app's "
                "Overview, 'Application (client) ID'.")
    elif code == "7000222":
        what = "The client secret has expired. Create a new one (m365-wizard rotate) and update the vendor's configuration."
        keep_waiting = ""
    else:
        return failure_check(code, attempts)
    tried = f"(Microsoft refused it {attempts} time{'' if attempts == 1 else 's'} in {waited:.0f} s)"
    return Check("token", False, f"AADSTS{code}: {what} {keep_waiting} {tried}".replace("  ", " "))


def delegated_not_checked(profile: Any) -> list[str]:
    """For vendors with delegated permissions: a client-credentials token proves the ID and
    secret, never the delegated admin consent (no token here carries `scp`); say so."""
    delegated = [p.name for p in getattr(profile, "permissions", ()) or () if getattr(p, "type", "") == "delegated"]
    if not delegated:
        return []
    vendor = getattr(profile, "id", "") or "VENDOR"
    return [f"the delegated admin consent ({', '.join(delegated)}) was not verified: this test uses only the "
            f"client ID and secret. Run `m365-wizard verify --vendor {vendor}` (signed in as an admin) to read it back."]
