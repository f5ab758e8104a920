"""Which client secrets exist, and which expire soon.

    apps = list_secrets(graph, all_apps=False, now=clock.now())
    for app in apps:
        for s in app.secrets:
            print(app.display_name, s.hint, s.key_id, s.end, s.state)   # expired | expiring | ok

The wizard marks the registrations it manages (`wizard.plan`): the tags `m365-wizard`
and `m365-wizard-vendor-<vendor>`, and a `uniqueName` starting `m365-wizard-<vendor>-`.
Both are looked up, so an app keeps being found if someone removed its tags in the
portal. `all_apps=True` lists every registration of the tenant instead.

Graph returns the secrets' metadata with the application (`passwordCredentials`:
displayName, hint, keyId, startDateTime, endDateTime), never their values
(https://learn.microsoft.com/graph/api/resources/passwordcredential). Filters used:
`tags/any(t:t eq '…')` and `startswith(uniqueName, '…')`, both default (non-advanced)
queries on applications (https://learn.microsoft.com/graph/api/resources/application,
properties `tags` and `uniqueName`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard.dates import parse_graph_time
from wizard.plan import EXPIRING_DAYS, WIZARD_TAG

EXPIRED, EXPIRING, OK, NONE = "expired", "expiring", "ok", "none"
_RANK = {EXPIRED: 0, EXPIRING: 1, NONE: 2, OK: 3}
SELECT = "id,appId,displayName,uniqueName,tags,passwordCredentials"
VENDOR_TAG = f"{WIZARD_TAG}-vendor-"


# Kept under its old name: callers and tests use inventory.parse_time.
parse_time = parse_graph_time


def secret_state(end: float | None, now: float, days: int = EXPIRING_DAYS) -> str:
    """expired (end passed), expiring (within `days`) or ok. No end date counts as ok."""
    if end is None:
        return OK
    if end <= now:
        return EXPIRED
    if end <= now + days * 86400:
        return EXPIRING
    return OK


@dataclass(frozen=True)
class SecretInfo:
    """One client secret's metadata (never its value)."""

    display_name: str
    hint: str
    key_id: str
    end: str  # endDateTime as Graph returned it
    state: str  # expired | expiring | ok
    days_left: int  # negative when expired

    def sentence(self) -> str:
        name = self.display_name or "(no description)"
        day = self.end[:10] or "no end date"
        if self.state == EXPIRED:
            return f"{name} ({self.hint}…) expired on {day}"
        if self.state == EXPIRING:
            return f"{name} ({self.hint}…) expires in {self.days_left} days, on {day}"
        return f"{name} ({self.hint}…) is valid until {day}"


@dataclass(frozen=True)
class AppSecrets:
    """A registration and its client secrets, soonest expiry first."""

    object_id: str
    client_id: str
    display_name: str
    unique_name: str = ""
    vendor: str = ""  # profile id, when the wizard manages the app
    managed: bool = False
    secrets: tuple[SecretInfo, ...] = field(default_factory=tuple)

    @property
    def state(self) -> str:
        """The worst state of its secrets, 'none' without any."""
        if not self.secrets:
            return NONE
        return min((s.state for s in self.secrets), key=_RANK.__getitem__)

    def newest(self) -> SecretInfo | None:
        return max(self.secrets, key=lambda s: parse_time(s.end) or 0.0, default=None)


def vendor_of(app: dict) -> str:
    """The vendor (profile id) the wizard recorded on an app: its tag, else its uniqueName."""
    for tag in app.get("tags") or []:
        if tag.startswith(VENDOR_TAG):
            return tag[len(VENDOR_TAG):]
    unique = app.get("uniqueName") or ""
    if unique.startswith(f"{WIZARD_TAG}-"):
        rest = unique[len(WIZARD_TAG) + 1:]
        return rest.rsplit("-", 1)[0] if "-" in rest else rest
    return ""


def is_managed(app: dict) -> bool:
    return WIZARD_TAG in (app.get("tags") or []) or (app.get("uniqueName") or "").startswith(f"{WIZARD_TAG}-")


def summarise(app: dict, now: float) -> AppSecrets:
    """An application object (with passwordCredentials) → `AppSecrets`."""
    secrets = []
    for cred in app.get("passwordCredentials") or []:
        end = parse_time(cred.get("endDateTime"))
        days = int((end - now) // 86400) if end is not None else 0
        secrets.append(SecretInfo(
            display_name=str(cred.get("displayName") or ""), hint=str(cred.get("hint") or ""),
            key_id=str(cred.get("keyId") or ""), end=str(cred.get("endDateTime") or ""),
            state=secret_state(end, now), days_left=days,
        ))
    secrets.sort(key=lambda s: parse_time(s.end) or float("inf"))
    return AppSecrets(
        object_id=app["id"], client_id=app.get("appId", ""), display_name=app.get("displayName", ""),
        unique_name=app.get("uniqueName") or "", vendor=vendor_of(app), managed=is_managed(app),
        secrets=tuple(secrets),
    )


def list_secrets(graph: Any, all_apps: bool = False, now: float | None = None) -> list[AppSecrets]:
    """The wizard-managed registrations (or all) with their secrets, most urgent first."""
    from wizard.graph import quote

    if now is None:
        from wizard.clock import Clock

        now = Clock().now()
    if all_apps:
        apps = graph.get_all("/applications", params={"$select": SELECT})
    else:
        apps = graph.get_all("/applications", params={
            "$filter": f"tags/any(t:t eq {quote(WIZARD_TAG)})", "$select": SELECT})
        seen = {a["id"] for a in apps}
        for app in graph.get_all("/applications", params={
                "$filter": f"startswith(uniqueName,{quote(WIZARD_TAG + '-')})", "$select": SELECT}):
            if app["id"] not in seen:
                apps.append(app)
                seen.add(app["id"])
    result = [summarise(a, now) for a in apps]
    result.sort(key=lambda a: (_RANK[a.state], a.display_name.lower(), a.client_id))
    return result


def find_app(graph: Any, client_id: str, now: float) -> AppSecrets:
    """One registration by its Application (client) ID; MicrosoftError when there is none."""
    from wizard.answers import as_guid
    from wizard.errors import InputError, MicrosoftError
    from wizard.graph import GraphError, quote

    guid = as_guid(client_id)
    if guid is None:  # it goes into a URL key segment: only a GUID may
        raise InputError("client ID", "must be the Application (client) ID, a GUID",
                         example="1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809")
    client_id = guid
    try:
        app = graph.get(f"/applications(appId={quote(client_id)})", params={"$select": SELECT})
    except GraphError as exc:
        if exc.status != 404:
            raise
        raise MicrosoftError(
            f"There is no app registration with the Application (client) ID {client_id} in this tenant.",
            next_step="Check the ID on the app's Overview page (not the Object ID), or list them with "
                      "`m365-wizard secrets --all`.",
            code=exc.code, request_id=exc.request_id,
        ) from None
    return summarise(app, now)


__all__ = ["AppSecrets", "SecretInfo", "list_secrets", "find_app", "summarise", "parse_time",
           "secret_state", "vendor_of", "EXPIRED", "EXPIRING", "OK", "NONE"]
