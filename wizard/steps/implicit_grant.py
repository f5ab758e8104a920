"""Implicit grant and hybrid flows (Authentication blade): the "ID tokens" and "Access
tokens" boxes, `web.implicitGrantSettings.enableIdTokenIssuance` / `enableAccessTokenIssuance`
(https://learn.microsoft.com/graph/api/resources/implicitgrantsettings).

Kind: `implicit`, one step per box that differs. A new app gets both boxes in its create body
(`Desired.application_body`); the plan still lists each box it turns on ("with the new
registration"), so the plan says every change apply makes, as the checklist and verify do,
and apply then only checks it. In the checklist the two boxes go into the Authentication
item of `wizard.steps.redirect_uris` (one blade, one item).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.plan import Step
from wizard.portal import MENU_AUTH, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind
from wizard.steps.redirect_uris import AUTH_HELP, AUTH_TITLE

if TYPE_CHECKING:
    from wizard.apply import Applier

WORDS = {"enableIdTokenIssuance": "ID tokens", "enableAccessTokenIssuance": "access tokens"}


class ImplicitGrant(StepKind[Compared]):
    names = ("implicit",)

    def diff(self, given: Compared) -> list[Step]:
        desired, app = given.desired, given.app
        if app is None:  # in the create body: a box turned on is a change all the same (off is the default)
            return [Step(f"implicit:{key}", f"Turn on implicit grant of {WORDS[key]} (Authentication)", "implicit",
                         {"key": key, "value": True, "with_create": True})
                    for key, wanted in (("enableIdTokenIssuance", desired.id_tokens),
                                        ("enableAccessTokenIssuance", desired.access_tokens)) if wanted]
        grant = (app.get("web") or {}).get("implicitGrantSettings") or {}
        steps = []
        for key, wanted in (("enableIdTokenIssuance", desired.id_tokens),
                            ("enableAccessTokenIssuance", desired.access_tokens)):
            if bool(grant.get(key)) != wanted:
                verb = "Turn on" if wanted else "Turn off"
                steps.append(Step(f"implicit:{key}", f"{verb} implicit grant of {WORDS[key]} (Authentication)",
                                  "implicit", {"key": key, "value": wanted}))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        web = run.web()
        if bool(web["implicitGrantSettings"].get(step.data["key"])) == step.data["value"]:
            return "set with the new registration" if step.data.get("with_create") else "already set"
        web["implicitGrantSettings"][step.data["key"]] = step.data["value"]
        run.patch_app({"web": web})
        return ""

    def verify_line(self, step: Step, vendor: str) -> str | None:
        if step.data.get("with_create"):
            return None  # part of "the app registration does not exist"
        words = WORDS.get(step.data.get("key", ""), "access tokens")
        on = bool(step.data.get("value"))
        return f"Implicit grant of {words} is {'off' if on else 'on'}; {vendor} needs it {'on' if on else 'off'}"

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        profile = given.profile
        return [ChecklistItem(AUTH_TITLE, [
            ("Access tokens (used for implicit flows)", "checked" if profile.implicit_access_tokens else "not checked"),
            ("ID tokens (used for implicit and hybrid flows)", "checked" if profile.implicit_id_tokens else "not checked"),
        ], given.link(MENU_AUTH), given.opener + AUTH_HELP)]


KIND = ImplicitGrant()
