"""Settings you can really paste (issue 17 item 4): the plain view, one field at a time over
OSC 52, the secret in the block while the run holds it, saving (0600, never replacing a file
without asking) and the summary printed after the app exits (never the secret)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from textual.app import App
from textual.widgets import Footer

from screens.app import print_summary
from screens.plain_settings import PlainLines, PlainSettingsScreen
from screens.result import ResultScreen
from screens.widgets.save_prompt import SavePrompt
from screens.widgets.snippet_view import SnippetView
from screens_b_fakes import APPLIED, SECRET_VALUE, NewSecret
from test_screens_b_flow import ScreenApp, fake_engine_session, settle
from wizard.profiles import get_profile

pytestmark = pytest.mark.anyio

SIZE = (80, 24)
TENANT = "3c1e0f5a-8d2b-4e6f-9a1c-7b5d3e2f1a0c"
SECRET = "Zx9~pexip.SECRET-value_0123456789abcdef"
TOKEN_URL = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"


def pexip_snippet():
    return get_profile("pexip").render_snippet({
        "tenant_id": TENANT, "client_id": "04b3e7a3-bda1-485a-8619-61656730d832", "client_secret": SECRET,
        "authorize_url": f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize",
        "token_url": TOKEN_URL, "addin_fqdn": "px01.vc.example.com",
    })


class ViewApp(App):
    def __init__(self, snippet, show_secret=False) -> None:
        super().__init__()
        self.snippet, self.show_secret = snippet, show_secret
        self.animation_level = "none"
        self.osc52: list[str] = []

    def compose(self):
        yield SnippetView(self.snippet, title="Settings for Pexip", show_secret=self.show_secret)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SnippetView).focus()
        write = self._driver.write

        def spy(data: str) -> None:  # what really goes to the terminal
            self.osc52 += re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", data)
            write(data)

        self._driver.write = spy

    def pasted(self) -> list[str]:
        return [base64.b64decode(p).decode("utf-8") for p in self.osc52]


async def test_plain_view_lines_are_label_colon_value_and_one_field_is_copied_over_osc52():
    app = ViewApp(pexip_snippet(), show_secret=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PlainSettingsScreen)
        lines = app.screen.query_one(PlainLines).lines
        snippet = pexip_snippet()
        assert lines == [f"{r.label}: {r.value}" for r in snippet.rows]  # the secret too: it is shown
        assert f"User OAuth token URI: {TOKEN_URL}" in lines  # longer than 80 columns, one line
        # On screen from column 0, nothing before or between: no frame, no padding, no wrap.
        widget = app.screen.query_one(PlainLines)
        assert widget.region.x == 0 and widget.size.height == len(lines)
        shown = [widget.render_line(y).text.rstrip() for y in range(len(lines))]
        assert shown[0] == lines[0][:80].rstrip()
        row = [r.label for r in snippet.rows].index("User OAuth token URI")
        assert shown[row] == lines[row][:widget.size.width][:80] or lines[row].startswith(shown[row])
        # One field: ↓ to the token URI, c copies its value alone.
        target = [r.label for r in snippet.rows].index("User OAuth token URI")
        for _ in range(target):
            await pilot.press("down")
        await pilot.press("c")
        assert app.pasted()[-1] == TOKEN_URL
        await pilot.press("a")
        assert app.pasted()[-1] == snippet.as_plain(mask=False)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen.query_one(SnippetView), SnippetView)


async def test_plain_view_masks_a_hidden_secret_until_v():
    app = ViewApp(pexip_snippet(), show_secret=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert SECRET not in "\n".join(app.screen.query_one(PlainLines).lines)
        secret_row = [r.secret for r in pexip_snippet().rows].index(True)
        for _ in range(secret_row):
            await pilot.press("down")
        await pilot.press("c")
        assert SECRET not in app.pasted()[-1]
        await pilot.press("v", "c")
        assert app.pasted()[-1] == SECRET
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one(SnippetView).revealed  # the framed view follows


def test_snapshot_plain_view(snap_compare):
    async def plain(pilot):
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(ViewApp(pexip_snippet(), show_secret=True), terminal_size=SIZE, run_before=plain)


# -- the result step: the secret while it is here, saving, the summary ---------------------


def result_app():
    session = fake_engine_session()
    session.applied = APPLIED
    session.secret = NewSecret(SECRET_VALUE, "kid", "2027-03-14", "Qm7")
    return ScreenApp(session, ResultScreen, step_id="result")


async def test_result_saves_0600_with_the_secret_asks_before_replacing_and_the_summary_names_it(
        tmp_path, monkeypatch):
    monkeypatch.setattr("screens.widgets.snippet_view.default_save_dir", lambda: tmp_path / "new-folder")
    app = result_app()
    session = app.session
    path = tmp_path / "new-folder" / "syncsign-settings.txt"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SavePrompt)
        await pilot.press("enter")
        await pilot.pause()
        assert SECRET_VALUE in path.read_text()  # the block as shown: with the secret
        assert path.stat().st_mode & 0o777 == 0o600
        path.write_text("someone else's file")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SavePrompt) and path.read_text() == "someone else's file"
        assert str(path) in str(app.screen.query_one("#sp-error").render())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # finish
        await pilot.pause()
    assert session.secret is None and session.finished
    out = io.StringIO()
    print_summary(session, out)
    summary = out.getvalue()
    assert "SyncSign" in summary and APPLIED.client_id in summary and APPLIED.tenant_id in summary
    assert f"saved to {path} (holds the client secret" in summary
    assert "Next step" in summary and "https://sops.example.com/m" in summary
    assert SECRET_VALUE not in summary and SECRET_VALUE[:8] not in summary


async def test_summary_without_a_saved_file_and_nothing_before_finishing():
    app = result_app()
    session = app.session
    out = io.StringIO()
    print_summary(session, out)
    assert out.getvalue() == ""  # not finished, nothing saved: nothing to say
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    print_summary(session, out)
    assert "not saved to a file" in out.getvalue() and SECRET_VALUE not in out.getvalue()


@pytest.mark.parametrize("width", [80])
def test_snapshot_result_with_the_secret_held(snap_compare, width):
    assert snap_compare(result_app(), terminal_size=(width, 24), run_before=settle)
