"""Where Microsoft is: authority host, Graph URL, tenant and how to reach them.

A `Target` is the one place that knows whether the wizard talks to the real
Microsoft cloud (global, US Government, China: the sign-in host and the Graph
host change together), to a `m365-wizard simtenant serve` on loopback (trusting
its CA file), or to the in-process simulated tenant of `--demo` (an httpx
transport, no network at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import httpx

# Microsoft Graph Command Line Tools: the public client Graph PowerShell uses,
# pre-authorized for any Graph delegated scope (shared/reference/permissions.md).
GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

# National clouds: https://learn.microsoft.com/graph/deployments
CLOUDS: dict[str, tuple[str, str]] = {
    "global": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}


@dataclass(frozen=True)
class Target:
    """Everything needed to reach one tenant's identity platform and Graph."""

    authority_host: str
    graph_url: str
    tenant: str = "organizations"
    public_client_id: str = GRAPH_CLI_CLIENT_ID
    verify: bool | str = True
    transport: Any = field(default=None, compare=False, repr=False)
    demo: bool = False
    cloud: str = "global"

    @classmethod
    def for_cloud(cls, cloud: str = "global", **kwargs: Any) -> "Target":
        """The real Microsoft cloud `cloud` ("global", "usgov" or "china")."""
        try:
            authority_host, graph_url = CLOUDS[cloud]
        except KeyError:
            from wizard.errors import InputError

            raise InputError("cloud", f"unknown cloud '{cloud}'; use one of {', '.join(CLOUDS)}") from None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return cls(authority_host=authority_host, graph_url=graph_url, cloud=cloud, **kwargs)

    @property
    def authority(self) -> str:
        """The MSAL authority URL, e.g. https://login.microsoftonline.com/contoso.com."""
        return f"{self.authority_host.rstrip('/')}/{self.tenant}"

    @property
    def graph_resource(self) -> str:
        """The Graph resource that scopes are relative to (always graph.microsoft.com style)."""
        return self.graph_url.rstrip("/")

    def with_tenant(self, tenant: str) -> "Target":
        """The same target pinned to one tenant (after sign-in resolved 'organizations')."""
        return replace(self, tenant=tenant)

    def authorize_url(self, tenant_id: str) -> str:
        """The tenant's OAuth 2.0 v2 authorization endpoint (what vendors call 'authorization URI')."""
        return f"{self.authority_host.rstrip('/')}/{tenant_id}/oauth2/v2.0/authorize"

    def token_url(self, tenant_id: str) -> str:
        """The tenant's OAuth 2.0 v2 token endpoint."""
        return f"{self.authority_host.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"

    def http_client(self, timeout: float = 30.0) -> "httpx.Client":
        """A new httpx client for this target: the one connection pool to share."""
        import httpx

        if self.transport is not None:
            return httpx.Client(transport=self.transport, timeout=timeout)
        verify: Any = self.verify
        if isinstance(verify, str):
            # A CA file: a simulated tenant's, or a TLS-inspecting proxy's.
            import ssl

            verify = ssl.create_default_context(cafile=verify)
        return httpx.Client(verify=verify, timeout=timeout, follow_redirects=False)


def demo_target(sim: Any, tenant: str = "organizations") -> Target:
    """A target on an in-process `SimTenant` (see wizard.simtenant)."""
    return Target(
        authority_host=sim.authority_host,
        graph_url=sim.graph_url,
        tenant=tenant,
        transport=sim.transport(),
        demo=True,
        cloud="simulated",
    )
