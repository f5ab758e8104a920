"""A small, strict OData query engine: `$filter`, `$select`, `$top`, paging.

What Graph supports on directory objects, and only that
(https://learn.microsoft.com/en-us/graph/filter-query-parameter,
https://learn.microsoft.com/en-us/graph/aad-advanced-queries):

- `prop eq 'v'`, `startswith(prop, 'v')`, `prop/any(x:x eq 'v')`, `and`, `or`, parentheses;
- string literals in single quotes, a quote inside doubled: `'O''Brien'`;
- `ne`, `not`, `endswith` only as "advanced queries": header `ConsistencyLevel: eventual`
  and `$count=true`, else 400 Request_UnsupportedQuery;
- string comparisons are case-insensitive, as in the directory.

Anything it cannot parse, or a property the resource does not allow in a filter,
is a 400 `Request_UnsupportedQuery` (a `QueryError`) — never silently ignored,
because a filter that is ignored returns everything and a client would act on
the wrong object.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Callable


class QueryError(Exception):
    """The query cannot be evaluated; Graph answers 400 with `code`."""

    def __init__(self, message: str, code: str = "Request_UnsupportedQuery") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<comma>,)
    | (?P<colon>:)
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
    | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
    | (?P<word>[A-Za-z_][\w.\-]*(?:/[A-Za-z_][\w.]*)*)
    )""", re.VERBOSE)


def canonical(name: str, known) -> str | None:
    """The declared spelling of a property name, or None: Graph resolves property names in
    `$select`, `$filter`, `$orderby` and `$search` case-insensitively (the OData URI parser's
    case-insensitive mode, `ODataUriResolver.EnableCaseInsensitive`), and answers with the declared
    spelling."""
    if name in known:
        return name
    low = name.lower()
    return next((k for k in known if k.lower() == low), None)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        # every alternative of _TOKEN is a named group, so a match always has a lastgroup
        kind = match.lastgroup if match else None
        if not match or kind is None or match.end() == pos:
            raise QueryError(f"Invalid filter clause: syntax error at position {pos} in '{text}'.",
                             "BadRequest")
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


# A filter compiles to a predicate over one object (a dict).
Predicate = Callable[[dict], bool]


@dataclass(frozen=True)
class Filterable:
    """Which properties of a resource may appear in `$filter`, and how."""

    resource: str                   # "application", for messages
    scalars: frozenset[str]         # eq / ne / startswith
    collections: frozenset[str] = frozenset()  # prop/any(x:x eq '…')


