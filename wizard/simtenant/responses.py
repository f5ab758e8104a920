"""HTTP responses in Microsoft's two dialects.

Graph (https://learn.microsoft.com/en-us/graph/errors):
    {"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}
    with `request-id` and `client-request-id` response headers on every response.

Identity platform (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application):
    {"error", "error_description": "AADSTS…: …\\r\\nTrace ID: …\\r\\nCorrelation ID: …\\r\\nTimestamp: …",
     "error_codes": [n], "timestamp", "trace_id", "correlation_id", "error_uri"}
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from email.utils import formatdate

import httpx

GRAPH_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
IDENTITY_CONTENT_TYPE = "application/json; charset=utf-8"


@dataclass
class RequestContext:
    """Per-request facts the responders need: ids and the time, all deterministic."""

    request: httpx.Request
    request_id: str
    now: float
    client_request_id: str = ""
    base_url: str = ""              # scheme://host[:port] of the request
    extra_headers: dict = field(default_factory=dict)

    def graph_headers(self) -> dict:
        headers = {
            "Content-Type": GRAPH_CONTENT_TYPE,
            "request-id": self.request_id,
            "client-request-id": self.client_request_id or self.request_id,
            "Date": formatdate(self.now, usegmt=True),
            "Cache-Control": "no-cache",
            "Strict-Transport-Security": "max-age=31536000",
        }
        headers.update(self.extra_headers)
        return headers

    def identity_headers(self) -> dict:
        headers = {
            "Content-Type": IDENTITY_CONTENT_TYPE,
            "Cache-Control": "no-store, no-cache",
            "Pragma": "no-cache",
            "x-ms-request-id": self.request_id,
            "Date": formatdate(self.now, usegmt=True),
        }
        if self.client_request_id:
            headers["client-request-id"] = self.client_request_id
        headers.update(self.extra_headers)
        return headers


def _dumps(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def graph_json(ctx: RequestContext, body, status: int = 200, headers: dict | None = None) -> httpx.Response:
    all_headers = ctx.graph_headers()
    if isinstance(body, dict) and "@odata.context" in body:
        all_headers["OData-Version"] = "4.0"  # Graph's OData payloads say which OData they speak
    if headers:
        all_headers.update(headers)
    return httpx.Response(status, headers=all_headers, content=_dumps(body))


def graph_empty(ctx: RequestContext, status: int = 204) -> httpx.Response:
    headers = ctx.graph_headers()
    headers.pop("Content-Type", None)
    return httpx.Response(status, headers=headers)


class GraphFailure(Exception):
    """Raised inside a Graph handler; turned into Graph's error envelope."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def graph_error(ctx: RequestContext, status: int, code: str, message: str,
                headers: dict | None = None) -> httpx.Response:
    # innerError.date has no fraction and no zone, as Graph sends it.
    date = dt.datetime.fromtimestamp(ctx.now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    body = {"error": {"code": code, "message": message, "innerError": {
        "date": date,
        "request-id": ctx.request_id,
        "client-request-id": ctx.client_request_id or ctx.request_id,
    }}}
    return graph_json(ctx, body, status, headers)


def identity_json(ctx: RequestContext, body, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers=ctx.identity_headers(), content=_dumps(body))


class IdentityFailure(Exception):
    """Raised inside an identity handler; turned into the AADSTS envelope."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(f"AADSTS{aadsts}: {description}")
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.description = description


def identity_error(ctx: RequestContext, failure: IdentityFailure) -> httpx.Response:
    stamp = dt.datetime.fromtimestamp(ctx.now, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    correlation = ctx.client_request_id or ctx.request_id
    description = (f"AADSTS{failure.aadsts}: {failure.description}\r\n"
                   f"Trace ID: {ctx.request_id}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}")
    body = {
        "error": failure.error,
        "error_description": description,
        "error_codes": [failure.aadsts],
        "timestamp": stamp,
        "trace_id": ctx.request_id,
        "correlation_id": correlation,
        "error_uri": f"{ctx.base_url}/error?code={failure.aadsts}",
    }
    return identity_json(ctx, body, failure.status)
