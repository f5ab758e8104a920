"""The header line every screen shows: vendor, tenant and "Step N of M".

`WizardHeader` reads what it shows from the app (`app.session` and
`app.step_id`) and refreshes when the app's `step_id` changes, so screens only
have to `yield WizardHeader()` at the top of `compose`.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class WizardHeader(Widget):
    """One line: `m365-wizard · <vendor> · <tenant>          Step 3 of 8: Sign in`."""

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
            self.watch(self.app, "step_id", lambda _value: self.refresh(), init=False)

    def render(self) -> Text:
        session = getattr(self.app, "session", None)
        step_id = getattr(self.app, "step_id", "")
        left = ["m365-wizard"]
        if session is not None:
            if session.short_vendor_name:
                left.append(session.short_vendor_name)
            if session.tenant_label:
                left.append(session.tenant_label)
        right = ""
        if session is not None and step_id:
            steps = session.steps()
            ids = [s for s, _ in steps]
            if step_id in ids:
                n = ids.index(step_id) + 1
                right = f"Step {n} of {len(steps)}: {steps[n - 1][1]}"
        left_text = " · ".join(left)
        width = max(0, self.content_region.width)
        room = width - len(right) - 1
        if len(left_text) > room:
            left_text = left_text[: max(0, room - 1)] + "…"
        gap = max(1, width - len(left_text) - len(right))
        return Text(left_text + " " * gap + right)
