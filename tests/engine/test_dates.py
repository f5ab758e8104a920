"""Graph timestamps: no fraction, seven fraction digits, offsets, garbage."""

from wizard.dates import day, parse_graph_time


def test_graph_timestamps_with_and_without_fractions():
    whole = parse_graph_time("2021-06-01T14:04:26Z")
    assert parse_graph_time("2021-06-01T14:04:26.1154436Z") == whole + 0.115443
    assert parse_graph_time("2021-06-01T16:04:26+02:00") == whole
    assert parse_graph_time("2021-06-01T14:04:26") == whole  # no zone: UTC, as Graph means it
    assert day(whole) == "2021-06-01"


def test_missing_or_unreadable_timestamps_are_none():
    for text in (None, "", "yesterday", "2021-13-01T00:00:00Z"):
        assert parse_graph_time(text) is None
