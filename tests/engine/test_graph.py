"""GraphClient: retries, Retry-After, paging, typed errors, and no token in any error text."""

from __future__ import annotations

import email.utils
import random
import threading

import httpx
import pytest

from wizard.clock import Cancelled, FakeClock
from wizard.errors import MicrosoftError
from wizard.graph import ConnectionLost, GraphClient, GraphError, parse_retry_after, quote

BASE = "https://graph.fake.test"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-VALUE.sig"


class Server:
    """Replays scripted responses (or exceptions) and records requests."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def client(server, clock=None, token=None, **kwargs):
    http = httpx.Client(transport=httpx.MockTransport(server))
    return GraphClient(
        http, BASE, token or (lambda: TOKEN), clock=clock or FakeClock(), rng=random.Random(1), **kwargs
    )


def ok(body=None, status=200, headers=None):
    return httpx.Response(status, json=body if body is not None else {"ok": True}, headers=headers)


def err(status, code="", message="", headers=None):
    return httpx.Response(status, json={"error": {"code": code, "message": message,
                                                  "innerError": {"request-id": "inner-rid"}}}, headers=headers)


def test_get_builds_v1_url_and_headers():
    server = Server(ok({"id": "1"}))
    graph = client(server)
    assert graph.get("/applications", params={"$top": "5"}) == {"id": "1"}
    req = server.requests[0]
    assert str(req.url) == f"{BASE}/v1.0/applications?%24top=5"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["client-request-id"]
    assert graph.requests == 1 and graph.writes == 0


@pytest.mark.parametrize("header, expected", [("3", 3.0), ("0.249", 0.249)])
def test_retry_after_seconds_and_fractions(header, expected):
    clock = FakeClock()
    server = Server(err(429, "TooManyRequests", headers={"Retry-After": header}), ok())
    graph = client(server, clock)
    assert graph.get("/users") == {"ok": True}
    assert clock.slept == [expected]
    assert graph.requests == 2


def test_retry_after_http_date():
    clock = FakeClock()
    when = email.utils.formatdate(clock.now() + 7, usegmt=True)
    server = Server(err(503, "serviceNotAvailable", headers={"Retry-After": when}), ok())
    graph = client(server, clock)
    graph.get("/users")
    assert clock.slept == [pytest.approx(7, abs=1)]


def test_parse_retry_after_edge_cases():
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after("-4", 0) == 0.0
    assert parse_retry_after("nan", 0) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000", 1445412480.0 - 10) == pytest.approx(10)


def test_503_and_504_without_header_back_off_exponentially():
    clock = FakeClock()
    server = Server(httpx.Response(503), httpx.Response(504), httpx.Response(503), ok())
    graph = client(server, clock)
    graph.get("/users")
    assert len(clock.slept) == 3
    for attempt, wait in enumerate(clock.slept, start=1):
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling


def test_total_wait_is_bounded_and_the_error_says_so():
    clock = FakeClock()
    server = Server(*[err(429, "TooManyRequests", headers={"Retry-After": "50"}) for _ in range(10)])
    graph = client(server, clock, max_total_wait=120)
    with pytest.raises(GraphError) as info:
        graph.get("/users")
    assert clock.slept == [50, 50]  # a third wait would exceed 120 s
    assert info.value.status == 429 and info.value.code == "TooManyRequests"
    assert "gave up after 3 attempts" in info.value.message
    assert info.value.retry_after == 50


def test_attempts_are_bounded():
    clock = FakeClock()
    server = Server(*[err(503, headers={"Retry-After": "0"}) for _ in range(10)])
    graph = client(server, clock, max_attempts=4)
    with pytest.raises(GraphError):
        graph.get("/users")
    assert len(server.requests) == 4


def test_retry_notice_is_reported():
    notices = []
    server = Server(err(429, headers={"Retry-After": "2"}), ok())
    graph = client(server, on_retry=notices.append)
    graph.get("/applications?$filter=x")
    assert [(n.attempt, n.wait, n.reason, n.path) for n in notices] == [(1, 2.0, "throttled", "/applications")]


def test_cancel_during_a_retry_wait():
    cancel = threading.Event()
    cancel.set()
    server = Server(err(429, headers={"Retry-After": "2"}), ok())
    graph = client(server, cancel=cancel)
    with pytest.raises(Cancelled):
        graph.get("/users")


def test_paging_follows_next_link():
    server = Server(
        ok({"value": [1, 2], "@odata.nextLink": f"{BASE}/v1.0/users?$skiptoken=abc"}),
        ok({"value": [3], "@odata.nextLink": f"{BASE}/v1.0/users?$skiptoken=def"}),
        ok({"value": [4]}),
    )
    graph = client(server)
    assert graph.get_all("/users", params={"$top": "2"}) == [1, 2, 3, 4]
    assert str(server.requests[1].url) == f"{BASE}/v1.0/users?$skiptoken=abc"
    assert graph.requests == 3


def test_paging_respects_limit():
    server = Server(ok({"value": [1, 2], "@odata.nextLink": f"{BASE}/v1.0/users?$skiptoken=abc"}))
    assert client(server).get_all("/users", limit=2) == [1, 2]


def test_next_link_to_another_host_is_refused_and_the_token_not_sent():
    server = Server(ok({"value": [1], "@odata.nextLink": "https://evil.example/v1.0/users?$skiptoken=abc"}))
    graph = client(server)
    with pytest.raises(MicrosoftError) as info:
        graph.get_all("/users")
    assert "another host" in info.value.message
    assert len(server.requests) == 1


def test_next_link_with_other_scheme_is_refused():
    server = Server(ok({"value": [1], "@odata.nextLink": "http://graph.fake.test/v1.0/users?x"}))
    with pytest.raises(MicrosoftError):
        client(server).get_all("/users")


def test_quote_doubles_single_quotes():
    assert quote("o'brien") == "'o''brien'"
    assert quote("plain") == "'plain'"
    assert quote("''") == "''''''"


def test_graph_error_is_typed_with_support_ids():
    server = Server(err(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.",
                        headers={"request-id": "rid-1", "client-request-id": "crid-1"}))
    with pytest.raises(GraphError) as info:
        client(server).post("/applications", json={"displayName": "x"})
    exc = info.value
    assert exc.status == 403
    assert exc.code == "Authorization_RequestDenied"
    assert exc.graph_message == "Insufficient privileges to complete the operation."
    assert exc.request_id == "rid-1" and exc.client_request_id == "crid-1"
    assert "Application Administrator" in exc.next_step
    assert exc.message.startswith("POST /applications:")
    assert exc.exit_code == 5


def test_graph_error_falls_back_to_inner_request_id_and_own_client_request_id():
    server = Server(err(400, "SomethingNew", "Property 'x' is invalid."))
    with pytest.raises(GraphError) as info:
        client(server).patch("/applications/1", json={})
    exc = info.value
    assert exc.request_id == "inner-rid"
    assert exc.client_request_id == server.requests[0].headers["client-request-id"]
    assert "Property 'x' is invalid." in exc.message  # Microsoft's words when we have none


def test_query_string_never_in_error_text():
    server = Server(err(404, "Request_ResourceNotFound"))
    with pytest.raises(GraphError) as info:
        client(server).get("/users?$filter=mail eq 'secret.person@contoso.com'")
    assert "secret.person" not in str(info.value)


def test_post_is_not_repeated_after_a_dropped_connection():
    server = Server(httpx.ReadError("connection reset"), ok())
    graph = client(server)
    with pytest.raises(ConnectionLost) as info:
        graph.post("/applications/1/addPassword", json={"passwordCredential": {}})
    assert len(server.requests) == 1
    assert "POST /applications/1/addPassword" in info.value.message
    assert info.value.next_step


def test_idempotent_post_and_get_are_repeated_after_a_dropped_connection():
    clock = FakeClock()
    server = Server(httpx.ReadError("reset"), ok({"a": 1}), httpx.ConnectError("refused"), ok({"b": 2}))
    graph = client(server, clock)
    assert graph.get("/me") == {"a": 1}
    assert graph.post("/servicePrincipals", json={}, idempotent=True) == {"b": 2}
    assert len(server.requests) == 4
    assert len(clock.slept) == 2


def test_get_gives_up_after_bounded_connection_failures():
    server = Server(*[httpx.ConnectError("refused") for _ in range(10)])
    with pytest.raises(ConnectionLost):
        client(server, max_attempts=3).get("/me")
    assert len(server.requests) == 3


def test_401_once_asks_the_provider_again_with_force_refresh():
    calls = []

    def provider(force_refresh=False):
        calls.append(force_refresh)
        return "new-token" if force_refresh else "old-token"

    server = Server(err(401, "InvalidAuthenticationToken"), ok())
    graph = client(server, token=provider)
    assert graph.get("/me") == {"ok": True}
    assert calls == [False, True]
    assert server.requests[1].headers["Authorization"] == "Bearer new-token"


def test_401_twice_is_an_error_and_plain_providers_still_work():
    calls = []

    def provider():
        calls.append(1)
        return TOKEN

    server = Server(err(401, "InvalidAuthenticationToken"), err(401, "InvalidAuthenticationToken"))
    with pytest.raises(GraphError) as info:
        client(server, token=provider).get("/me")
    assert len(calls) == 2
    assert info.value.status == 401
    assert "Sign in again" in info.value.next_step


def test_204_and_empty_bodies_are_none_and_writes_are_counted():
    server = Server(httpx.Response(204), httpx.Response(204), ok({"id": "x"}, status=201))
    graph = client(server)
    assert graph.patch("/applications/1", json={"a": 1}) is None
    assert graph.delete("/applications/1") is None
    assert graph.post("/applications", json={}) == {"id": "x"}
    assert graph.writes == 3 and graph.requests == 3


def test_non_json_success_is_a_microsoft_error():
    server = Server(httpx.Response(200, text="<html>proxy login</html>"))
    with pytest.raises(MicrosoftError) as info:
        client(server).get("/me")
    assert "not JSON" in info.value.message


@pytest.mark.parametrize(
    "answers",
    [
        [err(403, "Authorization_RequestDenied", "denied")],
        [err(429, headers={"Retry-After": "500"})],
        [httpx.ReadError("reset")],
        [httpx.Response(200, text="nope")],
        [err(401), err(401)],
    ],
)
def test_the_token_never_appears_in_an_exception(answers):
    server = Server(*answers)
    with pytest.raises(Exception) as info:
        client(server).post("/applications", json={"a": 1})
    exc = info.value
    for text in (str(exc), repr(exc), repr(exc.__dict__), str(exc.__cause__), str(exc.__context__)):
        assert "SECRET-TOKEN-VALUE" not in text
        assert TOKEN not in text
