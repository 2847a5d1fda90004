"""Tenant isolation: nothing of another organisation resolves, for any role."""

from __future__ import annotations

import pytest

from servqual.web.accounts.models import RIGHTS, Membership, Organisation, Role
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Response, SurveyLink

ACME_ROLES = ["alice", "carl", "mona", "vera"]
TENANT_MODELS = [Organisation, Membership, Study, Segment, Wave, SurveyLink, Response]


@pytest.fixture
def acme_response(link):
    return Response.objects.create(wave=link.wave, link=link, language="nl")


@pytest.fixture
def globex_study(globex, study_for):
    study = study_for(globex)
    wave = study.waves.get()
    link = SurveyLink.objects.create(wave=wave)
    Response.objects.create(wave=wave, link=link, language="en")
    return study


@pytest.mark.parametrize("name", ACME_ROLES)
def test_it_gives_404_for_every_page_of_another_organisation(client, people, study, globex_study, name):
    client.force_login(people[name])
    assert client.get(f"/studies/{globex_study.pk}/").status_code == 404
    assert client.get(f"/waves/{globex_study.waves.get().pk}/").status_code == 404
    assert client.get(f"/studies/{study.pk}/").status_code == 200


def test_the_other_organisation_cannot_see_ours_either(client, people, study, globex_study):
    client.force_login(people["bob"])
    assert client.get(f"/studies/{study.pk}/").status_code == 404
    assert client.get(f"/waves/{study.waves.get().pk}/").status_code == 404
    assert "Klantonderzoek" in client.get(f"/studies/{globex_study.pk}/").content.decode()


@pytest.mark.parametrize("name", [*ACME_ROLES, "bob"])
@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_the_helper_finds_exactly_what_the_role_may_see_in_its_own_organisation(
    people, acme_response, globex_study, name, model
):
    membership = Membership.objects.get(user=people[name])
    own = [obj for obj in model.objects.all() if getattr_path(obj, model.organisation_path) == membership.organisation]
    assert own, "each organisation has objects of every kind"
    for right in {r for rights in RIGHTS.values() for r in rights}:
        expected = own if right in RIGHTS[membership.role] else []
        assert sorted(o.pk for o in scoped(people[name], model, right)) == sorted(o.pk for o in expected)


def getattr_path(obj, path):
    for part in filter(None, path.split("__")):
        obj = getattr(obj, part)
    return obj


def test_each_role_has_the_rights_of_its_role_and_no_more(people, study):
    wave = study.waves.get()
    for name, role in [("alice", Role.OWNER), ("carl", Role.CONSULTANT), ("mona", Role.MANAGER), ("vera", Role.VIEWER)]:
        for right in ("see", "results", "edit", "members"):
            visible = scoped(people[name], Wave, right).filter(pk=wave.pk).exists()
            assert visible == (right in RIGHTS[role]), (name, right)


def test_an_id_of_another_organisation_does_not_resolve(people, globex_study):
    from django.http import Http404

    with pytest.raises(Http404):
        get_scoped_or_404(people["alice"], Study, pk=globex_study.pk)


def test_anonymous_users_see_nothing_and_are_sent_to_log_in(client, study):
    assert scoped(type("Anonymous", (), {"is_authenticated": False})(), Study).count() == 0
    response = client.get(f"/studies/{study.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_consultant_of_two_organisations_sees_both(people, study, globex_study, globex):
    Membership.objects.create(user=people["carl"], organisation=globex, role=Role.CONSULTANT)
    assert set(scoped(people["carl"], Study)) == {study, globex_study}
