"""The last run of each vendor, so that starting it again can offer its answers: never a secret.

One small JSON file per vendor (and place: the demo, a simulated tenant, a cloud and --tenant)
beside the journal, `<state dir>/last-run/<place>--<vendor>.json`, 0600. It holds the checked
answers (server names, redirect URIs, mailboxes, a logo's path: what the questions ask, which
are never secrets), the mode, how far the run got (`stage`) and, once Apply started, each planned
change with its state as it really ended: done, skipped (already so), failed or not done. The
record is written after every change of a step, so a run that is killed mid-way leaves the
truth behind; a run that finished marks it "finished" and nothing is offered next time.

`wizard.run.Run` writes and reads it (`Run.resume_offer`); the TUI shows the offer on the
questions screen. The headless commands do not keep one (they take their answers as arguments).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

ANSWERED, APPLYING, STOPPED, FAILED, APPLIED, FINISHED = "answered", "applying", "stopped", "failed", "applied", "finished"
DONE_STATES = ("done", "skipped")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "_"


def plain_answers(answers: dict) -> dict[str, Any]:
    """The answers as JSON text can hold them: strings, numbers, lists of strings (a file answer
    is its path). Anything else is left out rather than written in some unknown form."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            out[str(key)] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[str(key)] = list(value)
    return out


@dataclass(frozen=True)
class StepRecord:
    """One planned change and how it ended (the engine's `StepProgress` states)."""

    id: str
    sentence: str
    state: str = "pending"
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


@dataclass(frozen=True)
class LastRun:
    """What the last run of a vendor was given and how far it got."""

    vendor: str
    answers: dict[str, Any]
    mode: str = "create"
    stage: str = ANSWERED
    tenant: str = ""  # the signed-in tenant's domain (or id); "" before sign-in
    demo: bool = False  # the demo tenant starts empty every time: nothing of it is left
    saved: float = 0.0  # epoch seconds
    steps: tuple[StepRecord, ...] = field(default_factory=tuple)

    @property
    def interrupted(self) -> bool:
        return self.stage != FINISHED

    @property
    def done_steps(self) -> list[StepRecord]:
        return [s for s in self.steps if s.done]

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.saved))

    def words(self, vendor_name: str) -> list[str]:
        """The offer in plain sentences: where the answers come from, then what was done."""
        where = f" in {self.tenant}" if self.tenant else ""
        lines = [f"Filled in from your last {vendor_name} run{where} ({self.when()}), which did not finish."]
        if self.stage == ANSWERED:
            lines.append("It stopped before any change was made.")
            return lines
        done, total = self.done_steps, len(self.steps)
        how = {APPLYING: "was interrupted during Apply (the wizard was closed before it finished)",
               STOPPED: "was stopped during Apply", FAILED: "failed during Apply",
               APPLIED: "made its changes; it stopped after Apply"}.get(self.stage, "did not finish")
        lines.append(f"It {how}: {len(done)} of {total} changes were made.")
        lines += [f"  done: {s.sentence}" for s in done]
        under_way = [s for s in self.steps if s.state in ("running", "retrying")]
        lines += [f"  under way when it stopped (the wizard checks it again): {s.sentence}" for s in under_way]
        if self.demo and (done or under_way):
            lines.append("The demo tenant starts empty each time, so none of that is in it now.")
        elif len(done) < total:
            lines.append("Continue: the wizard reads the tenant again and does only what is still missing.")
        return lines


class LastRuns:
    """The last-run records in `<state dir>/last-run/`."""

    def __init__(self, state_dir: str | os.PathLike | None) -> None:
        from wizard.journal import default_dir

        self.folder = Path(state_dir if state_dir is not None else default_dir()) / "last-run"

    def path(self, place: str, vendor: str) -> Path:
        return self.folder / f"{_safe(place or 'default')}--{_safe(vendor)}.json"

    def read(self, place: str, vendor: str) -> LastRun | None:
        try:
            data = json.loads(self.path(place, vendor).read_text("utf-8")[:1_000_000])
            steps = tuple(StepRecord(**s) for s in data.pop("steps", []))
            record = LastRun(**data, steps=steps)
        except (OSError, ValueError, TypeError):
            return None  # none, or unreadable: nothing is offered
        return record if record.vendor == vendor and isinstance(record.answers, dict) else None

    def write(self, place: str, record: LastRun) -> None:
        from wizard.files import private_dir, write_private

        private_dir(self.folder)
        write_private(self.path(place, record.vendor), json.dumps(asdict(record), indent=2, sort_keys=True))


def with_step(record: LastRun, step_id: str, sentence: str, state: str, detail: str = "") -> LastRun:
    """The record with one planned step's state changed (progress of anything else, such as the
    role check, is not a change and is left out)."""
    steps = [replace(s, sentence=sentence or s.sentence, state=state, detail=detail) if s.id == step_id else s
             for s in record.steps]
    return replace(record, steps=tuple(steps))
