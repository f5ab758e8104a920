"""A simulated Microsoft Entra tenant: the identity platform and Microsoft Graph v1.0.

It speaks Microsoft's HTTP (paths, status codes, JSON shapes, error envelopes) so
the real MSAL and httpx clients can be pointed at it, in-process through
`sim.transport()` or over loopback TLS with `wizard.simtenant.server.serve(sim)`.
Tests and `m365-wizard --demo` use it; nothing here talks to Microsoft.

    from wizard.simtenant import SimTenant, FaultPlan
    sim = SimTenant(scenario="demo", clock=clock, faults=None, auto_approve_after=2.0)
"""

from wizard.simtenant.faults import FaultPlan, FaultRule
from wizard.simtenant.tenant import SimTenant

__all__ = ["SimTenant", "FaultPlan", "FaultRule"]
