"""What the simulated tenant holds: its directory objects, as Graph shows them.

Objects are plain dicts in Microsoft Graph's JSON shape (camelCase, the
properties Graph returns), keyed by object id. Tests read them directly:

    sim.state.applications[obj_id]["requiredResourceAccess"]
    sim.state.app_by_app_id("…")["passwordCredentials"]
    sim.state.secrets[(obj_id, key_id)]          # the secret text, for assertions only

Replication (the "new object not visible yet" delay) is tracked per object and per surface:
`graph_ready_at` (clock time from which Graph's read replicas show it), `sts_ready_at` (from
which the token endpoint knows it), and, for deterministic unit tests, `hidden_reads`: the
number of Graph reads that still answer 404 for it.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Callable

from wizard.simtenant import catalog


class Ids:
    """Every generated identifier comes from here: one seeded stream per kind.

    Separate streams keep ids stable: issuing one more token (a request id, a
    refresh token) does not shift the next application's object id.
    """

    def __init__(self, seed: int) -> None:
        self._objects = random.Random(f"objects-{seed}")
        self._codes = random.Random(f"codes-{seed}")
        self._secrets = random.Random(f"secrets-{seed}")
        self._requests = random.Random(f"requests-{seed}")

    @staticmethod
    def _guid(rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def object_id(self) -> str:
        return self._guid(self._objects)

    def assignment_id(self, principal_id: str) -> str:
        """An appRoleAssignment id (Graph's base64url shape), reproducible per seed."""
        from wizard.simtenant.model import assignment_id

        return assignment_id(principal_id, self._objects)

    def request_id(self) -> str:
        return self._guid(self._requests)

    def code_guid(self) -> str:
        return self._guid(self._codes)

    def token(self, length: int = 64) -> str:
        """An opaque token (device code, refresh token): URL-safe characters."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self._codes.choice(alphabet) for _ in range(length))

    def user_code(self) -> str:
        """Nine characters, upper-case letters and digits, like Microsoft's user codes."""
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self._codes.choice(alphabet) for _ in range(9))

    def secret_text(self) -> str:
        """A 40-character client secret like Entra's (letters, digits, `~._-`)."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-"
        head = "".join(self._secrets.choice(alphabet[:62]) for _ in range(3))
        rest = "".join(self._secrets.choice(alphabet) for _ in range(37))
        return head + rest


@dataclass
class TenantState:
    """The directory of one simulated tenant."""

    tenant_id: str
    domain: str
    display_name: str
    organization: dict = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    directory_roles: dict[str, dict] = field(default_factory=dict)   # activated roles
    role_members: dict[str, set[str]] = field(default_factory=dict)  # role object id -> user / group ids
    groups: dict[str, dict] = field(default_factory=dict)            # role-assignable groups
    group_members: dict[str, set[str]] = field(default_factory=dict)  # group id -> user ids
    applications: dict[str, dict] = field(default_factory=dict)
    service_principals: dict[str, dict] = field(default_factory=dict)
    grants: dict[str, dict] = field(default_factory=dict)        # oauth2PermissionGrants
    assignments: dict[str, dict] = field(default_factory=dict)   # appRoleAssignments
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)  # (app object id, keyId) -> text
    secret_issued: dict[tuple[str, str], float] = field(default_factory=dict)  # clock time of addPassword
    app_created: dict[str, float] = field(default_factory=dict)  # app object id -> clock time
    hidden_reads: dict[str, int] = field(default_factory=dict)   # object id -> 404s still owed
    graph_ready_at: dict[str, float] = field(default_factory=dict)  # object id -> clock time Graph shows it
    sts_ready_at: dict[str, float] = field(default_factory=dict)    # object id -> clock time sign-in knows it
    now: Callable[[], float] = field(default=lambda: 0.0, repr=False)  # the tenant's clock (set by SimTenant)
    flaps: dict[str, list[bool]] = field(default_factory=dict)   # object id -> visibility of next reads
    deleted: dict[str, dict] = field(default_factory=dict)       # deletedItems
    logos: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # app object id -> (bytes, Content-Type)
    # Exchange Online's organization config (Get-OrganizationConfig): EwsEnabled (None: not set)
    # and EwsAllowedAppIDs (see simtenant/ews.py).
    ews_enabled: bool | None = None
    ews_allowed_app_ids: list[str] = field(default_factory=list)

    # ---- look-ups (tests use these too) ------------------------------------------
    def app_by_app_id(self, app_id: str) -> dict | None:
        return next((a for a in self.applications.values() if a["appId"].lower() == app_id.lower()), None)

    def app_by_unique_name(self, name: str) -> dict | None:
        return next((a for a in self.applications.values()
                     if (a.get("uniqueName") or "").lower() == name.lower()), None)

    def sp_by_app_id(self, app_id: str) -> dict | None:
        return next((s for s in self.service_principals.values() if s["appId"].lower() == app_id.lower()), None)

    def graph_sp(self) -> dict:
        """Microsoft Graph's service principal, which every tenant has."""
        sp = self.sp_by_app_id(catalog.GRAPH_APP_ID)
        if sp is None:
            raise RuntimeError("the simulated tenant has no Microsoft Graph service principal")
        return sp

    def sp_by_name(self, name: str) -> dict | None:
        """A service principal by any of its servicePrincipalNames (appId or identifier URI)."""
        low = name.lower().rstrip("/")
        for sp in self.service_principals.values():
            if any(n.lower().rstrip("/") == low for n in sp.get("servicePrincipalNames", [])):
                return sp
        return None

    def user(self, id_or_upn: str) -> dict | None:
        low = id_or_upn.lower()
        return next((u for u in self.users.values()
                     if u["id"] == low or u["userPrincipalName"].lower() == low), None)

    def user_groups(self, user_id: str) -> list[dict]:
        """The groups the user is a direct member of."""
        return [g for gid, g in self.groups.items() if user_id in self.group_members.get(gid, set())]

    def user_roles(self, user_id: str, transitive: bool = True) -> list[dict]:
        """The directory roles the user holds: directly, and (transitive) through a role-assignable group.

        Role-assignable groups cannot have groups as members, so one level is all there is
        (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
        """
        via = {g["id"] for g in self.user_groups(user_id)} if transitive else set()
        return [role for rid, role in self.directory_roles.items()
                if (self.role_members.get(rid, set()) & ({user_id} | via))]

    def user_role_templates(self, user_id: str) -> set[str]:
        """Role template ids of the directory roles the user holds (directly or through a group):
        what Microsoft authorizes a request with."""
        return {r["roleTemplateId"] for r in self.user_roles(user_id)}

    def direct_role_templates(self, user_id: str) -> set[str]:
        """Role template ids of the roles assigned to the user directly."""
        return {r["roleTemplateId"] for r in self.user_roles(user_id, transitive=False)}

    def assignments_of(self, principal_id: str) -> list[dict]:
        return [a for a in self.assignments.values() if a["principalId"] == principal_id]

    # ---- replication ---------------------------------------------------------------
    def known_to_sts(self, object_id: str) -> bool:
        """Does the token endpoint know this object yet (its own replication, by clock time)?"""
        return self.now() >= self.sts_ready_at.get(object_id, float("-inf"))

    def hide(self, object_id: str, reads: int) -> None:
        """Make a new object answer 404 for the next `reads` reads."""
        if reads > 0:
            self.hidden_reads[object_id] = reads

    def visible(self, object_id: str, consume: bool = True) -> bool:
        """Is the object visible to this Graph read? Each call with `consume` counts as one read
        (once its clock-time lag is over)."""
        ready = self.graph_ready_at.get(object_id)
        if ready is not None:
            if self.now() < ready:
                return False
            del self.graph_ready_at[object_id]
        owed = self.hidden_reads.get(object_id, 0)
        if owed > 0:
            if consume:
                if owed == 1:
                    del self.hidden_reads[object_id]
                else:
                    self.hidden_reads[object_id] = owed - 1
            return False
        pattern = self.flaps.get(object_id)
        if pattern:
            seen = pattern[0]
            if consume:
                pattern.pop(0)
                if not pattern:
                    del self.flaps[object_id]
            return seen
        return True
