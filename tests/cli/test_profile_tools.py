"""Issue 18: `m365-wizard profile check|new|list`, the JSON Schema and docs/profiles.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from profile_files import ROOMSIGN
from wizard import cli, profile_format, profile_tools, profiles
from wizard.errors import EXIT_BAD_INPUT

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="roomsign.toml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def line_of(text: str, needle: str, after: str = "") -> int:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def test_check_of_a_good_file_exits_0(tmp_path, capsys):
    path = write(tmp_path, ROOMSIGN)
    assert cli.main(["profile", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "roomsign" in out


def test_a_wrong_permission_type_names_the_line_the_key_and_the_form_that_exists(tmp_path, capsys):
    text = ROOMSIGN.replace('name = "Place.Read.All"\ntype = "application"',
                            'name = "Calendars.Read.Shared"\ntype = "application"')
    assert "Calendars.Read.Shared" in text
    path = write(tmp_path, text)
    assert cli.main(["profile", "check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    line = line_of(text, 'type = "application"', after="Calendars.Read.Shared")
    assert f"{path}:{line}:" in err
    assert "'permissions[1].type'" in err
    assert "exists only as a delegated permission" in err


def test_an_unknown_key_is_named_with_its_line_and_the_allowed_keys(tmp_path, capsys):
    text = ROOMSIGN.replace('label = "RoomSign App ID"', 'label = "RoomSign App ID"\ncolour = "blue"')
    path = write(tmp_path, text)
    assert cli.main(["profile", "check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{path}:{line_of(text, 'colour')}:" in err
    assert "'snippet[1].colour' is not known" in err and "template" in err


def test_an_unknown_top_level_key_and_a_wrong_value_type(tmp_path, capsys):
    text = ROOMSIGN.replace('admin_consent = true', 'admin_consent = "yes"')
    path = write(tmp_path, text)
    assert cli.main(["profile", "check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{path}:{line_of(text, 'admin_consent')}:" in err and "must be a boolean" in err.replace("bool,", "boolean,")


def test_a_toml_syntax_error_names_its_line(tmp_path, capsys):
    text = ROOMSIGN.replace('kind = "fqdn"', 'kind = fqdn', 1).replace('kind = "text"', 'kind = text')
    path = write(tmp_path, text)
    assert cli.main(["profile", "check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{path}:{line_of(text, 'kind = text')}:" in err and "not valid TOML" in err


def test_an_unknown_permission_name_suggests_the_spelling(tmp_path, capsys):
    path = write(tmp_path, ROOMSIGN.replace('"Place.Read.All"', '"Place.ReadAll"'))
    assert cli.main(["profile", "check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "'permissions[1].name'" in err and "Place.Read.All" in err


def test_profile_new_writes_a_starter_that_passes_check_and_never_overwrites(tmp_path, capsys):
    path = tmp_path / "myvendor.toml"
    assert cli.main(["profile", "new", str(path)]) == 0
    text = path.read_text("utf-8")
    assert text.startswith("#") and 'id = "myvendor"' in text
    assert cli.main(["profile", "check", str(path)]) == 0
    assert cli.main(["profile", "new", str(path)]) == EXIT_BAD_INPUT
    assert path.read_text("utf-8") == text
    assert "exists already" in capsys.readouterr().err


def test_profile_list_shows_bundled_and_local(_own_profiles_folder, capsys):
    _own_profiles_folder.mkdir(parents=True)
    (_own_profiles_folder / "roomsign.toml").write_text(ROOMSIGN, "utf-8")
    (_own_profiles_folder / "broken.toml").write_text("id = ", "utf-8")
    assert cli.main(["profile", "list"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("pexip") and "bundled" in line for line in lines)
    assert any(line.startswith("roomsign") and "local" in line and "RoomSign room signs" in line for line in lines)
    assert any(line.startswith("broken") and "CANNOT BE USED" in line for line in lines)
    assert str(_own_profiles_folder) in out


def test_the_bundled_profiles_pass_check():
    for profile in profiles.load_profiles().values():
        path = Path(profiles.__file__).parent / "profiles" / f"{profile.id}.toml"
        assert profile_tools.check(path) == [], profile.id


def test_the_shipped_schema_and_docs_are_generated_from_the_model():
    """Regenerate and compare: fails when the model, the schema or docs/profiles.md drift.
    Fix: python -m wizard.profile_tools --write"""
    shipped = (Path(profile_tools.__file__).parent / profile_tools.SCHEMA_FILE).read_text("utf-8")
    assert shipped == profile_tools.schema_text()
    assert (REPO / profile_tools.DOCS_FILE).read_text("utf-8") == profile_tools.docs_text()


def test_the_loader_checks_keys_from_the_same_model():
    assert set(profiles._TOP_KEYS) == {k.name for k in profile_format.TOP}
    assert set(profiles._PERMISSION_KEYS) == {k.name for k in profile_format.TABLES["permission"]}
    data = json.loads(profile_tools.schema_text())
    assert set(data["properties"]) == set(profiles._TOP_KEYS)
    assert set(data["required"]) == profiles._REQUIRED_TOP
    assert set(data["$defs"]["question"]["properties"]) == set(profiles._QUESTION_KEYS)
    docs = profile_tools.docs_text()
    for key in profiles._TOP_KEYS:
        assert f"| `{key}` |" in docs


def schema_errors(node: dict, value, root: dict, where: str = "") -> list[str]:
    """The few JSON Schema keywords the generated schema uses (no jsonschema package here)."""
    if "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    kinds = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
    if "type" in node and (not isinstance(value, kinds[node["type"]])
                           or (node["type"] == "integer" and isinstance(value, bool))):
        return [f"{where}: not a {node['type']}"]
    errors = []
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{where}: {value!r} not in enum")
    if isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            errors += schema_errors(node["items"], item, root, f"{where}[{i}]")
    if isinstance(value, dict):
        properties = node.get("properties", {})
        for key in node.get("required", []):
            if key not in value:
                errors.append(f"{where}.{key}: missing")
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(properties[key], item, root, f"{where}.{key}")
            elif node.get("additionalProperties") is False:
                errors.append(f"{where}.{key}: additional property")
            elif isinstance(node.get("additionalProperties"), dict):
                errors += schema_errors(node["additionalProperties"], item, root, f"{where}.{key}")
    return errors


def test_the_schema_accepts_the_bundled_profiles_and_refuses_what_the_loader_refuses():
    import tomllib

    root = profile_tools.schema()
    assert root["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for path in (Path(profiles.__file__).parent / "profiles").glob("*.toml"):
        assert schema_errors(root, tomllib.loads(path.read_text("utf-8")), root) == [], path.name
    assert schema_errors(root, tomllib.loads(ROOMSIGN), root) == []
    bad = tomllib.loads(ROOMSIGN.replace('label = "RoomSign App ID"', 'label = "RoomSign App ID"\ncolour = "x"'))
    assert schema_errors(root, bad, root) == [".snippet[1].colour: additional property"]
    bad = tomllib.loads(ROOMSIGN.replace('type = "application"', 'type = "app-only"', 1))
    assert schema_errors(root, bad, root) == [".permissions[0].type: 'app-only' not in enum"]
