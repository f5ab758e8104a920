"""Autodiscover V2: which Autodiscover server answers for a mailbox (Exchange Online).

    found = lookup(http, "calendar-sync@contoso.com", target.exchange_url)
    found.server   # "https://outlook.office365.com"
    found.url      # "https://outlook.office365.com/autodiscover/autodiscover.xml"

The request is the one the innovaphone guide (vendor-docs/002, "Finding an alternative
Autodiscover server") and Microsoft's own tools send: an anonymous
`GET {exchange}/autodiscover/autodiscover.json/v1.0/{email}?Protocol=AutodiscoverV1`,
answered with JSON `{"Protocol": "AutodiscoverV1", "Url": "https://…/autodiscover/autodiscover.xml"}`.
Autodiscover V2 needs no authentication to say where a mailbox is (a Microsoft Exchange
engineer's write-up of Outlook's lookup,
https://blog.rmilne.ca/2022/01/12/office-365-autodiscover-lookup-process-revisited: "Autodiscover
V2 … does not require authentication to answer that particular question"), so no token is sent;
Microsoft publishes no reference page for the JSON endpoint itself. Redirects are
not followed: Exchange Online answers an address it does not hold with a 302 to that
domain's own Autodiscover (the redirect rule of [MS-OXDSCLI] 3.2.5,
https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-oxdscli/41e9fa78-733b-4eea-9545-046580854ec5),
which the wizard reports instead of following.

"Your Autodiscover server will be the part from https to the first /autodiscover part"
(the guide): `server_of(url)`.

Every failure (network, 4xx/5xx, a redirect, not JSON, no Url) is an `AutodiscoverError`
(a `MicrosoftError`) with plain words; nothing here raises anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from wizard.errors import MicrosoftError
from wizard.explain import plain_cause

PROTOCOL = "AutodiscoverV1"
TIMEOUT_SECONDS = 10.0
PATH = "/autodiscover/autodiscover.json/v1.0/"


@dataclass(frozen=True)
class Found:
    """What Autodiscover V2 answered for one address."""

    server: str  # "https://outlook.office365.com": what the Calendar's "Autodiscover URL" takes
    url: str  # the answer's Url, e.g. "https://outlook.office365.com/autodiscover/autodiscover.xml"
    email: str = ""


class AutodiscoverError(MicrosoftError):
    """The lookup did not give a server; `message` says why in plain words."""


def request_url(exchange_url: str, email: str, protocol: str = PROTOCOL) -> str:
    """The documented lookup URL for `email` on `exchange_url` (nothing is fetched)."""
    return f"{exchange_url.rstrip('/')}{PATH}{quote(email, safe='@')}?Protocol={protocol}"


def server_of(url: str) -> str:
    """The part of `url` from https to the first "/autodiscover" (case-insensitive); "" if none."""
    at = url.lower().find("/autodiscover")
    if at <= 0:
        return ""
    server = url[:at]
    parts = urlsplit(server)
    if parts.scheme.lower() != "https" or not parts.hostname or parts.query or parts.fragment:
        return ""
    return server


def lookup(http: Any, email: str, exchange_url: str, timeout: float = TIMEOUT_SECONDS) -> Found:
    """Ask Autodiscover V2 where `email`'s Autodiscover server is. `AutodiscoverError` if it will not say."""
    import httpx

    url = request_url(exchange_url, email)
    host = urlsplit(exchange_url).hostname or exchange_url
    next_step = f"Check that {email} has a mailbox in Exchange Online, or open {url} in a browser."
    try:
        response = http.get(url, headers={"Accept": "application/json"}, timeout=timeout,
                            follow_redirects=False)
    except httpx.TimeoutException:
        raise AutodiscoverError(f"{host} did not answer within {timeout:g} seconds.",
                                next_step=next_step) from None
    except httpx.HTTPError as exc:
        raise AutodiscoverError(f"{host} could not be reached ({plain_cause(exc)}).",
                                next_step="Check the network connection and proxy, then run the wizard again.") from None
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        where = urlsplit(response.headers.get("Location", "")).hostname or "another server"
        raise AutodiscoverError(f"Exchange Online does not hold a mailbox for {email}; it refers the lookup to {where}.",
                                next_step=next_step, status=status)
    body = _json(response)
    if status >= 400:
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("ErrorMessage") or body.get("ErrorCode") or "")[:200]
        raise AutodiscoverError(f"{host} answered HTTP {status}" + (f": {detail}" if detail else "."),
                                next_step=next_step, status=status,
                                code=str(body.get("ErrorCode") or "") if isinstance(body, dict) else "")
    if status != 200 or not isinstance(body, dict):
        raise AutodiscoverError(f"{host} did not answer with Autodiscover's JSON (HTTP {status}).",
                                next_step=next_step, status=status)
    answered = body.get("Url")
    found_url = answered if isinstance(answered, str) else ""
    server = server_of(found_url)
    if not server:
        raise AutodiscoverError(f"{host}'s answer names no https Autodiscover URL.", next_step=next_step)
    return Found(server=server, url=found_url, email=email)


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None


__all__ = ["AutodiscoverError", "Found", "PROTOCOL", "lookup", "request_url", "server_of"]


def run_lookups(profile: Any, answers: Any, exchange_url: str, http: Any) -> dict[str, Any]:
    """The profile's `[lookups]` these answers ask for: value name → `Found`, or the
    `AutodiscoverError` saying why not. Never raises: a failed lookup only means the fallback."""
    results: dict[str, Any] = {}
    lookups_to_run = getattr(profile, "lookups_to_run", None)
    for lk in lookups_to_run(answers) if lookups_to_run else []:
        try:
            if not exchange_url or http is None:
                raise AutodiscoverError("the wizard does not know where Exchange Online is for this tenant.")
            results[lk.value] = lookup(http, str(answers[lk.source]), exchange_url)
        except AutodiscoverError as exc:
            results[lk.value] = exc
        except Exception as exc:  # noqa: BLE001 - a lookup must never stop the wizard
            results[lk.value] = AutodiscoverError(f"the lookup failed ({plain_cause(exc)}).")
    return results


def fill_found(values: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """Put each server a lookup found into the snippet values (the fallbacks stay otherwise)."""
    for name, result in results.items():
        if isinstance(result, Found):
            values[name] = result.server
    return values
