"""A list of steps with their state: what the wizard is doing, has done, or could not do.

Each row is a state icon, a sentence ("Create the app registration") and an
optional detail line under it ("retrying: Microsoft is still replicating the
new app (attempt 3)"). The icons are text, so the state reads the same in 16
colours, in monochrome and with NO_COLOR:

    [  ] pending    [..] running (animated)   [~~] retrying
    [ok] done       [!!] failed               [--] skipped

`update_step(progress)` takes the engine's `StepProgress` (step_id, sentence,
state, detail); an unknown step_id adds a row. The running icon animates only
while some step runs and the app's `animation_level` is not "none".
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from screens.widgets.hanging import HangingRow

ICONS = {
    "pending": "[  ]",
    "running": "[..]",
    "retrying": "[~~]",
    "done": "[ok]",
    "failed": "[!!]",
    "skipped": "[--]",
}
RUNNING_FRAMES = ("[. ]", "[..]", "[ .]", "[..]")
STATE_STYLES = {
    "pending": "dim",
    "running": "bold $text-accent",
    "retrying": "bold $text-warning",
    "done": "bold $text-success",
    "failed": "bold $text-error",
    "skipped": "dim",
}


@dataclass
class StepRow:
    """What the list knows about one step."""

    step_id: str
    sentence: str
    state: str = "pending"
    detail: str = ""
    waited: int | None = None  # seconds this step has been waiting (retrying, replication), shown after the detail


class StepLine(HangingRow):
    """One step's row: the icon in its own column, the sentence and detail wrapping beside it."""

    DEFAULT_CSS = """
    StepLine.-pending, StepLine.-skipped {
        color: $text-muted;
    }
    StepLine.-failed {
        background: $error 10%;
    }
    """

    def __init__(self, row: StepRow, **kwargs) -> None:
        self.row = row
        self.frame = 0
        super().__init__(*self._parts(), markup=False, **kwargs)

    def _parts(self) -> tuple[Content, Content]:
        row = self.row
        icon = ICONS.get(row.state, "[??]")
        if row.state == "running" and self.frame:
            icon = RUNNING_FRAMES[self.frame % len(RUNNING_FRAMES)]
        parts: list = [row.sentence]
        detail = row.detail
        if row.state == "retrying" and not detail.lower().startswith("retrying"):
            detail = f"retrying: {detail}" if detail else "retrying…"
        if row.waited is not None:
            detail = f"{detail} · {row.waited} s" if detail else f"waiting… {row.waited} s"
        if detail:
            parts += ["\n", (detail, "italic" if row.state != "failed" else "")]
        return Content.styled(icon, STATE_STYLES.get(row.state, "")), Content.assemble(*parts)

    def redraw(self) -> None:
        """Show the row's current state."""
        self.update(*self._parts())

    def render_text(self) -> str:
        """The row as plain text: `[ok] Create the app registration`."""
        return self.plain


class StepList(VerticalScroll):
    """The steps of a run, updated from the engine's progress events."""

    DEFAULT_CSS = """
    StepList {
        height: auto;
        max-height: 100%;
    }
    """

    def __init__(self, steps=(), **kwargs) -> None:
        """`steps`: (step_id, sentence) pairs to show as pending from the start."""
        super().__init__(**kwargs)
        self._rows: dict[str, StepLine] = {}
        self._initial = [StepRow(step_id, sentence) for step_id, sentence in steps]

    def compose(self) -> ComposeResult:
        for row in self._initial:
            line = StepLine(row, classes=f"-{row.state}")
            self._rows[row.step_id] = line
            yield line

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.25, self._spin, pause=not self._any_running())

    def states(self) -> dict[str, str]:
        """step_id → state, in order: handy for tests and for summaries."""
        return {step_id: line.row.state for step_id, line in self._rows.items()}

    def row(self, step_id: str) -> StepRow:
        """The current row of one step."""
        return self._rows[step_id].row

    def update_step(self, progress) -> None:
        """Apply one `StepProgress` (step_id, sentence, state, detail)."""
        line = self._rows.get(progress.step_id)
        if line is None:
            line = StepLine(StepRow(progress.step_id, progress.sentence))
            self._rows[progress.step_id] = line
            self.mount(line)
        row = line.row
        row.sentence = progress.sentence or row.sentence
        row.state = progress.state
        row.detail = progress.detail or ""
        line.frame = 0
        for state in ICONS:
            line.set_class(state == row.state, f"-{state}")
        line.redraw()
        if row.state in ("running", "retrying", "failed"):
            line.scroll_visible()
        if self.is_mounted:
            if self._any_running():
                self._timer.resume()
            else:
                self._timer.pause()

    def show_waited(self, step_id: str, seconds: int | None) -> None:
        """Show how long a step has been waiting (`None`: not waiting), redrawn only when it changed."""
        line = self._rows.get(step_id)
        if line is not None and line.row.waited != seconds:
            line.row.waited = seconds
            line.redraw()

    def _any_running(self) -> bool:
        return any(line.row.state == "running" for line in self._rows.values())

    def _spin(self) -> None:
        if self.app.animation_level == "none":
            return
        for line in self._rows.values():
            if line.row.state == "running":
                line.frame += 1
                line.redraw()
