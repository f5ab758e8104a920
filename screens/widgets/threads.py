"""From a thread worker back to the screen, safely.

Engine calls block, so screens run them in `@work(thread=True)` workers and
hand results back with `App.call_from_thread`. Two things can go wrong: the
user may have left the screen meanwhile (its widgets are gone, so updating
them would crash), or the app may have stopped (the event loop is closed).
`call_if_shown` covers both: the callback runs on the event loop, and only
while the screen is still on the app's screen stack.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.screen import Screen


def call_if_shown(screen: Screen, callback: Callable[..., Any], *args: Any) -> None:
    """Call `callback(*args)` on the event loop if `screen` is still shown (call from a thread).

    `callback` may be a coroutine function: the worker waits until it has finished.
    """

    def run() -> Any:
        if screen in screen.app.screen_stack:
            return callback(*args)  # a coroutine is awaited by `call_from_thread`
        return None

    try:
        screen.app.call_from_thread(run)
    except RuntimeError:  # the app has already stopped: nobody to tell
        pass
