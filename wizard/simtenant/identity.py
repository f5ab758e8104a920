"""The identity platform endpoints: discovery, keys, device code, token.

Paths (any host; `{tenant}` is the tenant GUID, its domain, `organizations` or `common`):

    GET  /{tenant}/v2.0/.well-known/openid-configuration
         https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
    GET  /{tenant}/discovery/v2.0/keys
    POST /{tenant}/oauth2/v2.0/devicecode
         https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code#device-authorization-request
    GET|POST /{tenant}/oauth2/v2.0/authorize   (the sign-in page of the auth-code flow, `authcodes.py`)
         https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
    POST /{tenant}/oauth2/v2.0/token   grant_type = device_code | authorization_code | refresh_token | client_credentials
         https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
         https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
    GET  /common/discovery/instance    (instance discovery, for MSAL without instance_discovery=False)

Errors use the AADSTS envelope (`responses.identity_error`) with Microsoft's
numbers and wording from https://login.microsoftonline.com/error.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx

from wizard.simtenant import authcodes, catalog, tokens
from wizard.simtenant.devicecodes import EXPIRES_IN, INTERVAL, DeviceCode
from wizard.simtenant.keys import b64url_json
from wizard.simtenant.responses import IdentityFailure, RequestContext, identity_error, identity_json

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


CA_BLOCKED = ("Access has been blocked by Conditional Access policies. The access policy does not allow "
              "token issuance.")


def _form(request: httpx.Request) -> dict[str, str]:
    body = request.content.decode("utf-8", "replace") if request.content else ""
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


class Identity:
    """Routes `/{tenant}/…` requests of one SimTenant."""

    def __init__(self, sim: "SimTenant") -> None:
        self.sim = sim
        self.refresh_tokens: dict[str, dict] = {}

    # ---- routing -------------------------------------------------------------------
    def handle(self, ctx: RequestContext, path: str) -> httpx.Response:
        try:
            return self._route(ctx, path)
        except IdentityFailure as failure:
            return identity_error(ctx, failure)

    def _route(self, ctx: RequestContext, path: str) -> httpx.Response:
        method = ctx.request.method
        parts = path.strip("/").split("/", 1)
        segment, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        if segment.lower() == "common" and rest == "discovery/instance":
            return self._instance_discovery(ctx)
        self._check_tenant(segment)
        routes = {
            ("GET", "v2.0/.well-known/openid-configuration"): self._discovery,
            ("GET", "discovery/v2.0/keys"): self._keys,
            ("POST", "oauth2/v2.0/devicecode"): self._devicecode,
            ("GET", "oauth2/v2.0/authorize"): self._authorize,
            ("POST", "oauth2/v2.0/authorize"): self._authorize,
            ("POST", "oauth2/v2.0/token"): self._token,
        }
        handler = routes.get((method, rest))
        if handler is None:
            if any(r == rest for (_, r) in routes):
                raise IdentityFailure(405, "invalid_request", 900561,
                                      f"The endpoint only accepts {'POST' if method == 'GET' else 'GET'} requests. "
                                      f"Received a {method} request.")
            raise IdentityFailure(404, "invalid_request", 900023, f"Specified path '/{path.strip('/')}' is not valid.")
        return handler(ctx, segment)

    def _check_tenant(self, segment: str) -> None:
        state = self.sim.state
        low = segment.lower()
        if low in ("organizations", "common", state.tenant_id, state.domain.lower()):
            return
        if low == "consumers":
            raise IdentityFailure(400, "invalid_request", 9002331,
                                  "Application is configured for use by Microsoft Account users only. "
                                  "Please use the /consumers endpoint to serve this request.")
        raise IdentityFailure(400, "invalid_tenant", 90002,
                              f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID "
                              "and are signing into the correct cloud. Check with your subscription "
                              "administrator, this may happen if there are no active subscriptions for the tenant.")

    # ---- discovery -------------------------------------------------------------------
    def _discovery(self, ctx: RequestContext, segment: str) -> httpx.Response:
        base = ctx.base_url
        tid = self.sim.state.tenant_id
        specific = segment.lower() not in ("organizations", "common")
        issuer_tid = tid if specific else "{tenantid}"
        doc = {
            "token_endpoint": f"{base}/{segment}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{segment}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{issuer_tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.sim.graph_base_for(base)}/oidc/userinfo",
            "authorization_endpoint": f"{base}/{segment}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{segment}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{segment}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                                 "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
                                 "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
                                 "c_hash", "email"],
            "kerberos_endpoint": f"{base}/{segment}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": urlsplit(base).hostname,
            "cloud_graph_host_name": urlsplit(self.sim.graph_base_for(base)).netloc,
            "msgraph_host": urlsplit(self.sim.graph_base_for(base)).netloc,
            "rbac_url": "https://pas.windows.net",
        }
        return identity_json(ctx, doc)

    def _keys(self, ctx: RequestContext, segment: str) -> httpx.Response:
        return identity_json(ctx, self.sim.signer.jwks(f"{ctx.base_url}/{self.sim.state.tenant_id}/v2.0"))

    def _instance_discovery(self, ctx: RequestContext) -> httpx.Response:
        host = urlsplit(ctx.base_url).netloc
        return identity_json(ctx, {
            "tenant_discovery_endpoint": f"{ctx.base_url}/{{tenant}}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        })

    # ---- clients -------------------------------------------------------------------
    def _client(self, client_id: str) -> tuple[str, dict | None]:
        """(display name, tenant application or None for a first-party client); AADSTS700016 if unknown."""
        if not client_id:
            raise IdentityFailure(400, "invalid_request", 900144,
                                  "The request body must contain the following parameter: 'client_id'.")
        if client_id.lower() in catalog.PUBLIC_CLIENTS:
            return catalog.PUBLIC_CLIENTS[client_id.lower()], None
        app = self.sim.state.app_by_app_id(client_id)
        if app is None or not self.sim.sts_knows(app):
            raise IdentityFailure(
                400, "unauthorized_client", 700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.sim.state.display_name}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant. You may have sent "
                "your authentication request to the wrong tenant.")
        return app.get("displayName") or client_id, app

    # ---- device code -------------------------------------------------------------------
    def _devicecode(self, ctx: RequestContext, segment: str) -> httpx.Response:
        form = _form(ctx.request)
        client_id = form.get("client_id", "")
        name, _app = self._client(client_id)
        scopes = tokens.split_scopes(form.get("scope"))
        if not scopes:
            raise IdentityFailure(400, "invalid_request", 900144,
                                  "The request body must contain the following parameter: 'scope'.")
        req = tokens.resolve(self.sim.state, scopes, self.sim.graph_aliases(ctx.base_url))
        tokens.check_scopes_exist(req, name, client_id)
        ids, now = self.sim.ids, ctx.now
        code = DeviceCode(
            device_code=ids.token(120), user_code=ids.user_code(), client_id=client_id.lower(),
            scopes=scopes, issued=now, expires_at=now + EXPIRES_IN, interval=INTERVAL,
        )
        self.sim.device_codes.add(code)
        uri = f"{ctx.base_url}/devicelogin"
        return identity_json(ctx, {
            "user_code": code.user_code,
            "device_code": code.device_code,
            "verification_uri": uri,
            "expires_in": EXPIRES_IN,
            "interval": INTERVAL,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                       f"{code.user_code} to authenticate.",
        })

    # ---- token -------------------------------------------------------------------
    def _token(self, ctx: RequestContext, segment: str) -> httpx.Response:
        form = _form(ctx.request)
        auth = ctx.request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):  # client_secret_basic
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                form.setdefault("client_id", user)
                form.setdefault("client_secret", password)
            except ValueError:
                pass
        grant = form.get("grant_type", "")
        if not grant:
            raise IdentityFailure(400, "invalid_request", 900144,
                                  "The request body must contain the following parameter: 'grant_type'.")
        if grant == DEVICE_CODE_GRANT:
            return self._redeem_device_code(ctx, form)
        if grant == "authorization_code":
            return self._redeem_auth_code(ctx, form)
        if grant == "refresh_token":
            return self._redeem_refresh_token(ctx, form)
        if grant == "client_credentials":
            return self._client_credentials(ctx, form)
        raise IdentityFailure(400, "unsupported_grant_type", 70003,
                              f"The app requested an unsupported grant type '{grant}'.")

    def _redeem_device_code(self, ctx: RequestContext, form: dict) -> httpx.Response:
        sim, now = self.sim, ctx.now
        code = sim.device_codes.by_device_code(form.get("device_code", ""))
        client_id = form.get("client_id", "").lower()
        if code is None or code.client_id != client_id:
            raise IdentityFailure(400, "bad_verification_code", 70000,
                                  "The provided value for the input parameter 'device_code' is not valid.")
        faults = sim.faults
        if code.status == "redeemed":
            raise IdentityFailure(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        if now >= code.expires_at and code.status != "approved":
            raise IdentityFailure(400, "expired_token", 70020,
                                  "The provided value for the input parameter 'device_code' is not valid. "
                                  "This device code has expired.")
        too_fast = code.last_poll is not None and now - code.last_poll < code.interval
        code.last_poll = now
        if code.status == "pending" and faults.slow_down and too_fast:
            code.interval += 5  # RFC 8628 section 3.5: the client must add 5 seconds
            raise IdentityFailure(400, "slow_down", 70016,
                                  "OAuth 2.0 device flow error. The client is polling too frequently; "
                                  "slow down the polling interval.")
        if code.status == "pending" and sim.auto_approve_after is not None \
                and now - code.issued >= sim.auto_approve_after:
            sim.approve_code(code, sim.demo_admin_upn)
        if code.status == "pending":
            raise IdentityFailure(400, "authorization_pending", 70016,
                                  "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
        if code.status == "declined":
            raise IdentityFailure(400, "authorization_declined", 70000,
                                  "The user denied the authorization request.")
        name, app = self._client(client_id)
        if app is not None and (faults.public_client_flows_off or not app.get("isFallbackPublicClient")):
            # https://learn.microsoft.com/en-us/entra/identity-platform/msal-client-applications
            # ("Allow public client flows" off: the token endpoint wants a client credential)
            raise IdentityFailure(401, "invalid_client", 7000218,
                                  "The request body must contain the following parameter: 'client_assertion' "
                                  "or 'client_secret'.")
        if faults.conditional_access_block or faults.device_code_flow_blocked:
            # https://learn.microsoft.com/en-us/entra/identity/conditional-access/concept-authentication-flows
            # (the "authentication flows" condition can block the device-code flow alone)
            raise IdentityFailure(400, "invalid_grant", 53003, CA_BLOCKED)
        if faults.device_auth_required:
            raise IdentityFailure(400, "invalid_grant", 50097, "Device authentication is required.")
        if faults.device_policy_error:
            # https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
            # (AADSTS50005 DevicePolicyError: "User tried to log in to a device from a platform that's
            # currently not supported through Conditional Access policy.")
            raise IdentityFailure(400, "invalid_grant", 50005,
                                  "User tried to log in to a device from a platform (Unknown) that's currently not "
                                  "supported through Conditional Access policy. Supported device platforms are: "
                                  "iOS, Android, Mac, and Windows flavors.")
        if code.user_id is None:  # approve_code sets the status and the user together
            raise RuntimeError(f"device code {code.user_code} is approved without a user")
        user = sim.state.users[code.user_id]
        code.status = "redeemed"
        return self._delegated_response(ctx, form, client_id, name, app, user, code.scopes)

    # ---- authorization code -------------------------------------------------------------
    def _authorize(self, ctx: RequestContext, segment: str) -> httpx.Response:
        """The sign-in page: check client and redirect URI, then sign in (demo: at once) and redirect."""
        sim = self.sim
        params = authcodes.query_params(ctx.request)
        try:
            self._client(params.get("client_id", ""))
        except IdentityFailure as failure:
            return authcodes.page(sim, str(failure), status=failure.status)
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not any(authcodes.redirect_matches(r, redirect_uri)
                                       for r in authcodes.registered_redirects(sim, params["client_id"])):
            # Never redirect to an address the app did not register: the page says so.
            return authcodes.page(sim, (
                f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the "
                f"redirect URIs configured for the application '{params['client_id']}'. Make sure the redirect "
                "URI sent in the request matches one added to your application in the Azure portal."), status=400)
        mode = params.get("response_mode", "query") or "query"
        state = params.get("state", "")

        def fail(error: str, number: int, description: str) -> httpx.Response:
            answer = {"error": error, "error_description": f"AADSTS{number}: {description}"}
            if state:
                answer["state"] = state
            return authcodes.landing(redirect_uri, mode, answer)

        if params.get("response_type", "") != "code":
            return fail("unsupported_response_type", 70005,
                        "response_type 'token' is not enabled for the application.")
        method = params.get("code_challenge_method", "plain" if params.get("code_challenge") else "")
        if params.get("code_challenge") and method.upper() not in ("S256", "PLAIN"):
            return fail("invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
        scopes = tokens.split_scopes(params.get("scope"))
        try:
            tokens.check_scopes_exist(tokens.resolve(sim.state, scopes or ["openid"], sim.graph_aliases(ctx.base_url)), params["client_id"],
                                      params["client_id"])
        except IdentityFailure as failure:
            return fail(failure.error, failure.aadsts, failure.description)
        if sim.faults.conditional_access_block:
            # A policy that blocks every sign-in stops it on Microsoft's page ("You cannot access this
            # right now"): nothing comes back to the app.
            return authcodes.page(sim, f"AADSTS53003: {CA_BLOCKED}", status=400)
        user_upn = params.get("user", "")
        if ctx.request.method == "GET" and sim.auto_approve_after is None:
            return authcodes.page(sim, "Sign in to continue to the application.", params)
        if params.get("action") == "decline":
            return fail("access_denied", 65004, "User declined to consent to access the app.")
        user = sim.state.user(user_upn or sim.demo_admin_upn)
        if user is None:
            return authcodes.page(sim, f"No user {user_upn!r} in {sim.state.domain}.", params, status=400)
        now = ctx.now
        code = authcodes.AuthCode(
            code=sim.ids.token(140), client_id=params["client_id"].lower(), redirect_uri=redirect_uri,
            scopes=scopes, challenge=params.get("code_challenge", ""), challenge_method=method,
            nonce=params.get("nonce", ""), user_id=user["id"], issued=now, expires_at=now + authcodes.CODE_LIFETIME)
        sim.auth_codes.add(code)
        sim.consent_at_sign_in(code, user)
        answer = {"code": code.code}
        if state:
            answer["state"] = state
        if params.get("client_info") == "1":
            answer["client_info"] = b64url_json({"uid": user["id"], "utid": sim.state.tenant_id})
        answer["session_state"] = sim.ids.request_id()
        return authcodes.landing(redirect_uri, mode, answer)

    def _redeem_auth_code(self, ctx: RequestContext, form: dict) -> httpx.Response:
        sim, now = self.sim, ctx.now
        client_id = form.get("client_id", "").lower()
        if not form.get("code"):
            raise IdentityFailure(400, "invalid_request", 900144,
                                  "The request body must contain the following parameter: 'code'.")
        code = sim.auth_codes.get(form.get("code", ""))
        if code is None or code.client_id != client_id:
            raise IdentityFailure(400, "invalid_grant", 70000,
                                  "The provided value for the 'code' parameter is not valid.")
        if code.status == "redeemed":
            raise IdentityFailure(400, "invalid_grant", 54005,
                                  "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                                  "code or use an existing refresh token.")
        if now >= code.expires_at:
            raise IdentityFailure(400, "invalid_grant", 70008,
                                  "The provided authorization code or refresh token has expired due to inactivity. "
                                  "Send a new interactive authorization request for this user and resource.")
        sent = form.get("redirect_uri", "")
        if sent != code.redirect_uri:
            raise IdentityFailure(400, "invalid_grant", 500112,
                                  f"The reply address '{sent}' does not match the reply address "
                                  f"'{code.redirect_uri}' provided when requesting Authorization code.")
        if not authcodes.verifier_matches(code, form.get("code_verifier", "")):
            raise IdentityFailure(400, "invalid_grant", 501481,
                                  "The Code_Verifier does not match the code_challenge supplied in the "
                                  "authorization request.")
        name, app = self._client(client_id)
        if sim.faults.conditional_access_block:
            raise IdentityFailure(400, "invalid_grant", 53003, CA_BLOCKED)
        user = sim.state.users[code.user_id]
        code.status = "redeemed"
        return self._delegated_response(ctx, form, client_id, name, app, user, code.scopes, nonce=code.nonce)

    def _redeem_refresh_token(self, ctx: RequestContext, form: dict) -> httpx.Response:
        record = self.refresh_tokens.get(form.get("refresh_token", ""))
        client_id = form.get("client_id", "").lower()
        if record is None or record["client_id"] != client_id:
            raise IdentityFailure(400, "invalid_grant", 9002313,
                                  "Invalid request. Request is malformed or invalid.")
        name, app = self._client(client_id)
        user = self.sim.state.users.get(record["user_id"])
        if user is None:
            raise IdentityFailure(400, "invalid_grant", 50173,
                                  "The provided grant has expired due to it being revoked, a fresh auth token is "
                                  "needed. The user might have changed or reset their password.")
        scopes = tokens.split_scopes(form.get("scope")) or record["scopes"]
        if self.sim.faults.refresh_mfa_required:
            # A policy change or a new location: MFA again before a refresh is honoured
            # (https://learn.microsoft.com/entra/identity-platform/reference-error-codes, 50076).
            raise IdentityFailure(400, "invalid_grant", 50076,
                                  "Due to a configuration change made by your administrator, or because you moved "
                                  "to a new location, you must use multi-factor authentication to access "
                                  f"'{catalog.GRAPH_APP_ID}'.")
        return self._delegated_response(ctx, form, client_id, name, app, user, scopes)

    def _delegated_response(self, ctx: RequestContext, form: dict, client_id: str, client_name: str,
                            app: dict | None, user: dict, scopes: list[str], nonce: str = "") -> httpx.Response:
        sim, state, now = self.sim, self.sim.state, ctx.now
        req = tokens.resolve(state, scopes, sim.graph_aliases(ctx.base_url))
        tokens.check_scopes_exist(req, client_name, client_id)
        if req.resource_sp is None:  # only OIDC scopes: Microsoft returns a Graph token for User.Read
            req = tokens.resolve(state, ["User.Read"])
        resource_sp = req.resource()
        granted = self._delegated_scopes(req, client_id, client_name, app, user)
        scp = list(granted)
        if resource_sp["appId"] == catalog.GRAPH_APP_ID:
            scp += [s for s in ("openid", "profile", "email") if s in req.oidc and s not in scp]
        access = sim.signer.sign(tokens.delegated_claims(
            state, user=user, client_id=client_id, client_name=client_name, audience=req.audience,
            scp=scp, now=now, uti=sim.ids.token(22)))
        prefix = "" if not req.requested or "/" not in req.requested[0] else req.requested[0].rpartition("/")[0] + "/"
        echoed = req.requested if not req.default else [prefix + s for s in granted]
        body = {
            "token_type": "Bearer",
            "scope": " ".join(echoed + [s for s in ("openid", "profile", "email") if s in req.oidc]),
            "expires_in": tokens.ACCESS_TOKEN_SECONDS,
            "ext_expires_in": tokens.ACCESS_TOKEN_SECONDS,
            "access_token": access,
        }
        if "offline_access" in req.oidc:
            refresh = sim.ids.token(96)
            self.refresh_tokens[refresh] = {"client_id": client_id, "user_id": user["id"], "scopes": scopes}
            body["refresh_token"] = refresh
        if "openid" in req.oidc:
            issuer = f"{ctx.base_url}/{state.tenant_id}/v2.0"
            claims = tokens.id_token_claims(state, user=user, client_id=client_id, issuer=issuer, now=now,
                                            uti=sim.ids.token(22))
            if nonce:  # the authorize request's nonce, echoed (OpenID Connect Core 1.0 section 3.1.3.7)
                claims["nonce"] = nonce
            body["id_token"] = sim.signer.sign(claims)
        if form.get("client_info") == "1":
            body["client_info"] = b64url_json({"uid": user["id"], "utid": state.tenant_id})
        return identity_json(ctx, body)

    def _delegated_scopes(self, req: tokens.ScopeRequest, client_id: str, client_name: str,
                          app: dict | None, user: dict) -> list[str]:
        """Which of the requested scopes this client may have for this user."""
        state = self.sim.state
        resource_sp = req.resource()
        is_graph = resource_sp["appId"] == catalog.GRAPH_APP_ID
        client_sp = state.sp_by_app_id(client_id)
        consented = tokens.consented_scopes(state, client_sp, resource_sp, user["id"])
        if client_id in catalog.GRAPH_PREAUTHORIZED and is_graph:
            # Graph Command Line Tools is pre-authorized for any Graph delegated scope.
            return list(req.names) if not req.default else sorted(consented | {"User.Read"})
        if client_id in catalog.PUBLIC_CLIENTS:
            published = {s["value"] for s in resource_sp.get("oauth2PermissionScopes", []) if s.get("isEnabled")}
            preauthorized = catalog.PREAUTHORIZED_SCOPES.get(client_id, {}).get(resource_sp["appId"])
            allowed = (set(preauthorized) & published if preauthorized is not None
                       else ({"User.Read"} if is_graph else set()))
            wanted = set(req.names) if not req.default else allowed
            if not wanted <= allowed:
                raise IdentityFailure(
                    400, "invalid_grant", 65002,
                    f"Consent between first party application '{client_id}' and first party resource "
                    f"'{resource_sp['appId']}' must be configured via preauthorization - applications owned and "
                    "operated by Microsoft must get approval from the API owner before requesting tokens for "
                    "that API.")
            return sorted(wanted)
        if req.default:
            return sorted(consented)
        missing = [n for n in req.names if n not in consented]
        if missing:
            raise IdentityFailure(
                400, "invalid_grant", 65001,
                f"The user or administrator has not consented to use the application with ID '{client_id}' "
                f"named '{client_name}'. Send an interactive authorization request for this user and resource.")
        return list(req.names)

    # ---- client credentials -------------------------------------------------------------
    def _client_credentials(self, ctx: RequestContext, form: dict) -> httpx.Response:
        sim, state, now = self.sim, self.sim.state, ctx.now
        client_id = form.get("client_id", "")
        scopes = tokens.split_scopes(form.get("scope"))
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            shown = " ".join(scopes)
            raise IdentityFailure(400, "invalid_scope", 1002012,
                                  f"The provided value for scope {shown} is not valid. Client credential flows must "
                                  "have a scope value with /.default suffixed to the resource identifier "
                                  "(application ID URI).")
        name, app = self._client(client_id)
        if app is None:  # Microsoft's public clients have no secret in this tenant
            raise IdentityFailure(401, "invalid_client", 7000218,
                                  "The request body must contain the following parameter: 'client_assertion' "
                                  "or 'client_secret'.")
        secret = form.get("client_secret", "")
        if not secret:
            raise IdentityFailure(401, "invalid_client", 7000218,
                                  "The request body must contain the following parameter: 'client_assertion' "
                                  "or 'client_secret'.")
        sim.check_client_secret(app, secret, now)  # raises 7000215 / 7000222
        client_sp = state.sp_by_app_id(app["appId"])
        if client_sp is None or not state.known_to_sts(client_sp["id"]):  # sign-in's own replication
            raise IdentityFailure(400, "invalid_client", 7000229,
                                  f"The client application {app['appId']} is missing service principal in the "
                                  f"tenant {state.tenant_id}. See instructions here: "
                                  "https://go.microsoft.com/fwlink/?linkid=2225119")
        req = tokens.resolve(state, scopes, sim.graph_aliases(ctx.base_url))
        roles = tokens.app_roles_for(state, client_sp, req.resource(), now, sim.faults.roles_claim_lag_seconds)
        access = sim.signer.sign(tokens.app_claims(
            state, client_sp=client_sp, audience=req.audience, roles=roles, now=now, uti=sim.ids.token(22)))
        return identity_json(ctx, {
            "token_type": "Bearer",
            "expires_in": tokens.ACCESS_TOKEN_SECONDS,
            "ext_expires_in": tokens.ACCESS_TOKEN_SECONDS,
            "access_token": access,
        })
