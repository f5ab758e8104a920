"""The vendor list at a glance (`wizard.profile_files`): what the vendor screen shows before any
profile is parsed must be what the parsed and checked profiles say, and anything unusual falls
back to the full catalogue."""

from __future__ import annotations

import pytest

from wizard import profile_files, profiles


def test_the_head_lines_of_the_bundled_files_say_what_the_parsed_profiles_say():
    heads = profile_files.bundled_heads()
    assert heads is not None, "a bundled file's head is not in the plain form: the first frame parses every file"
    parsed = [(e.id, e.profile.name, e.profile.summary, e.origin, e.path) for e in profiles.catalogue()]
    assert [(c.id, c.name, c.summary, c.origin, c.path) for c in heads] == parsed
    assert [c.id for c in heads][:5] == ["flexo", "syncsign", "innovaphone", "pexip", "loopmeeting"]


def test_with_only_the_bundled_vendors_the_list_comes_without_parsing_a_profile(monkeypatch):
    def parsed():  # pragma: no cover - called only if the fast path is lost
        raise AssertionError("the catalogue was parsed")

    monkeypatch.setattr(profiles, "catalogue", parsed)
    assert [c.id for c in profile_files.vendor_choices()] == [c.id for c in profile_files.bundled_heads()]


def test_a_local_file_brings_the_full_catalogue_with_its_problem(_own_profiles_folder):
    folder = _own_profiles_folder
    folder.mkdir(parents=True)
    (folder / "roomsign.toml").write_text('id = "roomsign"\nname = "RoomSign"\n', encoding="utf-8")
    choices = profile_files.vendor_choices()
    [local] = [c for c in choices if c.id == "roomsign"]
    assert local.origin == profile_files.LOCAL and local.problem and "roomsign.toml" in local.path
    assert [c.id for c in choices[:5]] == [c.id for c in profile_files.bundled_heads()]


def test_a_profile_file_of_this_run_is_listed_as_such(tmp_path):
    source = (profile_files.BUNDLED_DIR / "pexip.toml").read_text("utf-8")
    path = tmp_path / "roomsign.toml"
    path.write_text(source.replace('id = "pexip"', 'id = "roomsign"').replace(
        'name = "Pexip VMR Scheduling (personal VMRs, SSO)"', 'name = "RoomSign"'), encoding="utf-8")
    profiles.use_profile_files([path])
    try:
        [choice] = [c for c in profile_files.vendor_choices() if c.id == "roomsign"]
        assert (choice.name, choice.origin, choice.problem) == ("RoomSign", profile_files.FILE, "")
    finally:
        profiles.use_profile_files([])


HEAD = 'id = "acme"\norder = 7\nname = "Acme Rooms"\nsummary = "Lets Acme read room calendars."\n'


@pytest.mark.parametrize("text", [
    HEAD + "[[questions]]\nkey = \"x\"\n",
    HEAD.replace("order = 7", "order = 7  # after the others"),
    HEAD.replace('id = "acme"', 'id="acme"'),
])
def test_a_plain_head_is_read(tmp_path, text):
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    assert profile_files._head(path) == (7, profile_files.VendorChoice(
        "acme", "Acme Rooms", "Lets Acme read room calendars.", profile_files.BUNDLED, "wizard/profiles/acme.toml"))


@pytest.mark.parametrize("text", [
    HEAD.replace("Lets Acme", "Lets \\\"Acme\\\""),  # an escape: only a TOML parser reads it right
    HEAD.replace('summary = "Lets Acme read room calendars."', 'summary = """Lets Acme\nread."""'),
    HEAD.replace('order = 7', 'order = "7"'),
    HEAD.replace('id = "acme"', 'id = "other"'),  # not the file's name
    HEAD + 'name = "Twice"\n',
    HEAD.replace('summary = "Lets Acme read room calendars."\n', ""),
    "[meta]\n" + HEAD,  # the keys of a table, not the profile's
    HEAD.replace('name = "Acme Rooms"', "name = '  '"),
])
def test_any_other_head_is_left_to_the_full_parser(tmp_path, text):
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    assert profile_files._head(path) is None


def test_one_unusual_bundled_head_means_the_full_catalogue(monkeypatch, tmp_path):
    for path in profile_files.bundled_files():
        (tmp_path / path.name).write_text(path.read_text("utf-8"), encoding="utf-8")
    pexip = tmp_path / "pexip.toml"
    pexip.write_text(pexip.read_text("utf-8").replace('summary = "Lets Outlook', 'summary = "Lets \\u004futlook'),
                     encoding="utf-8")
    monkeypatch.setattr(profile_files, "BUNDLED_DIR", tmp_path)
    assert profile_files.bundled_heads() is None
    profiles.load_profiles.cache_clear()
    try:
        [choice] = [c for c in profile_files.vendor_choices() if c.id == "pexip"]
        assert choice.summary.startswith("Lets Outlook")  # \u004f read by the TOML parser
    finally:
        profiles.load_profiles.cache_clear()
