"""The "browser" side of the device-code flow: `/devicelogin` on the simulated host.

Microsoft's real page is https://microsoft.com/devicelogin: the user types the
code, signs in, and approves. Here a plain HTML form does the same for a served
tenant (`m365-wizard simtenant serve --no-auto-approve`): pick a demo user,
type the code, Approve or Decline. Tests call `SimTenant.approve_device_code()`
instead.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import httpx

if TYPE_CHECKING:  # pragma: no cover
    from wizard.simtenant.tenant import SimTenant

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulated tenant - device sign-in</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>Simulated tenant sign-in</h1>
<p>{message}</p>
<form method="post" action="/devicelogin">
  <p><label>Code <input name="user_code" autocomplete="off" autofocus></label></p>
  <p><label>Sign in as <select name="user">{users}</select></label></p>
  <p><button name="action" value="approve">Approve</button>
     <button name="action" value="decline">Decline</button></p>
</form>
<p><small>{tenant} - a simulated Microsoft Entra tenant for tests and demos.</small></p>
</body></html>"""


def handle(sim: "SimTenant", request: httpx.Request) -> httpx.Response:
    message = "Enter the code shown by the application."
    if request.method == "POST":
        form = {k: v[-1] for k, v in parse_qs(request.content.decode("utf-8", "replace")).items()}
        code = form.get("user_code", "")
        try:
            if form.get("action") == "decline":
                sim.decline_device_code(code)
                message = "You declined the sign-in. You can close this window."
            else:
                sim.approve_device_code(code, as_user=form.get("user") or sim.demo_admin_upn)
                message = "You have signed in. You can close this window and return to the application."
        except (LookupError, ValueError) as exc:
            message = f"That did not work: {exc}"
    elif request.method != "GET":
        return httpx.Response(405, text="Method not allowed")
    users = "".join(f'<option value="{html.escape(u["userPrincipalName"])}">'
                    f'{html.escape(u["displayName"])} ({html.escape(u["userPrincipalName"])})</option>'
                    for u in sim.state.users.values())
    body = _PAGE.format(message=html.escape(message), users=users, tenant=html.escape(sim.state.domain))
    return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, text=body)
