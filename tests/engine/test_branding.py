"""FlexO's optional last step, Branding: the logo and the information URL (Home page URL).

FlexO guide (vendor-docs/000): "Last step is optional. Navigate to Branding to customize the
application by adding the application logo and information URL."
- logo: the application's Stream property `logo`, "To update the logo, use the PUT method"
  `PUT /applications/{id}/logo` (https://learn.microsoft.com/graph/api/application-update);
- information URL → `web.homePageUrl`, "Home page or landing page of the application"
  (https://learn.microsoft.com/graph/api/resources/webapplication), the Home page URL of the
  Branding & properties blade.
Everything is read back through Graph (the wizard's GraphClient or an independent httpx client).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from conftest import read_back, run_vendor
from wizard.errors import InputError
from wizard.profiles import ProfileError, get_profile, parse_profile
from wizard.setup import Setup

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 90  # 23 KB, a PNG by its magic bytes
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + b"\x00" * 3000
URI = "https://flexo.example.com/oauth/office365"
INFO = "https://flexo.example.com"


@pytest.fixture
def logo(tmp_path):
    path = tmp_path / "flexo.png"
    path.write_bytes(PNG)
    return path


def _setup(graph, who, target, clock, state_dir, **answers):
    profile = get_profile("flexo")
    return Setup(profile, profile.validate({"redirect_uri": URI, **answers}), graph, who, target,
                 clock=clock, state_dir=state_dir)


def test_golden_flexo_with_branding_then_rerun_writes_nothing(sim, graph, who, target, clock, tmp_path, logo):
    setup, applied, secret = run_vendor("flexo", {"redirect_uri": URI, "logo_file": str(logo), "info_url": INFO},
                                        graph, who, target, clock, tmp_path)
    sentences = setup.last_plan.sentences()
    assert f"Set the Home page URL to {INFO} (Branding & properties)" in sentences
    assert f"Set the logo from {logo} (23 KB PNG image)" in sentences
    app = read_back(graph, applied)["app"]
    assert app["web"]["homePageUrl"] == INFO
    assert app["web"]["redirectUris"] == [URI]  # the Branding write kept the Authentication settings
    assert app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is True
    assert graph.get_bytes(f"/applications/{applied.object_id}/logo") == PNG

    # Same answers again: nothing to do, and zero writes (the logo is compared, not re-sent).
    again = _setup(graph, who, target, clock, tmp_path, logo_file=str(logo), info_url=INFO)
    writes = graph.writes
    plan = again.plan()
    assert plan.nothing_to_do, plan.sentences()
    again.apply(plan)
    assert graph.writes == writes
    # From another machine (no journal): the logo's bytes alone show it is in place.
    elsewhere = _setup(graph, who, target, clock, tmp_path / "elsewhere", logo_file=str(logo), info_url=INFO)
    assert elsewhere.plan().nothing_to_do
    assert ("PUT", f"/v1.0/applications/{applied.object_id}/logo", 204) in sim.requests


def test_changed_url_and_logo_are_repaired(sim, graph, who, target, clock, tmp_path, logo):
    _, applied, _ = run_vendor("flexo", {"redirect_uri": URI, "logo_file": str(logo), "info_url": INFO},
                               graph, who, target, clock, tmp_path)
    other = tmp_path / "other.jpg"
    other.write_bytes(JPEG)
    setup = _setup(graph, who, target, clock, tmp_path, logo_file=str(other), info_url="https://www.flexo.example.com/teams")
    plan = setup.plan()
    assert plan.sentences() == [
        f"Change the Home page URL from {INFO} to https://www.flexo.example.com/teams (Branding & properties)",
        f"Replace the app's logo with {other} (3 KB JPEG image)",
    ]
    setup.apply(plan)
    app = read_back(graph, applied)["app"]
    assert app["web"]["homePageUrl"] == "https://www.flexo.example.com/teams"
    assert app["web"]["redirectUris"] == [URI]
    assert graph.get_bytes(f"/applications/{applied.object_id}/logo") == JPEG
    assert sim.state.logos[applied.object_id][1] == "image/jpeg"


def test_a_logo_the_tenant_stores_reencoded_is_not_uploaded_again(sim, graph, who, target, clock, tmp_path, logo):
    """Should Entra keep a re-encoded copy, the journal's record of what Graph returned right after
    the upload stops a re-upload on every run; a logo changed by someone else is replaced."""
    setup, applied, _ = run_vendor("flexo", {"redirect_uri": URI, "logo_file": str(logo)},
                                   graph, who, target, clock, tmp_path)
    reencoded = PNG[:-10] + b"re-encoded"
    sim.state.logos[applied.object_id] = (reencoded, "image/png")
    setup.journal.set(logo={"app": applied.object_id, "sha256": hashlib.sha256(PNG).hexdigest(),
                            "tenant_sha256": hashlib.sha256(reencoded).hexdigest()})
    assert _setup(graph, who, target, clock, tmp_path, logo_file=str(logo)).plan().nothing_to_do
    sim.state.logos[applied.object_id] = (JPEG, "image/jpeg")  # changed in the portal
    assert [s.kind for s in _setup(graph, who, target, clock, tmp_path, logo_file=str(logo)).plan().steps] == ["logo"]


def test_blank_branding_answers_change_nothing(graph, who, target, clock, tmp_path):
    setup = _setup(graph, who, target, clock, tmp_path, logo_file="", info_url="  ")
    assert setup.answers["logo_file"] is None and setup.answers["info_url"] is None
    plan = setup.plan()
    assert not any(s.kind in ("logo", "branding_url") for s in plan.steps)
    assert "homePageUrl" not in plan.desired.application_body()["web"]
    assert "info" not in plan.desired.application_body()


@pytest.mark.parametrize("content, name, reason", [
    (None, "missing.png", "there is no such file"),
    (b"just text, named like an image", "logo.png", "is not an image of a known type"),
    (b"GIF89a" + b"\x00" * 100, "logo.gif", "is a GIF image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (100 * 1024), "big.png", "is 101 KB; at most 100 KB"),
    (b"", "empty.png", "the file is empty"),
])
def test_a_wrong_logo_file_names_the_field(tmp_path, content, name, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    flexo = get_profile("flexo")
    with pytest.raises(InputError) as info:
        flexo.validate({"redirect_uri": URI, "logo_file": str(path)})
    assert info.value.key == "logo_file"
    assert info.value.field == "Application logo (image file)"
    assert reason in info.value.message and str(path) in info.value.message


def test_logo_folder_and_http_info_url_are_refused(tmp_path):
    flexo = get_profile("flexo")
    with pytest.raises(InputError, match="is a folder"):
        flexo.validate({"redirect_uri": URI, "logo_file": str(tmp_path)})
    with pytest.raises(InputError) as info:
        flexo.validate({"redirect_uri": URI, "info_url": "http://flexo.example.com"})
    assert info.value.key == "info_url" and "https://" in info.value.message


def test_branding_answers_do_not_change_which_registration_it_is(logo):
    from wizard.plan import unique_name_for

    flexo = get_profile("flexo")
    plain = flexo.validate({"redirect_uri": URI})
    branded = flexo.validate({"redirect_uri": URI, "logo_file": str(logo), "info_url": INFO})
    assert unique_name_for(flexo, plain) == unique_name_for(flexo, branded)


def test_the_profile_says_which_answer_sets_which_property():
    flexo = get_profile("flexo")
    assert dict(flexo.branding) == {"logo": "logo_file", "home_page_url": "info_url"}
    assert [q.key for q in flexo.questions][-2:] == ["logo_file", "info_url"]  # optional, last
    assert not flexo.question("logo_file").required and flexo.question("logo_file").max_kb == 100
    assert any("Home page URL" in n and "Branding" in n for n in flexo.notes)
    assert not any("does not do this" in n for n in flexo.notes)


def _flexo_text() -> str:
    from importlib import resources

    return resources.files("wizard").joinpath("profiles/flexo.toml").read_text("utf-8")


@pytest.mark.parametrize("old, new, key", [
    ('home_page_url = "info_url"', 'homepage = "info_url"', "branding.homepage"),
    ('home_page_url = "info_url"', 'home_page_url = "redirect_uri"', "branding.home_page_url"),
    ('logo = "logo_file"', 'logo = "info_url"', "branding.logo"),
    ("max_kb = 100", "max_kb = 500", "branding.logo"),
    ('accept = ["png", "jpeg", "bmp"]', 'accept = ["png", "tiff"]', "accept"),
])
def test_a_malformed_branding_table_is_a_profile_error(old, new, key):
    text = _flexo_text()
    assert old in text
    with pytest.raises(ProfileError) as info:
        parse_profile(text.replace(old, new), "flexo.toml")
    assert key in str(info.value)


def test_a_sixth_vendor_gets_branding_from_data_only(tmp_path):
    """Another profile maps its own questions to the terms-of-service and privacy URLs."""
    text = _flexo_text().replace('home_page_url = "info_url"', 'terms_of_service_url = "info_url"')
    profile = parse_profile(text.replace('id = "flexo"', 'id = "sixth"'), "sixth.toml")
    urls = profile.branding_urls(profile.validate({"redirect_uri": URI, "info_url": INFO + "/terms"}))
    assert [(u.parent, u.name, u.value) for u in urls] == [("info", "termsOfServiceUrl", INFO + "/terms")]


def test_manual_checklist_has_the_branding_item(logo):
    from wizard.manual import manual_checklist

    flexo = get_profile("flexo")
    checklist = manual_checklist(flexo, flexo.validate({"redirect_uri": URI, "logo_file": str(logo), "info_url": INFO}),
                                 client_id="11111111-2222-4333-8444-555555555555")
    item = next(i for i in checklist.items if "branding" in i.title.lower())
    assert item.values == [("Upload new logo", str(logo)), ("Home page URL", INFO)]
    assert "/ApplicationMenuBlade/~/Branding/appId/11111111-2222-4333-8444-555555555555/" in item.link
    plain = manual_checklist(flexo, flexo.validate({"redirect_uri": URI}))
    assert not any("branding" in i.title.lower() for i in plain.items)


# --------------------------------------------------------------------------- the simulated Graph


def test_sim_logo_stream_as_documented(sim, graph, who, target, clock, tmp_path):
    from wizard.simtenant.testing import graph_client, sign_in

    _, applied, _ = run_vendor("flexo", {"redirect_uri": URI}, graph, who, target, clock, tmp_path)
    with graph_client(sim, sign_in(sim)) as http:
        url = f"/applications/{applied.object_id}/logo"
        missing = http.get(url)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"
        wrong_type = http.put(url, content=PNG, headers={"Content-Type": "application/octet-stream"})
        assert wrong_type.status_code == 415 and set(wrong_type.json()["error"]) == {"code", "message", "innerError"}
        too_big = http.put(url, content=PNG * 5, headers={"Content-Type": "image/png"})
        assert too_big.status_code == 413 and "102400" in too_big.json()["error"]["message"]
        not_png = http.put(url, content=JPEG, headers={"Content-Type": "image/png"})
        assert not_png.status_code == 400
        done = http.put(f"/applications(appId='{applied.client_id}')/logo", content=PNG,
                        headers={"Content-Type": "image/png"})
        assert done.status_code == 204 and not done.content
        got = http.get(url)
        assert got.status_code == 200 and got.content == PNG and got.headers["Content-Type"] == "image/png"
        assert "logo" not in http.get(f"/applications/{applied.object_id}").json()  # a stream, not JSON


# --------------------------------------------------------------------------- the CLI


def test_cli_demo_apply_flexo_with_branding(capsys, monkeypatch, tmp_path, logo):
    import wizard.commands as commands
    import wizard.simtenant as simtenant
    from wizard import cli
    from wizard.clock import FakeClock
    from wizard.simtenant.testing import graph_client, sign_in

    fake = FakeClock()
    monkeypatch.setattr(commands, "Clock", lambda: fake)
    sim = simtenant.SimTenant(scenario="demo", clock=fake, auto_approve_after=0)
    monkeypatch.setattr(simtenant, "SimTenant", lambda **kwargs: sim)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code = cli.main(["--demo", "apply", "--vendor", "flexo", "--set", "redirect_uri=https://flexo.example.com/cb",
                     "--set", f"logo_file={logo}", "--set", f"info_url={INFO}", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["logo"]["outcome"] == "done" and steps["logo"]["sentence"].startswith(f"Set the logo from {logo}")
    assert steps["branding:web.homePageUrl"]["outcome"] == "done"
    with graph_client(sim, sign_in(sim)) as http:
        app = http.get(f"/applications(appId='{data['client_id']}')").json()
        assert app["web"]["homePageUrl"] == INFO
        assert http.get(f"/applications/{app['id']}/logo").content == PNG


# ---------------------------------------------------------------- GET …/logo is not documented as readable


@pytest.mark.parametrize("rule", [
    {"action": "error", "status": 405, "code": "Request_BadRequest", "message": "Specified HTTP method is not allowed for the request target."},
    {"action": "error", "status": 403, "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."},
    {"action": "error", "status": 400, "code": "Request_BadRequest", "message": "Unsupported stream property."},
    {"action": "garbled"},  # 200 with an HTML page: not image bytes
], ids=["405", "403", "400", "html"])
def test_a_logo_read_that_is_not_bytes_or_404_means_unknown_and_the_logo_is_uploaded(
        sim, graph, who, target, clock, tmp_path, logo, rule):
    from wizard.simtenant import FaultRule

    run_vendor("flexo", {"redirect_uri": URI, "logo_file": str(logo)}, graph, who, target, clock, tmp_path)
    sim.faults.rules.append(FaultRule(path=r"/logo$", method="GET", **rule))
    again = _setup(graph, who, target, clock, tmp_path, logo_file=str(logo))
    plan = again.plan()  # no error: the unreadable logo is "unknown"
    assert f"Set the logo from {logo} (23 KB PNG image)" in plan.sentences()
    before = len(sim.requests)
    again.apply(plan)
    puts = [r for r in sim.requests[before:] if r[0] == "PUT" and r[1].endswith("/logo")]
    assert [r[2] for r in puts] == [204]  # uploaded (the same bytes: harmless)
    assert sim.state.logos[next(iter(sim.state.logos))][0] == PNG
