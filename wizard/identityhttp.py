"""The HTTP client MSAL gets: bounded retries, and every bad answer named for a person.

MSAL calls `.get(url, params=, headers=, …)` and `.post(url, params=, data=, headers=, …)`
on the client it is given. Left to itself it turns a 5xx from discovery or the token endpoint
into `MsalServiceError("HTTP Error: 503")` and an HTML page into `JSONDecodeError`: nothing a
person can act on. `IdentityHttp` sits between MSAL and the wizard's shared httpx pool:

- a 5xx or 429 is retried ONCE, after the `Retry-After` the service asked for (1 s when it
  names none), as MSAL.NET does for the token endpoint ("retry-once … for errors with HTTP
  error codes 500-600", https://learn.microsoft.com/entra/msal/dotnet/advanced/exceptions/retry-policy;
  the identity platform "may return a Retry-After header … which needs to be taken into
  account"); a Retry-After longer than `max_wait` is not waited out but reported, with the time;
- a dropped connection is retried once (a token request holds no side effect the retry could
  double: a device code is redeemed at most once, a client-credentials token is just issued again);
  a timeout is not retried (the wait was already long), a certificate failure never;
- an answer that is not JSON (a proxy's block page, a captive portal, a garbled body) is
  refused before MSAL parses it.

What is left becomes `IdentityUnavailable`, whose `plain` and `next_step` the sign-in
(exit 3) and the token test (exit 6) show as they are. Waits go through the wizard's clock.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from wizard.clock import Clock
from wizard.explain import plain_cause
from wizard.untrusted import clean

# A Retry-After longer than this is reported, not waited out (the admin is at the terminal).
MAX_WAIT = 60.0
# Without a Retry-After: MSAL.NET's one-second pause before its one retry.
DEFAULT_PAUSE = 1.0


class IdentityUnavailable(Exception):
    """Microsoft's sign-in service gave no usable answer; `plain` and `next_step` say what happened."""

    def __init__(self, plain: str, next_step: str, *, kind: str, status: int = 0, retry_after: float | None = None,
                 request_id: str = "") -> None:
        super().__init__(plain)
        self.plain = plain
        self.next_step = next_step
        self.kind = kind  # "status" | "not_json" | "timeout" | "connection" | "certificate" | "retry_after"
        self.status = status
        self.retry_after = retry_after
        self.request_id = request_id


def describe_transport_error(exc: Exception, what: str) -> tuple[str, str, str]:
    """(kind, plain words, next step) for an httpx transport error while reaching `what`."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text.lower():
        return ("certificate",
                f"The TLS certificate of {what} was not trusted ({clean(text, limit=160)}).",
                "A TLS-inspecting proxy needs its CA file: pass --ca-bundle PATH. Otherwise check the address.")
    if isinstance(exc, httpx.TimeoutException):
        return ("timeout", f"{what} did not answer in time.",
                "Try again in a few minutes; check the network or proxy if it repeats.")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ("scheme", f"The address of {what} is not an https:// URL ({clean(text, limit=120)}).",
                "Use an https:// address.")
    return ("connection", f"{what} could not be reached ({plain_cause(exc)}).",
            "Check the network or proxy (a TLS-inspecting proxy needs --ca-bundle).")


def parse_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        from email.utils import parsedate_to_datetime
        import time

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if seconds == seconds else None


def waiting_words(seconds: float, now: float) -> str:
    """'86400 s (24 hours), until 2026-12-02 19:04 UTC': what Microsoft asked for, and when that is."""
    import datetime

    if seconds >= 3600:
        span = f"{seconds / 3600:.0f} hour{'s' if round(seconds / 3600) != 1 else ''}"
    elif seconds >= 60:
        span = f"{seconds / 60:.0f} minute{'s' if round(seconds / 60) != 1 else ''}"
    else:
        span = ""
    until = datetime.datetime.fromtimestamp(now + seconds, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{seconds:.0f} s{f' ({span})' if span else ''}, until {until}"


class IdentityHttp:
    """What MSAL calls `http_client`: the shared httpx client, with the rules above."""

    SERVICE = "Microsoft's sign-in service"

    def __init__(self, http: httpx.Client, clock: Clock, cancel: threading.Event | None = None,
                 *, max_wait: float = MAX_WAIT) -> None:
        self.http = http
        self.clock = clock
        self.cancel = cancel
        self.max_wait = max_wait

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._send("POST", url, **kwargs)

    def close(self) -> None:
        """The pool belongs to whoever made it; MSAL must not close it."""

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        retried = False
        while True:
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                kind, plain, next_step = describe_transport_error(exc, self.SERVICE)
                if kind == "connection" and not retried:
                    retried = True
                    self.clock.sleep(DEFAULT_PAUSE, self.cancel)
                    continue
                raise IdentityUnavailable(plain, next_step, kind=kind) from None
            request_id = response.headers.get("x-ms-request-id", "")
            if response.status_code >= 500 or response.status_code == 429:
                asked = parse_seconds(response.headers.get("Retry-After"))
                wait = DEFAULT_PAUSE if asked is None else asked
                if wait > self.max_wait:
                    raise IdentityUnavailable(
                        f"{self.SERVICE} is busy (HTTP {response.status_code}) and asked to wait "
                        f"{waiting_words(wait, self.clock.now())}.",
                        "Run the wizard again after that time.",
                        kind="retry_after", status=response.status_code, retry_after=wait, request_id=request_id)
                if not retried:
                    retried = True
                    self.clock.sleep(wait, self.cancel)
                    continue
                state = "is throttling requests" if response.status_code == 429 else "is unavailable"
                raise IdentityUnavailable(
                    f"{self.SERVICE} {state} (HTTP {response.status_code}, also after one retry).",
                    "Wait a few minutes and try again; https://status.cloud.microsoft shows Microsoft's incidents.",
                    kind="status", status=response.status_code, request_id=request_id)
            if not _is_json(response):
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
                raise IdentityUnavailable(
                    f"{self.SERVICE} answered with something that is not its JSON (HTTP {response.status_code}, "
                    f"{clean(content_type, limit=60)}): a proxy's or captive portal's page, or a broken answer.",
                    "Check the network or proxy (the address must reach Microsoft directly, or through a proxy "
                    "that passes it on), then try again.",
                    kind="not_json", status=response.status_code, request_id=request_id)
            return response


def _is_json(response: httpx.Response) -> bool:
    try:
        json.loads(response.text)
    except ValueError:
        return False
    return True
