"""Plans read only, and say in words what a secret needs."""

from conftest import run_vendor
from wizard.profiles import get_profile
from wizard.setup import Setup


def test_plan_writes_nothing_and_a_expiring_secret_is_flagged(sim, graph, who, target, clock, tmp_path):
    profile = get_profile("pexip")
    answers = profile.validate({"addin_fqdn": "px01.example.com"})
    fresh = Setup(profile, answers, graph, who, target, clock=clock, state_dir=tmp_path)
    fresh.plan()
    assert graph.writes == 0
    _, applied, secret = run_vendor("pexip", {"addin_fqdn": "px01.example.com", "secret_months": 1},
                                    graph, who, target, clock, tmp_path)
    clock.advance(10 * 86400)  # 1-month secret: 20 days left
    plan = Setup(profile, answers, graph, who, target, clock=clock, state_dir=tmp_path).plan()
    assert [s.kind for s in plan.steps] == ["secret"] and plan.needs_secret
    assert "expires in 19 days" in plan.steps[0].sentence
    clock.advance(30 * 86400)
    plan = Setup(profile, answers, graph, who, target, clock=clock, state_dir=tmp_path).plan()
    assert "has expired" in plan.steps[0].sentence


def test_candidates_by_display_name_are_offered_not_adopted(sim, graph, who, target, clock, tmp_path):
    graph.post("/applications", json={"displayName": "Pexip Scheduling Personal VMRs"})
    clock.advance(2.0)  # a brand-new app is missing from list reads while it replicates (the demo: 1.5 s)
    profile = get_profile("pexip")
    setup = Setup(profile, profile.validate({"addin_fqdn": "px01.example.com"}), graph, who, target, clock=clock, state_dir=tmp_path)
    [candidate] = setup.find_existing()
    assert candidate.match == "displayName" and not candidate.managed
    assert setup.plan().steps[0].kind == "create_app"  # not adopted silently
    repair = setup.plan(existing=candidate)  # the admin confirmed it
    assert f"Add Web redirect URI https://px01.example.com/api/client/v2/msexchange_schedulers/oauth_redirect" in repair.sentences()


def test_create_sentence_reads_well_with_none_one_or_several_redirect_uris():
    from wizard.plan import Desired, Existing, make_plan

    def sentence(uris, perms=()):
        desired = Desired(vendor="x", display_name="X", unique_name="m365-wizard-x-00000000",
                          sign_in_audience="AzureADMyOrg", redirect_uris=tuple(uris), id_tokens=False,
                          access_tokens=False, permissions=tuple(perms), admin_consent=False,
                          secret_needed=False, secret_months=0)
        return make_plan(desired, Existing(), {}, now=0).steps[0].sentence

    assert sentence([]).endswith("with 0 API permissions and no redirect URI")
    assert "with Web redirect URI https://a/cb and" in sentence(["https://a/cb"])
    assert "with Web redirect URIs https://a/cb, https://b/cb and" in sentence(["https://a/cb", "https://b/cb"])
