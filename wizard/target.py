"""Where Microsoft is: authority host, Graph URL, tenant and how to reach them.

A `Target` is the one place that knows whether the wizard talks to the real
Microsoft cloud (global, US Government, China: the sign-in host, the Graph host
and the Exchange Online host change together), to a `m365-wizard simtenant serve` on loopback (trusting
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

# National clouds: (sign-in host, Graph, Exchange Online). Sign-in and Graph:
# https://learn.microsoft.com/graph/deployments. Exchange Online (where Autodiscover V2 is
# asked, wizard.autodiscover): the -ConnectionUri hosts of Connect-ExchangeOnline per
# -ExchangeEnvironmentName (O365Default outlook.office365.com, O365USGovGCCHigh
# outlook.office365.us, O365China partner.outlook.cn),
# https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline
CLOUDS: dict[str, tuple[str, str, str]] = {
    "global": ("https://login.microsoftonline.com", "https://graph.microsoft.com", "https://outlook.office365.com"),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us", "https://outlook.office365.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn"),
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
    # Exchange Online's base URL (Autodiscover V2). Left blank it follows the sign-in host:
    # a real cloud's own Exchange host, or, for any other host (a simulated tenant, on
    # loopback or in-process), the Graph URL: the simulator answers Exchange's paths too,
    # so nothing leaves the machine.
    exchange_url: str = ""

    def __post_init__(self) -> None:
        if not self.exchange_url:
            host = self.authority_host.rstrip("/").lower()
            real = next((ex for login, _graph, ex in CLOUDS.values() if login == host), None)
            object.__setattr__(self, "exchange_url", real or self.graph_url.rstrip("/"))

    @classmethod
    def for_cloud(cls, cloud: str = "global", **kwargs: Any) -> "Target":
        """The real Microsoft cloud `cloud` ("global", "usgov" or "china")."""
        try:
            authority_host, graph_url, exchange_url = CLOUDS[cloud]
        except KeyError:
            from wizard.errors import InputError

            raise InputError("cloud", f"unknown cloud '{cloud}'; use one of {', '.join(CLOUDS)}") from None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        kwargs.setdefault("exchange_url", exchange_url)
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
        exchange_url=getattr(sim, "exchange_url", "") or sim.graph_url,
        tenant=tenant,
        transport=sim.transport(),
        demo=True,
        cloud="simulated",
    )
