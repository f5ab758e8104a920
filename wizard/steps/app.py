"""The application object itself: create it (upsert by uniqueName), or fix its name and
supported account types.

Kinds: `create_app` (no app yet), `display_name`, `audience`. A new app gets every other
property (redirect URIs, implicit grant, permissions, branding URLs) in its create body
(`Desired.application_body`), so the other kinds only diff an app that exists.

Create: `PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`
(https://learn.microsoft.com/graph/api/application-upsert) answers 201 with the new app, or
204 when it existed (then it was updated): repeating it after a dropped connection never
makes a duplicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard import replication
from wizard.graph import quote
from wizard.plan import AUDIENCE_WORDS, Step
from wizard.portal import AUDIENCE_CHOICE, MENU_OVERVIEW, ChecklistItem, new_registration_link
from wizard.steps.base import Compared, ManualInput, StepKind, count

if TYPE_CHECKING:
    from wizard.apply import Applier


def audience_words(audience: str) -> str:
    return AUDIENCE_WORDS.get(audience, audience)


class App(StepKind[Compared]):
    names = ("create_app", "display_name", "audience")

    def diff(self, given: Compared) -> list[Step]:
        desired, app = given.desired, given.app
        if app is None:
            return [Step("create_app", self._create_sentence(given), "create_app")]
        steps: list[Step] = []
        # A registration the admin chose by hand (no uniqueName) keeps its name.
        if app.get("displayName") != desired.display_name and app.get("uniqueName"):
            steps.append(Step("display_name", f"Rename the app registration from '{app.get('displayName')}' "
                                              f"to '{desired.display_name}'", "display_name"))
        if app.get("signInAudience") != desired.sign_in_audience:
            steps.append(Step("audience", f"Change supported account types to {audience_words(desired.sign_in_audience)}",
                              "audience"))
        return steps

    @staticmethod
    def _create_sentence(given: Compared) -> str:
        desired = given.desired
        perms = count(len(desired.permissions), "API permission")
        uris = desired.redirect_uris
        if not uris:
            with_what = f"with {perms} and no redirect URI"
        else:
            noun = "Web redirect URI" if len(uris) == 1 else "Web redirect URIs"
            with_what = f"with {noun} {', '.join(uris)} and {perms}"
        return (f"Create the app registration '{desired.display_name}' for "
                f"{audience_words(desired.sign_in_audience)}, {with_what}")

    def apply(self, step: Step, run: Applier) -> str:
        desired = run.desired
        if step.kind == "create_app":
            return self._create(run)
        app = run.current_app
        if step.kind == "display_name":
            if app.get("displayName") == desired.display_name:
                return "already named so"
            run.patch_app({"displayName": desired.display_name})
            return ""
        if app.get("signInAudience") == desired.sign_in_audience:
            return "already set"
        run.patch_app({"signInAudience": desired.sign_in_audience})
        return ""

    @staticmethod
    def _create(run: Applier) -> str:
        """Upsert by uniqueName: 201 with the new app, or 204 when it already existed."""
        desired = run.desired
        key = f"/applications(uniqueName={quote(desired.unique_name)})"
        created = run.graph.patch(key, json=desired.application_body(), headers={"Prefer": "create-if-missing"})
        if created and created.get("id"):
            run.journal.set(app_object_id=created["id"], app_id=created.get("appId", ""))
            run.app = run.wait_visible_app(created["id"])
            return "created"
        # 204: it existed and was updated; find its id by the same alternate key.
        found = replication.wait_until_visible(
            lambda: run.graph.get(key), clock=run.clock, cancel=run.cancel,
            consecutive=1, on_attempt=run.replicating("the app"), max_wait=run.max_wait,
        )
        run.journal.set(app_object_id=found["id"], app_id=found["appId"])
        run.app = run.wait_visible_app(found["id"])
        return "already existed; brought up to date"

    def verify_line(self, step: Step, vendor: str) -> str | None:
        return {
            "create_app": "The app registration does not exist",
            "display_name": "The app's name is not the one the wizard gave it",
            "audience": "The supported account types are not what the vendor needs",
        }[step.kind]

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        profile, answers = given.profile, given.answers
        name = profile.display_name(answers)
        audience = AUDIENCE_CHOICE.get(profile.sign_in_audience(answers), profile.sign_in_audience(answers))
        if given.client_id:
            return [ChecklistItem(
                "Open the existing app registration",
                [("Name", name), ("Application (client) ID", given.client_id), ("Supported account types", audience)],
                given.link(MENU_OVERVIEW),
                "App registrations > All applications > the app. Check the name and supported account types.",
            )]
        uris = profile.redirect_uris(answers)
        register = [("Name", name), ("Supported account types", audience)]
        if uris:
            register += [("Redirect URI: platform", "Web"), ("Redirect URI", uris[0])]
        else:
            register.append(("Redirect URI", "leave empty"))
        return [ChecklistItem(
            "Register the application", register, new_registration_link(portal=given.portal),
            "App registrations > New registration. Enter these values, then Register. "
            "On Overview, note the Application (client) ID and the Directory (tenant) ID.",
        )]


KIND = App()
