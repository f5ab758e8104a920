"""Branding & properties: the URL properties (home page, terms, privacy…) and the logo.

Kinds: `branding_url` (one per URL property that differs) and `logo`. For a new app the URLs
are in the create body: their steps say so and apply only checks them. The logo is a stream
property, `PUT /applications/{id}/logo` with the image bytes and their Content-Type
(https://learn.microsoft.com/graph/api/application-update); it is uploaded only when the
tenant does not show this logo yet (`wizard.plan.logo_in_place`), and the bytes Graph
returns afterwards go to the journal (Entra may store a re-encoded copy).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from wizard import replication
from wizard.errors import MicrosoftError
from wizard.plan import Step, logo_in_place, read_logo
from wizard.portal import MENU_BRANDING, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier


class Branding(StepKind[Compared]):
    names = ("branding_url", "logo")

    def diff(self, given: Compared) -> list[Step]:
        desired, app, existing = given.desired, given.app, given.existing
        steps: list[Step] = []
        for url in desired.branding_urls:
            have = ((app or {}).get(url.parent) or {}).get(url.name)
            if app is not None and have == url.value:
                continue
            if app is not None and have:
                sentence = f"Change the {url.label} from {have} to {url.value} (Branding & properties)"
            else:
                sentence = f"Set the {url.label} to {url.value} (Branding & properties)"
            steps.append(Step(f"branding:{url.parent}.{url.name}", sentence, "branding_url",
                              {"parent": url.parent, "name": url.name, "value": url.value, "with_create": app is None}))
        logo = desired.logo
        if logo is not None and (app is None or not logo_in_place(logo.sha256, existing.logo_sha256, existing.logo_uploaded)):
            replace = app is not None and existing.logo_sha256 is not None
            steps.append(Step("logo", desired.logo_sentence(replace), "logo",
                              {"path": logo.path, "sha256": logo.sha256, "content_type": logo.content_type}))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        return self._logo(step, run) if step.kind == "logo" else self._url(step, run)

    @staticmethod
    def _url(step: Step, run: Applier) -> str:
        parent, name, value = step.data["parent"], step.data["name"], step.data["value"]
        app = run.current_app
        if (app.get(parent) or {}).get(name) == value:
            return "set with the new registration" if step.data.get("with_create") else "already set"
        if parent == "web":
            body = run.web()
        else:  # info: logoUrl is read-only (informationalUrl resource), never sent back
            body = {k: v for k, v in (app.get(parent) or {}).items() if k != "logoUrl"}
        body[name] = value
        run.patch_app({parent: body})
        return ""

    @staticmethod
    def _logo(step: Step, run: Applier) -> str:
        app_id = run.current_app["id"]

        def read() -> bytes | None:
            return replication.retry_transient(
                lambda: read_logo(run.graph, app_id), clock=run.clock, cancel=run.cancel,
                on_attempt=run.replicating("the app"), max_wait=run.max_wait,
            )

        want = step.data["sha256"]
        uploaded = run.journal.get("logo") or {}
        if not isinstance(uploaded, dict) or uploaded.get("app") != app_id:
            uploaded = {}
        current = read()
        if logo_in_place(want, hashlib.sha256(current).hexdigest() if current else None, uploaded):
            return "already set"
        logo = run.desired.logo
        if logo is None or logo.sha256 != want:
            raise MicrosoftError("The logo file changed after the plan was made; nothing was uploaded.",
                                 next_step="Run the wizard again: it plans with the file as it is now.")
        replication.retry_transient(
            lambda: run.graph.put_bytes(f"/applications/{app_id}/logo", logo.data, logo.content_type),
            clock=run.clock, cancel=run.cancel, on_attempt=run.replicating("the app"), max_wait=run.max_wait,
        )
        stored = read()
        run.journal.set(logo={"app": app_id, "sha256": want,
                              "tenant_sha256": hashlib.sha256(stored).hexdigest() if stored else None})
        return ""

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        """The Branding & properties values these answers give (no item when they are blank)."""
        profile, answers = given.profile, given.answers
        values: list[tuple[str, str]] = []
        question = profile.logo_question()
        if question is not None and answers.get(question.key):
            values.append(("Upload new logo", str(answers[question.key])))
        values += [(url.label, url.value) for url in profile.branding_urls(answers)]
        if not values:
            return []
        return [ChecklistItem(
            "Add the branding (optional)", values, given.link(MENU_BRANDING),
            given.opener + "Branding & properties: Upload new logo (the file listed; .png, .jpg or .bmp under 100 KB) "
            "and enter the URLs listed; Save.",
        )]


KIND = Branding()
