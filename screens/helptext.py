"""Help for every step of the wizard, in plain words (shown by F1 or `?`).

Each entry is Markdown: a short "what happens here", then "what you need" and
"if something goes wrong". Keep lines short: the help window is 76 columns wide
on an 80x24 terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.profiles import Profile

HELP: dict[str, str] = {
    "vendor": """\
# Step 1: choose the product

Pick the product you are connecting to Microsoft 365. The wizard knows what
each one needs in Microsoft Entra (the app registration, its permissions and
the settings the product asks for).

- **Up / Down** move, **Enter** picks.
- Type a few letters to filter the list (for example `pex`).
- **Esc** asks whether to leave the wizard.

Keys on every step:

- **F1** this help (also `?` outside a text field); **Esc**, F1 or `?` close it.
- **Tab** / **Shift+Tab** move; **Enter** goes on; **Esc** goes back one step.
- **Ctrl+Q** leaves (`q` too, outside a text field). Once you typed an answer
  or signed in, it asks first; Ctrl+Q again leaves.
""",
    "questions": """\
# Step 2: a few details

The wizard asks only what it cannot find out itself: for example the host
name of your server or the address of a service account. Each field shows an
example.

- **Tab** / **Shift+Tab** move between fields; **Enter** goes to the next one.
  After the last field, Tab goes to **Continue**, then Back.
- The focused field has a bar at its left; the cursor starts at the end of
  its text, so typing adds to it.
- On a choice, **Up / Down** move and **Enter** chooses and moves on.
- Fields that take several values: separate them with commas.
- *Create a new registration* sets everything up. *Verify an existing
  registration* only compares and offers repairs.
- **Esc** goes back to the product list; what you typed is kept.
""",
    "signin": """\
# Step 3: sign in to Microsoft 365

Sign in with an account that may create app registrations and grant admin
consent (Global Administrator, Privileged Role Administrator, or Cloud
Application Administrator plus consent rights).

1. On any device (your phone works: scan the QR code), open the address shown.
2. Type the code shown here and sign in.
3. Come back: the wizard continues by itself.

- **c** copies the code to your clipboard (through the terminal).
- **o** shows the QR code full-screen when it does not fit beside the code
  (**o** or Esc closes it).
- **p** signs in with a link instead (paste back the address you land on).
- **Esc** cancels and goes back.

If sign-in is blocked by your organisation (Conditional Access, or device
code sign-in turned off), run `m365-wizard --manual` for a checklist to do the
same steps by hand in the Entra admin center.
""",
    "pick": """\
# Step 4: the registration to check

You chose to verify an existing registration. The wizard lists the ones in
your tenant that may belong to this product: the one it made earlier, and any
with the product's name. Pick the one the product uses.

Not listed? Type its Application (client) ID, from Entra admin center >
App registrations > the app > Overview, and press Enter.

The next step compares it with what the product needs and lists the repairs
in plain words, or says there is nothing to change. Nothing is written until
you confirm.
""",
    "plan": """\
# Step 4: the plan

Before anything changes, the wizard shows every change it will make, one
sentence each. Nothing is written until you confirm.

If a registration already exists, the wizard compares it with what the
product needs and offers only the repairs.
""",
    "apply": """\
# Step 5: applying the changes

The wizard creates or repairs the registration, its permissions and the
admin consent. Microsoft takes a few seconds to copy new objects to all its
servers, so some steps wait and retry: that is normal.

Every change is recorded in a journal (never the secret), so running the
wizard again continues where it stopped.
""",
    "secret": """\
# Step 6: the client secret

The product proves who it is with a client secret, like a password.
Microsoft shows it **once**: copy it now into the product's settings or your
password manager. After you confirm, the wizard forgets it.

The secret expires; put a reminder in your calendar before the date shown.
""",
    "tokentest": """\
# Step 7: testing the new credentials

The wizard signs in *as the product*, with the new client ID and secret,
and checks the permissions in the token. A new secret can take a minute to
work everywhere, so the wizard retries for a while.
""",
    "result": """\
# Step 8: done

The settings to type into the product are shown with the product's own
labels, and the steps left to do in the product's console.

Save them to a file if you like (the secret is only included if you ask, and
the file is readable by you only).
""",
}


#: What the admin must do in the vendor's console while the apply step waits for the
#: vendor's enterprise application (kind "enterprise_app"), by vendor id.
ENTERPRISE_APP_WAIT: dict[str, str] = {
    "loopmeeting": (
        "Do this now, in a browser: log in to LoopMeeting Central Config "
        "(https://loopmeeting.no/admin/), open Server Settings, choose the Server Type "
        "'Office 365, MSgraph OAuth 2.0' and press Get Access Token. Sign in with an "
        "administrative account and Accept, consenting on behalf of your organization. "
        "The wizard then finds the LoopMeeting application and continues by itself."
    ),
}


def enterprise_app_wait(profile: Profile | None) -> str:
    """The instruction shown while the wizard waits for the vendor's enterprise application."""
    text = ENTERPRISE_APP_WAIT.get(profile.id, "") if profile is not None else ""
    if text:
        return text
    name = (profile.enterprise_app_name if profile is not None else "") or "the vendor's"
    return (f"Do this now: in the vendor's console, start the Microsoft 365 connection and consent "
            f"on behalf of your organization. The wizard waits for the {name} enterprise "
            "application to appear and continues by itself.")


def help_for(step: str) -> str:
    """The help text for a step; a general note for a step without its own."""
    return HELP.get(step, "# Help\n\nPress **F1** on any step for help about it.\n")
