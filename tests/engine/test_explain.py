"""Error codes in plain words: every explanation has a next step; unknown codes keep Microsoft's words."""

from __future__ import annotations

import pytest

from wizard.explain import AADSTS, DEVICE_FLOW, GRAPH, MANUAL, aadsts_code, explain_aadsts, explain_graph, explain_signin


def test_every_entry_has_plain_words_and_a_next_step():
    for table in (AADSTS, GRAPH, DEVICE_FLOW):
        for code, (plain, next_step) in table.items():
            assert plain.endswith(".") and next_step, code


@pytest.mark.parametrize("code", ["53003", "50097", "50005"])
def test_blocked_sign_ins_point_to_manual_mode(code):
    assert explain_aadsts(code)[1] == MANUAL
    assert "m365-wizard --manual" in MANUAL


def test_aadsts_code_is_found_in_a_description():
    assert aadsts_code("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x") == "7000215"
    assert aadsts_code("nothing here") == ""
    assert explain_aadsts("AADSTS7000218")[0].startswith("The sign-in app does not allow public client flows")


def test_unknown_aadsts_keeps_the_first_line_of_microsofts_words():
    plain, next_step = explain_aadsts("", "AADSTS999999: Something odd.\r\nTrace ID: abc\r\nCorrelation ID: def")
    assert "Something odd." in plain and "Trace ID" not in plain
    assert "login.microsoftonline.com/error" in next_step


def test_explain_signin_prefers_the_aadsts_number():
    plain, _, code = explain_signin("invalid_grant", "AADSTS53003: Access has been blocked by Conditional Access policies.")
    assert code == "AADSTS53003" and "Conditional Access" in plain
    plain, _, code = explain_signin("authorization_declined", "AADSTS70000: The user declined.")
    assert code == "authorization_declined" and "declined" in plain
    plain, _, code = explain_signin("weird_error", "")
    assert code == "weird_error" and plain


def test_graph_codes_then_status_then_fallback():
    assert "Application Administrator" in explain_graph(403, "Authorization_RequestDenied")[1]
    plain, _ = explain_graph(404, "SomethingElse", "Resource 'x' does not exist.")
    assert "not found" in plain and "Resource 'x' does not exist." in plain
    plain, next_step = explain_graph(418, "", "")
    assert "418" in plain and next_step
