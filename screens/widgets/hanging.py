"""A row with a marker and text that wraps under itself (a hanging indent).

    [!!] Microsoft refused: your account may not grant consent. Ask a
         Privileged Role Administrator.

Used for numbered steps (" 1."), bullets ("•") and state icons ("[ok]"): the
marker keeps its own column, so wrapped lines stay readable at 80 columns.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static


class HangingRow(Horizontal):
    """`marker` in a fixed column, `text` (str markup or Content) wrapping beside it."""

    DEFAULT_CSS = """
    HangingRow {
        height: auto;
    }
    HangingRow > .hr-marker {
        width: auto;
        padding-right: 1;
    }
    HangingRow > .hr-text {
        width: 1fr;
    }
    """

    def __init__(self, marker: str | Content, text: str | Content, *, markup: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self._marker = marker
        self._text = text
        self._markup = markup

    def compose(self) -> ComposeResult:
        yield Static(self._marker, classes="hr-marker", markup=False)
        yield Static(self._text, classes="hr-text", markup=self._markup)

    def update(self, marker: str | Content, text: str | Content) -> None:
        """Change the marker and the text."""
        self._marker, self._text = marker, text
        if self.is_mounted:
            self.query_one(".hr-marker", Static).update(marker)
            self.query_one(".hr-text", Static).update(text)

    @property
    def plain(self) -> str:
        """Marker and text as plain text (for tests and summaries)."""
        return f"{_plain(self._marker, False)} {_plain(self._text, self._markup)}"


def _plain(value: str | Content, markup: bool) -> str:
    if isinstance(value, Content):
        return value.plain
    return Content.from_markup(value).plain if markup else value
