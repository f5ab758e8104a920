"""Rotate a client secret without an outage: add, test, switch the vendor, then retire.

    rotation = rotate(graph, app, target=target, tenant_id=tid, clock=clock, profile=profile)
    show_once(rotation.new.value, rotation.update_rows)   # the caller shows it ONCE
    # ... the admin enters the new value in the vendor's console and confirms ...
    retire_old(graph, rotation)                            # removePassword for the old ones

Two calls on purpose. An app can hold several secrets at once, so the new one is
added next to the old (`addPassword`, via `wizard.secret.create_secret`), proven with a
client-credentials token (`wizard.tokentest`), and only once the person confirms that
the vendor uses the new value are the old ones removed (`removePassword`,
https://learn.microsoft.com/graph/api/application-removepassword). Removing first would
stop the vendor until someone types the new value — Microsoft's own guidance for
rolling credentials: https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials?tabs=client-secret

The new secret's value lives only in `Rotation.new` (repr hides it): never logged,
never in an exception, never written anywhere by this module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.clock import Clock
from wizard.errors import InputError, MicrosoftError
from wizard.inventory import AppSecrets, summarise

DEFAULT_RESOURCE = "https://graph.microsoft.com"


@dataclass(frozen=True)
class Rotation:
    """The outcome of `rotate`: the new secret (shown once), its test, and what to retire."""

    app: AppSecrets
    new: Any  # wizard.secret.NewSecret (value hidden from repr)
    report: Any  # wizard.tokentest.TokenTestReport
    old_key_ids: tuple[str, ...]
    update_rows: tuple[Any, ...] = field(default=(), repr=False)  # SnippetRow(label, value, secret=True)

    @property
    def ok(self) -> bool:
        return bool(self.report.ok)


def _emit(on_progress: Callable[[str], None] | None, text: str) -> None:
    if on_progress is not None:
        on_progress(text)


def update_rows(profile: Any, value: str) -> tuple[Any, ...]:
    """The vendor's settings rows that change: the secret row(s), with the vendor's label."""
    from wizard.snippet import SnippetRow

    fields = [f for f in getattr(profile, "snippet", ()) or () if f.secret] if profile is not None else []
    if not fields:
        return (SnippetRow("Client secret", value, True),)
    return tuple(SnippetRow(f.label, value, True) for f in fields)


def rotate(
    graph: Any,
    app: AppSecrets,
    *,
    target: Any,
    tenant_id: str,
    clock: Clock,
    profile: Any = None,
    months: int | None = None,
    retire: list[str] | None = None,
    cancel: threading.Event | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Rotation:
    """Add a new secret to `app`, test it, and return it (ONCE). Removes nothing.

    `retire`: the key ids to remove later (default: every secret the app had before).
    `months`: lifetime (default: the profile's default, else 24); an app management
    policy may shorten it (see `wizard.secret`).
    """
    from wizard import tokentest
    from wizard.permissions import in_token
    from wizard.secret import create_secret

    if profile is not None and not getattr(profile, "secret_needed", True):
        raise InputError("vendor", f"{profile.name} uses no client secret; there is nothing to rotate")
    before = [s.key_id for s in app.secrets]
    if retire is not None:
        unknown = [k for k in retire if k not in before]
        if unknown:
            raise InputError("secret", f"the app has no secret with the Secret ID {unknown[0]}")
    months = months or (profile.secret_default_months if profile is not None else 24)
    vendor = getattr(profile, "id", "") or app.vendor or "app"
    _emit(on_progress, f"Adding a new client secret to '{app.display_name}' (valid {months} months)")
    new = create_secret(graph, app.object_id, vendor_name=vendor, months=months, now=clock.now(),
                        on_note=lambda text: _emit(on_progress, text))
    _emit(on_progress, f"Added {new.hint}… (Secret ID {new.key_id}, expires {new.end[:10]})")

    resource_for = getattr(target, "resource_for", lambda r: r)  # the cloud table (wizard.target)
    resource = resource_for(getattr(profile, "token_resource", "") or DEFAULT_RESOURCE)
    _emit(on_progress, f"Testing the new secret: a token for {resource}")

    def attempt(number: int, code: str) -> None:
        _emit(on_progress, f"Microsoft does not accept the new secret yet (AADSTS{code}); attempt {number}")

    report = tokentest.TokenTestReport(not_checked=tokentest.delegated_not_checked(profile))
    result, code, tries = tokentest.acquire_token(
        target, tenant_id, app.client_id, new.value, resource,
        http=graph.http, clock=clock, cancel=cancel, on_attempt=attempt,
    )
    report.attempts = tries
    if result is None:
        report.code = code
        report.checks.append(tokentest.failure_check(code, tries))
    else:
        report.checks.append(tokentest.Check("token", True, f"Microsoft issued a token for {resource} (attempt {tries})"))
        roles = []
        if profile is not None:
            roles = [p.name for p in profile.permissions if p.type == "application"
                     and in_token(p, resource, resource_for)]
        claims = tokentest.decode_claims(result["access_token"])
        report.checks += tokentest.claim_checks(claims, tenant_id=tenant_id, client_id=app.client_id,
                                                roles_needed=roles)
    old = tuple(retire if retire is not None else before)
    return Rotation(app=app, new=new, report=report, old_key_ids=old, update_rows=update_rows(profile, new.value))


def retire_old(graph: Any, rotation: Rotation, key_ids: list[str] | None = None, *,
               now: float | None = None) -> list[str]:
    """removePassword for the old secrets, after the vendor uses the new one. Returns the removed ids.

    Reads the app first and skips secrets already gone (safe to run twice). Refuses to
    remove the new secret, and refuses when the new secret is no longer on the app
    (that would leave the vendor with none).
    """
    from wizard.graph import GraphError

    wanted = list(key_ids if key_ids is not None else rotation.old_key_ids)
    if rotation.new.key_id in wanted:
        raise InputError("secret", "the new secret cannot be retired in the same rotation")
    app = graph.get(f"/applications/{rotation.app.object_id}", params={"$select": "id,appId,displayName,passwordCredentials"})
    present = {str(c.get("keyId")) for c in app.get("passwordCredentials") or []}
    if rotation.new.key_id not in present:
        raise MicrosoftError(
            f"The new client secret ({rotation.new.hint}…) is no longer on '{rotation.app.display_name}'; "
            "the old secrets were kept.",
            next_step="Check Certificates & secrets in the Entra admin center, then rotate again.",
        )
    removed = []
    for key_id in wanted:
        if key_id not in present:
            continue
        try:
            graph.post(f"/applications/{rotation.app.object_id}/removePassword", json={"keyId": key_id})
        except GraphError as exc:
            if exc.status == 400 and "no password credential" in (exc.graph_message or "").lower():
                continue  # removed meanwhile
            raise
        removed.append(key_id)
    return removed


def refreshed(graph: Any, app: AppSecrets, now: float) -> AppSecrets:
    """The app's secrets as Microsoft has them now."""
    from wizard.inventory import SELECT

    return summarise(graph.get(f"/applications/{app.object_id}", params={"$select": SELECT}), now)


__all__ = ["Rotation", "rotate", "retire_old", "update_rows", "refreshed"]
