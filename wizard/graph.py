"""The Microsoft Graph client: httpx, retries, paging and typed errors.

One `GraphClient` wraps one shared `httpx.Client` (one connection pool) and
a token provider (a callable returning a fresh access token, so MSAL's silent
refresh happens transparently when a token expires mid-run).

What it does for every request:
- adds `Authorization`, a fresh `client-request-id` (for support) and JSON headers;
- retries 429, 503 and 504, honouring `Retry-After` whether it is an integer,
  a fraction such as `0.249` or an HTTP date, with exponential back-off and
  jitter when the header is absent, within a bounded total wait
  (https://learn.microsoft.com/graph/throttling,
  https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors);
- retries a dropped connection for requests that are safe to repeat
  (GET, PATCH, PUT, DELETE); a POST is not repeated blindly, because the
  server may already have applied it: `ConnectionLost` tells the caller to
  check before acting again;
- turns an error response into `GraphError`, carrying Graph's `code`,
  `message`, `request-id` and `client-request-id`
  (https://learn.microsoft.com/graph/errors). No header, body, token or
  secret ever goes into an exception or a log line.
"""

from __future__ import annotations

import datetime
import email.utils
import inspect
import logging
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx

from wizard.clock import Clock
from wizard.errors import MicrosoftError
from wizard.explain import plain_cause

log = logging.getLogger("wizard.graph")

RETRY_STATUSES = frozenset({429, 503, 504})
SAFE_TO_REPEAT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})


def quote(value: str) -> str:
    """An OData string literal: single quotes around, inner quotes doubled.

    https://learn.microsoft.com/graph/query-parameters#escaping-single-quotes
    >>> quote("o'brien")
    "'o''brien'"
    """
    return "'" + str(value).replace("'", "''") + "'"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: integer, fraction or HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are always UTC
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


# Free text a tenant's users and admins (or a hostile server) can set, that the wizard shows.
DISPLAY_FIELDS = frozenset({"displayName", "appDisplayName", "description", "notes", "publisherName",
                            "givenName", "surname", "companyName", "userPrincipalName", "mail"})


