"""The header line every screen shows: vendor, tenant and "Step N of M".

`WizardHeader` reads what it shows from the app (`app.session` and
`app.step_id`) and refreshes when the app's `step_id` changes, so screens only
have to `yield WizardHeader()` at the top of `compose`.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class WizardHeader(Widget):
    """One line: `<vendor> · <tenant>                    Step 3 of 8: Sign in`."""

    DEFAULT_CSS = """
    WizardHeader {
        dock: top;
        height: 1;
        width: 100%;
        background: $primary;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        if hasattr(self.app, "step_id"):
            self.watch(self.app, "step_id", self._step_changed, init=False)

    def _step_changed(self, _value: object) -> None:
        self.refresh()

    def render(self) -> Text:
        session = getattr(self.app, "session", None)
        step_id = getattr(self.app, "step_id", "")
        vendor = tenant = right = ""
        if session is not None:
            vendor, tenant = session.short_vendor_name, session.header_tenant
            steps = session.steps()
            ids = [s for s, _ in steps]
            if step_id in ids:
                n = ids.index(step_id) + 1
                right = f"Step {n} of {len(steps)}: {steps[n - 1][1]}"
        left = fit(vendor, tenant, max(0, self.content_region.width - len(right) - 1))
        gap = max(1, self.content_region.width - len(left) - len(right))
        return Text(left + " " * gap + right)


def fit(vendor: str, tenant: str, room: int) -> str:
    """`vendor · tenant`, shortened to `room` columns.

    Always the same shape on every step: the app's name is not part of it (it
    used to appear only when there was room, so the line changed between steps). The vendor is cut first; the tenant is what a
    helpdesk engineer must always see, so it is cut last.
    """
    parts = [p for p in (vendor, tenant) if p]
    text = " · ".join(parts)
    if len(text) <= room or not vendor or not tenant:
        return cut(text, room)
    vendor_room = room - len(tenant) - 3
    if vendor_room >= 4:
        return f"{cut(vendor, vendor_room)} · {tenant}"
    return cut(tenant, room)


def cut(text: str, room: int) -> str:
    """`text` in at most `room` columns, with an ellipsis when shortened."""
    if len(text) <= room:
        return text
    return text[: max(0, room - 1)] + "…" if room > 0 else ""
