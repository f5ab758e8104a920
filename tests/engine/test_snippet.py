"""Snippet rendering: masking, formats, env names, 0600 saving, OSC 52."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from pathlib import Path

import pytest

from wizard import snippet as snippet_mod
from wizard.snippet import Snippet, SnippetRow, env_name, osc52

SECRET = "Abc8Q~s3cr3t-value_xyz"


def make() -> Snippet:
    return Snippet("pexip", [
        SnippetRow("User OAuth client ID", "66666666-7777-8888-9999-000000000000"),
        SnippetRow("Azure OAuth client secret", SECRET, secret=True),
        SnippetRow("OAuth redirect URI", "https://px.example.com/api/client/v2/msexchange_schedulers/oauth_redirect"),
    ])


def test_text_is_aligned_and_masked_by_default():
    text = make().as_text()
    lines = text.splitlines()
    assert len(lines) == 3
    assert len({line.index(" : ") for line in lines}) == 1  # aligned colons
    assert lines[1] == "Azure OAuth client secret : Abc…(hidden)"
    assert SECRET not in text
    assert SECRET in make().as_text(mask=False)


def test_short_secret_shows_nothing():
    assert snippet_mod.mask("abc") == "…(hidden)"


def test_json_keeps_order_and_masks():
    data = json.loads(make().as_json())
    assert data["vendor"] == "pexip"
    assert list(data["settings"]) == [r.label for r in make().rows]
    assert data["settings"]["Azure OAuth client secret"] == "Abc…(hidden)"
    assert json.loads(make().as_json(mask=False))["settings"]["Azure OAuth client secret"] == SECRET


def test_env_names_and_quoting():
    env = make().as_env(mask=False)
    assert env.splitlines()[0] == "PEXIP_USER_OAUTH_CLIENT_ID=66666666-7777-8888-9999-000000000000"
    assert f'PEXIP_AZURE_OAUTH_CLIENT_SECRET="{SECRET}"' in env  # "~" is quoted
    assert env_name("innovaphone", "Sync-Type") == "INNOVAPHONE_SYNC_TYPE"
    assert env_name("loopmeeting", "Service account(s)") == "LOOPMEETING_SERVICE_ACCOUNT_S"
    odd = Snippet("x", [SnippetRow("A", 'va"l $HOME\\'), SnippetRow("a", "Cloud (Exchange Online)")])
    lines = odd.as_env().splitlines()
    assert lines[0] == 'X_A="va\\"l \\$HOME\\\\"'
    assert lines[1] == 'X_A_2="Cloud (Exchange Online)"'  # duplicate names get a suffix
    for line in make().as_env().splitlines():
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*=.+", line)


def test_repr_never_shows_the_secret():
    assert SECRET not in repr(make())
    assert SECRET not in repr(make().rows[1])
    assert "Abc…(hidden)" in repr(make())


@pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")
@pytest.mark.parametrize("fmt", ["text", "json", "env"])
def test_save_writes_0600_with_the_secret(tmp_path, fmt):
    path = tmp_path / make().suggested_filename(fmt)
    assert make().save(path, fmt) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET in path.read_text("utf-8")
    masked = tmp_path / "masked.txt"
    make().save(masked, fmt, mask=True)
    assert SECRET not in masked.read_text("utf-8")


def test_save_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError):
        make().save(tmp_path / "x.yaml", "yaml")
    assert not (tmp_path / "x.yaml").exists()


def test_default_save_dir_is_under_documents(monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: "/home/u/Documents")
    assert snippet_mod.default_save_dir() == Path("/home/u/Documents/m365-wizard")


def test_osc52_plain_and_tmux():
    seq = osc52("héllo", tmux=False)
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\x07")
    assert base64.b64decode(seq[len("\x1b]52;c;"):-1]).decode("utf-8") == "héllo"
    wrapped = osc52("héllo", tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\x07\x1b\\")
    # inside the passthrough every ESC is doubled, so no lone ESC remains in the payload
    inner = wrapped[len("\x1bPtmux;"):-2]
    assert inner.replace("\x1b\x1b", "") == seq.replace("\x1b", "")


def test_osc52_detects_tmux_from_the_environment(monkeypatch):
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,123,0")
    assert osc52("x").startswith("\x1bPtmux;")
    monkeypatch.delenv("TMUX")
    assert osc52("x").startswith("\x1b]52;")
