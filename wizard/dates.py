"""Microsoft Graph's timestamps, read and written.

Graph sends `DateTimeOffset` values in ISO 8601 UTC, with anything from no
fraction to seven fraction digits (`2026-01-31T12:00:00Z`,
`2021-06-01T14:04:26.1154436Z`); Python's `fromisoformat` takes at most six.
https://learn.microsoft.com/graph/api/resources/passwordcredential
"""

from __future__ import annotations

import datetime as dt


def parse_graph_time(text: str | None) -> float | None:
    """A Graph timestamp as epoch seconds; None when it is missing or unreadable."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if "." in value:
        head, _, tail = value.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        value = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


def day(ts: float) -> str:
    """The UTC date of `ts`, e.g. 2028-11-22 (for "valid until …")."""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d")
