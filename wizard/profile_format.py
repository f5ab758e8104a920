"""The vendor profile format, as one model: every key, its type, whether it is needed, what it
means and an example.

`wizard.profiles` checks files against these tables (unknown keys, types, required keys);
`wizard.profile_tools` generates the JSON Schema (`wizard/data/profile.schema.json`, for editors,
e.g. taplo) and docs/profiles.md from them. A test regenerates both and fails when they drift.
"""

from __future__ import annotations

from dataclasses import dataclass

# TOML value kinds → the Python type tomllib gives (object: anything)
PY_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "table": dict, "any": object}


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # string | integer | boolean | array | table | any
    doc: str
    example: str = ""  # TOML text of an example value
    required: bool = False
    enum: tuple[str, ...] = ()  # the allowed strings (for a string, or the items of an array)
    items: str = ""  # array: the type of each item ("string", or the name of a table below)
    values: str = ""  # table: the type of each value ("string", or the name of a table below)
    keys: tuple[str, ...] = ()  # table: the allowed keys (else any key)
    minimum: int | None = None
    maximum: int | None = None


def _enums():
    """The allowed values the engine knows (imported lazily: the model stays cheap)."""
    from wizard import answers, profiles

    return {
        "kinds": profiles.KINDS, "token_tests": profiles.TOKEN_TESTS,
        "audiences": tuple(profiles.AUDIENCES.values()), "question_kinds": tuple(answers.KINDS),
        "file_types": tuple(answers.FILE_TYPES), "branding": tuple(profiles.BRANDING),
        "lookup_services": tuple(profiles.LOOKUP_SERVICES),
    }


TOP: tuple[Key, ...] = (
    Key("id", "string", "The vendor's id: lowercase, unique; `--vendor ID`, the registration's tag. "
        "In the profiles folder the file must be named ID.toml.", '"roomsign"', required=True),
    Key("name", "string", "The product's name, as the vendor list shows it.", '"RoomSign room signs"', required=True),
    Key("summary", "string", "One line on what will be set up, shown under the name.",
        '"Lets the RoomSign server read room calendars (application)."', required=True),
    Key("kind", "string", "`registration`: the wizard creates an app registration of the tenant's own; "
        "`enterprise_app`: the vendor's multi-tenant app is consented to and assigned.",
        '"registration"', required=True, enum=("@kinds",)),
    Key("order", "integer", "Position on the vendor list (the bundled vendors use 1 to 5; default 100).", "10"),
    Key("display_name_default", "string", "The registration's default name (the admin may change it); "
        "needed for a registration.", '"RoomSign Server"'),
    Key("sign_in_audience", "string", "Supported account types when no question asks: "
        "AzureADMyOrg (single tenant, default) or AzureADMultipleOrgs.", '"AzureADMyOrg"', enum=("@audiences",)),
    Key("audience_question", "string", "The key of a choice question with the choices single and multi "
        "that decides the supported account types.", '"tenancy"'),
    Key("redirect_uris", "array", "Web platform redirect URIs; `{key}` is filled from an answer "
        "(a repeatable answer gives one URI per value). Each starts with https:// or a url question.",
        '["https://{server}/oauth/callback"]', items="string"),
    Key("implicit_id_tokens", "boolean", "Implicit grant: issue ID tokens (only where the vendor's guide asks).", "false"),
    Key("implicit_access_tokens", "boolean", "Implicit grant: issue access tokens (only where the vendor's guide asks).",
        "false"),
    Key("admin_consent", "boolean", "Grant tenant-wide admin consent for the permissions.", "true"),
    Key("secret_needed", "boolean", "Create a client secret (shown once); needed for a registration.", "true"),
    Key("secret_default_months", "integer", "The secret's default lifetime in months (1 to 24).", "12",
        minimum=1, maximum=24),
    Key("token_test", "string", "How the result is tested: `app_roles` (a client-credentials token carries the "
        "application permissions), `delegated_grant` (the consent grant is in place), `enterprise_app`.",
        '"app_roles"', required=True, enum=("@token_tests",)),
    Key("token_resource", "string", "The API the test token is for: its resource URI, or for another API its "
        "appId, `api://<appId>` or an identifier URI of its service principal.", '"https://graph.microsoft.com"',
        required=True),
    Key("enterprise_app_name", "string", "kind enterprise_app: the vendor's application's name.", '"LoopMeeting"'),
    Key("followup", "array", "Steps left in the vendor's console, shown after the snippet; `{key}` is an answer.",
        '["Paste the values into RoomSign > Settings."]', items="string"),
    Key("notes", "array", "Notes shown with the plan (why the wizard does something the guide words differently).",
        '["The wizard grants admin consent."]', items="string"),
    Key("questions", "array", "The questions the admin answers (`--set key=value`), in order. Every registration "
        "also gets display_name and (with a secret) secret_months; a question with that key overrides them.",
        "", items="question"),
    Key("permissions", "array", "The permissions the registration requests.", "", items="permission"),
    Key("snippet", "array", "The settings block to paste into the vendor's console, one row each, "
        "in the vendor's own words.", "", required=True, items="snippet"),
    Key("values", "table", "Defaults for snippet fields the engine may fill in (e.g. by a lookup): name = text.",
        '{ server_url = "https://example.com" }', values="string"),
    Key("branding", "table", "Optional Branding & properties: which optional question sets which property "
        "(logo: a file question; the URLs: web_url questions).", '{ logo = "logo_file" }',
        values="string", keys=("@branding",)),
    Key("lookups", "table", "Values the engine looks up, one table per [values] key: `[lookups.NAME]`.", "",
        values="lookup"),
)

