"""Contract tests: Microsoft's own SDKs against `simtenant serve` over loopback TLS.

azure-identity (DeviceCodeCredential, ClientSecretCredential) and msgraph-sdk (GraphServiceClient)
do what an app-registration tool does: device-code sign-in, create an app with a web redirect URI and
requiredResourceAccess, list and $filter by displayName, create its service principal (retrying while it
replicates), addPassword, an app-only token (retrying while the secret and the new service principal
reach sign-in), an oauth2PermissionGrant and an appRoleAssignment, read them back, delete the app.

Every deserialisation problem fails: the SDK's models must hold every property the simulator sends
(no undeclared property lands in `additional_data`), and kiota's loggers must log nothing at WARNING
or above. The tenant replicates by clock time per surface (a FakeClock the test advances: nothing
really sleeps), the SDKs' own retries are turned off, and every HTTP call has a short timeout.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from wizard.clock import FakeClock
from wizard.simtenant import FaultPlan, SimTenant, catalog
from wizard.simtenant.server import serve

from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential, DeviceCodeCredential

ROLE_VALUE = "Application.ReadWrite.All"  # an app role the seeded Graph service principal publishes
SCOPES = ["https://graph.microsoft.com/Application.ReadWrite.All",
          "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
          "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All"]


class KiotaComplaints(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def tenant():
    clock = FakeClock()
    faults = FaultPlan(app_graph_lag_seconds=2.0, sp_graph_lag_seconds=2.0, sp_sts_lag_seconds=6.0,
                       secret_delay_seconds=4.0)
    sim = SimTenant(clock=clock, faults=faults, auto_approve_after=None)
    with serve(sim) as server:
        yield sim, server, clock


def transport(server) -> RequestsTransport:
    return RequestsTransport(connection_verify=server.ca_path, connection_timeout=5, read_timeout=10)


def credential_kwargs(sim, server) -> dict:
    return {"tenant_id": sim.tenant_id, "authority": server.authority_host, "disable_instance_discovery": True,
            "transport": transport(server), "retry_total": 0}


def graph_client(credential, server):
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider)
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=server.ca_path, timeout=10.0, base_url=f"{server.graph_url}/v1.0"),
        options={RetryHandlerOption.get_key(): RetryHandlerOption(delay=0.0, max_retries=0)})
    auth = AzureIdentityAuthenticationProvider(credential, scopes=SCOPES, allowed_hosts=["127.0.0.1"])
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{server.graph_url}/v1.0"
    return GraphServiceClient(request_adapter=adapter), http


def declared_only(model, what: str) -> None:
    """The SDK knew every property it was sent (v1.0 schema), recursively through nested models."""
    extra = {k for k in (getattr(model, "additional_data", None) or {}) if not k.startswith("@odata.")}
    assert not extra, f"{what}: undeclared properties {sorted(extra)}"
    for name in vars(model) if hasattr(model, "__dict__") else ():
        value = getattr(model, name, None)
        for item in value if isinstance(value, list) else [value]:
            if hasattr(item, "additional_data") and hasattr(item, "get_field_deserializers"):
                declared_only(item, f"{what}.{name}")


async def until(clock, attempt, is_pending, tries: int = 12, step: float = 1.0):
    """Call `attempt` until it succeeds; while `is_pending(error)`, advance the tenant's clock."""
    for _ in range(tries):
        try:
            return await attempt()
        except Exception as exc:  # noqa: BLE001 - filtered by is_pending
            if not is_pending(exc):
                raise
            clock.advance(step)
    raise AssertionError("the tenant never caught up")


def odata_status(*statuses):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    return lambda exc: isinstance(exc, ODataError) and exc.response_status_code in statuses


def test_an_app_registration_tool_built_on_microsofts_sdks(tenant):
    sim, server, clock = tenant
    complaints = KiotaComplaints()
    loggers = [logging.getLogger(n) for n in ("kiota_serialization_json", "kiota_abstractions", "kiota_http",
                                              "msgraph", "msgraph_core")]
    for logger in loggers:
        logger.addHandler(complaints)
    try:
        asyncio.run(run_the_tool(sim, server, clock))
    finally:
        for logger in loggers:
            logger.removeHandler(complaints)
    assert not complaints.records, [r.getMessage() for r in complaints.records]


