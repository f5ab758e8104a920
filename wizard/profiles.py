"""Vendor profiles: what each vendor needs from Microsoft Entra, as data.

One TOML file per vendor (bundled in `wizard/profiles/`, or the installer's own: the user's
profiles folder or `--profile PATH`, see "the catalogue" below and docs/profiles.md) describes
the app registration the vendor's guide asks for: the questions to ask, the redirect URIs, the
permissions, whether admin consent and a client secret are needed, how to test the result, and
the settings block to paste into the vendor's console (with the vendor's own labels). Adding a sixth vendor is a
new file, not code. The schema is checked when the files load; a malformed file raises
`ProfileError` naming the file and the key.

    >>> profile = get_profile("pexip")
    >>> answers = profile.validate({"addin_fqdn": "px01.example.com"})
    >>> profile.redirect_uris(answers)
    ['https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect']

Template fields (`{name}`) in redirect URIs and snippet rows are question keys, keys of the
profile's `[values]` table (defaults the engine may override), or values the engine passes
to `render_snippet`: see `ENGINE_VALUES`. A repeatable answer in a redirect URI template
gives one URI per value; in a snippet row the values are joined with ", ".

Optional branding (the portal's "Branding & properties" blade) is data too: the profile's
`[branding]` table says which answer goes to which application property, e.g.
`logo = "logo_file"` (a `file` question, uploaded as the application's logo stream) and
`home_page_url = "info_url"` (a `web_url` question, `web.homePageUrl`); see `BRANDING`.
A blank answer leaves that property alone. Branding questions come after the common ones.

Lookups are data too: the profile's `[lookups]` table lets the engine fill a `[values]` key
from a lookup it knows (`LOOKUP_SERVICES`), steered by a choice question, e.g. innovaphone's

    [lookups.autodiscover_url]
    service = "autodiscover"   # Autodiscover V2 (wizard.autodiscover), no token needed
    from = "mailbox"           # the answer looked up (an email question)
    choice = "autodiscover"    # the choice question that decides
    lookup = "lookup"          # this choice looks it up; failed or not run: the [values] default
    empty = "empty"            # optional: this choice leaves the vendor's field empty

The default choices ("standard") keep the `[values]` default. A row whose value a choice may
leave empty carries `empty_text` (e.g. "(leave empty)"), shown instead; every other missing
value is still an error.

Loading uses only the standard library and `wizard.catalog` (no httpx, msal or textual).
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from wizard import answers as answers_mod
from wizard import profile_files as _files
from wizard import catalog
from wizard import profile_format as _format
from wizard.errors import EXIT_BAD_INPUT, InputError, WizardError

KINDS = ("registration", "enterprise_app")
TOKEN_TESTS = ("app_roles", "delegated_grant", "enterprise_app")
# signInAudience values: https://learn.microsoft.com/en-us/entra/identity-platform/supported-accounts-validation
AUDIENCES = {"single": "AzureADMyOrg", "multi": "AzureADMultipleOrgs"}
# Values the engine passes to `Profile.render_snippet` (besides the answers).
ENGINE_VALUES = (
    "tenant_id",
    "client_id",
    "client_secret",
    "authorize_url",
    "token_url",
    "redirect_uris",
    "display_name",
    "enterprise_app_name",
)
# Lookups the engine can run for `[lookups]` (wizard.setup runs them during plan()).
LOOKUP_SERVICES = ("autodiscover",)


# `[branding]` keys → the application property they set (Graph v1.0 application resource:
# https://learn.microsoft.com/graph/api/resources/application, `web`:
# https://learn.microsoft.com/graph/api/resources/webapplication, `info`:
# https://learn.microsoft.com/graph/api/resources/informationalurl) and the portal's words.
# (parent, property, label on the Branding & properties blade or in Graph's docs)
BRANDING_URLS: dict[str, tuple[str, str, str]] = {
    "home_page_url": ("web", "homePageUrl", "Home page URL"),
    "terms_of_service_url": ("info", "termsOfServiceUrl", "Terms of service URL"),
    "privacy_statement_url": ("info", "privacyStatementUrl", "Privacy statement URL"),
    "marketing_url": ("info", "marketingUrl", "Marketing URL"),
    "support_url": ("info", "supportUrl", "Support URL"),
}
# The logo: `PUT /applications/{id}/logo` with the image bytes
# (https://learn.microsoft.com/graph/api/application-update: "To update the logo, use the PUT
# method"). The portal's "Upload new logo" takes .png, .jpg or .bmp under 100 KB.
BRANDING_LOGO = "logo"
BRANDING = (BRANDING_LOGO, *BRANDING_URLS)
LOGO_TYPES = ("png", "jpeg", "bmp")


@dataclass(frozen=True)
class BrandingUrl:
    """One URL property of the Branding blade, as these answers set it."""

    key: str  # BRANDING_URLS key, e.g. "home_page_url"
    parent: str  # "web" | "info"
    name: str  # e.g. "homePageUrl"
    label: str  # "Home page URL"
    value: str
    question: str  # the question key that gave it


class ProfileError(WizardError):
    """A vendor profile file is malformed: a packaging bug for a bundled file, bad input (exit 2)
    for the user's own (`load_profile`). `source` names the file, `key` the key (e.g.
    "permissions[2].type"; "" when the file as a whole is wrong)."""

    def __init__(self, message: str, *, source: str = "", key: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.source = source
        self.key = key


@dataclass(frozen=True)
class Permission:
    """One permission the registration requests. For a bundled API (`graph`, `exchange`) the ids
    come from `wizard.catalog`; any other API is named by its appId and resolved from the tenant
    at run time (`wizard.permissions.PermissionResolver`)."""

    resource: str  # "graph" | "exchange" | the appId of any other API
    resource_app_id: str
    name: str  # Microsoft's spelling, e.g. "Calendars.ReadWrite"; another API's value as it publishes it
    type: str  # "delegated" | "application"

    @property
    def bundled(self) -> bool:
        """Is the API in the bundled catalogue (else it is known only from the tenant)?"""
        return catalog.find(self.resource) is not None

    @property
    def id(self) -> str:
        """The published id (catalog): a Scope id for delegated, a Role id for application.
        Another API's ids are known only from the tenant (`PermissionResolver.resolve`)."""
        if not self.bundled:
            raise InputError(self.name, f"is a permission of the API {self.resource_app_id}, whose ids are read "
                             "from the tenant at run time")
        return catalog.lookup(self.resource, self.name, self.type)

    @property
    def description(self) -> str:
        return catalog.describe(self.resource, self.name) if self.bundled else ""


