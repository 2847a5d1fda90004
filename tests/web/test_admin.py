"""The Django admin, where operators set up studies for now: every page opens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

PAGES = ["accounts/organisation", "studies/study", "surveys/surveylink"]


@pytest.mark.parametrize("page", PAGES)
def test_it_opens_the_list_and_the_add_form(client, link, page):
    client.force_login(User.objects.create_superuser("root", "root@example.org", None))
    assert client.get(f"/admin/{page}/").status_code == 200
    assert client.get(f"/admin/{page}/add/").status_code == 200


def test_responses_are_not_in_the_admin(client, link):
    client.force_login(User.objects.create_superuser("root", "root@example.org", None))
    assert client.get("/admin/surveys/response/").status_code == 404


def test_a_study_is_set_up_in_the_admin_with_its_segments_and_waves(client, acme):
    client.force_login(User.objects.create_superuser("root", "root@example.org", None))
    form = {
        "organisation": acme.pk,
        "name": "Klantonderzoek 2027",
        "service_name": "Acme",
        "languages": '["nl", "en"]',
        "instrument_key": "servqual-22",
        "instrument_file": "",
        "manager_instrument_key": "servqual-managers",
        "employee_instrument_key": "servqual-employees",
        "anonymity_threshold": "5",
        "segment_missing": "group",
        "keep_personal_data_days": "30",
        "after_retention": "anonymise",
        "segments-TOTAL_FORMS": "1",
        "segments-INITIAL_FORMS": "0",
        "segments-0-key": "channel",
        "segments-0-name": "Channel",
        "segments-0-values": '["phone", "web"]',
        "segments-0-position": "0",
        "waves-TOTAL_FORMS": "1",
        "waves-INITIAL_FORMS": "0",
        "waves-0-name": "Voorjaar",
        "waves-0-opens_at_0": "2027-03-01",
        "waves-0-opens_at_1": "09:00:00",
        "waves-0-closes_at_0": "2027-04-01",
        "waves-0-closes_at_1": "09:00:00",
    }
    response = client.post("/admin/studies/study/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    study = acme.studies.get(name="Klantonderzoek 2027")
    assert study.segments.get().values == ["phone", "web"]
    assert study.waves.get().name == "Voorjaar"
    assert study.segment_missing == "group"