async def run_the_tool(sim, server, clock) -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.applications.applications_request_builder import ApplicationsRequestBuilder
    from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
        AddPasswordPostRequestBody)
    from msgraph.generated.models.app_role_assignment import AppRoleAssignment
    from msgraph.generated.models.application import Application
    from msgraph.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.password_credential import PasswordCredential
    from msgraph.generated.models.required_resource_access import RequiredResourceAccess
    from msgraph.generated.models.resource_access import ResourceAccess
    from msgraph.generated.models.service_principal import ServicePrincipal
    from msgraph.generated.models.web_application import WebApplication
    from msgraph.generated.oauth2_permission_grants.oauth2_permission_grants_request_builder import (
        Oauth2PermissionGrantsRequestBuilder)

    prompts = []

    def approve(verification_uri, user_code, expires_on):
        prompts.append((verification_uri, user_code))
        sim.approve_device_code(user_code, as_user=sim.demo_admin_upn)

    signed_in = DeviceCodeCredential(client_id=catalog.GRAPH_CLI_CLIENT_ID, prompt_callback=approve,
                                     **credential_kwargs(sim, server))
    graph, http = graph_client(signed_in, server)
    try:
        graph_sp = await graph.service_principals_with_app_id(catalog.GRAPH_APP_ID).get()
        assert prompts and prompts[0][0].startswith(server.authority_host)
        declared_only(graph_sp, "Microsoft Graph service principal")
        role = next(r for r in graph_sp.app_roles if r.value == ROLE_VALUE)
        user_read = next(s for s in graph_sp.oauth2_permission_scopes if s.value == "User.Read")

        name = f"Contract {uuid.UUID(int=sim.seed)}"
        app = await graph.applications.post(Application(
            display_name=name, sign_in_audience="AzureADMyOrg",
            web=WebApplication(redirect_uris=["https://vendor.example.com/oauth/callback"]),
            required_resource_access=[RequiredResourceAccess(
                resource_app_id=catalog.GRAPH_APP_ID,
                resource_access=[ResourceAccess(id=user_read.id, type="Scope"),
                                 ResourceAccess(id=role.id, type="Role")])]))
        declared_only(app, "created application")
        assert app.web.redirect_uris == ["https://vendor.example.com/oauth/callback"]
        assert app.add_ins == [] and app.info is not None and app.web.implicit_grant_settings is not None

        config = RequestConfiguration(
            query_parameters=ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
                filter=f"displayName eq '{name}'"))

        async def listed():
            found = await graph.applications.get(request_configuration=config)
            if not found.value:
                raise LookupError("not replicated yet")
            return found

        found = await until(clock, listed, lambda e: isinstance(e, LookupError))
        assert [a.id for a in found.value] == [app.id]
        everything = await graph.applications.get()
        assert app.id in [a.id for a in everything.value]
        for item in everything.value:
            declared_only(item, "listed application")

        sp = await until(clock, lambda: graph.service_principals.post(ServicePrincipal(app_id=app.app_id)),
                         odata_status(400))
        declared_only(sp, "created service principal")

        added = await graph.applications.by_application_id(app.id).add_password.post(
            AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="contract")))
        declared_only(added, "passwordCredential")
        assert added.secret_text and added.key_id

        grant = await until(clock, lambda: graph.oauth2_permission_grants.post(OAuth2PermissionGrant(
            client_id=sp.id, consent_type="AllPrincipals", resource_id=graph_sp.id, scope="User.Read")),
            odata_status(404))
        declared_only(grant, "oAuth2PermissionGrant")
        assignment = await until(clock, lambda: graph.service_principals.by_service_principal_id(
            graph_sp.id).app_role_assigned_to.post(AppRoleAssignment(
                principal_id=uuid.UUID(sp.id), resource_id=uuid.UUID(graph_sp.id), app_role_id=role.id)),
            odata_status(404))
        declared_only(assignment, "appRoleAssignment")

        grants_config = RequestConfiguration(
            query_parameters=Oauth2PermissionGrantsRequestBuilder.Oauth2PermissionGrantsRequestBuilderGetQueryParameters(
                filter=f"clientId eq '{sp.id}'"))
        grants = await graph.oauth2_permission_grants.get(request_configuration=grants_config)
        assert [(g.id, g.scope) for g in grants.value] == [(grant.id, "User.Read")]
        assigned = await until(clock, lambda: graph.service_principals.by_service_principal_id(
            sp.id).app_role_assignments.get(), odata_status(404))
        assert [(a.app_role_id, a.resource_id) for a in assigned.value] == [(role.id, uuid.UUID(graph_sp.id))]
        for item in [*grants.value, *assigned.value]:
            declared_only(item, type(item).__name__)

        # An app-only token with the new secret: a fresh credential per attempt (MSAL replays a cached
        # 400 for 60 s per client object); 7000215 while the secret propagates, 7000229 while sign-in
        # does not know the new service principal though Graph shows it.
        token, refusals = None, []
        for _ in range(12):
            try:
                token = ClientSecretCredential(client_id=app.app_id, client_secret=added.secret_text,
                                               **credential_kwargs(sim, server)).get_token(
                    "https://graph.microsoft.com/.default")
                break
            except ClientAuthenticationError as exc:
                assert "AADSTS7000215" in str(exc) or "AADSTS7000229" in str(exc), str(exc)
                refusals.append("7000229" if "AADSTS7000229" in str(exc) else "7000215")
                clock.advance(1.0)
        assert token is not None, "the app-only token never came"
        assert "7000229" in refusals, "sign-in never lagged Graph: the retry proves nothing"
        import jwt

        claims = jwt.decode(token.token, options={"verify_signature": False})
        assert claims["appid"] == app.app_id and claims["roles"] == [ROLE_VALUE]

        await graph.applications.by_application_id(app.id).delete()
        with pytest.raises(ODataError) as gone:
            await graph.applications.by_application_id(app.id).get()
        assert gone.value.response_status_code == 404
        assert gone.value.error.code == "Request_ResourceNotFound"
    finally:
        await http.aclose()
