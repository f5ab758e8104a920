"""A row with a marker and text that wraps under itself (a hanging indent).

    [!!] Microsoft refused: your account may not grant consent. Ask a
         Privileged Role Administrator.

Used for numbered steps (" 1."), bullets ("•") and state icons ("[ok]"): the
marker keeps its own column, so wrapped lines stay readable at 80 columns.
A word longer than the line (a URL) is broken after a '/' where it can be,
never silently cut (`WrappedText`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static


def line_breaks(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each screen line of `text` at `width` columns.

    Words wrap at spaces; a word longer than a line (a URL, a GUID path) is
    broken after '/' (then after '-', '.', '_' …) rather than anywhere, so
    what is read can be typed. Every character except the spaces at the
    breaks is on some line.
    """
    from screens.widgets.snippet_view import _break_at

    width = max(1, width)
    spans: list[tuple[int, int]] = []
    start = 0
    for paragraph in text.split("\n"):
        end = start + len(paragraph)
        i = start
        while end - i > width:
            space = text.rfind(" ", i, i + width + 1)
            if space > i:
                spans.append((i, space))
                i = space + 1
                while i < end and text[i] == " ":
                    i += 1
                continue
            n = _break_at(text[i:end], width)
            spans.append((i, i + n))
            i += n
        spans.append((i, end))
        start = end + 1
    return spans


class WrappedText(Static):
    """A Static whose text wraps by `line_breaks` (URLs break after '/', nothing is cut)."""

    DEFAULT_CSS = """
    WrappedText {
        height: auto;
    }
    """

    def __init__(self, text: str | Content = "", *, markup: bool = True, **kwargs) -> None:
        self._wrap_markup = markup
        self._wrapped = self._as_content(text)
        super().__init__(self._wrapped, markup=markup, **kwargs)

    def _as_content(self, text) -> Content:
        if isinstance(text, Content):
            return text
        return Content.from_markup(str(text)) if self._wrap_markup else Content(str(text))

    def update(self, text="", *, layout: bool = True) -> None:
        self._wrapped = self._as_content(text)
        super().update(self._wrapped, layout=layout)

    def lines(self, width: int) -> list[Content]:
        return [self._wrapped[a:b] for a, b in line_breaks(self._wrapped.plain, width)]

    def get_content_width(self, container, viewport) -> int:
        return max((len(line) for line in self._wrapped.plain.split("\n")), default=0)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(line_breaks(self._wrapped.plain, width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))


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
        yield WrappedText(self._text, classes="hr-text", markup=self._markup)

    def on_mount(self) -> None:
        self._sync()

    def update(self, marker: str | Content, text: str | Content) -> None:
        """Change the marker and the text (safe before, during and after mounting)."""
        self._marker, self._text = marker, text
        self._sync()

    def _sync(self) -> None:
        # Once composed, the children exist even before `is_mounted` is set: an update that
        # arrives between compose and mount must still reach them (it used to be dropped).
        for static in self.query_children(".hr-marker").results(Static):
            static.update(self._marker)
        for text in self.query_children(".hr-text").results(WrappedText):
            text.update(self._text)

    @property
    def plain(self) -> str:
        """Marker and text as plain text (for tests and summaries)."""
        return f"{_plain(self._marker, False)} {_plain(self._text, self._markup)}"


def _plain(value: str | Content, markup: bool) -> str:
    if isinstance(value, Content):
        return value.plain
    return Content.from_markup(value).plain if markup else value
