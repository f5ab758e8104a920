"""The settings block's plain rendering, saving that never replaces a file unasked, and the
summary after the app (wizard/snippet.py, wizard/files.py, wizard/settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.files import FileExists, SaveFailed, save_private
from wizard.settings import Outcome, SavedFile, exit_summary
from wizard.snippet import Snippet, SnippetRow

SECRET = "Zx9~abc.SECRET-value_0123456789"
LONG = "https://login.microsoftonline.com/3c1e0f5a-8d2b-4e6f-9a1c-7b5d3e2f1a0c/oauth2/v2.0/token"


def make() -> Snippet:
    return Snippet("pexip", [SnippetRow("User OAuth client ID", "04b3e7a3"),
                             SnippetRow("User OAuth token URI", LONG),
                             SnippetRow("Azure OAuth client secret", SECRET, True)])


def test_plain_is_one_label_colon_value_line_per_row_never_wrapped_or_padded():
    assert make().as_plain(mask=False) == (f"User OAuth client ID: 04b3e7a3\nUser OAuth token URI: {LONG}\n"
                                           f"Azure OAuth client secret: {SECRET}\n")
    masked = make().render("plain", mask=True)
    assert SECRET not in masked and "Azure OAuth client secret: Zx9…(hidden)" in masked
    assert make().fields(mask=False)[1] == ("User OAuth token URI", LONG)


def test_save_makes_the_folder_writes_0600_and_never_replaces_a_file_unasked(tmp_path):
    path = tmp_path / "new" / "deeper" / "pexip-settings.txt"
    assert make().save(path, "plain") == path
    assert path.stat().st_mode & 0o777 == 0o600 and SECRET in path.read_text()
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    path.write_text("keep me")
    with pytest.raises(FileExists) as refused:
        make().save(path, "plain")
    assert str(path) in refused.value.message and path.read_text() == "keep me"
    make().save(path, "plain", overwrite=True)
    assert SECRET in path.read_text() and path.stat().st_mode & 0o777 == 0o600


def test_save_failures_name_the_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(SaveFailed) as failed:
        save_private(blocker / "settings.txt", "data")
    assert str(blocker / "settings.txt") in failed.value.message
    with pytest.raises(SaveFailed) as folder:
        save_private(tmp_path, "data")
    assert f"{tmp_path} is a folder" in folder.value.message


def test_exit_summary_names_ids_file_and_next_step_never_a_secret():
    outcome = Outcome(vendor="Pexip Infinity", tenant="contoso.com (tenant ID t-1)", client_id="c-1",
                      next_step="Enter the User OAuth client ID.", console="the Pexip console")
    lines = exit_summary(outcome, [SavedFile(Path("/home/u/pexip.txt"), holds_secret=True)])
    text = "\n".join(lines)
    assert lines[0] == "m365-wizard: Pexip Infinity is set up."
    for part in ("contoso.com (tenant ID t-1)", "c-1", "saved to /home/u/pexip.txt (holds the client secret",
                 "Next step  in the Pexip console: Enter the User OAuth client ID."):
        assert part in text
    assert "not saved" in "\n".join(exit_summary(outcome, []))
    assert exit_summary(None, []) == []
    assert exit_summary(None, [SavedFile(Path("/x/y.txt"), False)]) == [
        "m365-wizard: the settings were saved to:", "  /x/y.txt"]
