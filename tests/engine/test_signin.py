"""Device-code sign-in, driven through the real MSAL over a tiny fake identity platform.

The fake speaks just enough of Microsoft's protocol (OpenID configuration,
devicecode, token, /me/transitiveMemberOf) to check our polling loop, the error mapping
and the token provider. The full simulated tenant is exercised in the CLI tests.
"""

from __future__ import annotations

import base64
import json
import threading
from types import SimpleNamespace
from urllib.parse import parse_qs

import httpx
import pytest

from wizard.clock import Cancelled, FakeClock
from wizard.errors import SignInError
from wizard.roles import APPLICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR
from wizard.signin import (
    SignIn,
    graph_scopes,
    scopes_for,
)
from wizard.target import GRAPH_CLI_CLIENT_ID, Target

HOST = "https://login.fake.test"
GRAPH = "https://graph.fake.test"
TENANT = "11111111-2222-3333-4444-555555555555"


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def id_token(now: float) -> str:
    claims = {
        "iss": f"{HOST}/{TENANT}/v2.0",
        "aud": GRAPH_CLI_CLIENT_ID,
        "tid": TENANT,
        "oid": "aaaaaaaa-0000-0000-0000-000000000001",
        "sub": "sub",
        "preferred_username": "admin@contoso.onmicrosoft.com",
        "name": "Ada Admin",
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + 3600,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


class FakeIdentity:
    """Scripted answers for the token endpoint: a list of 'pending' / 'slow_down' / 'ok' / error dicts."""

    def __init__(self, script, roles=None, device_error=None):
        self.script = list(script)
        self.roles = roles if roles is not None else [
            {"id": "r1", "displayName": "Application Administrator", "roleTemplateId": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"}
        ]
        self.device_error = device_error
        self.token_posts = 0
        self.device_posts = 0
        self.refreshes = 0
        self.graph_auth: list[str] = []
        self.device_scopes = ""

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            tenant = path.split("/")[1]
            if tenant == "nosuchtenant.example":
                return httpx.Response(400, json={"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant not found."})
            return httpx.Response(200, json={
                "issuer": f"{HOST}/{TENANT}/v2.0",
                "authorization_endpoint": f"{HOST}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{HOST}/{tenant}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{HOST}/{tenant}/oauth2/v2.0/devicecode",
            })
        if path.endswith("/oauth2/v2.0/devicecode"):
            self.device_posts += 1
            self.device_scopes = parse_qs(request.content.decode())["scope"][0]
            if self.device_error:
                return httpx.Response(400, json=self.device_error)
            return httpx.Response(200, json={
                "user_code": "ABCD-EFGH", "device_code": "dev-code-123",
                "verification_uri": f"{HOST}/devicelogin",
                "expires_in": 900, "interval": 5,
                "message": f"To sign in, use a web browser to open {HOST}/devicelogin and enter the code ABCD-EFGH.",
            })
        if path.endswith("/oauth2/v2.0/token"):
            form = parse_qs(request.content.decode())
            if form["grant_type"][0] == "refresh_token":
                self.refreshes += 1
                return self._tokens(f"refreshed-{self.refreshes}")
            self.token_posts += 1
            step = self.script.pop(0) if self.script else "pending"
            if step == "pending":
                return httpx.Response(400, json={"error": "authorization_pending", "error_description": "AADSTS70016: pending"})
            if step == "slow_down":
                return httpx.Response(400, json={"error": "slow_down"})
            if step == "ok":
                return self._tokens("first-access-token")
            return httpx.Response(400, json=step)
        if request.url.host == "graph.fake.test":
            self.graph_auth.append(request.headers["Authorization"])
            if path == "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole":
                return httpx.Response(200, json={"value": self.roles})
        return httpx.Response(404, json={"error": {"code": "NotFound", "message": path}})

    def _tokens(self, access: str) -> httpx.Response:
        return httpx.Response(200, json={
            "token_type": "Bearer", "scope": "Application.ReadWrite.All User.Read",
            "expires_in": 3600, "access_token": access, "refresh_token": "rt-1",
            "id_token": id_token(__import__("time").time()),
            "client_info": _b64({"uid": "aaaaaaaa-0000-0000-0000-000000000001", "utid": TENANT}),
        })


def make(script, *, tenant="organizations", **kwargs):
    fake = FakeIdentity(script, **kwargs)
    target = Target(HOST, GRAPH, tenant=tenant, transport=httpx.MockTransport(fake.handler), cloud="simulated")
    clock = FakeClock()
    signin = SignIn(target, target.http_client(), clock, ["User.Read", "Application.ReadWrite.All"])
    return signin, fake, clock


def test_device_code_then_polling_until_approved():
    signin, fake, clock = make(["pending", "pending", "ok"])
    code = signin.start()
    assert code.user_code == "ABCD-EFGH"
    assert code.verification_uri == f"{HOST}/devicelogin"
    assert code.expires_at == clock.now() + 900
    who = signin.wait(threading.Event())
    assert fake.token_posts == 3
    assert clock.slept == [5, 5]  # the server's interval, through the wizard's clock
    assert who.tenant_id == TENANT
    assert who.username == "admin@contoso.onmicrosoft.com"
    assert who.display_name == "Ada Admin"
    assert who.roles == frozenset({APPLICATION_ADMINISTRATOR})
    assert signin.target.tenant == TENANT  # "organizations" pinned to the signed-in tenant
    assert fake.graph_auth == ["Bearer first-access-token"]


def test_scopes_sent_are_the_ones_asked_plus_msal_reserved():
    signin, fake, _ = make(["ok"])
    signin.start()
    sent = set(fake.device_scopes.split())
    assert {"User.Read", "Application.ReadWrite.All"} <= sent
    assert "Directory.ReadWrite.All" not in sent


def test_slow_down_adds_five_seconds_for_good():
    signin, _, clock = make(["pending", "slow_down", "pending", "ok"])
    signin.start()
    signin.wait()
    assert clock.slept == [5, 10, 10]


def test_gives_up_when_the_code_expires():
    signin, fake, clock = make([])  # pending for ever
    signin.start()
    with pytest.raises(SignInError) as info:
        signin.wait()
    assert info.value.code == "expired_token"
    assert sum(clock.slept) == pytest.approx(900)
    assert fake.token_posts == 900 // 5  # polls at 0, 5, … 895 s


def test_cancel_stops_polling_at_once():
    signin, fake, clock = make([])
    signin.start()
    cancel = threading.Event()
    original = clock.sleep

    def sleep_then_cancel(seconds, ev=None):
        if len(clock.slept) == 2:
            cancel.set()
        original(seconds, ev)

    clock.sleep = sleep_then_cancel
    with pytest.raises(Cancelled):
        signin.wait(cancel)
    assert fake.token_posts == 3


def test_poll_now_cuts_the_wait_short_but_cancel_still_wins():
    """The demo's "approve now" key: the next poll goes out at once, not after the interval."""
    import time

    from wizard.clock import Clock

    signin, fake, _ = make(["pending", "ok"])
    signin.clock = Clock()  # real time: the interval is 5 s, the test must take far less
    signin.start()
    threading.Timer(0.1, signin.poll_now).start()
    started = time.monotonic()
    signin.wait(threading.Event())
    assert time.monotonic() - started < 2.0
    assert fake.token_posts == 2

    signin, fake, _ = make([])
    signin.clock = Clock()
    signin.start()
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    with pytest.raises(Cancelled):
        signin.wait(cancel)
    assert fake.token_posts == 1


@pytest.mark.parametrize(
    "error, code, words",
    [
        ({"error": "authorization_declined", "error_description": "AADSTS70000: declined"}, "authorization_declined", "declined"),
        ({"error": "expired_token", "error_description": "expired"}, "expired_token", "expired"),
        ({"error": "bad_verification_code", "error_description": "bad"}, "bad_verification_code", "recognise"),
        ({"error": "invalid_grant", "error_description": "AADSTS53003: Access has been blocked by Conditional Access policies."}, "AADSTS53003", "Conditional Access"),
        ({"error": "invalid_grant", "error_description": "AADSTS50097: Device authentication is required."}, "AADSTS50097", "device authentication"),
        ({"error": "invalid_grant", "error_description": "AADSTS50005: managed device"}, "AADSTS50005", "managed device"),
    ],
)
def test_polling_errors_in_plain_words_with_the_way_out(error, code, words):
    error = dict(error, trace_id="trace-1", correlation_id="corr-1")
    signin, _, _ = make([error])
    signin.start()
    with pytest.raises(SignInError) as info:
        signin.wait()
    exc = info.value
    assert exc.code == code
    assert words.lower() in exc.message.lower()
    assert exc.next_step
    assert exc.request_id == "trace-1" and exc.client_request_id == "corr-1"
    assert exc.exit_code == 3
    if code in ("AADSTS53003", "AADSTS50097", "AADSTS50005"):
        assert "m365-wizard --manual" in exc.next_step


def test_public_client_flows_off_is_refused_at_start():
    signin, _, _ = make([], device_error={
        "error": "invalid_client",
        "error_description": "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    })
    with pytest.raises(SignInError) as info:
        signin.start()
    assert info.value.code == "AADSTS7000218"
    assert "public client" in info.value.message
    assert "--manual" in info.value.next_step


def test_unknown_tenant_is_explained():
    signin, _, _ = make([], tenant="nosuchtenant.example")
    with pytest.raises(SignInError) as info:
        signin.start()
    assert info.value.code == "AADSTS90002"
    assert "nosuchtenant.example" in info.value.message


def test_unreachable_identity_platform():
    def down(request):
        raise httpx.ConnectError("no route")

    target = Target(HOST, GRAPH, transport=httpx.MockTransport(down), cloud="simulated")
    signin = SignIn(target, target.http_client(), FakeClock(), ["User.Read"])
    with pytest.raises(SignInError) as info:
        signin.start()
    assert "could not be reached" in info.value.message


def test_access_token_is_cached_then_refreshed_after_expiry():
    signin, fake, _ = make(["ok"])
    signin.start()
    signin.wait()
    assert signin.access_token() == "first-access-token"
    assert fake.refreshes == 0
    # Expire the cached access token: MSAL must use the refresh token.
    for entry in signin.token_cache.search(signin.token_cache.CredentialType.ACCESS_TOKEN):
        entry["expires_on"] = "0"
    assert signin.access_token() == "refreshed-1"
    assert fake.refreshes == 1


def test_access_token_without_a_session_is_a_signin_error():
    signin, _, _ = make([])
    with pytest.raises(SignInError):
        signin.access_token()


def test_roles_from_memberof_and_names_for_other_roles():
    roles = [
        {"id": "a", "displayName": "Global Administrator", "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10"},
        {"id": "b", "displayName": "Helpdesk Administrator", "roleTemplateId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"},
    ]
    signin, _, _ = make(["ok"], roles=roles)
    signin.start()
    who = signin.wait()
    assert who.roles == frozenset({GLOBAL_ADMINISTRATOR, "Helpdesk Administrator"})
    assert "62e90394-69f5-4237-9190-012177145e10" in who.role_template_ids
    assert who.roles_known


def test_pinned_tenant_is_kept():
    signin, _, _ = make(["ok"], tenant="contoso.onmicrosoft.com")
    signin.start()
    signin.wait()
    assert signin.target.tenant == "contoso.onmicrosoft.com"


def P(type_):
    return SimpleNamespace(type=type_, name="x", resource="graph")


def Q(kind):
    return SimpleNamespace(kind=kind, key="k")


def test_scopes_for_registration_with_delegated_permissions_only():
    profile = SimpleNamespace(kind="registration", permissions=(P("delegated"),), questions=(Q("fqdn"),), admin_consent=True)
    assert scopes_for(profile) == ["Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "User.Read"]


def test_scopes_for_application_permissions_and_a_mailbox():
    profile = SimpleNamespace(kind="registration", permissions=(P("application"),), questions=(Q("email"),), admin_consent=True)
    # Delegated grants are still read (never written) when an existing registration is diffed.
    assert scopes_for(profile) == [
        "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
        "Directory.Read.All", "User.Read", "User.Read.All",
    ]


def test_scopes_for_enterprise_app_includes_assignment():
    profile = SimpleNamespace(kind="enterprise_app", permissions=(), questions=(), admin_consent=True)
    scopes = scopes_for(profile)
    assert "AppRoleAssignment.ReadWrite.All" in scopes
    # Its delegated grants are read back and checked, which needs a grant-reading scope.
    assert "DelegatedPermissionGrant.ReadWrite.All" in scopes


def test_scopes_for_national_cloud_are_full_uris():
    target = Target.for_cloud("usgov")
    assert graph_scopes(["User.Read"], target) == ["https://graph.microsoft.us/User.Read"]
    assert graph_scopes(["User.Read"], Target.for_cloud("global")) == ["User.Read"]
