"""The two vendor kinds, chosen once from the profile (`Profile.kind`):

- `RegistrationVendor` ("registration": FlexO, SyncSign, innovaphone, Pexip): the tenant
  gets its own app registration, service principal, admin consent and a client secret;
- `EnterpriseAppVendor` ("enterprise_app": LoopMeeting): the vendor's multi-tenant app
  appears after an admin consents in the vendor's console; the wizard finds it, shows its
  delegated grants and assigns the service account(s). No secret.

`Setup` keeps one of them (`vendor_kind(profile)`) and delegates every place the two
differ to it, so no `if enterprise app` is left in `Setup`: finding the app, planning
(which step kinds, `wizard.steps`), what comes before and after the steps in apply, the
token test, the snippet's values, and the manual checklist's first and last items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.vendor_kinds.base import VendorKind
from wizard.vendor_kinds.enterprise_app import EnterpriseAppVendor
from wizard.vendor_kinds.registration import RegistrationVendor

if TYPE_CHECKING:
    from wizard.profiles import Profile


def vendor_kind(profile: Profile) -> VendorKind:
    """The vendor kind of `profile` (profiles are checked on load: kind is one of the two)."""
    return EnterpriseAppVendor(profile) if profile.kind == EnterpriseAppVendor.name else RegistrationVendor(profile)


__all__ = ["VendorKind", "RegistrationVendor", "EnterpriseAppVendor", "vendor_kind"]