def clean_display_fields(data: Any) -> Any:
    """Graph's answer with its display strings cleaned of escape sequences and control characters
    (wizard/untrusted.py) before anything shows them; ids, URIs and secrets are left as sent."""
    from wizard.untrusted import clean

    if isinstance(data, dict):
        return {k: (clean(v, limit=1000) if k in DISPLAY_FIELDS and isinstance(v, str) else clean_display_fields(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [clean_display_fields(item) for item in data]
    return data


class GraphError(MicrosoftError):
    """Graph answered with an error: status, Graph's code and message, support ids."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str = "",
        graph_message: str = "",
        request_id: str = "",
        client_request_id: str = "",
        retry_after: float | None = None,
        next_step: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(
            message,
            status=status,
            code=code,
            request_id=request_id,
            client_request_id=client_request_id,
            next_step=next_step,
        )
        self.graph_message = graph_message
        self.retry_after = retry_after
        self.method = method  # the request that failed (path without query string), so a
        self.path = path      # caller can tell whether a 404 is about the object it just made


class ConnectionLost(MicrosoftError):
    """The connection dropped; for a POST the server may or may not have applied it."""


@dataclass(frozen=True)
class RetryNotice:
    """Told to `on_retry` before each wait, so a screen can say why it is waiting."""

    method: str
    path: str
    attempt: int
    wait: float
    reason: str  # "throttled" | "unavailable" | "connection"


class GraphClient:
    """Microsoft Graph v1.0 over one shared httpx client."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        token: Callable[..., str],  # called with no arguments, or force_refresh=True if it takes that
        *,
        clock: Clock | None = None,
        cancel: threading.Event | None = None,
        max_attempts: int = 8,
        max_total_wait: float = 120.0,
        on_retry: Callable[[RetryNotice], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api = f"{self.base_url}/v1.0"
        self._token = token
        # A provider that accepts `force_refresh` (SignIn.access_token does) is asked
        # for a brand-new token after a 401, not the cached one that was just refused.
        try:
            self._token_can_force = "force_refresh" in inspect.signature(token).parameters
        except (TypeError, ValueError):
            self._token_can_force = False
        self.clock = clock or Clock()
        self.cancel = cancel
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.on_retry = on_retry
        self._rng = rng or random.Random()
        self._count_lock = threading.Lock()
        self.requests = 0
        self.writes = 0  # write requests sent (attempts, whatever the answer)
        self.changes = 0  # write requests Microsoft accepted (a 2xx answer)

    # -- the verbs -------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> dict:
        """GET a resource or a collection page."""
        return self.request("GET", path, params=params, headers=headers) or {}

    def get_all(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None, limit: int = 10_000) -> list[dict]:
        """GET a collection, following `@odata.nextLink` to the end (or `limit` items)."""
        items: list[dict] = []
        page = self.get(path, params=params, headers=headers)
        while True:
            items.extend(page.get("value", []))
            link = page.get("@odata.nextLink")
            if not link or len(items) >= limit:
                return items[:limit]
            page = self.request("GET", self._checked_link(link), headers=headers) or {}

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None, *, idempotent: bool = False) -> dict | None:
        """POST. Not repeated after a dropped connection unless `idempotent`."""
        return self.request("POST", path, json=json, headers=headers, idempotent=idempotent)

    def patch(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> dict | None:
        """PATCH; returns the body of a 201 (upsert created) or None for 204."""
        return self.request("PATCH", path, json=json, headers=headers)

    def delete(self, path: str) -> None:
        """DELETE."""
        self.request("DELETE", path)

    def get_bytes(self, path: str) -> bytes:
        """GET a stream property (e.g. `/applications/{id}/logo`): its raw bytes (b"" for 204)."""
        return self.request("GET", path, raw=True) or b""

    def put_bytes(self, path: str, data: bytes, content_type: str) -> None:
        """PUT a stream property with raw bytes and their Content-Type (repeatable: same bytes)."""
        self.request("PUT", path, content=data, headers={"Content-Type": content_type}, raw=True)

    # -- the machinery ---------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL of a v1.0 path (absolute URLs on the Graph host pass through)."""
        if path.startswith("https://") or path.startswith("http://"):
            return self._checked_link(path)
        return f"{self.api}/{path.lstrip('/')}"

    def _checked_link(self, link: str) -> str:
        """Follow only links on our own Graph host: the token must never go elsewhere."""
        ours, theirs = urlsplit(self.base_url), urlsplit(link)
        if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
            raise MicrosoftError(
                "Microsoft Graph sent a paging link to another host; it was not followed.",
                next_step="Try again; if it repeats, report it with the request ids.",
            )
        return link

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
        content: bytes | None = None,
        raw: bool = False,
    ) -> Any:
        """Send one logical request, retrying what may be retried; JSON body or None.

        `content`: a raw request body (with its Content-Type in `headers`); `raw`: return the
        response bytes instead of JSON (stream properties)."""
        url = self.url(path)
        waited = 0.0
        attempt = 0
        unauthorized_retry_done = False
        force_refresh = False
        while True:
            attempt += 1
            if self.cancel is not None and self.cancel.is_set():
                from wizard.clock import Cancelled

                raise Cancelled()
            client_request_id = str(uuid.uuid4())
            token = self._token(force_refresh=True) if force_refresh and self._token_can_force else self._token()
            force_refresh = False
            send_headers = {
                "Authorization": f"Bearer {token}",
                "client-request-id": client_request_id,
                "return-client-request-id": "true",
                "Accept": "*/*" if raw else "application/json",
            }
            if headers:
                send_headers.update(headers)
            with self._count_lock:
                self.requests += 1
                if method != "GET":
                    self.writes += 1
            try:
                if content is not None:
                    response = self.http.request(method, url, params=params, content=content, headers=send_headers)
                else:
                    response = self.http.request(method, url, params=params, json=json, headers=send_headers)
            except httpx.TransportError as exc:
                can_repeat = method in SAFE_TO_REPEAT or idempotent
                wait = self._backoff(attempt)
                if not can_repeat or attempt >= self.max_attempts or waited + wait > self.max_total_wait:
                    raise ConnectionLost(
                        f"The connection to Microsoft Graph dropped during {method} {self._short(path)}"
                        f" ({plain_cause(exc)}).",
                        next_step=(
                            "Check the network, then run the wizard again: it checks what was already done before acting."
                        ),
                        client_request_id=client_request_id,
                    ) from None
                self._wait(method, path, attempt, wait, "connection")
                waited += wait
                continue

            log.debug("%s %s -> %s request-id=%s", method, self._short(path), response.status_code, response.headers.get("request-id", ""))
            if response.status_code in RETRY_STATUSES:
                asked = parse_retry_after(response.headers.get("Retry-After"), self.clock.now())
                wait = asked if asked is not None else self._backoff(attempt)
                if attempt < self.max_attempts and waited + wait <= self.max_total_wait:
                    reason = "throttled" if response.status_code == 429 else "unavailable"
                    self._wait(method, path, attempt, wait, reason)
                    waited += wait
                    continue
                error = self._error(method, path, response, client_request_id)
                if asked is not None and asked > self.max_total_wait:
                    from wizard.identityhttp import waiting_words

                    error.message = (f"{error.message} Microsoft asked to wait {waiting_words(asked, self.clock.now())}; "
                                     f"the wizard does not wait that long (at most {self.max_total_wait:.0f} s).")
                    error.next_step = "Run the wizard again after that time; it continues where it stopped."
                else:
                    error.message = (
                        f"{error.message} The wizard gave up after {attempt} attempts and {waited:.0f} s of waiting."
                    )
                error.args = (error.message,)
                raise error
            if response.status_code == 401 and not unauthorized_retry_done:
                # An access token can expire or be revoked mid-run: ask the provider
                # once more (forcing a refresh when it can), then give up.
                unauthorized_retry_done = True
                force_refresh = True
                continue
            if response.status_code >= 400:
                raise self._error(method, path, response, client_request_id)
            if method != "GET":
                with self._count_lock:
                    self.changes += 1
            if raw:
                return response.content
            if response.status_code == 204 or not response.content:
                return None
            try:
                return clean_display_fields(response.json())
            except ValueError:
                raise MicrosoftError(
                    f"Microsoft Graph answered {method} {self._short(path)} with something that is not JSON.",
                    status=response.status_code,
                    request_id=response.headers.get("request-id", ""),
                    client_request_id=client_request_id,
                ) from None

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter: up to 1, 2, 4… seconds, capped at 30."""
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _wait(self, method: str, path: str, attempt: int, wait: float, reason: str) -> None:
        if self.on_retry is not None:
            self.on_retry(RetryNotice(method, self._short(path), attempt, wait, reason))
        self.clock.sleep(wait, self.cancel)

    @staticmethod
    def _short(path: str) -> str:
        """A path for messages: no query string (it may hold user input), no host."""
        if "://" in path:
            path = urlsplit(path).path
        return path.split("?", 1)[0]

    def _error(self, method: str, path: str, response: httpx.Response, client_request_id: str) -> GraphError:
        from wizard.untrusted import clean

        code, graph_message = "", ""
        inner_request_id = ""
        try:
            body = response.json()
            error = body.get("error", {}) if isinstance(body, dict) else {}
            if isinstance(error, dict):
                code = str(error.get("code", ""))
                graph_message = clean(error.get("message", ""), limit=1000)
                inner = error.get("innerError") or error.get("innererror") or {}
                if isinstance(inner, dict):
                    inner_request_id = str(inner.get("request-id", ""))
        except ValueError:
            pass
        from wizard.explain import explain_graph

        plain, next_step = explain_graph(response.status_code, code, graph_message)
        return GraphError(
            f"{method} {self._short(path)}: {plain}",
            status=response.status_code,
            code=code,
            graph_message=graph_message,
            request_id=response.headers.get("request-id", "") or inner_request_id,
            client_request_id=response.headers.get("client-request-id", "") or client_request_id,
            retry_after=parse_retry_after(response.headers.get("Retry-After"), self.clock.now()),
            next_step=next_step,
            method=method,
            path=self._short(path),
        )