@dataclass(frozen=True)
class Question:
    """One answer the admin gives; `kind` picks the validator in `wizard.answers`."""

    key: str  # used on the command line: --set key=value
    label: str  # shown in the form (vendor's words where the vendor names the field)
    help: str = ""
    example: str = ""
    kind: str = "text"  # fqdn | domain | url | email | choice | months | text
    required: bool = True
    repeatable: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()  # kind "file": accepted types (wizard.answers.FILE_TYPES keys)
    max_kb: int = 0  # kind "file": size limit in KB (1024 bytes); 0 = none
    choice_labels: tuple[tuple[str, str], ...] = ()  # kind "choice": (value, words shown) pairs


@dataclass(frozen=True)
class SnippetField:
    """One row of the vendor's settings block.

    `template` is filled with str.format-style `{name}` fields. When `value_map` is given,
    the filled text is translated through it (e.g. tenancy "single" → "My organization only").
    `empty_text` is what the row shows when the answers leave its value empty on purpose
    (a `[lookups]` entry's `empty` choice), e.g. "(leave empty)".
    """

    label: str
    template: str
    secret: bool = False
    value_map: tuple[tuple[str, str], ...] = ()
    empty_text: str = ""


@dataclass(frozen=True)
class Lookup:
    """`[lookups.<value>]`: the engine fills `value` by running `service` on the answer `source`
    when the choice question `choice` is answered `lookup`; `empty` (optional) leaves it empty."""

    value: str  # a [values] key, e.g. "autodiscover_url" (its default is the fallback)
    service: str  # one of LOOKUP_SERVICES
    source: str  # question key of the answer looked up, e.g. "mailbox"
    choice: str  # question key of the choice, e.g. "autodiscover"
    lookup: str  # the choice that looks up, e.g. "lookup"
    empty: str = ""  # the choice that leaves the field empty, e.g. "empty"


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    summary: str
    kind: str
    questions: tuple[Question, ...]
    display_name_default: str
    implicit_id_tokens: bool
    implicit_access_tokens: bool
    permissions: tuple[Permission, ...]
    admin_consent: bool
    secret_needed: bool
    secret_default_months: int
    token_test: str
    token_resource: str
    snippet: tuple[SnippetField, ...]
    followup: tuple[str, ...]
    notes: tuple[str, ...]
    enterprise_app_name: str = ""
    # Beyond the design's minimum (backward compatible additions):
    sign_in_audience_default: str = "AzureADMyOrg"
    audience_question: str = ""  # key of a "single"/"multi" question, if the admin chooses
    redirect_uri_templates: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # snippet defaults the engine may override
    branding: tuple[tuple[str, str], ...] = ()  # BRANDING key → question key (optional answers)
    lookups: tuple[Lookup, ...] = ()  # [lookups]: values the engine may look up
    order: int = 100
    source: str = ""  # file name, for messages

    # ----------------------------------------------------------------- questions

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        known = ", ".join(q.key for q in self.questions)
        raise InputError(key, f"is not a question of {self.name}; the questions are: {known}")

    def validate(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """All answers checked and normalised; blanks get defaults. `InputError` names the field.

        The result has every question key (None / [] for an optional blank answer).
        """
        unknown = [k for k in raw if k not in {q.key for q in self.questions}]
        if unknown:
            known = ", ".join(q.key for q in self.questions)
            raise InputError(
                str(unknown[0])[:60], f"is not a question of {self.name}; the questions are: {known}"
            )
        result = {q.key: answers_mod.validate_one(q, raw.get(q.key)) for q in self.questions}
        # The rendered redirect URIs must also pass Entra's rules (length!), blamed on the
        # question that fed them.
        for template in self.redirect_uri_templates:
            blamed = _fields(template)
            for uri in _expand(template, result):
                try:
                    answers_mod.url(uri, "redirect URI")
                except InputError as err:
                    q = self.question(blamed[0]) if blamed else None
                    reason = err.message.removeprefix("redirect URI: ")
                    new = InputError(
                        q.label if q else "redirect URI",
                        f"gives the redirect URI {uri[:80]}, which Entra would refuse: {reason}",
                    )
                    new.key = q.key if q else ""
                    raise new from None
        return result

    # ----------------------------------------------------------------- registration

    def sign_in_audience(self, answers: Mapping[str, Any]) -> str:
        """"AzureADMyOrg" (single tenant) or "AzureADMultipleOrgs" (multi-tenant)."""
        if self.audience_question:
            question = self.question(self.audience_question)
            return AUDIENCES[answers_mod.validate_one(question, answers.get(self.audience_question))]
        return self.sign_in_audience_default

    def redirect_uris(self, answers: Mapping[str, Any]) -> list[str]:
        """The Web platform redirect URIs, filled from the answers (validated answers expected)."""
        uris: list[str] = []
        for template in self.redirect_uri_templates:
            for uri in _expand(template, answers):
                if uri not in uris:
                    uris.append(uri)
        return uris

    def display_name(self, answers: Mapping[str, Any]) -> str:
        return str(answers.get("display_name") or self.display_name_default)

    def secret_months(self, answers: Mapping[str, Any]) -> int:
        return int(answers.get("secret_months") or self.secret_default_months)

    # ----------------------------------------------------------------- branding

    def branding_urls(self, answers: Mapping[str, Any]) -> list[BrandingUrl]:
        """The Branding blade's URL properties these answers set (blank answers: none)."""
        urls = []
        for prop, key in self.branding:
            if prop in BRANDING_URLS and not _missing(answers.get(key)):
                parent, name, label = BRANDING_URLS[prop]
                urls.append(BrandingUrl(prop, parent, name, label, str(answers[key]), key))
        return urls

    def logo_question(self) -> Question | None:
        key = dict(self.branding).get(BRANDING_LOGO)
        return self.question(key) if key else None

    def logo_file(self, answers: Mapping[str, Any]):
        """The logo to upload (`wizard.answers.FileData`, read and checked now), or None."""
        question = self.logo_question()
        if question is None or _missing(answers.get(question.key)):
            return None
        return answers_mod.read_question_file(question, answers[question.key])

    # ----------------------------------------------------------------- lookups

    def _chosen(self, lookup: Lookup, answers: Mapping[str, Any]) -> str:
        value = answers.get(lookup.choice)
        if _missing(value):
            value = self.question(lookup.choice).default
        return "" if _missing(value) else str(value)

    def lookups_to_run(self, answers: Mapping[str, Any]) -> list[Lookup]:
        """The lookups these answers ask for (their choice is the lookup one, and the looked-up
        answer is given)."""
        return [lk for lk in self.lookups
                if self._chosen(lk, answers) == lk.lookup and not _missing(answers.get(lk.source))]

    def blank_values(self, answers: Mapping[str, Any]) -> set[str]:
        """Value names these answers leave empty on purpose (a lookup's `empty` choice)."""
        return {lk.value for lk in self.lookups if lk.empty and self._chosen(lk, answers) == lk.empty}

    def value_rows(self, value: str) -> list[str]:
        """Labels of the snippet rows that show `value`."""
        return [f.label for f in self.snippet if value in _fields(f.template)]

    # ----------------------------------------------------------------- snippet

    def followup_steps(self, answers: Mapping[str, Any]) -> list[str]:
        """The steps left in the vendor's console, with the answers filled in
        ("https://{sops_domain}/m" → "https://sops.example.com/m"); a blank answer shows as
        "<its label>", as the vendors' own guides write it."""
        steps = []
        for step in self.followup:
            filled = {}
            for name in _fields(step):
                value = answers.get(name)
                filled[name] = f"<{self.question(name).label}>" if _missing(value) else value
            steps.append(_render(step, filled, "followup"))
        return steps

    def render_snippet(self, values: Mapping[str, Any]):
        """The vendor's settings block. `values`: tenant_id, client_id, client_secret,
        authorize_url, token_url and the answers. A missing value raises `InputError`
        naming the row, never renders as an empty string; a value the answers leave empty on
        purpose (`blank_values`) shows the row's `empty_text`."""
        from wizard.snippet import Snippet, SnippetRow

        filled: dict[str, Any] = dict(self.values)
        for q in self.questions:  # a question's default stands in for an answer not passed
            if not _missing(q.default):
                filled[q.key] = q.default
        filled.setdefault("display_name", self.display_name_default)
        if self.enterprise_app_name:
            filled["enterprise_app_name"] = self.enterprise_app_name
        filled.update({k: v for k, v in values.items() if not _missing(v)})
        if "redirect_uris" not in filled and self.redirect_uri_templates:
            try:
                filled["redirect_uris"] = self.redirect_uris(filled)
            except KeyError:
                pass
        blank = self.blank_values(filled)
        rows = []
        for f in self.snippet:
            if f.empty_text and blank & set(_fields(f.template)):
                rows.append(SnippetRow(f.label, f.empty_text, f.secret))
                continue
            text = _render(f.template, filled, f.label)
            if f.value_map:
                mapping = dict(f.value_map)
                if text not in mapping:
                    raise InputError(f.label, f"has no text for '{text}'; expected one of {', '.join(mapping)}")
                text = mapping[text]
            rows.append(SnippetRow(f.label, text, f.secret))
        return Snippet(self.id, rows)


# --------------------------------------------------------------------------- templates


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _render(template: str, values: Mapping[str, Any], label: str) -> str:
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if _missing(value):
            raise InputError(label, f"needs a value for '{name}', which was not given")
        out.append(", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
    return "".join(out)


def _expand(template: str, values: Mapping[str, Any]) -> list[str]:
    """Fill a redirect URI template; a list value gives one URI per item."""
    names = _fields(template)
    lists = [n for n in names if isinstance(values.get(n), (list, tuple))]
    if not lists:
        if any(_missing(values.get(n)) for n in names):
            return []
        return [template.format(**{n: values[n] for n in names})]
    (list_name,) = lists  # the schema allows one repeatable field per template
    uris = []
    for item in values[list_name]:
        uris.extend(_expand(template, {**values, list_name: item}))
    return uris


# --------------------------------------------------------------------------- loading

# The keys and their types come from the one model of the format (wizard.profile_format), which
# also generates the JSON Schema and docs/profiles.md.
_TOP_KEYS = _format.types(_format.TOP)
_REQUIRED_TOP = _format.required(_format.TOP)
_QUESTION_KEYS = _format.types(_format.TABLES["question"])
_PERMISSION_KEYS = _format.types(_format.TABLES["permission"])
_SNIPPET_KEYS = _format.types(_format.TABLES["snippet"])
_LOOKUP_KEYS = _format.types(_format.TABLES["lookup"])


def _common_questions(data: dict) -> list[dict]:
    """Questions every registration vendor gets; a profile may override any field by
    declaring a question with the same key."""
    common = [
        {
            "key": "display_name",
            "label": "Application name",
            "help": "The name of the app registration, as admins and users will see it in Entra.",
            "example": data.get("display_name_default", ""),
            "kind": "text",
            "default": data.get("display_name_default", ""),
        }
    ]
    if data.get("secret_needed", True):
        common.append(
            {
                "key": "secret_months",
                "label": "Client secret lifetime (months)",
                "help": "How long the client secret stays valid, 1 to 24 months (Entra's "
                "longest). When it expires the vendor's connection stops until a new "
                "secret is created and entered in the vendor's console.",
                "example": str(data.get("secret_default_months", 24)),
                "kind": "months",
                "default": data.get("secret_default_months", 24),
            }
        )
    return common


def _fail(source: str, key: str, message: str) -> ProfileError:
    return ProfileError(
        f"Vendor profile {source}: key '{key}' {message}",
        next_step="This is a bug in the wizard's bundled profiles; please report it.",
        source=source, key="" if key == "(file)" else key,
    )


# Python type → the TOML words ("a string"), for messages
_TOML_NAMES = {str: "a string", int: "an integer", bool: "a boolean (true or false)", list: "an array",
               dict: "a table", float: "a number"}


def _check_keys(source: str, where: str, table: Any, schema: dict, required: set[str]) -> None:
    if not isinstance(table, dict):
        raise _fail(source, where, "must be a table")
    for key, value in table.items():
        if key not in schema:
            raise _fail(source, f"{where}.{key}" if where else key,
                        f"is not known; allowed keys: {', '.join(sorted(schema))}")
        expected = schema[key]
        if expected is not object and (not isinstance(value, expected) or
                                       (expected is int and isinstance(value, bool))):
            raise _fail(source, f"{where}.{key}" if where else key,
                        f"must be {_TOML_NAMES[expected]}, not {_TOML_NAMES.get(type(value), type(value).__name__)}")
    for key in sorted(required - table.keys()):
        raise _fail(source, f"{where}.{key}" if where else key, "is missing")


def _str_list(source: str, key: str, value: list) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(source, key, "must be a list of non-empty strings")
    return tuple(value)


def parse_profile(text: str, source: str) -> Profile:
    """Build and check one `Profile` from TOML text (`source` names the file in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _fail(source, "(file)", f"is not valid TOML: {err}") from None
    _check_keys(source, "", data, _TOP_KEYS, _REQUIRED_TOP)
    kind = data["kind"]
    if kind not in KINDS:
        raise _fail(source, "kind", f"must be one of {', '.join(KINDS)}")
    if data["token_test"] not in TOKEN_TESTS:
        raise _fail(source, "token_test", f"must be one of {', '.join(TOKEN_TESTS)}")
    registration = kind == "registration"
    if registration:
        for key in ("display_name_default", "secret_needed"):
            if key not in data:
                raise _fail(source, key, "is missing (needed for a registration)")
    elif not data.get("enterprise_app_name"):
        raise _fail(source, "enterprise_app_name", "is missing (needed for an enterprise_app)")
    secret_needed = bool(data.get("secret_needed", False))
    months = data.get("secret_default_months", 24 if secret_needed else 0)
    if secret_needed and not 1 <= months <= 24:
        raise _fail(source, "secret_default_months", "must be from 1 to 24")

    # questions: the vendor's own, then the common ones (overridable by key)
    raw_questions = list(data.get("questions", []))
    file_index: dict[str, int] = {}
    for i, q in enumerate(raw_questions):
        _check_keys(source, f"questions[{i}]", q, _QUESTION_KEYS, _format.required(_format.TABLES["question"]))
        file_index[q["key"]] = i
    if registration:
        # the vendor's own questions first, then the common ones, always in the same order
        declared = {q["key"]: q for q in raw_questions}
        commons = _common_questions(data)
        common_keys = [c["key"] for c in commons]
        raw_questions = [q for q in raw_questions if q["key"] not in common_keys]
        for common in commons:
            override = declared.get(common["key"], {})
            raw_questions.append({**common, **override})
        # optional branding last (the vendor guides' optional last step)
        branded = set(data.get("branding", {}).values())
        raw_questions.sort(key=lambda q: q["key"] in branded)
    questions = []
    seen: set[str] = set()
    for i, q in enumerate(raw_questions):
        # the file's own [[questions]] entry (the common ones it does not override have none)
        where = (f"questions[{file_index[q['key']]}]" if q["key"] in file_index
                 else f"questions ({q['key']}, a common question)")
        if q["key"] in seen:
            raise _fail(source, f"{where}.key", f"'{q['key']}' is declared twice")
        seen.add(q["key"])
        if q["kind"] not in answers_mod.KINDS:
            raise _fail(source, f"{where}.kind", f"must be one of {', '.join(answers_mod.KINDS)}")
        choices = _str_list(source, f"{where}.choices", q.get("choices", []))
        if q["kind"] == "choice" and not choices:
            raise _fail(source, f"{where}.choices", "is needed for a choice question")
        labels = q.get("choice_labels", {})
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise _fail(source, f"{where}.choice_labels", "must be a table of choice = \"words\"")
        if set(labels) - set(choices):
            raise _fail(source, f"{where}.choice_labels",
                        f"names '{sorted(set(labels) - set(choices))[0]}', which is not one of the choices")
        default = q.get("default")
        if isinstance(default, list):
            default = tuple(default)
        accept = _str_list(source, f"{where}.accept", q.get("accept", []))
        if q["kind"] == "file":
            unknown_types = [t for t in accept if t not in answers_mod.FILE_TYPES]
            if not accept or unknown_types:
                raise _fail(source, f"{where}.accept", "is needed for a file question: a list of "
                            f"{', '.join(answers_mod.FILE_TYPES)}")
            if q.get("max_kb", 0) <= 0:
                raise _fail(source, f"{where}.max_kb", "is needed for a file question (a size limit in KB)")
        elif accept or "max_kb" in q:
            raise _fail(source, f"{where}.accept", "and max_kb are only for file questions")
        question = Question(
            key=q["key"], label=q["label"], help=q.get("help", ""), example=q.get("example", ""),
            kind=q["kind"], required=q.get("required", True), repeatable=q.get("repeatable", False),
            default=default, choices=choices, accept=accept, max_kb=q.get("max_kb", 0),
            choice_labels=tuple(labels.items()),
        )
        if default not in (None, "", ()):
            try:
                answers_mod.validate_one(question, default)
            except InputError as err:
                raise _fail(source, f"{where}.default", f"is not a valid answer: {err.message}") from None
        questions.append(question)
    keys = {q.key for q in questions}

    audience_question = data.get("audience_question", "")
    if audience_question:
        q = next((q for q in questions if q.key == audience_question), None)
        if q is None or set(q.choices) != set(AUDIENCES):
            raise _fail(source, "audience_question",
                        f"must name a choice question with choices {', '.join(AUDIENCES)}")
    audience = data.get("sign_in_audience", "AzureADMyOrg")
    if audience not in AUDIENCES.values():
        raise _fail(source, "sign_in_audience", f"must be one of {', '.join(AUDIENCES.values())}")

    templates = _str_list(source, "redirect_uris", data.get("redirect_uris", []))
    for i, template in enumerate(templates):
        names = _check_template(source, f"redirect_uris[{i}]", template, keys)
        if sum(1 for n in names if next(q for q in questions if q.key == n).repeatable) > 1:
            raise _fail(source, f"redirect_uris[{i}]", "may use at most one repeatable answer")
        # "https://{host}/path", or a whole URL the admin types ("{redirect_uri}", kind url)
        starts_with_url = template.startswith("{") and names and any(
            q.key == names[0] and q.kind == "url" for q in questions)
        if not (template.startswith("https://") or starts_with_url):
            raise _fail(source, f"redirect_uris[{i}]",
                        "must start with https:// or with a url question's {key}")

    permissions = []
    for i, p in enumerate(data.get("permissions", [])):
        where = f"permissions[{i}]"
        _check_keys(source, where, p, _PERMISSION_KEYS, _format.required(_format.TABLES["permission"]))
        if p["type"] not in ("delegated", "application"):
            raise _fail(source, f"{where}.type", f"must be 'delegated' or 'application', not '{p['type'][:30]}'")
        res = catalog.find(p["resource"])
        if res is None:
            if not catalog.is_app_id(p["resource"]):
                raise _fail(source, f"{where}.resource", f"'{p['resource'][:60]}' is not graph, exchange or an "
                            "API's appId (a GUID such as 00000003-0000-0000-c000-000000000000)")
            # Any other API: its service principal is read from the tenant at run time
            # (wizard.permissions); here only the name's shape can be checked.
            name = p["name"].strip()
            if not name or any(c.isspace() for c in name) or len(name) > 120:
                raise _fail(source, f"{where}.name", f"'{p['name'][:60]}' must be a permission's value "
                            "(one word such as Rooms.Read.All), as the API publishes it")
            app_id = p["resource"].strip().lower()
            permissions.append(Permission(app_id, app_id, name, p["type"]))
            continue
        try:
            perm = catalog.permission(p["resource"], p["name"])
        except InputError as err:
            raise _fail(source, f"{where}.name", f"'{p['name'][:60]}' {_reason(err)}") from None
        try:
            catalog.lookup(p["resource"], p["name"], p["type"])
        except InputError as err:  # the other form exists: say which
            raise _fail(source, f"{where}.type", f"'{p['type']}' is not valid for {perm.name}: it "
                        f"{_reason(err)}") from None
        permissions.append(Permission(res.key, res.app_id, perm.name, p["type"]))

    branding = data.get("branding", {})
    by_key = {q.key: q for q in questions}
    for prop, key in branding.items():
        where = f"branding.{prop}"
        if prop not in BRANDING:
            raise _fail(source, where, f"is not known; allowed keys: {', '.join(BRANDING)}")
        if not registration:
            raise _fail(source, where, "needs an app registration (kind = \"registration\")")
        q = by_key.get(key) if isinstance(key, str) else None
        if q is None:
            raise _fail(source, where, "must name one of the profile's questions")
        if q.required or q.repeatable:
            raise _fail(source, where, f"names '{key}', which must be optional (required = false) and single")
        if prop == BRANDING_LOGO:
            if q.kind != "file" or not set(q.accept) <= set(LOGO_TYPES) or q.max_kb > 100:
                raise _fail(source, where, f"names '{key}', which must be a file question accepting "
                            f"{', '.join(LOGO_TYPES)} with max_kb at most 100 (Entra's Branding limit)")
        elif q.kind != "web_url":
            raise _fail(source, where, f"names '{key}', which must be a web_url question")
    if len(set(branding.values())) != len(branding):
        raise _fail(source, "branding", "uses one question for two properties")

    values = data.get("values", {})
    for key, value in values.items():
        if not isinstance(value, str):
            raise _fail(source, f"values.{key}", "must be a string")
    lookups = []
    for name, lk in data.get("lookups", {}).items():
        where = f"lookups.{name}"
        _check_keys(source, where, lk, _LOOKUP_KEYS, {"service", "from", "choice", "lookup"})
        if name not in values:
            raise _fail(source, where, "must name a [values] key (its value is the fallback)")
        if lk["service"] not in LOOKUP_SERVICES:
            raise _fail(source, f"{where}.service", f"must be one of {', '.join(LOOKUP_SERVICES)}")
        looked_up = by_key.get(lk["from"])
        if looked_up is None or looked_up.kind != "email" or looked_up.repeatable:
            raise _fail(source, f"{where}.from", "must name a single email question")
        chooser = by_key.get(lk["choice"])
        if chooser is None or chooser.kind != "choice":
            raise _fail(source, f"{where}.choice", "must name a choice question")
        for key in ("lookup", "empty"):
            if key in lk and lk[key] not in chooser.choices:
                raise _fail(source, f"{where}.{key}", f"must be one of the choices of '{chooser.key}': "
                            f"{', '.join(chooser.choices)}")
        if lk.get("empty") == lk["lookup"]:
            raise _fail(source, f"{where}.empty", "must differ from lookup")
        lookups.append(Lookup(name, lk["service"], lk["from"], lk["choice"], lk["lookup"], lk.get("empty", "")))
    blankable = {lk.value for lk in lookups if lk.empty}
    snippet = []
    for i, s in enumerate(data["snippet"]):
        where = f"snippet[{i}]"
        _check_keys(source, where, s, _SNIPPET_KEYS, {"label", "template"})
        _check_template(source, f"{where}.template", s["template"],
                        keys | set(values) | set(ENGINE_VALUES))
        vmap = s.get("value_map", {})
        if not all(isinstance(v, str) for v in vmap.values()):
            raise _fail(source, f"{where}.value_map", "must map strings to strings")
        uses_blankable = bool(blankable & set(_fields(s["template"])))
        empty_text = s.get("empty_text", "")
        if uses_blankable and not empty_text.strip():
            raise _fail(source, f"{where}.empty_text", "is needed: a lookup's 'empty' choice may leave this row empty")
        if empty_text and not uses_blankable:
            raise _fail(source, f"{where}.empty_text", "is only for rows showing a value a lookup may leave empty")
        snippet.append(SnippetField(s["label"], s["template"], bool(s.get("secret", False)),
                                    tuple(vmap.items()), empty_text))
    if not snippet:
        raise _fail(source, "snippet", "needs at least one row")
    if secret_needed and not any(f.secret for f in snippet):
        raise _fail(source, "snippet", "has no secret row although secret_needed is true")

    followup = _str_list(source, "followup", data.get("followup", []))
    for number, step in enumerate(followup):  # "{sops_domain}" and the like: question keys only
        _check_template(source, f"followup[{number}]", step, {q.key for q in questions})

    return Profile(
        id=data["id"], name=data["name"], summary=data["summary"], kind=kind,
        questions=tuple(questions),
        display_name_default=data.get("display_name_default", data.get("enterprise_app_name", "")),
        implicit_id_tokens=data.get("implicit_id_tokens", False),
        implicit_access_tokens=data.get("implicit_access_tokens", False),
        permissions=tuple(permissions),
        admin_consent=data.get("admin_consent", False),
        secret_needed=secret_needed, secret_default_months=months,
        token_test=data["token_test"], token_resource=data["token_resource"],
        snippet=tuple(snippet),
        followup=followup,
        notes=_str_list(source, "notes", data.get("notes", [])),
        enterprise_app_name=data.get("enterprise_app_name", ""),
        sign_in_audience_default=audience, audience_question=audience_question,
        redirect_uri_templates=templates, values=tuple(values.items()),
        branding=tuple(branding.items()),
        lookups=tuple(lookups),
        order=data.get("order", 100), source=source,
    )


def _reason(err: InputError) -> str:
    """An InputError's words without the field's name in front."""
    return err.message.removeprefix(f"{err.field}: ")


def _check_template(source: str, key: str, template: str, allowed: set[str]) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise _fail(source, key, f"is not a valid template: {err}") from None
    names = []
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conv:
            raise _fail(source, key, f"uses '{{{name}}}', which is not one of: {', '.join(sorted(allowed))}")
        names.append(name)
    return names


@functools.cache
def load_profiles() -> dict[str, Profile]:
    """Every bundled profile, id → Profile, in the wizard's order (loaded once)."""
    loaded = []
    for entry in _files.bundled_files():
        profile = parse_profile(entry.read_text("utf-8"), f"wizard/profiles/{entry.name}")
        if entry.name != f"{profile.id}.toml":
            raise _fail(profile.source, "id", f"'{profile.id}' must match the file name")
        loaded.append(profile)
    loaded.sort(key=lambda p: (p.order, p.id))
    return {p.id: p for p in loaded}


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """One vendor profile from a TOML file outside the package (a vendor not bundled yet).

    The same checks as the bundled profiles; `InputError` naming the file when it cannot be read,
    `ProfileError` (exit 2) naming the file and the key when it is malformed.
    """
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError("profile file", f"'{file}' cannot be read as a UTF-8 TOML file: {err}",
                         next_step=f"Check the path {file} (an existing, readable TOML file) and try again.") from None
    try:
        return parse_profile(text, str(file))
    except ProfileError as err:  # the file is the user's, not a packaging bug
        new = ProfileError(str(err.message), next_step=f"Correct {file.name} and try again "
                           f"(`m365-wizard profile check {file}` names the line).", source=err.source, key=err.key)
        new.exit_code = EXIT_BAD_INPUT
        raise new from None


# --------------------------------------------------------------------------- the catalogue
#
# Where vendors come from, decided here for both front ends: the bundled files (wizard/profiles/),
# the user's profiles folder and the files named with `--profile PATH` in this run
# (`use_profile_files`); `wizard.profile_files` finds them. A local profile never replaces a
# bundled one: the same id in two places is refused with a message naming both files.

BUNDLED, LOCAL, FILE = _files.BUNDLED, _files.LOCAL, _files.FILE
user_profiles_dir = _files.user_profiles_dir
vendor_ids = _files.vendor_ids


@dataclass(frozen=True)
class Entry:
    """One vendor of the catalogue: where it comes from and, unless it cannot be used, its profile."""

    id: str
    origin: str  # BUNDLED | LOCAL (the user's folder) | FILE (--profile PATH)
    path: str  # the file, for messages
    profile: Profile | None = None
    problem: str = ""  # why it cannot be used (malformed, or the id is taken), in words
    fix: str = ""  # what to do about it, when it is not "correct the file" (a next step)


def _bundled_file(profile_id: str) -> str:
    return f"wizard/profiles/{profile_id}.toml"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _load_extra(path: Path, origin: str, taken: dict[str, str]) -> Entry:
    """A local or --profile file as an Entry: its problem in words rather than an exception."""
    try:
        profile = load_profile(path)
    except InputError as err:  # the file cannot be read: its own next step (nothing to "correct" in it)
        return Entry(path.stem, origin, str(path), None, err.message, fix=err.next_step)
    except WizardError as err:
        return Entry(path.stem, origin, str(path), None, err.message)
    if origin == LOCAL and profile.id != path.stem:
        return Entry(path.stem, origin, str(path), None,
                     f"Vendor profile {path}: key 'id' is '{profile.id}'; in the profiles folder it must "
                     f"match the file name ('{path.stem}')",
                     fix=f"Rename {path.name} to {profile.id}.toml, or set id = \"{path.stem}\" in it.")
    if profile.id in taken:
        return Entry(profile.id, origin, str(path), None,
                     f"The {'local ' if origin == LOCAL else ''}profile {path} has the id '{profile.id}' of "
                     f"{taken[profile.id]}; a profile cannot replace another one. Give it an id (and file "
                     f"name) of its own", fix=f"Give {path} an id of its own (and, in the profiles folder, "
                                              f"the file name to match), or delete it.")
    return Entry(profile.id, origin, str(path), profile)


def catalogue() -> list[Entry]:
    """Every vendor: bundled ones first (in the wizard's order), then the user's folder, then
    --profile files. Entries with a `problem` are listed too (so the admin learns why)."""
    entries = [Entry(p.id, BUNDLED, p.source, p) for p in load_profiles().values()]
    taken = {e.id: e.path for e in entries}
    local_files = _files.local_files()
    for path in local_files:
        if path.stem.lower() in load_profiles():  # never a silent shadow: neither is used
            problem = (f"Two profiles have the id '{path.stem}': the bundled {_bundled_file(path.stem)} and the "
                       f"local {path}. A local profile cannot replace a bundled one: rename the local file "
                       f"and the id in it (or delete it)")
            fix = f"Rename {path} and the id in it, or delete it (the bundled {path.stem.lower()} stays)."
            entries = [Entry(e.id, e.origin, e.path, None, problem, fix) if e.id == path.stem.lower() else e
                       for e in entries]
            entries.append(Entry(path.stem, LOCAL, str(path), None, problem, fix))
            continue
        entry = _load_extra(path, LOCAL, taken)
        entries.append(entry)
        taken.setdefault(entry.id, entry.path)
    for path in _files.extra_files():
        if any(_same_file(path, local) for local in local_files):
            continue  # --profile naming a file of the folder: that entry already
        entry = _load_extra(path, FILE, taken)
        entries.append(entry)
        taken.setdefault(entry.id, entry.path)
    return entries


def get_profile(profile_id: str) -> Profile:
    """The profile of one vendor, bundled, local or from --profile; `InputError` listing the known
    ids when there is none, `ProfileError` (exit 2) when that vendor's file cannot be used (its
    problem, e.g. a local file with a bundled vendor's id: both files named)."""
    wanted = str(profile_id).strip().lower()
    bundled = load_profiles()
    if wanted in bundled and not any(p.stem.lower() == wanted for p in _files.local_files()):
        return bundled[wanted]  # the usual case: no local file parsed
    entries = catalogue()
    found = [e for e in entries if e.id.lower() == wanted]
    for entry in found:
        if entry.profile is not None:
            return entry.profile
    if found:  # the file to name is the user's own one, not the bundled one it collides with
        entry = next((e for e in found if e.origin != BUNDLED), found[0])
        err = ProfileError(entry.problem, next_step=entry.fix or f"Correct {Path(entry.path).name} "
                           f"(`m365-wizard profile check {entry.path}` names the line).", source=entry.path)
        err.exit_code = EXIT_BAD_INPUT
        raise err
    known = [e.id for e in entries if e.profile is not None]
    raise InputError("vendor", f"'{str(profile_id)[:40]}' is not known; choose one of: "
                     f"{', '.join(known)}", example=next(iter(known), ""))


def use_profile_files(paths: "list[str | os.PathLike[str]] | tuple" = ()) -> list[Profile]:
    """`--profile PATH`: these files join the catalogue for this run (replacing earlier ones);
    each is loaded and checked now, so a broken file or a taken id stops the run at once."""
    files = tuple(Path(p) for p in paths)
    _files.set_extra_files(files)
    if not files:
        return []
    wanted = {str(p) for p in files}
    loaded = []
    for entry in catalogue():
        if entry.origin == BUNDLED:
            continue
        if entry.path in wanted or any(_same_file(Path(entry.path), p) for p in files):
            if entry.profile is None:
                _files.set_extra_files(())
                err = ProfileError(entry.problem, next_step=entry.fix or "Correct the file named by --profile and "
                                   f"try again (`m365-wizard profile check {entry.path}` names the line).",
                                   source=entry.path)
                err.exit_code = EXIT_BAD_INPUT
                raise err
            loaded.append(entry.profile)
    return loaded


def vendor_from_options(vendor: str | None, profile_path: str | None) -> str | None:
    """The vendor of a run from `--vendor ID` and `--profile PATH` (the file's id); both given,
    they must agree. The file joins the catalogue (`use_profile_files`)."""
    profiles = use_profile_files([profile_path] if profile_path else [])
    if not profiles:
        return vendor
    chosen = profiles[0].id
    if vendor and vendor.strip().lower() != chosen:
        raise InputError("--vendor", f"'{vendor[:40]}' differs from the id '{chosen}' of the --profile file "
                         f"{profile_path}; give one of the two", example=f"--profile {profile_path}")
    return chosen


__all__ = [
    "BRANDING", "BRANDING_URLS", "BrandingUrl", "ENGINE_VALUES", "LOOKUP_SERVICES", "Lookup", "Permission", "Profile", "ProfileError", "Question", "SnippetField",
    "BUNDLED", "Entry", "FILE", "LOCAL", "catalogue", "get_profile", "load_profile", "load_profiles",
    "parse_profile", "use_profile_files", "user_profiles_dir", "vendor_from_options", "vendor_ids",
]
