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

@dataclass(frozen=True)
class Cloud:
    """One Microsoft cloud: every host the wizard uses there, in one row.

    Sign-in and Graph: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
    (China: login.partner.microsoftonline.cn; the older login.chinacloudapi.cn is still accepted) and
    https://learn.microsoft.com/graph/deployments. Exchange Online (EWS, Autodiscover V2 and the resource
    an app-only Exchange token is asked for): the -ConnectionUri hosts of Connect-ExchangeOnline per
    -ExchangeEnvironmentName (O365Default outlook.office365.com, O365USGovGCCHigh outlook.office365.us,
    O365China partner.outlook.cn), https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline.
    Admin center (checklist links): the Entra admin center of each cloud. Autodiscover default (a vendor
    setting's fallback): the innovaphone guide's autodiscover-s.outlook.com in the global cloud; in a
    national cloud the cloud's own Exchange Online host, which serves Autodiscover V2.
    """

    name: str
    label: str
    login: str
    graph: str
    exchange: str
    portal: str
    autodiscover: str
    other_logins: tuple[str, ...] = ()

    def resource(self, resource: str) -> str:
        """A global resource URI (Graph, Exchange Online) as this cloud names it; others unchanged."""
        base = resource.rstrip("/")
        glob = CLOUD_TABLE["global"]
        mapping = {glob.graph: self.graph, glob.exchange: self.exchange}
        return mapping.get(base, resource)

    def localize(self, url: str) -> str:
        """A global Microsoft URL (sign-in, Graph, Exchange, Autodiscover default) in this cloud."""
        glob = CLOUD_TABLE["global"]
        for old, new in ((glob.autodiscover, self.autodiscover), (glob.exchange, self.exchange),
                         (glob.graph, self.graph), (glob.login, self.login), (glob.portal, self.portal)):
            if url.rstrip("/") == old or url.startswith(old + "/"):
                return new + url[len(old):]
        return url


CLOUD_TABLE: dict[str, Cloud] = {
    "global": Cloud("global", "Microsoft Entra ID (global)", "https://login.microsoftonline.com",
                    "https://graph.microsoft.com", "https://outlook.office365.com", "https://entra.microsoft.com",
                    "https://autodiscover-s.outlook.com", ("https://login.microsoft.com",)),
    "usgov": Cloud("usgov", "US Government (GCC High / DoD)", "https://login.microsoftonline.us",
                   "https://graph.microsoft.us", "https://outlook.office365.us", "https://entra.microsoft.us",
                   "https://outlook.office365.us"),
    "china": Cloud("china", "China (operated by 21Vianet)", "https://login.partner.microsoftonline.cn",
                   "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn",
                   "https://entra.microsoftonline.cn", "https://partner.outlook.cn",
                   ("https://login.chinacloudapi.cn",)),
}
# (sign-in host, Graph, Exchange Online), as before the table: kept for callers that unpack it.
CLOUDS: dict[str, tuple[str, str, str]] = {k: (c.login, c.graph, c.exchange) for k, c in CLOUD_TABLE.items()}
# Hosts MSAL may validate by instance discovery (Microsoft's own sign-in hosts, old ones included).
MICROSOFT_LOGIN_HOSTS = frozenset(
    h.split("://", 1)[1] for c in CLOUD_TABLE.values() for h in (c.login, *c.other_logins))


def cloud_for_host(authority_host: str) -> Cloud | None:
    """The Microsoft cloud whose sign-in host this is (an old host counts), or None."""
    host = authority_host.rstrip("/").lower()
    return next((c for c in CLOUD_TABLE.values() if host in (c.login, *c.other_logins)), None)


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
            real = cloud_for_host(self.authority_host)
            object.__setattr__(self, "exchange_url", real.exchange if real else self.graph_url.rstrip("/"))

    @property
    def cloud_info(self) -> Cloud | None:
        """This target's row of `CLOUD_TABLE` (None for a simulated tenant)."""
        return cloud_for_host(self.authority_host) or CLOUD_TABLE.get(self.cloud)

    @property
    def portal(self) -> str:
        """The Entra admin center for checklist links (the global one for a simulated tenant)."""
        info = self.cloud_info
        return info.portal if info else CLOUD_TABLE["global"].portal

    def resource_for(self, resource: str) -> str:
        """The resource a token is asked for, in this cloud (a simulated tenant keeps the global names)."""
        info = self.cloud_info
        return info.resource(resource) if info else resource

    def localize(self, url: str) -> str:
        """A global Microsoft URL of a vendor's settings (the Autodiscover default) in this cloud."""
        info = self.cloud_info
        return info.localize(url) if info else url

    @classmethod
    def for_cloud(cls, cloud: str = "global", **kwargs: Any) -> "Target":
        """The real Microsoft cloud `cloud` ("global", "usgov" or "china")."""
        try:
            info = CLOUD_TABLE[cloud]
        except KeyError:
            from wizard.errors import InputError

            raise InputError("cloud", f"unknown cloud '{cloud}'; use one of {', '.join(CLOUD_TABLE)}") from None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        kwargs.setdefault("exchange_url", info.exchange)
        return cls(authority_host=info.login, graph_url=info.graph, cloud=cloud, **kwargs)

    @classmethod
    def simulated(cls, url: str, **kwargs: Any) -> "Target":
        """A running `m365-wizard simtenant serve` at `url` (check it first with `check_simtenant_url`)."""
        url = url.rstrip("/")
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return cls(authority_host=url, graph_url=url, cloud="simulated", **kwargs)

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


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address that never leaves this machine."""
    import ipaddress

    host = (host or "").strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_simtenant_url(url: str, remote: bool) -> str:
    """'' when `--simtenant URL` may be used as given; else why not (bad input, exit 2).

    A simulated tenant runs on loopback (`m365-wizard simtenant serve`). Any other host could be a
    relay that shows Microsoft's real device code and collects the admin's tokens, so it needs
    `--simtenant-remote`, and then the wizard says the sign-in is not Microsoft's."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"'{url[:80]}' is not a URL (expected e.g. https://127.0.0.1:8443)"
    if parts.scheme != "https" or not parts.hostname:
        return f"'{url[:80]}' must be an https:// address (e.g. https://127.0.0.1:8443, what `simtenant serve` prints)"
    if not is_loopback_host(parts.hostname) and not remote:
        return (f"'{parts.hostname}' is not a loopback address; a simulated tenant runs on this machine "
                "(127.0.0.1 or localhost). For a simulated tenant on another host add --simtenant-remote")
    return ""


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
