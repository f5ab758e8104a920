"""Graph: app registrations (`/applications`) and their client secrets.

- GET/POST /applications          https://learn.microsoft.com/en-us/graph/api/application-list
                                  https://learn.microsoft.com/en-us/graph/api/application-post-applications
- GET/PATCH/DELETE /applications/{id} and /applications(appId='…')
                                  https://learn.microsoft.com/en-us/graph/api/application-get
                                  https://learn.microsoft.com/en-us/graph/api/application-update
                                  https://learn.microsoft.com/en-us/graph/api/application-delete
- PATCH /applications(uniqueName='…') with `Prefer: create-if-missing`: 201 + body when
  created, 204 when updated, 404 without the header when missing
                                  https://learn.microsoft.com/en-us/graph/api/application-upsert
- PUT/GET /applications/{id}/logo (and by appId): the logo stream. "To update the logo, use
  the PUT method": the image bytes as the body, their type as Content-Type, 204 No Content
                                  https://learn.microsoft.com/en-us/graph/api/application-update
  The doc names no type or size rule; the simulator takes what the portal's "Upload new logo"
  takes (.png, .jpg, .bmp, under 100 KB; GIF too, as an image type) and answers a wrong
  Content-Type with 415 and an oversized body with 413, the statuses Graph's error page gives
  for those cases (https://learn.microsoft.com/en-us/graph/errors), in Graph's error envelope.
  GET answers the bytes with their Content-Type; an app without a logo answers 404.
- POST …/addPassword, …/removePassword
                                  https://learn.microsoft.com/en-us/graph/api/application-addpassword
                                  https://learn.microsoft.com/en-us/graph/api/application-removepassword
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import TYPE_CHECKING

import httpx
from cryptography import x509

from wizard.simtenant import model, odata, resources
from wizard.simtenant.graph import (Call, bad_request, collection, count_segment, not_found, require_writer, single,
                                    unquote_key)
from wizard.simtenant.responses import GraphFailure, graph_empty, graph_json

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

APPS = odata.Filterable("application", frozenset({"id", "appId", "displayName", "uniqueName", "publisherDomain",
                                                  "signInAudience", "createdDateTime"}),
                        frozenset({"identifierUris", "tags"}))
APP_PROPS = set(resources.keys("application"))
APP_HIDDEN = resources.select_only("application")  # "Returned only on $select"
APP_REF = r"/applications(?:/(?P<id>[^/()]+)|\((?P<key>appId|uniqueName)='(?P<kval>(?:[^']|'')*)'\))"
LOGO_TYPES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",), "image/bmp": (b"BM",),
              "image/gif": (b"GIF87a", b"GIF89a")}
LOGO_MAX_BYTES = 100 * 1024
AUDIENCES = {"AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"}


def add_years(ts: float, years: int) -> float:
    when = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    try:
        return when.replace(year=when.year + years).timestamp()
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28).timestamp()


KEY_TYPES = {"AsymmetricX509Cert", "X509CertAndPassword", "Symmetric"}
KEY_USAGES = {"Sign", "Verify"}


def key_credentials(value: object, new_id) -> list[dict]:
    """Check a `keyCredentials` collection as Graph does and return it as stored.

    https://learn.microsoft.com/en-us/graph/api/resources/keycredential: `type` (AsymmetricX509Cert,
    X509CertAndPassword, Symmetric), `usage` (Sign, Verify), `key` the certificate's raw data in Base64,
    `startDateTime` / `endDateTime`, `keyId` a GUID. A certificate's dates default to its validity period;
    the end must follow the start. `key` is never sent back in a collection ("otherwise, it's always null").
    An empty list (what `az ad app create` sends) removes every key.
    """
    def invalid(detail: str) -> GraphFailure:
        return bad_request(f"Invalid value specified for property 'keyCredentials' of resource 'Application'. "
                           f"{detail}")

    if not isinstance(value, list):
        raise invalid("A collection is expected.")
    stored = []
    for entry in value:
        if not isinstance(entry, dict):
            raise invalid("Each key credential must be an object.")
        unknown = set(entry) - resources.keys("keyCredential") - {"@odata.type"}
        if unknown:
            raise invalid(f"Unknown properties: {', '.join(sorted(unknown))}.")
        if entry.get("type") not in KEY_TYPES:
            raise invalid(f"'type' must be one of {', '.join(sorted(KEY_TYPES))}.")
        if entry.get("usage") not in KEY_USAGES:
            raise invalid("'usage' must be Sign or Verify.")
        try:
            raw = base64.b64decode(str(entry.get("key") or ""), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if not raw:
            raise invalid("'key' must be the certificate's raw data in Base64.")
        start = end = None
        if entry["type"] != "Symmetric":
            try:
                cert = x509.load_der_x509_certificate(raw)
            except ValueError:
                try:
                    cert = x509.load_pem_x509_certificate(raw)
                except ValueError:
                    raise invalid("'key' is not an X.509 certificate.")
            start = cert.not_valid_before_utc.timestamp()
            end = cert.not_valid_after_utc.timestamp()
        try:
            if entry.get("startDateTime"):
                start = model.parse_iso(str(entry["startDateTime"]))
            if entry.get("endDateTime"):
                end = model.parse_iso(str(entry["endDateTime"]))
        except ValueError:
            raise invalid("'startDateTime' and 'endDateTime' must be ISO 8601 dates.")
        if start is None or end is None:
            raise invalid("'startDateTime' and 'endDateTime' are required for a symmetric key.")
        if end <= start:
            raise bad_request("Key credential end date is invalid.", "KeyCredentialsInvalidEndDate")
        key_id = str(entry.get("keyId") or new_id())
        try:
            key_id = str(uuid.UUID(key_id))
        except ValueError:
            raise invalid("'keyId' must be a GUID.")
        stored.append(resources.new(
            "keyCredential", customKeyIdentifier=entry.get("customKeyIdentifier"),
            displayName=entry.get("displayName"), endDateTime=model.iso(end), key=None, keyId=key_id,
            startDateTime=model.iso(start), type=entry["type"], usage=entry["usage"]))
    return stored


def routes(sim: "SimTenant"):
    state = sim.state

    # ---- validation --------------------------------------------------------------------
    def validate(body: dict, existing: dict | None) -> None:
        for key in body:
            if key.startswith("@odata."):
                continue
            if key in model.APPLICATION_READ_ONLY:
                raise bad_request(f"Property '{key}' is read-only and cannot be set.")
            if key not in model.APPLICATION_WRITABLE:
                raise bad_request(f"Property '{key}' does not exist as a declared property or extension property.")
        if existing is None and not body.get("displayName"):
            raise bad_request("Invalid value specified for property 'displayName' of resource 'Application'.")
        if "displayName" in body and not (isinstance(body["displayName"], str) and body["displayName"].strip()):
            raise bad_request("Invalid value specified for property 'displayName' of resource 'Application'.")
        if "signInAudience" in body and body["signInAudience"] not in AUDIENCES:
            raise bad_request("Invalid value specified for property 'signInAudience' of resource 'Application'.")
        if existing is not None and existing.get("uniqueName") and "uniqueName" in body \
                and body["uniqueName"] != existing["uniqueName"]:
            raise bad_request("Property 'uniqueName' is immutable once it is set.")
        for uri in body.get("identifierUris") or []:
            if not isinstance(uri, str):
                raise bad_request("Invalid value specified for property 'identifierUris' of resource 'Application'.")
            if uri.lower().startswith("https://"):
                host = uri[8:].split("/")[0].lower()
                if not (host == state.domain.lower() or host.endswith("." + state.domain.lower())):
                    # https://learn.microsoft.com/en-us/entra/identity-platform/reference-breaking-changes#appid-uri-in-single-tenant-applications-will-require-use-of-default-scheme-or-verified-domains
                    raise GraphFailure(400, "HostNameNotOnVerifiedDomain",
                                       "Values of identifierUris property must use a verified domain of the "
                                       f"organization or its subdomain: '{uri}'")
            elif not uri.lower().startswith("api://"):
                raise bad_request("Invalid value specified for property 'identifierUris' of resource 'Application'.")
            clash = next((a for a in state.applications.values()
                          if (existing is None or a["id"] != existing["id"])
                          and uri.lower() in [u.lower() for u in a.get("identifierUris", [])]), None)
            if clash:
                raise bad_request("Another object with the same value for property identifierUris already exists.",
                                  "Request_MultipleObjectsWithSameKeyValue")
        web = body.get("web") or {}
        for uri in web.get("redirectUris") or []:
            ok = isinstance(uri, str) and (uri.startswith("https://") or uri.startswith("http://localhost")
                                           or uri.startswith("http://127.0.0.1"))
            if not ok:
                raise bad_request("Invalid value specified for property 'web.redirectUris' of resource "
                                  "'Application'. Redirect URIs must use https (or http://localhost).")
        for entry in body.get("requiredResourceAccess") or []:
            if not isinstance(entry, dict) or "resourceAppId" not in entry:
                raise bad_request("Invalid value specified for property 'requiredResourceAccess' of resource "
                                  "'Application'.")
            for access in entry.get("resourceAccess") or []:
                if not isinstance(access, dict) or access.get("type") not in ("Scope", "Role") or not access.get("id"):
                    raise bad_request("Invalid value specified for property 'resourceAccess' of resource "
                                      "'Application'.")
        if "keyCredentials" in body:
            body["keyCredentials"] = key_credentials(body["keyCredentials"], sim.ids.object_id)
        unique = body.get("uniqueName")
        if unique and (existing is None or not existing.get("uniqueName")):
            other = state.app_by_unique_name(unique)
            if other is not None and (existing is None or other["id"] != existing["id"]):
                raise bad_request("Another object with the same value for property uniqueName already exists.",
                                  "Request_MultipleObjectsWithSameKeyValue")

    def create(body: dict, call: Call) -> dict:
        validate(body, None)
        now = call.ctx.now
        app = model.new_application(sim.ids.object_id(), sim.ids.object_id(), now, state.domain)
        model.merge(app, {k: v for k, v in body.items() if not k.startswith("@odata.")})
        state.applications[app["id"]] = app
        state.app_created[app["id"]] = now
        sim.on_created(app["id"], "application")
        return app

    def location(call: Call, obj: dict, kind: str) -> dict:
        return {"Location": f"{call.ctx.base_url}/v2/{state.tenant_id}/directoryObjects/{obj['id']}"
                            f"/Microsoft.DirectoryServices.{kind}"}

    # ---- look-ups ----------------------------------------------------------------------
    def find(call: Call, consume: bool = True) -> dict:
        groups = call.match.groupdict()
        if groups.get("id"):
            key = groups["id"]
            app = state.applications.get(key) or state.applications.get(key.lower())  # GUIDs: any case
        else:
            key = unquote_key(groups["kval"])
            app = state.app_by_app_id(key) if groups["key"].lower() == "appid" else state.app_by_unique_name(key)
        if app is None or not state.visible(app["id"], consume):
            raise not_found(key)
        return app

    # ---- handlers ----------------------------------------------------------------------
    def list_apps(call: Call) -> httpx.Response:
        return collection(call, list(state.applications.values()), APPS, "applications",
                          lambda a: state.visible(a["id"]), APP_PROPS, hidden=APP_HIDDEN)

    def post_app(call: Call) -> httpx.Response:
        require_writer(call)
        app = create(call.body(), call)
        return single(call, app, "applications/$entity", APP_PROPS, 201, location(call, app, "Application"),
                      hidden=APP_HIDDEN)

    def get_app(call: Call) -> httpx.Response:
        return single(call, find(call), "applications/$entity", APP_PROPS, hidden=APP_HIDDEN)

    def patch_app(call: Call) -> httpx.Response:
        body = call.body()
        require_writer(call)
        groups = call.match.groupdict()
        if (groups.get("key") or "").lower() == "uniquename":
            name = unquote_key(groups["kval"])
            existing = state.app_by_unique_name(name)
            upsert = "create-if-missing" in call.header("Prefer").lower()
            if existing is not None and not state.visible(existing["id"]) and not upsert:
                raise not_found(name)  # a plain PATCH of a just-created app: 404 until it replicates
            # The upsert: "If an application with the specified uniqueName doesn't exist, creates it…
            # If it exists, updates it" (application-upsert). The key decides, not a read replica: an app
            # that exists but is still replicating is updated (204), never both "not found" and "exists".
            if existing is None:
                if not upsert:
                    raise not_found(name)
                app = create({**body, "uniqueName": name}, call)
                return single(call, app, "applications/$entity", APP_PROPS, 201,
                              location(call, app, "Application"), hidden=APP_HIDDEN)
            app = existing
        else:
            app = find(call)
        validate(body, app)
        model.merge(app, {k: v for k, v in body.items() if not k.startswith("@odata.")})
        sim.sync_service_principal(app)
        return graph_empty(call.ctx)

    def delete_app(call: Call) -> httpx.Response:
        require_writer(call)
        app = find(call)
        sim.delete_application(app, call.ctx.now)
        return graph_empty(call.ctx)

    def put_logo(call: Call) -> httpx.Response:
        require_writer(call)
        app = find(call)
        content_type = call.header("Content-Type").split(";")[0].strip().lower()
        data = call.ctx.request.content
        if content_type not in LOGO_TYPES:
            raise GraphFailure(415, "Request_UnsupportedMediaType",
                               f"The logo's Content-Type '{content_type or '(none)'}' is not supported; "
                               f"use one of {', '.join(LOGO_TYPES)}.")
        if not data:
            raise bad_request("The request body is empty: the logo must be the image's bytes.")
        if len(data) > LOGO_MAX_BYTES:
            raise GraphFailure(413, "Request_EntityTooLarge",
                               f"The logo is {len(data)} bytes; the maximum is {LOGO_MAX_BYTES} bytes.")
        if not data.startswith(LOGO_TYPES[content_type]):
            raise bad_request(f"The request body is not a valid {content_type} image.")
        state.logos[app["id"]] = (bytes(data), content_type)
        return graph_empty(call.ctx)

    def get_logo(call: Call) -> httpx.Response:
        app = find(call)
        stored = state.logos.get(app["id"])
        if stored is None:
            raise not_found("logo")
        headers = call.ctx.graph_headers()
        headers["Content-Type"] = stored[1]
        return httpx.Response(200, headers=headers, content=stored[0])

    def add_password(call: Call) -> httpx.Response:
        require_writer(call)
        app = find(call)
        raw = call.body() if call.ctx.request.content else {}
        spec = raw.get("passwordCredential") or {}
        if not isinstance(spec, dict):
            raise bad_request("Invalid value specified for property 'passwordCredential'.")
        now = call.ctx.now
        try:
            start = model.parse_iso(spec["startDateTime"]) if spec.get("startDateTime") else now
            end = model.parse_iso(spec["endDateTime"]) if spec.get("endDateTime") else add_years(start, 2)
        except (ValueError, TypeError):
            raise bad_request("Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.")
        if end <= start:
            raise bad_request("Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'."
                              " The end date must be later than the start date.")
        faults = sim.faults
        # App management policies: https://learn.microsoft.com/en-us/graph/api/resources/appmanagementpolicy
        if faults.secrets_banned:
            raise bad_request(f"Password addition is not allowed as per assigned policy '{faults.policy_id}'.",
                              "CredentialTypeNotAllowedAsPerAppPolicy")
        if faults.secret_max_lifetime_days is not None and end - start > faults.secret_max_lifetime_days * 86400:
            raise bad_request("Credential lifetime exceeds the max value allowed as per assigned policy "
                              f"'{faults.policy_id}'.", "CredentialInvalidLifetimeAsPerAppPolicy")
        secret = sim.ids.secret_text()
        key_id = sim.ids.object_id()
        credential = model.password_credential(key_id, secret, start, end, spec.get("displayName"))
        stored = dict(credential, secretText=None)
        app["passwordCredentials"].append(stored)
        state.secrets[(app["id"], key_id)] = secret
        state.secret_issued[(app["id"], key_id)] = now
        body = {"@odata.context": call.context_url("microsoft.graph.passwordCredential"), **credential}
        return graph_json(call.ctx, body)

    def remove_password(call: Call) -> httpx.Response:
        require_writer(call)
        app = find(call)
        key_id = str(call.body().get("keyId") or "")
        match = next((p for p in app["passwordCredentials"] if p["keyId"] == key_id), None)
        if match is None:
            raise bad_request(f"No password credential found with keyId '{key_id}'.")
        app["passwordCredentials"].remove(match)
        state.secrets.pop((app["id"], key_id), None)
        return graph_empty(call.ctx)

    return [
        ("GET", r"/applications", list_apps, "apps.read"),
        ("GET", r"/applications/\$count",
         lambda call: count_segment(call, list(state.applications.values()), lambda a: state.visible(a["id"])),
         "apps.read"),
        ("POST", r"/applications", post_app, "apps.write"),
        ("GET", APP_REF, get_app, "apps.read"),
        ("PATCH", APP_REF, patch_app, "apps.write"),
        ("DELETE", APP_REF, delete_app, "apps.write"),
        ("PUT", APP_REF + r"/logo", put_logo, "apps.write"),
        ("GET", APP_REF + r"/logo", get_logo, "apps.read"),
        ("POST", APP_REF + r"/addPassword", add_password, "apps.write"),
        ("POST", APP_REF + r"/removePassword", remove_password, "apps.write"),
    ]
