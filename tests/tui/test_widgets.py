"""Widget tests: each widget alone in a tiny app, driven by the keyboard (Pilot).

Snapshots are taken at 80x24 with a FakeClock, so they are stable; look at
the SVGs in `tests/__snapshots__/` after `--snapshot-update`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer

from screens.widgets.device_code import DeviceCodePanel, countdown_text, shown_code
from screens.widgets.qr import QrCode, QrScreen, qr_lines
from screens.widgets.secret_reveal import SecretReveal
from screens.widgets.snippet_view import SnippetView
from screens.widgets.step_list import StepList
from wizard.clock import FakeClock

pytestmark = pytest.mark.anyio

SECRET = "Xq8~Zk3.secretVALUEdoNotLeak_9vT2aLm"
URL = "https://microsoft.com/devicelogin"


class OneWidget(App):
    """An app that shows one widget and a footer."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield self.make()
        yield Footer()


@dataclass
class Progress:
    step_id: str
    sentence: str
    state: str
    detail: str = ""


# --- QR --------------------------------------------------------------------


def test_qr_lines_fit_beside_text_at_80x24():
    lines = qr_lines(URL)
    assert len(lines) <= 16
    assert all(len(line) == len(lines[0]) for line in lines)
    assert len(lines[0]) <= 33
    assert set("".join(lines)) <= set("▀▄█ ")


