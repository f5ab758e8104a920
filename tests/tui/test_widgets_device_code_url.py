"""The device-code URL is typed from the screen: it stays on one line, else the QR code goes."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from screens.widgets.device_code import DeviceCodePanel
from wizard.clock import FakeClock

pytestmark = pytest.mark.anyio


class OnePanel(App):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        clock = FakeClock()
        yield DeviceCodePanel("R8PRNMDWU", self.url, clock.now() + 900, clock)


@pytest.mark.parametrize("width", [74, 76, 78, 80])
@pytest.mark.parametrize("url", ["https://microsoft.com/devicelogin", "https://login.simtenant.test/devicelogin"])
async def test_url_never_wraps_beside_the_qr_code(url, width):
    app = OnePanel(url)
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        assert app.query_one("#dc-url").size.height == 1


async def test_microsofts_url_keeps_the_qr_code_at_80_columns():
    app = OnePanel("https://microsoft.com/devicelogin")
    async with app.run_test(size=(78, 40)) as pilot:
        await pilot.pause()
        assert not app.query_one(DeviceCodePanel).has_class("-no-qr")
