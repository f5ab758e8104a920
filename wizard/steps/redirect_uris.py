"""Web redirect URIs (Authentication blade): add the vendor's, remove others, and move a
vendor URI that sits under the wrong platform (Single-page application, Mobile and desktop).

Kinds: `redirect_add`, `redirect_remove`, `platform_remove`. A sign-in to a URI missing here
fails with AADSTS50011 (https://learn.microsoft.com/entra/identity-platform/reply-url).
Each write sends the whole `web` object back (`Applier.web()`), as Graph replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.plan import Step
from wizard.portal import MENU_AUTH, ChecklistItem
from wizard.steps.base import Compared, ManualInput, StepKind

if TYPE_CHECKING:
    from wizard.apply import Applier

PLATFORMS = (("spa", "Single-page application"), ("publicClient", "Mobile and desktop"))
# The Authentication blade's item: the implicit grant kind adds its two boxes to it.
AUTH_TITLE = "Set redirect URIs and implicit grant (Authentication)"
AUTH_HELP = ("Authentication > Web: add every redirect URI listed; under Implicit grant and hybrid flows set the "
             "two boxes as listed; Save.")


class RedirectUris(StepKind[Compared]):
    names = ("redirect_add", "redirect_remove", "platform_remove")

    def diff(self, given: Compared) -> list[Step]:
        desired, app = given.desired, given.app
        if app is None:
            return []  # in the create body
        have = list((app.get("web") or {}).get("redirectUris") or [])
        steps = [Step(f"redirect_add:{uri}", f"Add Web redirect URI {uri}", "redirect_add", {"uri": uri})
                 for uri in desired.redirect_uris if uri not in have]
        steps += [Step(f"redirect_remove:{uri}", f"Remove Web redirect URI {uri} (the vendor does not use it)",
                       "redirect_remove", {"uri": uri})
                  for uri in have if uri not in desired.redirect_uris]
        for platform, words in PLATFORMS:
            for uri in (app.get(platform) or {}).get("redirectUris") or []:
                if uri in desired.redirect_uris:
                    steps.append(Step(
                        f"platform_remove:{platform}:{uri}",
                        f"Remove {uri} from the {words} platform (the vendor needs it under Web)",
                        "platform_remove", {"platform": platform, "uri": uri},
                    ))
        return steps

    def apply(self, step: Step, run: Applier) -> str:
        uri = step.data["uri"]
        if step.kind == "platform_remove":
            platform = step.data["platform"]
            uris = list((run.current_app.get(platform) or {}).get("redirectUris") or [])
            if uri not in uris:
                return "already removed"
            uris.remove(uri)
            run.patch_app({platform: {"redirectUris": uris}})
            return ""
        web = run.web()
        if step.kind == "redirect_add":
            if uri in web["redirectUris"]:
                return "already there"
            web["redirectUris"].append(uri)
        else:
            if uri not in web["redirectUris"]:
                return "already removed"
            web["redirectUris"].remove(uri)
        run.patch_app({"web": web})
        return ""

    def verify_line(self, step: Step, vendor: str) -> str | None:
        uri = step.data.get("uri")
        if step.kind == "redirect_add":
            return f"The Web redirect URI {uri} is missing ({vendor} sign-ins would fail with AADSTS50011)"
        if step.kind == "redirect_remove":
            return f"The Web redirect URI {uri} is not one {vendor} uses"
        return f"{uri} is under the wrong platform ({step.data.get('platform')}); {vendor} needs it under Web"

    def manual_items(self, given: ManualInput) -> list[ChecklistItem]:
        uris = given.profile.redirect_uris(given.answers)
        return [ChecklistItem(AUTH_TITLE, [("Web redirect URI", uri) for uri in uris],
                              given.link(MENU_AUTH), given.opener + AUTH_HELP)]


KIND = RedirectUris()