class _Parser:
    def __init__(self, text: str, spec: Filterable, advanced: bool) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.spec = spec
        self.advanced = advanced

    # -- token helpers -----------------------------------------------------------
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, kind: str | None = None, word: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise QueryError(f"Invalid filter clause: unexpected end of '{self.text}'.", "BadRequest")
        if kind and tok[0] != kind or word and tok[1].lower() != word:
            raise QueryError(f"Invalid filter clause: unexpected '{tok[1]}' in '{self.text}'.", "BadRequest")
        self.pos += 1
        return tok[1]

    def at_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1].lower() == word

    def need_advanced(self, what: str) -> None:
        if not self.advanced:
            raise QueryError(
                f"Operator '{what}' is not supported because the required parameters might be missing. "
                "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
                "Refer to https://aka.ms/graph-docs/advanced-queries for more information")

    # -- grammar -------------------------------------------------------------------
    def parse(self) -> Predicate:
        pred = self.or_expr()
        rest = self.peek()
        if rest is not None:
            raise QueryError(f"Invalid filter clause: unexpected '{rest[1]}' in '{self.text}'.",
                             "BadRequest")
        return pred

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.at_word("or"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        ps = tuple(parts)
        return lambda obj: any(p(obj) for p in ps)

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.at_word("and"):
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        ps = tuple(parts)
        return lambda obj: all(p(obj) for p in ps)

    def unary(self) -> Predicate:
        if self.at_word("not"):
            self.need_advanced("not")
            self.take()
            inner = self.unary()
            return lambda obj: not inner(obj)
        tok = self.peek()
        if tok and tok[0] == "lparen":
            self.take("lparen")
            inner = self.or_expr()
            self.take("rparen")
            return inner
        following = self.peek(1)
        if tok and tok[0] == "word" and tok[1].lower() in ("startswith", "endswith") \
                and following and following[0] == "lparen":
            return self.function()
        return self.comparison()

    def function(self) -> Predicate:
        name = self.take("word").lower()
        if name == "endswith":
            self.need_advanced("endsWith")
        self.take("lparen")
        prop = self.scalar_property(self.take("word"))
        self.take("comma")
        value = self.literal()
        self.take("rparen")
        if not isinstance(value, str):
            raise QueryError(f"Invalid filter clause: {name} needs a string literal.", "BadRequest")
        low = value.lower()
        if name == "startswith":
            return lambda obj: isinstance(obj.get(prop), str) and obj[prop].lower().startswith(low)
        return lambda obj: isinstance(obj.get(prop), str) and obj[prop].lower().endswith(low)

    def comparison(self) -> Predicate:
        word = self.take("word")
        if "/" in word:  # collection lambda: identifierUris/any(x:x eq 'api://…')
            prop, _, op = word.partition("/")
            if op.lower() != "any":
                raise QueryError(f"Invalid filter clause: unsupported path '{word}'.")
            return self.any_lambda(prop)
        prop = self.scalar_property(word)
        op = self.take("word").lower()
        if op == "in":  # "supported by default whenever eq is" (aad-advanced-queries)
            self.take("lparen")
            values = [self.literal()]
            while (tok := self.peek()) is not None and tok[0] == "comma":
                self.take("comma")
                values.append(self.literal())
            self.take("rparen")
            return lambda obj: any(_equal(obj.get(prop), v) for v in values)
        value = self.literal()
        if op == "eq":
            return lambda obj: _equal(obj.get(prop), value)
        if op == "ne":
            self.need_advanced("ne")
            return lambda obj: not _equal(obj.get(prop), value)
        if op in ("gt", "ge", "lt", "le"):
            raise QueryError(f"Unsupported or invalid query filter clause specified for property '{prop}' "
                             f"of resource '{self.spec.resource}'.")
        raise QueryError(f"Invalid filter clause: unknown operator '{op}'.", "BadRequest")

    def any_lambda(self, prop: str) -> Predicate:
        declared = canonical(prop, self.spec.collections)
        if declared is None:
            raise QueryError(f"Unsupported or invalid query filter clause specified for property '{prop}' "
                             f"of resource '{self.spec.resource}'.")
        self.take("lparen")
        var = self.take("word")
        self.take("colon")
        if self.take("word") != var:
            raise QueryError("Invalid filter clause: the lambda must compare its own variable.", "BadRequest")
        self.take("word", "eq")
        value = self.literal()
        self.take("rparen")
        return lambda obj: any(_equal(item, value) for item in (obj.get(declared) or []))

    def scalar_property(self, word: str) -> str:
        declared = canonical(word, self.spec.scalars)
        if declared is None:
            raise QueryError(f"Unsupported or invalid query filter clause specified for property '{word}' "
                             f"of resource '{self.spec.resource}'.")
        return declared

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise QueryError(f"Invalid filter clause: a value is missing in '{self.text}'.", "BadRequest")
        kind, text = tok
        self.pos += 1
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "guid":
            return text  # a bare GUID, as Graph allows for Edm.Guid properties
        if kind == "word":
            low = text.lower()
            if low in ("true", "false"):
                return low == "true"
            if low == "null":
                return None
            if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", text):
                return text
        raise QueryError(f"Invalid filter clause: '{text}' is not a literal. Quote strings: 'value'.",
                         "BadRequest")


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return actual == expected


def compile_filter(text: str, spec: Filterable, advanced: bool = False) -> Predicate:
    """Parse `$filter` text into a predicate, or raise `QueryError`."""
    if not text.strip():
        raise QueryError("Invalid filter clause: the filter is empty.", "BadRequest")
    return _Parser(text, spec, advanced).parse()


def parse_top(value: str | None, default: int = 100) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 999:
        raise QueryError(f"Invalid page size specified: '{value}'. Must be between 1 and 999 inclusive.",
                         "Request_UnsupportedQuery")
    return int(value)


def parse_select(value: str | None, known: set[str], resource: str) -> list[str] | None:
    if value is None:
        return None
    props = []
    for prop in (p.strip() for p in value.split(",") if p.strip()):
        declared = canonical(prop, known)
        if declared is None:
            raise QueryError(f"Could not find a property named '{prop}' on type 'microsoft.graph.{resource}'.",
                             "BadRequest")
        if declared not in props:
            props.append(declared)
    return props


def project(obj: dict, select: list[str] | None, hidden: frozenset[str] = frozenset()) -> dict:
    """Apply `$select`: only the named properties (plus an `@odata.type` marker if present).
    Without `$select`, everything but the `hidden` (select-only) properties."""
    if select is None:
        return {k: v for k, v in obj.items() if k not in hidden}
    out = {k: obj[k] for k in ("@odata.type",) if k in obj}
    for prop in select:
        out[prop] = obj.get(prop)
    return out


def encode_skiptoken(offset: int) -> str:
    """An opaque `$skiptoken`; clients must follow `@odata.nextLink` as-is."""
    return base64.urlsafe_b64encode(f"RFNwdAIAAQ{offset:08d}".encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not raw.startswith("RFNwdAIAAQ"):
            raise ValueError(raw)
        return int(raw[len("RFNwdAIAAQ"):])
    except (ValueError, UnicodeDecodeError):
        raise QueryError("The specified page token value has expired or is invalid.", "Request_BadRequest")


_SEARCH_CLAUSE = re.compile(r'\s*"(?P<prop>[A-Za-z]+):(?P<value>[^"]*)"\s*')


def _tokens(value: str) -> list[str]:
    """How the directory tokenizes a string for `$search`: spaces, punctuation and camelCase."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", value)
    return [t for t in re.split(r"[\s\-_.,;:/\\@()]+", spaced.lower()) if t]


def compile_search(text: str, searchable: frozenset[str], resource: str) -> Predicate:
    """`$search="displayName:wiz" AND "description:x"`: each clause matches when a token of the
    property starts with the value (https://learn.microsoft.com/en-us/graph/search-query-parameter,
    "Using $search on directory object collections")."""
    pos, parts, joins = 0, [], []
    while True:
        match = _SEARCH_CLAUSE.match(text, pos)
        if not match:
            raise QueryError(f"Syntax error: character '{text[pos:pos + 1] or ' '}' is not valid at position {pos} "
                             f"in '{text}'.", "BadRequest")
        prop, value = canonical(match.group("prop"), searchable), match.group("value").lower()
        if prop is None:
            raise QueryError(f"Property '{match.group('prop')}' of resource '{resource}' is not searchable.")
        parts.append((prop, value))
        pos = match.end()
        if pos >= len(text):
            break
        join = re.match(r"(AND|OR)\b", text[pos:])
        if not join:
            raise QueryError(f"Syntax error: character '{text[pos]}' is not valid at position {pos} in '{text}'.",
                             "BadRequest")
        joins.append(join.group(1))
        pos += join.end()

    def clause(obj: dict, prop: str, value: str) -> bool:
        actual = obj.get(prop)
        return isinstance(actual, str) and (actual.lower().startswith(value)
                                            or any(t.startswith(value) for t in _tokens(actual)))

    def predicate(obj: dict) -> bool:
        result = clause(obj, *parts[0])
        for join, part in zip(joins, parts[1:]):
            result = (result and clause(obj, *part)) if join == "AND" else (result or clause(obj, *part))
        return result
    return predicate


def context_with_select(context: str, select: list[str] | None) -> str:
    """`users` + $select=displayName,mail -> `users(displayName,mail)`; `users/$entity` ->
    `users(displayName,mail)/$entity`, as Graph's @odata.context names the selected properties."""
    if not select:
        return context
    names = f"({','.join(select)})"
    if context.endswith("/$entity"):
        return context[:-len("/$entity")] + names + "/$entity"
    return context + names
