"""`SimTenant`: one simulated Microsoft Entra tenant behind one HTTP handler.

    sim = SimTenant(scenario="demo", clock=FakeClock(), faults=None, auto_approve_after=2.0, seed=0)
    http = httpx.Client(transport=sim.transport())

The handler routes by path, whatever the host: `/v1.0/…` is Microsoft Graph,
`/autodiscover/autodiscover.json…` is Exchange Online's Autodiscover V2 (`exchange.py`),
`/devicelogin` is the sign-in page, everything else is the identity platform
(`/{tenant}/…`). It is thread-safe (one re-entrant lock) and deterministic: ids,
codes and secrets come from seeded streams (`state.Ids`) and every time from the
injected clock, so two runs with the same seed and a FakeClock give identical bytes.

`faults=None` means the scenario's own fault plan (the demo tenant has a short,
realistic replication delay); pass `FaultPlan()` for a perfectly consistent tenant.
"""

from __future__ import annotations

import random
import threading
import uuid
from urllib.parse import urlsplit

import httpx

from wizard.clock import Clock
from wizard.simtenant import authcodes, catalog, devicelogin, ews, exchange, model, scenarios, tokens
from wizard.simtenant import seed as seeding
from wizard.simtenant.devicecodes import DeviceCode, DeviceCodeStore
from wizard.simtenant.faults import FaultPlan, FaultRule
from wizard.simtenant.graph import GraphApi
from wizard.simtenant.identity import Identity
from wizard.simtenant.keys import Signer
from wizard.simtenant.responses import (IdentityFailure, RequestContext, graph_error, identity_error)
from wizard.simtenant.state import Ids, TenantState

LOOPMEETING_APP_ID_SEED = "loopmeeting-multitenant-app"


