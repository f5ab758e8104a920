"""What the wizard did, per registration, so a re-run can continue: never a secret.

One small JSON file per (tenant, registration) in the platformdirs user state
directory (`~/.local/state/m365-wizard/journal/` on Linux), or in `state_dir` for
tests. It records object ids and the steps finished, and the keyId/end of secrets the
wizard created (the secret *value* never: Microsoft shows it once, the user keeps it).

Why it matters: right after an interruption, Microsoft may not yet show the new app
on a read by uniqueName (replication). The journal says "this app was created,
object id …", so the re-run waits for it instead of concluding it is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

# Keys that must never reach the journal, whatever a caller passes.
FORBIDDEN = ("secret", "token", "password", "value")


def default_dir() -> Path:
    """The platformdirs state directory of the wizard."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("m365-wizard", appauthor=False)) / "journal"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120]


class Journal:
    """The record of one registration in one tenant (a dict saved after every change)."""

    def __init__(self, tenant_id: str, unique_name: str, state_dir: str | os.PathLike | None = None) -> None:
        base = Path(state_dir) if state_dir is not None else default_dir()
        self.path = base / f"{_safe(tenant_id)}--{_safe(unique_name)}.json"
        self.data: dict[str, Any] = {"tenant_id": tenant_id, "unique_name": unique_name, "steps_done": [], "secrets": []}
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
            if isinstance(loaded, dict):
                self.data.update(loaded)
        except (OSError, ValueError):
            pass

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, **values: Any) -> None:
        """Record ids (app_object_id, app_id, sp_id…) and save."""
        for key in values:
            if any(word in key.lower() for word in FORBIDDEN):
                raise ValueError(f"the journal never stores '{key}'")
        self.data.update(values)
        self.save()

    def step_done(self, step_id: str) -> None:
        if step_id not in self.data["steps_done"]:
            self.data["steps_done"].append(step_id)
            self.save()

    def secret_created(self, key_id: str, end: str, display_name: str, *, delivered: bool = True,
                       app: str = "", forget_unseen: tuple[str, ...] = ()) -> None:
        """Remember that a secret exists (its keyId and end date only, never its value).

        `delivered=False`: created, but its value has not reached the user yet (written to a file
        or shown); `secret_delivered()` says when it has. `forget_unseen`: names of the
        "unseen" list (addPassword sent, no answer) this secret settles, dropped in the same write,
        so no crash between two writes can lose track of it."""
        self.data["secrets"].append({"key_id": key_id, "end": end, "display_name": display_name,
                                     "delivered": delivered, "app": app})
        if forget_unseen:
            self.data["unseen_credentials"] = [
                e for e in self.data.get("unseen_credentials") or []
                if not (isinstance(e, dict) and e.get("app") == app and e.get("name") in forget_unseen)]
        self.save()

    def secret_delivered(self, key_id: str) -> None:
        """The user holds the value of secret `key_id` now (file written and fsynced, or shown)."""
        for entry in self.data["secrets"]:
            if isinstance(entry, dict) and entry.get("key_id") == key_id:
                entry["delivered"] = True
        self.save()

    def undelivered(self) -> list[dict]:
        """Secrets created whose value never reached the user (keyId, name, app)."""
        return [dict(e) for e in self.data["secrets"] if isinstance(e, dict) and e.get("delivered") is False]

    def drop_secret(self, key_id: str) -> None:
        self.data["secrets"] = [e for e in self.data["secrets"] if not (isinstance(e, dict) and e.get("key_id") == key_id)]
        self.save()

    def save(self) -> None:
        """Write atomically with owner-only permissions (ids are not secret, but are private)."""
        from wizard.files import private_dir, write_private

        private_dir(self.path.parent)
        write_private(self.path, json.dumps(self.data, indent=2, sort_keys=True))
