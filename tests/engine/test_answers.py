"""Answer validation: normalised values, messages that name the field, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard import answers
from wizard.errors import InputError
from wizard.profiles import Question


def err(func, raw, *args, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        func(raw, *args, **kw)
    return info.value


# ------------------------------------------------------------------------ fqdn / domain


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("px01.vc.example.com", "px01.vc.example.com"),
        ("  PX01.Example.COM  ", "px01.example.com"),
        ("sops.example.com.", "sops.example.com"),  # trailing dot normalised away
        ("bücher.example", "xn--bcher-kva.example"),  # IDN → punycode
        ("a-b.c-d.example.org", "a-b.c-d.example.org"),
        ("x" * 63 + ".com", "x" * 63 + ".com"),
    ],
)
def test_fqdn_accepts_and_normalises(raw, expected):
    assert answers.fqdn(raw, "Add-in server FQDN") == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("https://px01.example.com", "without https://"),
        ("http://px01.example.com", "without https://"),
        ("px01.example.com/api", "without a path"),
        ("sops.example.com/m", "without a path"),
        ("px01.example.com:8443", "without a port"),
        ("px 01.example.com", "spaces"),
        ("px01", "full name with the domain"),
        ("10.1.2.3", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("2001:db8::1", "IP address"),
        ("x" * 64 + ".com", "longer than 63"),
        (".".join(["a" * 60] * 5), "longer than 253"),
        ("-bad.example.com", "letters, digits and hyphens"),
        ("under_score.example.com", "letters, digits and hyphens"),
        ("a..example.com", "empty part"),
        ("admin@example.com", "email address"),
        ("", "is required"),
        ("   ", "is required"),
        ("example.123", "ends in a number"),
        ("px01.example.com\x00", "control character"),
        ("px01\u200b.example.com", "invisible"),
    ],
)
def test_fqdn_refuses_with_plain_words_naming_the_field(raw, words):
    error = err(answers.fqdn, raw, "Add-in server FQDN")
    assert error.field == "Add-in server FQDN"
    assert words in str(error)
    assert str(error).startswith("Add-in server FQDN: ")


def test_domain_allows_a_port_and_checks_it():
    assert answers.domain("SOPS.example.com:8443", "SOPS domain") == "sops.example.com:8443"
    assert "1 to 65535" in str(err(answers.domain, "sops.example.com:99999", "SOPS domain"))
    assert "1 to 65535" in str(err(answers.domain, "sops.example.com:http", "SOPS domain"))
    assert "without https://" in str(err(answers.domain, "https://sops.example.com/m", "SOPS domain"))


def test_huge_input_is_refused_cheaply():
    error = err(answers.fqdn, "a" * 10_000_000, "SOPS domain")
    assert "far too long" in str(error)


# ------------------------------------------------------------------------ url


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://flexo.example.com/oauth", "https://flexo.example.com/oauth"),
        ("HTTPS://FlexO.Example.com/OAuth/Cb", "https://flexo.example.com/OAuth/Cb"),  # path keeps case
        ("https://flexo.example.com:8443/cb?x=1", "https://flexo.example.com:8443/cb?x=1"),
        ("http://localhost:5000/cb", "http://localhost:5000/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.1/cb"),
        ("https://bücher.example/cb", "https://xn--bcher-kva.example/cb"),
    ],
)
def test_url_accepts(raw, expected):
    assert answers.url(raw, "Redirect URI") == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("http://flexo.example.com/cb", "allowed only for localhost"),
        ("https://flexo.example.com/cb#top", "fragment"),
        ("https://*.example.com/cb", "wildcard"),
        ("https://flexo.example.com/" + "a" * 240, "at most 256"),
        ("flexo.example.com/cb", "starting with https://"),
        ("ftp://flexo.example.com/cb", "starting with https://"),
        ("https://user:pw@flexo.example.com/cb", "user name or password"),
        ("https://flexo.example.com/c b", "spaces"),
        ("https://flexo.example.com/cb;x", "Entra refuses"),
        ("https://flexo.example.com:99999/cb", "not a valid web address"),
        ("https://10.0.0.1/cb", "IP address"),
    ],
)
def test_url_refuses(raw, words):
    error = err(answers.url, raw, "Redirect URI")
    assert error.field == "Redirect URI"
    assert words in str(error)


def test_url_limit_is_exactly_256():
    base = "https://flexo.example.com/"
    assert len(answers.url(base + "a" * (256 - len(base)), "Redirect URI")) == 256
    with pytest.raises(InputError):
        answers.url(base + "a" * (257 - len(base)), "Redirect URI")


# ------------------------------------------------------------------------ email / months / choice / text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("rooms@contoso.com", "rooms@contoso.com"),
        (" Rooms.Calendar@Contoso.COM ", "Rooms.Calendar@contoso.com"),
        ("mailto:rooms@contoso.com", "rooms@contoso.com"),
        ("<rooms@contoso.com>", "rooms@contoso.com"),
        ("first+tag@sub.contoso.com", "first+tag@sub.contoso.com"),
    ],
)
def test_email_accepts(raw, expected):
    assert answers.email(raw, "User") == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("rooms", "with an @"),
        ("rooms@contoso", "domain with a dot"),
        ("a@b.com,c@d.com", "one email address only"),
        ("a@@b.com", "one email address only"),
        ("ro oms@contoso.com", "spaces"),
        ("Rooms <rooms@contoso.com>", "spaces"),
        ("@contoso.com", "before the @"),
        ("a..b@contoso.com", "before the @"),
        ("rooms@https://contoso.com", "domain with a dot"),
    ],
)
def test_email_refuses(raw, words):
    error = err(answers.email, raw, "User")
    assert error.field == "User"
    assert words in str(error)


def test_months():
    assert answers.months("24") == 24
    assert answers.months(" 6 months ") == 6
    assert answers.months(1) == 1
    assert "1 to 24" in str(err(answers.months, "25"))
    assert "1 to 24" in str(err(answers.months, 0))
    assert "never" in str(err(answers.months, "Never")).lower()
    assert "whole number" in str(err(answers.months, "1.5"))
    assert "whole number" in str(err(answers.months, "٢"))  # Arabic-Indic digit: not ASCII
    with pytest.raises(InputError):
        answers.months(True)


def test_choice_and_text():
    assert answers.choice(" Multi ", "Supported account types", ("single", "multi")) == "multi"
    assert "single, multi" in str(err(answers.choice, "both", "Supported account types", ("single", "multi")))
    assert answers.text("  Pexip   Scheduling  ", "Application name") == "Pexip Scheduling"
    assert "longer than" in str(err(answers.text, "x" * 500, "Application name"))
    assert "control character" in str(err(answers.text, "a\tb", "Application name"))


# ------------------------------------------------------------------------ validate_one

Q_URLS = Question("redirect_uri", "Redirect URI", kind="url", repeatable=True,
                  example="https://a.example.com/cb")
Q_FQDN = Question("addin_fqdn", "Add-in server FQDN", kind="fqdn", example="px01.example.com")
Q_TENANCY = Question("tenancy", "Supported account types", kind="choice",
                     choices=("single", "multi"), default="single")
Q_OPTIONAL = Question("note", "Note", kind="text", required=False)


def test_validate_one_repeatable_splits_and_dedupes():
    raw = "https://a.example.com/cb, https://b.example.com/cb\nhttps://a.example.com/cb"
    assert answers.validate_one(Q_URLS, raw) == ["https://a.example.com/cb", "https://b.example.com/cb"]
    assert answers.validate_one(Q_URLS, ["https://A.example.com/cb", ""]) == ["https://a.example.com/cb"]


def test_validate_one_required_default_optional():
    error = err(answers.validate_one, Q_FQDN, "  ")
    assert error.field == "Add-in server FQDN" and error.key == "addin_fqdn"
    assert "is required" in str(error)
    assert answers.validate_one(Q_TENANCY, "") == "single"
    assert answers.validate_one(Q_TENANCY, None) == "single"
    assert answers.validate_one(Q_OPTIONAL, "") is None
    assert err(answers.validate_one, Q_URLS, []).key == "redirect_uri"


def test_validate_one_error_carries_key_and_label():
    error = err(answers.validate_one, Q_FQDN, "https://px01.example.com/x")
    assert error.field == "Add-in server FQDN"
    assert error.key == "addin_fqdn"
    assert error.example == "px01.example.com"


def test_validate_one_single_value_question_refuses_a_list_of_two():
    assert "one value only" in str(err(answers.validate_one, Q_FQDN, ["a.example.com", "b.example.com"]))
    assert answers.validate_one(Q_FQDN, ["a.example.com"]) == "a.example.com"


# ------------------------------------------------------------------------ never crash

QUESTIONS = [
    Question("k_" + kind, f"Field {kind}", kind=kind, choices=("single", "multi") if kind == "choice" else (),
             repeatable=repeatable)
    for kind in answers.KINDS
    for repeatable in (False, True)
]

odd_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=80),
    st.from_regex(r"(https?://)?[a-zA-Z0-9\u00e0-\u00ff.:/@\-_*#?%\[\]]{0,80}", fullmatch=True),
    st.builds(lambda a, b: a * b, st.sampled_from(["a", ".", "é", "\x00", " ", "a.", "-"]),
              st.integers(0, 5000)),
    st.lists(st.text(max_size=40), max_size=4),
    st.integers(), st.none(), st.booleans(), st.floats(allow_nan=True),
)


@settings(max_examples=300, deadline=None)
@given(raw=odd_text, index=st.integers(0, len(QUESTIONS) - 1))
def test_odd_input_never_crashes(raw, index):
    question = QUESTIONS[index]
    try:
        value = answers.validate_one(question, raw)
    except InputError as error:
        assert error.field == question.label
        assert error.key == question.key
        assert str(error).startswith(question.label)
        return
    # Whatever was accepted is normalised, printable and re-validates to itself.
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, str):
            assert item == item.strip() and item.isprintable()
    assert answers.validate_one(question, value) == value


@settings(max_examples=200, deadline=None)
@given(host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,3}\.[a-z]{2,6}",
                          fullmatch=True))
def test_valid_hosts_round_trip(host):
    assert answers.fqdn(host, "FQDN") == host
    assert answers.fqdn(host.upper() + ".", "FQDN") == host
    assert answers.url(f"https://{host}/cb", "URL") == f"https://{host}/cb"


def test_as_guid_accepts_only_a_guid_and_canonicalises_it():
    from wizard.answers import as_guid

    assert as_guid(" {1B2C3D4E-5F60-4718-92A3-B4C5D6E7F809} ") == "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809"
    for bad in ("", "1b2c3d4e", "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809')?$x=1",
                "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f80g", None, 42):
        assert as_guid(bad) is None


def test_inventory_find_app_refuses_what_is_not_a_guid_before_any_request():
    import pytest

    from wizard.errors import InputError
    from wizard.inventory import find_app

    class NoGraph:
        def get(self, *args, **kwargs):  # pragma: no cover - must not be reached
            raise AssertionError("a request was sent for an invalid id")

    with pytest.raises(InputError) as info:
        find_app(NoGraph(), "abc') or true", now=0)
    assert "client ID" in str(info.value)
