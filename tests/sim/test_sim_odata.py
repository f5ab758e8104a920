"""The simulator's OData `$filter` engine: what Graph accepts, and 400 for anything else.

https://learn.microsoft.com/en-us/graph/filter-query-parameter
https://learn.microsoft.com/en-us/graph/aad-advanced-queries
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.simtenant.odata import (Filterable, QueryError, compile_filter, decode_skiptoken, encode_skiptoken,
                                    parse_select, parse_top)

SPEC = Filterable("application", frozenset({"displayName", "appId", "uniqueName"}), frozenset({"identifierUris"}))
APPS = [
    {"displayName": "Pexip VMR", "appId": "a1", "uniqueName": None, "identifierUris": []},
    {"displayName": "O'Brien", "appId": "a2", "uniqueName": "ob", "identifierUris": ["api://ob"]},
    {"displayName": "FlexO", "appId": "a3", "uniqueName": None, "identifierUris": ["api://flexo", "api://x"]},
]


def names(text: str, advanced: bool = False) -> list[str]:
    predicate = compile_filter(text, SPEC, advanced)
    return [a["displayName"] for a in APPS if predicate(a)]


@pytest.mark.parametrize("text, expected", [
    ("displayName eq 'Pexip VMR'", ["Pexip VMR"]),
    ("displayName eq 'pexip vmr'", ["Pexip VMR"]),                  # case-insensitive, as the directory
    ("displayName eq 'O''Brien'", ["O'Brien"]),                     # a quote is doubled
    ("startswith(displayName,'fle')", ["FlexO"]),
    ("startsWith(displayName, 'P')", ["Pexip VMR"]),
    ("appId eq 'a1' or appId eq 'a3'", ["Pexip VMR", "FlexO"]),
    ("appId eq 'a1' or appId eq 'a3' and displayName eq 'nope'", ["Pexip VMR"]),  # and binds tighter
    ("(appId eq 'a1' or appId eq 'a3') and displayName eq 'FlexO'", ["FlexO"]),
    ("identifierUris/any(x:x eq 'api://x')", ["FlexO"]),
    ("identifierUris/any(u:u eq 'API://OB')", ["O'Brien"]),
    ("uniqueName eq null", ["Pexip VMR", "FlexO"]),
])
def test_supported_filters(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, code", [
    ("", "BadRequest"),
    ("displayName eq", "BadRequest"),
    ("displayName eq 'open", "BadRequest"),
    ("displayName eq Pexip", "BadRequest"),                          # strings must be quoted
    ("displayName eq 'a' and", "BadRequest"),
    ("(displayName eq 'a'", "BadRequest"),
    ("displayName like 'a'", "BadRequest"),
    ("colour eq 'red'", "Request_UnsupportedQuery"),                 # not a filterable property
    ("displayName gt 'a'", "Request_UnsupportedQuery"),
    ("displayName ne 'a'", "Request_UnsupportedQuery"),              # advanced query only
    ("not (displayName eq 'a')", "Request_UnsupportedQuery"),
    ("endswith(displayName,'O')", "Request_UnsupportedQuery"),
    ("tags/any(x:x eq 'a')", "Request_UnsupportedQuery"),
    ("identifierUris/all(x:x eq 'a')", "Request_UnsupportedQuery"),
])
def test_unsupported_filters_are_errors_never_ignored(text, code):
    with pytest.raises(QueryError) as caught:
        compile_filter(text, SPEC)
    assert caught.value.code == code


def test_advanced_operators_with_consistency_level():
    assert names("displayName ne 'FlexO'", advanced=True) == ["Pexip VMR", "O'Brien"]
    assert names("endswith(displayName,'exo')", advanced=True) == ["FlexO"]
    assert names("not startswith(displayName,'P')", advanced=True) == ["O'Brien", "FlexO"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_display_name_round_trips_through_quoting(value):
    literal = "'" + value.replace("'", "''") + "'"
    predicate = compile_filter(f"displayName eq {literal}", SPEC)
    assert predicate({"displayName": value})
    assert not predicate({"displayName": value + "x"})


def test_top_select_and_skiptoken():
    assert parse_top(None) == 100 and parse_top("999") == 999
    for bad in ("0", "1000", "-1", "ten"):
        with pytest.raises(QueryError):
            parse_top(bad)
    assert parse_select("id, displayName", {"id", "displayName"}, "application") == ["id", "displayName"]
    with pytest.raises(QueryError):
        parse_select("id,secret", {"id"}, "application")
    assert decode_skiptoken(encode_skiptoken(250)) == 250
    with pytest.raises(QueryError):
        decode_skiptoken("garbage!")