class SimTenant:
    """A simulated tenant: identity platform + Microsoft Graph v1.0 over one handler."""

    authority_host = "https://login.simtenant.test"
    graph_url = "https://graph.simtenant.test"
    exchange_url = "https://outlook.simtenant.test"  # Exchange Online (Autodiscover V2)

    def __init__(self, scenario: str = "demo", clock: Clock | None = None, faults: FaultPlan | None = None,
                 auto_approve_after: float | None = 2.0, seed: int = 0) -> None:
        self.clock = clock or Clock()
        self.seed = seed
        self.scenario = scenarios.load(scenario)
        self.faults = faults if faults is not None else self.scenario.fault_plan()
        self.auto_approve_after = auto_approve_after
        self.ids = Ids(seed)
        self.signer = Signer(seed)
        self._lock = threading.RLock()
        tenant = self.scenario.tenant
        self.state: TenantState = seeding.build(
            self.ids, self.clock.now(),
            tenant_id=tenant.get("tenant_id", seeding.DEMO_TENANT_ID),
            domain=tenant.get("domain", seeding.DEMO_DOMAIN),
            name=tenant.get("name", seeding.DEMO_ORG_NAME),
        )
        self.state.now = self.clock.now
        self.device_codes = DeviceCodeStore()
        self.auth_codes = authcodes.AuthCodeStore()
        self.identity = Identity(self)
        self.graph = GraphApi(self)
        self.requests: list[tuple[str, str, int]] = []   # (method, path, status): what clients did
        self._loopmeeting_first_look: float | None = None
        self._loopmeeting_done = False
        self.ews_calls: list[dict] = []  # EWS GetFolder calls that succeeded (mailbox, folder, app_id, anchor)
        self._apply_scenario()

    # ---- public surface ----------------------------------------------------------------
    @property
    def tenant_id(self) -> str:
        return self.state.tenant_id

    @property
    def domain(self) -> str:
        return self.state.domain

    @property
    def demo_admin_upn(self) -> str:
        return f"admin@{self.state.domain}"

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that answers every request in-process."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request, as Microsoft would (faults included)."""
        with self._lock:
            rule = self._fault_for(request)
        if rule is not None and rule.action == "slow":
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is not None and rule.seconds > read_timeout:
                # In-process there is no socket to time out: the client's own read timeout is what
                # a real one would give up after.
                self.clock.sleep(read_timeout)
                with self._lock:
                    self.requests.append((request.method, request.url.path, 0))
                raise httpx.ReadTimeout("The read operation timed out", request=request)
            self.clock.sleep(rule.seconds)  # outside the lock: others keep being served
            rule = None
        elif rule is not None and rule.action == "pause":
            self.clock.sleep(rule.seconds)
            rule = None
        with self._lock:
            self._maybe_loopmeeting_consent(request)
            ctx = self._context(request)
            path = request.url.path
            if rule is not None and rule.action == "drop":
                self.requests.append((request.method, path, 0))
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            if rule is not None and rule.action in ("throttle", "unavailable", "gateway_timeout"):
                response = self._fault_response(ctx, rule, path)
            elif rule is not None and rule.action == "garbled":
                response = self._garbled_response(ctx)
            elif rule is not None and rule.action == "error":
                response = graph_error(ctx, rule.status, rule.code, rule.message)
            elif rule is not None and rule.action == "html_error":
                response = httpx.Response(rule.status or 502, headers={"Content-Type": "text/html"},
                                          content=f"<html><body><h1>{rule.status or 502} Bad Gateway</h1></body></html>".encode())
            elif rule is not None and rule.action == "garbled_json":
                response = httpx.Response(200, headers={"Content-Type": "application/json; charset=utf-8"},
                                          content=b'{"token_type":"Bearer","expires_in":3599,"access_tok')
            elif path == "/v1.0" or path.startswith("/v1.0/"):
                response = self.graph.handle(ctx, path[len("/v1.0"):].rstrip("/") or "/")
            elif exchange.is_autodiscover(path):
                response = exchange.handle(self.state, ctx)
            elif ews.is_ews(path):
                response = ews.handle(self, ctx)
            elif path.rstrip("/").lower() == "/oidc/userinfo":
                response = self.graph.userinfo(ctx)
            elif path.rstrip("/") == "/devicelogin":
                response = devicelogin.handle(self, request)
            else:
                response = self.identity.handle(ctx, path)
            self.requests.append((request.method, path, response.status_code))
            if rule is not None and rule.action == "drop_after":
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            if rule is not None and rule.action == "gateway_timeout_after" and response.status_code < 300:
                # Applied, but the gateway gave up waiting: the client sees a 504 (no Retry-After).
                return self._fault_response(ctx, FaultRule("gateway_timeout"), path)
            return response

    def approve_device_code(self, user_code: str | None = None,
                            as_user: str = "admin@contoso.onmicrosoft.com") -> None:
        """The user signs in at the verification page and approves (newest pending code if None)."""
        with self._lock:
            code = self.device_codes.find_pending(user_code, self.clock.now())
            self.approve_code(code, as_user)

    def decline_device_code(self, user_code: str | None = None) -> None:
        """The user declines the sign-in request (newest pending code if None)."""
        with self._lock:
            code = self.device_codes.find_pending(user_code, self.clock.now())
            code.status = "declined"

    def authorize_redirect(self, auth_url: str, as_user: str | None = None, decline: bool = False) -> str:
        """The user opens the sign-in link `auth_url` and signs in as `as_user` (default: the demo
        admin); returns the address the browser is sent to (`http://localhost:PORT/?code=…&state=…`).

        For tests and the demo's paste-back sign-in. The request goes through the tenant's own
        `/authorize` handler (the POST of its sign-in form), so a bad client or redirect URI fails
        the same way; a page instead of a redirect raises ValueError with the page's message.
        """
        from urllib.parse import urlsplit

        parts = urlsplit(auth_url)
        form = dict(authcodes.query_params(httpx.Request("GET", auth_url)))
        form.update({"user": as_user or self.demo_admin_upn, "action": "decline" if decline else "approve"})
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else self.authority_host
        request = httpx.Request("POST", f"{origin}{parts.path}", data=form)
        response = self.handle(request)
        location = response.headers.get("Location")
        if response.status_code != 302 or not location:
            import re

            text = re.sub(r"<[^>]+>", " ", response.text)
            found = re.search(r"AADSTS\d+:[^<\n]*", response.text)
            raise ValueError(found.group(0).strip() if found else " ".join(text.split())[:300])
        return location

    def simulate_loopmeeting_consent(self) -> dict:
        """A LoopMeeting admin consents in the browser: the multi-tenant app's service
        principal "LoopMeeting" appears with delegated grants (Calendars.ReadWrite,
        User.Read, offline_access, openid, profile). Returns the service principal."""
        with self._lock:
            return self._loopmeeting_consent()

    # ---- used by the handlers ----------------------------------------------------------------
    def graph_base_for(self, base: str) -> str:
        """Graph's base URL as seen from a request's origin (one origin serves both over loopback)."""
        if urlsplit(base).netloc == urlsplit(self.authority_host).netloc:
            return self.graph_url
        return base

    def graph_aliases(self, base_url: str | None = None) -> tuple[str, ...]:
        """URLs that name Microsoft Graph as a token resource here: the simulator's Graph URL, and the
        origin a request came in on when one origin serves both (loopback `simtenant serve`)."""
        return (self.graph_url,) if base_url is None else (self.graph_url, self.graph_base_for(base_url))

    def approve_code(self, code: DeviceCode, upn: str) -> None:
        user = self.state.user(upn)
        if user is None:
            raise ValueError(f"No user {upn!r} in {self.state.domain}.")
        code.status = "approved"
        code.user_id = user["id"]
        self.consent_at_sign_in(code, user)

    def sts_knows(self, app: dict) -> bool:
        """Has the token service caught up with this app registration (AADSTS700016 until then)?"""
        created = self.state.app_created.get(app["id"])
        return created is None or self.clock.now() - created >= self.faults.sts_unknown_app_seconds

    def check_client_secret(self, app: dict, secret: str, now: float) -> None:
        """Accept a client secret of `app`, or raise AADSTS7000215 / 7000222.

        https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
        """
        for credential in app.get("passwordCredentials", []):
            key = (app["id"], credential["keyId"])
            if self.state.secrets.get(key) != secret:
                continue
            issued = self.state.secret_issued.get(key)
            if issued is not None and now - issued < self.faults.secret_delay_seconds:
                if self.faults.secret_delay_error == 7000222:
                    raise self._expired_secret(app)
                break
            if model.parse_iso(credential["endDateTime"]) <= now:
                raise self._expired_secret(app)
            if credential.get("startDateTime") and model.parse_iso(credential["startDateTime"]) > now:
                break
            return
        raise IdentityFailure(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is the "
                              f"client secret value, not the client secret ID, for a secret added to app "
                              f"'{app['appId']}'.")

    @staticmethod
    def _expired_secret(app: dict) -> IdentityFailure:
        return IdentityFailure(401, "invalid_client", 7000222,
                               f"The provided client secret keys for app '{app['appId']}' are expired. Visit the "
                               "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or "
                               "consider using certificate credentials for added security: https://aka.ms/certCreds.")

    def on_created(self, object_id: str, kind: str) -> None:
        """Replication, per the fault plan: a new object stays invisible to Graph's reads for a while
        (clock time, then a number of reads, then a flap pattern), and unknown to the token endpoint
        for its own while; the two surfaces catch up independently."""
        now, faults = self.clock.now(), self.faults
        if kind == "application":
            if faults.app_graph_lag_seconds > 0:
                self.state.graph_ready_at[object_id] = now + faults.app_graph_lag_seconds
            self.state.hide(object_id, faults.app_invisible_reads)
            if faults.app_flap:
                self.state.flaps[object_id] = list(faults.app_flap)
        elif kind == "servicePrincipal":
            if faults.sp_graph_lag_seconds > 0:
                self.state.graph_ready_at[object_id] = now + faults.sp_graph_lag_seconds
            if faults.sp_sts_lag_seconds > 0:
                self.state.sts_ready_at[object_id] = now + faults.sp_sts_lag_seconds
            self.state.hide(object_id, faults.sp_invisible_reads)
            if faults.sp_flap:
                self.state.flaps[object_id] = list(faults.sp_flap)

    def create_service_principal(self, app: dict, now: float, replicate: bool = True) -> dict:
        sp = model.new_service_principal(self.ids.object_id(), app, now, self.state.tenant_id)
        self.state.service_principals[sp["id"]] = sp
        if replicate:
            self.on_created(sp["id"], "servicePrincipal")
        return sp

    def sync_service_principal(self, app: dict) -> None:
        """An app registration's changes show on its service principal, as in Entra."""
        sp = self.state.sp_by_app_id(app["appId"])
        if sp is None:
            return
        sp["appDisplayName"] = app.get("displayName")
        sp["servicePrincipalNames"] = [app["appId"], *(app.get("identifierUris") or [])]
        sp["appRoles"] = [dict(r) for r in app.get("appRoles") or []]
        sp["oauth2PermissionScopes"] = [dict(s) for s in (app.get("api") or {}).get("oauth2PermissionScopes") or []]
        sp["replyUrls"] = list((app.get("web") or {}).get("redirectUris") or [])
        sp["signInAudience"] = app.get("signInAudience")

    def delete_application(self, app: dict, now: float) -> None:
        """Deleting an app registration soft-deletes it and removes its service principal."""
        state = self.state
        del state.applications[app["id"]]
        state.deleted[app["id"]] = dict(app, deletedDateTime=model.iso(now))
        for key in [k for k in state.secrets if k[0] == app["id"]]:
            del state.secrets[key]
        sp = state.sp_by_app_id(app["appId"])
        if sp is not None:
            self.delete_service_principal(sp)

    def delete_service_principal(self, sp: dict) -> None:
        state = self.state
        del state.service_principals[sp["id"]]
        for grant_id in [g for g, v in state.grants.items() if sp["id"] in (v["clientId"], v["resourceId"])]:
            del state.grants[grant_id]
        for aid in [a for a, v in state.assignments.items() if sp["id"] in (v["principalId"], v["resourceId"])]:
            del state.assignments[aid]

    # ---- internals ----------------------------------------------------------------------
    def _context(self, request: httpx.Request) -> RequestContext:
        return RequestContext(
            request=request,
            request_id=self.ids.request_id(),
            now=self.clock.now(),
            client_request_id=request.headers.get("client-request-id", ""),
            base_url=f"{request.url.scheme}://{request.url.netloc.decode('ascii')}",
        )

    def _fault_for(self, request: httpx.Request) -> FaultRule | None:
        """Every matching rule counts the request; the first one that fires applies."""
        form = None
        if any(rule.grant_type for rule in self.faults.rules):
            from urllib.parse import parse_qsl

            form = dict(parse_qsl(request.content.decode("utf-8", "replace")))
        fired = [rule for rule in self.faults.rules
                 if rule.matches(request.method, request.url.path, form) and rule.fires()]
        return fired[0] if fired else None

    def _fault_response(self, ctx: RequestContext, rule: FaultRule, path: str) -> httpx.Response:
        """429 / 503 / 504 as Graph sends them (https://learn.microsoft.com/en-us/graph/throttling)."""
        status, code, message = {
            "throttle": (429, "TooManyRequests", "Too many requests. Please retry after the time given in the "
                                                 "Retry-After header."),
            "unavailable": (503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry "
                                                        "after the time given in the Retry-After header."),
            "gateway_timeout": (504, "UnknownError", "The gateway did not receive a timely response."),
        }[rule.action]
        headers = {"Retry-After": rule.retry_after} if rule.retry_after and rule.action != "gateway_timeout" else {}
        if exchange.is_autodiscover(path):  # Exchange's front door: a bare status page, no JSON
            return httpx.Response(status, headers={"Content-Type": "text/html", **headers},
                                  content=f"<html><body>HTTP Error {status}</body></html>".encode())
        if path.startswith("/v1.0"):
            return graph_error(ctx, status, code, message, headers)
        failure = IdentityFailure(status, "temporarily_unavailable", 90033 if status != 429 else 50196,
                                  "A transient error has occurred. Please try again.")
        response = identity_error(ctx, failure)
        response.headers.update(headers)
        return response

    @staticmethod
    def _garbled_response(ctx: RequestContext) -> httpx.Response:
        """200 with an HTML page instead of the answer: what a captive portal or a
        TLS-inspecting proxy's block page looks like to a client."""
        return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"},
                              content=b"<html><head><title>Access denied</title></head>"
                                      b"<body>This site is blocked by your organisation's proxy.</body></html>")

    def consent_at_sign_in(self, code: DeviceCode | authcodes.AuthCode, user: dict) -> None:
        """Consent the user gives in the browser for a tenant's own public client.

        Users consent to non-admin scopes for themselves; an administrator (a role
        that manages apps) may consent to any scope. What is not consented makes the
        token request fail with AADSTS65001.
        """
        app = self.state.app_by_app_id(code.client_id)
        if app is None:
            return
        try:
            req = tokens.resolve(self.state, code.scopes, self.graph_aliases())
        except IdentityFailure:
            return
        if req.resource_sp is None or req.default:
            return
        admin = bool(self.state.user_role_templates(user["id"]) & catalog.APP_WRITER_ROLES)
        published = {s["value"]: s for s in req.resource_sp.get("oauth2PermissionScopes", [])}
        allowed = [n for n in req.names if n in published and (admin or published[n]["type"] == "User")]
        client_sp = self.state.sp_by_app_id(app["appId"]) or self.create_service_principal(
            app, self.clock.now(), replicate=False)
        have = tokens.consented_scopes(self.state, client_sp, req.resource_sp, user["id"])
        missing = [n for n in allowed if n not in have]
        if not missing:
            return
        grant = next((g for g in self.state.grants.values()
                      if g["clientId"] == client_sp["id"] and g["resourceId"] == req.resource_sp["id"]
                      and g["consentType"] == "Principal" and g["principalId"] == user["id"]), None)
        if grant is None:
            self.ids.object_id()  # grant ids derive from their objects; the draw keeps seeded ids stable
            grant = model.new_grant(client_sp["id"], req.resource_sp["id"], "",
                                    "Principal", user["id"])
            self.state.grants[grant["id"]] = grant
        grant["scope"] = " ".join((grant["scope"].split()) + missing)

    def _loopmeeting_consent(self) -> dict:
        state = self.state
        # The vendor's own app: owned by another organisation (a local look-alike of the same name is not it).
        existing = next((s for s in state.service_principals.values() if s["displayName"] == "LoopMeeting"
                         and s.get("appOwnerOrganizationId") != state.tenant_id), None)
        if existing is not None:
            return existing
        rng = random.Random(f"{LOOPMEETING_APP_ID_SEED}-{self.seed}")
        app_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        owner = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        now = self.clock.now()
        app = {"appId": app_id, "displayName": "LoopMeeting", "signInAudience": "AzureADMultipleOrgs",
               "web": {"redirectUris": ["https://app.loopmeeting.com/auth/callback"]}}
        sp = model.new_service_principal(self.ids.object_id(), app, now, owner)
        sp["tags"] = ["WindowsAzureActiveDirectoryIntegratedApp"]
        sp["verifiedPublisher"] = {"displayName": "LoopMeeting", "verifiedPublisherId": "6180000",
                                   "addedDateTime": "2024-03-01T00:00:00Z"}
        state.service_principals[sp["id"]] = sp
        graph = state.graph_sp()
        self.ids.object_id()  # grant ids derive from their objects; the draw keeps seeded ids stable
        grant = model.new_grant(sp["id"], graph["id"],
                                "Calendars.ReadWrite User.Read offline_access openid profile", "AllPrincipals", None)
        state.grants[grant["id"]] = grant
        return sp

    def _role_group(self, entry: dict) -> None:
        """Scenario flag `[[flags.role_groups]]`: a role-assignable group (displayName, members:
        local parts of UPNs, role: template id) holds the role; its members lose their direct
        assignment of it, so they hold it only through the group.

        https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept
        (isAssignableToRole, security group, not mail-enabled; cannot contain groups).
        """
        state = self.state
        template = str(entry["role"])
        role_id = next((rid for rid, r in state.directory_roles.items() if r["roleTemplateId"] == template), None)
        if role_id is None:
            raise ValueError(f"scenario {self.scenario.name!r}: no directory role with template {template}")
        name = str(entry.get("displayName", "Role holders"))
        nickname = "".join(c for c in name.lower() if c.isalnum()) or "rolegroup"
        from wizard.simtenant import resources

        group = {"@odata.type": "#microsoft.graph.group", **resources.new(
            "group", id=self.ids.object_id(), description=str(entry.get("description", "")) or None,
            displayName=name, groupTypes=[], isAssignableToRole=True, mailEnabled=False,
            mailNickname=nickname, securityEnabled=True, securityIdentifier=None)}
        state.groups[group["id"]] = group
        members = set()
        for local in entry.get("members", []):
            user = state.user(f"{local}@{state.domain}")
            if user is None:
                raise ValueError(f"scenario {self.scenario.name!r}: no user {local!r}")
            members.add(user["id"])
        state.group_members[group["id"]] = members
        state.role_members[role_id] = (state.role_members[role_id] - members) | {group["id"]}

    def _maybe_loopmeeting_consent(self, request: httpx.Request) -> None:
        """Scenario flag `loopmeeting_consent_after = N`: the admin's consent in LoopMeeting's
        Central Config ("Get Access Token") happens N seconds after a client first looks for the
        LoopMeeting service principal, as a person would do it while the wizard waits."""
        after = self.scenario.flags.get("loopmeeting_consent_after")
        if after is None or self._loopmeeting_done:
            return
        now = self.clock.now()
        if self._loopmeeting_first_look is None:
            if request.url.path.endswith("/servicePrincipals") and "LoopMeeting" in str(request.url.params):
                self._loopmeeting_first_look = now
            return
        if now - self._loopmeeting_first_look >= float(after):
            self._loopmeeting_consent()
            self._loopmeeting_done = True

    def _apply_scenario(self) -> None:
        """Create the scenario's pre-existing app registrations (visible at once: they are old)."""
        from wizard.simtenant.scenario_apps import create_from_scenario

        for entry in self.scenario.applications:
            create_from_scenario(self, entry)
        for entry in self.scenario.flags.get("role_groups", []):
            self._role_group(entry)
        flags = self.scenario.flags
        if "ews_enabled" in flags:
            self.state.ews_enabled = bool(flags["ews_enabled"])
        self.state.ews_allowed_app_ids = [str(a) for a in flags.get("ews_allowed_app_ids", [])]
        if self.scenario.flags.get("loopmeeting_consent"):
            self._loopmeeting_consent()
