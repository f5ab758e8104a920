"""Graph v1.0 resource types as data: every property of each type the simulator serves, with Graph's defaults.

`graph_resources.json` (made by tools/graph_resources.py from Microsoft's v1.0 schema, see its "source")
lists, per type, each structural property with its default (`null`, `[]`, `false`, or a nested object
for the complex properties Graph always sends as objects, such as `info` or `web.implicitGrantSettings`)
and which properties Graph sends only when `$select` names them (most of a user's).

    resources.new("application")          # a fresh dict with every property at its default
    resources.keys("user")                # every property `$select` accepts
    resources.select_only("user")         # left out of an answer without `$select`
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources as files


@functools.cache
def _data() -> dict:
    text = files.files("wizard.simtenant").joinpath("graph_resources.json").read_text(encoding="utf-8")
    return json.loads(text)


def types() -> dict[str, dict]:
    return _data()["types"]


@functools.cache
def _template(type_name: str) -> dict:
    entry = types()[type_name]
    obj = copy.deepcopy(entry["defaults"])
    for prop, nested in entry.get("objectDefaults", {}).items():
        obj[prop] = _template(nested)
    return obj


def new(type_name: str, **values) -> dict:
    """A new object of this Graph type: every property at Graph's default, then `values`."""
    obj = copy.deepcopy(_template(type_name))
    for key, value in values.items():
        if key not in obj:
            raise KeyError(f"{type_name} has no property {key!r}")
        obj[key] = value
    return obj


def complete(type_name: str, obj: dict) -> dict:
    """`obj` with every missing property of its type added at its default (in place; returned)."""
    for key, value in _template(type_name).items():
        if key not in obj:
            obj[key] = copy.deepcopy(value)
    return obj


@functools.cache
def keys(type_name: str) -> frozenset[str]:
    return frozenset(types()[type_name]["defaults"])


@functools.cache
def select_only(type_name: str) -> frozenset[str]:
    return frozenset(types()[type_name]["selectOnly"])