def test_qr_lines_decode_back_to_the_matrix():
    """Each text line is two module rows: ▀ top only, ▄ bottom only, █ both."""
    import qrcode

    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(URL)
    code.make(fit=True)
    matrix = code.get_matrix()
    lines = qr_lines(URL)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            glyph = lines[y // 2][x]
            top, bottom = glyph in "▀█", glyph in "▄█"
            assert dark == (top if y % 2 == 0 else bottom)


# --- device code -----------------------------------------------------------


def test_shown_code_and_countdown_words():
    # Shown exactly as Microsoft gives it: spaces on screen get typed into the sign-in page.
    assert shown_code("GQLD7VRKC") == "GQLD7VRKC"
    assert " " not in shown_code(" GQLD7VRKC ")
    assert countdown_text(14 * 60 + 32.7) == "expires in 14:32"
    assert countdown_text(5) == "expires in 0:05"
    assert "expired" in countdown_text(0)


def device_app(clock, size_ok=True):
    return OneWidget(lambda: DeviceCodePanel("GQLD7VRKC", URL, clock.now() + 900, clock))


async def test_device_code_countdown_follows_the_injected_clock():
    clock = FakeClock()
    app = device_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(DeviceCodePanel)
        text = lambda: str(app.query_one("#dc-countdown").render())
        assert text() == "expires in 15:00"
        clock.advance(28)
        panel.refresh_countdown()
        assert text() == "expires in 14:32"
        clock.advance(900)
        panel.refresh_countdown()
        assert "expired" in text()
        assert app.query_one("#dc-countdown").has_class("-expired")


async def test_device_code_shows_qr_beside_text_at_80x24_and_o_opens_it():
    clock = FakeClock()
    app = device_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(DeviceCodePanel)
        qr = app.query_one(QrCode)
        assert qr.display and qr.region.height == 16
        assert qr.region.right <= 80 and qr.region.bottom <= 23
        panel.focus()
        await pilot.press("o")
        assert isinstance(app.screen, QrScreen)
        await pilot.press("o")  # the same key closes it again; never q (q leaves the wizard)
        assert not isinstance(app.screen, QrScreen)
        await pilot.press("o")
        await pilot.press("escape")
        assert not isinstance(app.screen, QrScreen)


async def test_device_code_hides_qr_when_too_narrow():
    clock = FakeClock()
    app = device_app(clock)
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(DeviceCodePanel).has_class("-no-qr")
        assert "press o for a QR code" in str(app.query_one("#dc-scan").render())


def test_snapshot_device_code(snap_compare):
    assert snap_compare(device_app(FakeClock()), terminal_size=(80, 24))


# --- secret reveal ---------------------------------------------------------


def secret_app():
    return OneWidget(lambda: SecretReveal(SECRET, hint="Xq8"))


async def test_secret_is_masked_then_revealed_copied_and_cleared():
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(SecretReveal)
        shown = lambda: str(app.query_one("#sr-value").render())
        assert SECRET not in shown() and "Xq8" in shown()
        widget.focus()
        await pilot.press("r")
        assert shown() == SECRET
        await pilot.press("c")
        assert app.clipboard == SECRET
        await pilot.press("r")
        assert SECRET not in shown()
        widget.clear()
        await pilot.pause()
        assert not widget.has_value
        assert SECRET not in shown() and "cleared" in shown()
        await pilot.press("r")
        assert SECRET not in shown()


async def test_secret_label_says_value_not_id():
    app = secret_app()
    async with app.run_test(size=(80, 24)):
        widget = app.query_one(SecretReveal)
        assert "VALUE" in widget.border_title
        assert "not the Secret ID" in str(app.query_one("#sr-note").render())


def test_snapshot_secret_masked(snap_compare):
    assert snap_compare(secret_app(), terminal_size=(80, 24))


async def test_masked_screenshot_never_contains_the_secret():
    """The SVG a snapshot is made of shows the hint, never the value."""
    app = secret_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
        assert "Xq8" in svg
        assert "secretVALUE" not in svg and "doNotLeak" not in svg
        app.query_one(SecretReveal).focus()
        await pilot.press("r")
        assert "secretVALUE" in app.export_screenshot()  # the check above can fail


def test_snapshot_secret_revealed_on_purpose(snap_compare):
    async def reveal(pilot):
        pilot.app.query_one(SecretReveal).focus()
        await pilot.press("r")

    assert snap_compare(secret_app(), terminal_size=(80, 24), run_before=reveal)


# --- step list -------------------------------------------------------------


def steps_app():
    return OneWidget(lambda: StepList([("create", "Create the app registration"),
                                       ("sp", "Create the service principal"),
                                       ("perm", "Add the API permissions"),
                                       ("consent", "Grant admin consent"),
                                       ("extra", "Set the token lifetime")]))


async def test_step_list_updates_rows_and_icons():
    app = steps_app()
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.query_one(StepList)
        assert steps.states() == dict.fromkeys(["create", "sp", "perm", "consent", "extra"], "pending")
        steps.update_step(Progress("create", "Create the app registration", "done"))
        steps.update_step(Progress("sp", "Create the service principal", "retrying",
                                   "retrying: Microsoft is still replicating the new app (attempt 3)"))
        steps.update_step(Progress("new", "Check the redirect URI", "running"))
        await pilot.pause()
        assert steps.states()["create"] == "done"
        assert steps.states()["new"] == "running"
        text = "\n".join(line.render_text() for line in steps.query("StepLine"))
        assert "[ok] Create the app registration" in text
        assert "[~~] Create the service principal" in text
        assert "(attempt 3)" in text
        steps.update_step(Progress("sp", "", "retrying", "Microsoft is still replicating, attempt 4"))
        assert "retrying: Microsoft is still replicating, attempt 4" in steps.query("StepLine")[1].render_text()
        assert "[..] Check the redirect URI" in text


def test_snapshot_step_list_all_states(snap_compare):
    async def progress(pilot):
        steps = pilot.app.query_one(StepList)
        steps.update_step(Progress("create", "", "done"))
        steps.update_step(Progress("sp", "", "retrying",
                                   "retrying: Microsoft is still replicating the new app (attempt 3)"))
        steps.update_step(Progress("perm", "", "running"))
        steps.update_step(Progress("consent", "", "failed",
                                   "Microsoft refused: you need the Privileged Role Administrator role."))
        steps.update_step(Progress("extra", "", "skipped", "not needed for this vendor"))
        await pilot.pause()

    assert snap_compare(steps_app(), terminal_size=(80, 24), run_before=progress)


# --- snippet view ----------------------------------------------------------


def snippet_app():
    from wizard.profiles import get_profile

    snippet = get_profile("syncsign").render_snippet(
        {"tenant_id": "t", "client_id": "8f0c4b2e-5d1a-4c7e-9b3f-2a6d8e1c0f47", "client_secret": SECRET,
         "authorize_url": "", "token_url": ""})
    return OneWidget(lambda: SnippetView(snippet, title="Settings for SyncSign SOPS"))


async def test_snippet_view_masks_copies_what_is_shown_and_switches_format():
    app = snippet_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(SnippetView)
        view.focus()
        assert "Client Id     : 8f0c4b2e" in view.body() and SECRET not in view.body()
        await pilot.press("c")
        assert app.clipboard == view.body() and SECRET not in app.clipboard
        await pilot.press("v")
        assert SECRET in view.body()
        await pilot.press("f")
        assert '"Client Secret": "' + SECRET in view.body()
        await pilot.press("f")
        assert view.body().startswith("SYNCSIGN_CLIENT_ID=")
        await pilot.press("c")
        assert SECRET in app.clipboard


async def test_snippet_view_saves_through_the_engine_with_0600(tmp_path, monkeypatch):
    monkeypatch.setattr("screens.widgets.snippet_view.default_save_dir", lambda: tmp_path)
    app = snippet_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SnippetView).focus()
        await pilot.press("v", "s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        path = tmp_path / "syncsign-settings.txt"
        assert SECRET in path.read_text()
        assert path.stat().st_mode & 0o777 == 0o600
