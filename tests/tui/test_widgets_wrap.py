"""Long values are never cut: SnippetView wraps them under the value column (after '/'),
HangingRow breaks URLs after '/', late updates reach a row that is still mounting, and the
header has one shape on every step."""

from __future__ import annotations

import pytest
from textual.app import App

from screens.header import fit
from screens.widgets.hanging import HangingRow, line_breaks
from screens.widgets.snippet_view import SnippetView, wrap_lines
from wizard.profiles import get_profile

pytestmark = pytest.mark.anyio
TENANT = "3c1e0f5a-8d2b-4e7c-9a61-5b0d7e2f4c18"
AUTHORIZE = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"


def pexip_snippet():
    return get_profile("pexip").render_snippet({
        "tenant_id": TENANT, "client_id": "04b3e7a3-bda1-485a-8619-61656730d832", "client_secret": "s3cr3t",
        "authorize_url": AUTHORIZE, "token_url": f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
        "addin_fqdn": "px01.example.com",
    })


@pytest.mark.parametrize("fmt", ["text", "json", "env"])
@pytest.mark.parametrize("width", [30, 50, 74])
def test_wrapped_lines_fit_and_keep_every_character(fmt, width):
    text = pexip_snippet().render(fmt, mask=False)
    lines = wrap_lines(text, width)
    assert all(len(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())  # only spaces moved


def test_text_values_hang_under_the_value_column_and_break_after_a_slash():
    lines = wrap_lines(pexip_snippet().as_text(mask=False), 74)
    start = next(i for i, line in enumerate(lines) if line.startswith("User OAuth authorization URI"))
    column = lines[start].index(" : ") + 3
    value = lines[start][column:]
    for line in lines[start + 1:]:
        if not line.startswith(" " * column):
            break
        value += line[column:]
        assert lines[lines.index(line) - 1].endswith("/")
    assert value == AUTHORIZE


def test_a_narrow_box_puts_the_value_under_its_label():
    lines = wrap_lines("User OAuth authorization URI : " + AUTHORIZE + "\n", 40)
    assert lines[0] == "User OAuth authorization URI :"
    assert "".join(line.strip() for line in lines[1:]) == AUTHORIZE


def test_line_breaks_prefer_slashes_and_spaces():
    text = f"Open {AUTHORIZE} now"
    pieces = [text[a:b] for a, b in line_breaks(text, 40)]
    assert pieces[0] == "Open"
    assert pieces[1].endswith("/") and all(len(p) <= 40 for p in pieces)


class Show(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


async def test_snippet_view_at_80_columns_shows_every_value_in_full():
    view = SnippetView(pexip_snippet())
    async with Show(view).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        body = view.query_one("#sv-body")
        assert body.size.width >= 70 and body.size.height == len(body.lines())
        lines = body.lines()
        assert all(len(line) <= body.size.width for line in lines)
        shown = "".join("".join(lines).split())
        for row in pexip_snippet().rows:
            if not row.secret:
                assert "".join(row.value.split()) in shown


async def test_a_step_done_right_after_it_started_shows_done():
    """The token test's "done" arrived while its new row was between compose and mount, and
    was dropped: the row said [..] for ever (and the snapshot flickered)."""
    from test_screens_b_flow import settle, token_app

    for ok in (False, True):
        app = token_app(ok=ok)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            row = app.screen.query_one("#tt-steps").query_one(HangingRow)
            assert str(row.query_one(".hr-marker").render()) == "[ok]"
            assert "accepted after 12 s" in str(row.query_one(".hr-text").render())


def test_header_never_starts_with_the_apps_name():
    for room in (20, 40, 51, 80):
        text = fit("Pexip VMR Scheduling", "contoso.onmicrosoft.com (demo)", room)
        assert not text.startswith("m365-wizard") and len(text) <= room
        assert text.endswith("(demo)") or room < 31
    assert fit("Pexip", "contoso.onmicrosoft.com", 80) == "Pexip · contoso.onmicrosoft.com"
