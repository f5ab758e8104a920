"""Issue 18: vendors from outside the package — `--profile PATH` and the user's profiles folder.

Every profile here is written into the test's own folders (tmp_path, and the user profiles
folder the autouse fixture `_own_profiles_folder` points at); nothing is added to the package.
"""

from __future__ import annotations

import json

import pytest

import wizard.commands as commands
from profile_files import ROOMSIGN
from wizard import cli, profiles
from wizard.clock import FakeClock
from wizard.errors import EXIT_BAD_INPUT, InputError
from wizard.profiles import ProfileError


@pytest.fixture
def demo(monkeypatch, tmp_path):
    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return fake


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_demo_apply_with_a_profile_file_passes_its_token_test_with_its_own_labels(demo, tmp_path, capsys):
    """Acceptance: application Calendars.ReadWrite, Place.Read.All and User.Read.All, file in tmp_path."""
    path = write(tmp_path / "mine", "roomsign.toml", ROOMSIGN)
    code = cli.main(["--demo", "apply", "--profile", str(path), "--json", "--show-secret"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["vendor"] == "roomsign"
    assert all(s["outcome"] == "done" for s in data["steps"]), data["steps"]
    assert data["token_test"]["ok"] is True
    roles = next(c for c in data["token_test"]["checks"] if c["name"] == "application permissions")
    for name in ("Calendars.ReadWrite", "Place.Read.All", "User.Read.All"):
        assert name in roles["reason"]
    rows = {row["label"]: row["value"] for row in data["snippet"]["rows"]}
    assert list(rows) == ["RoomSign Directory (tenant) ID", "RoomSign App ID", "RoomSign App Secret"]
    assert rows["RoomSign App ID"] == data["client_id"] and rows["RoomSign Directory (tenant) ID"] == data["tenant_id"]


def test_the_profile_option_also_goes_before_the_command_and_as_text(demo, tmp_path, capsys):
    path = write(tmp_path, "roomsign.toml", ROOMSIGN)
    code = cli.main(["--demo", "--profile", str(path), "apply"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "RoomSign App ID" in out


def test_a_profile_in_the_user_folder_is_a_vendor_choice(demo, _own_profiles_folder, capsys):
    write(_own_profiles_folder, "roomsign.toml", ROOMSIGN)
    assert "roomsign" in cli.vendor_ids()
    [entry] = [e for e in profiles.catalogue() if e.id == "roomsign"]
    assert entry.origin == profiles.LOCAL and entry.profile is not None
    code = cli.main(["--demo", "apply", "--vendor", "roomsign", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["token_test"]["ok"] is True


def test_a_local_profile_cannot_shadow_a_bundled_one(_own_profiles_folder, capsys):
    local = write(_own_profiles_folder, "pexip.toml", ROOMSIGN.replace('id = "roomsign"', 'id = "pexip"'))
    with pytest.raises(ProfileError) as err:
        profiles.get_profile("pexip")
    assert "wizard/profiles/pexip.toml" in err.value.message and str(local) in err.value.message
    assert err.value.exit_code == EXIT_BAD_INPUT
    pexips = [e for e in profiles.catalogue() if e.id == "pexip"]
    assert [e.origin for e in pexips] == [profiles.BUNDLED, profiles.LOCAL]
    assert all(e.profile is None and "wizard/profiles/pexip.toml" in e.problem for e in pexips)
    assert profiles.get_profile("flexo").id == "flexo"  # the others are unaffected
    code = cli.main(["--demo", "plan", "--vendor", "pexip", "--set", "addin_fqdn=px.example.com"])
    assert code == EXIT_BAD_INPUT
    assert str(local) in capsys.readouterr().err


def test_a_profile_file_with_a_bundled_id_is_refused_naming_both_files(tmp_path, capsys):
    path = write(tmp_path, "my-pexip.toml", ROOMSIGN.replace('id = "roomsign"', 'id = "pexip"'))
    code = cli.main(["--demo", "plan", "--profile", str(path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "wizard/profiles/pexip.toml" in err and str(path) in err


def test_a_local_file_whose_id_is_not_its_name_is_listed_with_the_reason(_own_profiles_folder):
    write(_own_profiles_folder, "signs.toml", ROOMSIGN)
    [entry] = [e for e in profiles.catalogue() if e.origin == profiles.LOCAL]
    assert entry.profile is None and "'roomsign'" in entry.problem and "signs" in entry.problem
    with pytest.raises(ProfileError):
        profiles.get_profile("signs")


def test_vendor_and_profile_must_agree(tmp_path, capsys):
    path = write(tmp_path, "roomsign.toml", ROOMSIGN)
    code = cli.main(["--demo", "plan", "--vendor", "flexo", "--profile", str(path)])
    assert code == EXIT_BAD_INPUT
    assert "roomsign" in capsys.readouterr().err


def test_a_broken_profile_file_stops_at_once_naming_the_key(tmp_path, capsys):
    path = write(tmp_path, "roomsign.toml", ROOMSIGN.replace('type = "application"', 'type = "delegate"', 1))
    code = cli.main(["--demo", "plan", "--profile", str(path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "permissions[0]" in err and "roomsign.toml" in err


def test_an_unknown_vendor_lists_the_local_ones_too(_own_profiles_folder):
    write(_own_profiles_folder, "roomsign.toml", ROOMSIGN)
    with pytest.raises(InputError) as err:
        profiles.get_profile("nosuch")
    assert "roomsign" in err.value.message and "pexip" in err.value.message


def test_the_tui_starts_with_the_profile_files_vendor_picked(tmp_path, monkeypatch):
    """`m365-wizard --demo --profile FILE`: the wizard starts on that vendor (the same catalogue)."""
    import screens.app

    seen = {}

    def fake_run_app(args):
        seen["vendor"] = args.vendor
        seen["profile"] = profiles.get_profile(args.vendor)
        return 0

    monkeypatch.setattr(screens.app, "run_app", fake_run_app)
    path = write(tmp_path, "roomsign.toml", ROOMSIGN)
    assert cli.main(["--demo", "--profile", str(path)]) == 0
    assert seen["vendor"] == "roomsign" and seen["profile"].source == str(path)
    assert [e.origin for e in profiles.catalogue() if e.id == "roomsign"] == [profiles.FILE]


def test_a_local_file_with_a_bundled_id_names_the_local_file_to_rename(_own_profiles_folder):
    path = write(_own_profiles_folder, "pexip.toml", ROOMSIGN.replace('id = "roomsign"', 'id = "pexip"'))
    with pytest.raises(ProfileError) as err:
        profiles.get_profile("pexip")
    assert str(path) in err.value.next_step and "Rename" in err.value.next_step
    assert "profile check wizard/profiles/pexip.toml" not in err.value.next_step


def test_a_missing_profile_file_says_to_check_the_path_not_to_correct_a_line(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(ProfileError) as err:
        profiles.use_profile_files([missing])
    assert str(missing) in err.value.next_step and "names the line" not in err.value.next_step