TABLES: dict[str, tuple[Key, ...]] = {
    "question": (
        Key("key", "string", "The answer's name: `--set key=value`, `{key}` in templates.", '"server"', required=True),
        Key("label", "string", "The field's label (the vendor's words where the vendor names the field).",
            '"Server host name"', required=True),
        Key("kind", "string", "What the answer is; picks the check.", '"fqdn"', required=True,
            enum=("@question_kinds",)),
        Key("help", "string", "One or two sentences under the field.", '"Without https://."'),
        Key("example", "string", "An example answer.", '"rooms.example.com"'),
        Key("required", "boolean", "The answer may not be blank (default true).", "true"),
        Key("repeatable", "boolean", "The answer is a list (one value per --set).", "false"),
        Key("default", "any", "The answer when none is given.", '"single"'),
        Key("choices", "array", "kind choice: the allowed answers.", '["single", "multi"]', items="string"),
        Key("choice_labels", "table", "kind choice: the words shown for each choice.",
            '{ single = "this organization only" }', values="string"),
        Key("accept", "array", "kind file: the accepted file types.", '["png", "jpeg"]', items="string",
            enum=("@file_types",)),
        Key("max_kb", "integer", "kind file: the size limit in KB.", "100", minimum=1),
    ),
    "permission": (
        Key("resource", "string", "The API: `graph` (Microsoft Graph), `exchange` (Office 365 Exchange Online), or "
            "any other API's appId (a GUID: a vendor's own multi-tenant API, SharePoint, Dynamics…), whose service "
            "principal the wizard reads from the tenant at run time (it must already be in the tenant).",
            '"graph"', required=True),
        Key("name", "string", "The permission's name, Microsoft's spelling (any Microsoft Graph permission); for "
            "another API its delegated scope value or application role value, as that API publishes it.",
            '"Place.Read.All"', required=True),
        Key("type", "string", "`delegated` (on behalf of a signed-in user) or `application` (no user); the "
            "permission must exist in that form.", '"application"', required=True, enum=("delegated", "application")),
    ),
    "snippet": (
        Key("label", "string", "The row's label, in the vendor's words.", '"Client ID"', required=True),
        Key("template", "string", "The row's value: `{name}` fields are answers, [values] keys or the engine's "
            "values (tenant_id, client_id, client_secret, authorize_url, token_url, redirect_uris, display_name, "
            "enterprise_app_name).", '"{client_id}"', required=True),
        Key("secret", "boolean", "The row shows the client secret (masked until revealed).", "false"),
        Key("value_map", "table", "Translate the filled value into the vendor's words.",
            '{ single = "My organization only" }', values="string"),
        Key("empty_text", "string", "Shown when a lookup's empty choice leaves the value empty.", '"(leave empty)"'),
    ),
    "lookup": (
        Key("service", "string", "The lookup the engine runs.", '"autodiscover"', required=True,
            enum=("@lookup_services",)),
        Key("from", "string", "The email question whose answer is looked up.", '"mailbox"', required=True),
        Key("choice", "string", "The choice question that decides.", '"autodiscover"', required=True),
        Key("lookup", "string", "The choice that runs the lookup.", '"lookup"', required=True),
        Key("empty", "string", "The choice that leaves the value empty.", '"empty"'),
    ),
}


def types(keys: tuple[Key, ...]) -> dict[str, type]:
    """key → Python type, for the loader's checks."""
    return {k.name: PY_TYPES[k.type] for k in keys}


def required(keys: tuple[Key, ...]) -> set[str]:
    return {k.name for k in keys if k.required}


def enum(key: Key) -> tuple[str, ...]:
    """The allowed values, "@name" references resolved."""
    found = _enums()
    out: list[str] = []
    for value in key.enum:
        out.extend(found[value[1:]] if value.startswith("@") else (value,))
    return tuple(out)
