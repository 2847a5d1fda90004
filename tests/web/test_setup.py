"""Setting a study up without the admin: the wizard, new waves and new survey links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from servqual.web.studies.models import Study, WizardFile
from servqual.web.surveys.models import Audience, SurveyLink

CUSTOM = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text(encoding="utf-8")
WIZARD = "/studies/new/"


def step(client, name: str, data: dict, files: dict | None = None):
    """Post one step of the wizard as the browser does (no JavaScript)."""
    fields = {"study_wizard-current_step": name} | {f"{name}-{k}": v for k, v in data.items()}
    return client.post(WIZARD, fields | {f"{name}-{k}": v for k, v in (files or {}).items()})


def segments(*rows: tuple[str, str, str]) -> dict:
    data = {"TOTAL_FORMS": "3", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "12"}
    for i, (key, name, values) in enumerate(rows):
        data |= {f"{i}-key": key, f"{i}-name": name, f"{i}-values": values}
    return data


def study_step(acme, **changes) -> dict:
    return {
        "organisation": acme.pk,
        "name": "Klanttevredenheid 2027",
        "service_name": "Gemeente Acme",
        "languages": "nl,en",
        "anonymity_threshold": "5",
    } | changes


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


#: A wave open from yesterday for a month, as a datetime-local input sends it.
WAVE = {
    "name": "Voorjaar",
    "opens_at": local(timezone.now() - timedelta(days=1)),
    "closes_at": local(timezone.now() + timedelta(days=30)),
    "customer_link": "on",
}


def test_the_wizard_sets_up_a_study_in_four_steps(client, people, acme):
    client.force_login(people["carl"])
    first = client.get(WIZARD)
    assert first.status_code == 200 and "Step 1 of 4" in first.content.decode()
    assert "Step 2 of 4" in step(client, "study", study_step(acme)).content.decode()
    assert "Step 3 of 4" in step(client, "instrument", {"instrument": "servqual-3col"}).content.decode()
    page = step(
        client,
        "segments",
        segments(("branch", "Branch", "Utrecht\nZwolle, Utrecht"), ("channel", "Kanaal", "web; balie")),
    )
    assert "Step 4 of 4" in page.content.decode()
    done = step(client, "wave", WAVE)
    study = Study.objects.get(name="Klanttevredenheid 2027")
    wave = study.waves.get()
    assert done.status_code == 302 and done["Location"] == f"/waves/{wave.pk}/"
    assert (study.organisation, study.service_name, study.languages) == (acme, "Gemeente Acme", ["nl", "en"])
    assert study.instrument_key == "servqual-3col" and study.instrument_file == ""
    assert [(s.key, s.values, s.position) for s in study.segments.all()] == [
        ("branch", ["Utrecht", "Zwolle"], 0),
        ("channel", ["web", "balie"], 1),
    ]
    assert wave.name == "Voorjaar" and wave.closes_at > wave.opens_at
    link = SurveyLink.objects.get(wave=wave)
    assert link.audience == Audience.CUSTOMER and link.fixed_segments == {}
    assert client.get(f"/s/{link.key}/").status_code == 200


def test_an_uploaded_instrument_file_becomes_the_studys_instrument(client, people, acme):
    client.force_login(people["alice"])
    step(client, "study", study_step(acme))
    upload = SimpleUploadedFile("webshop.toml", CUSTOM.encode(), content_type="application/toml")
    assert "Step 3 of 4" in step(client, "instrument", {"instrument": "custom"}, {"file": upload}).content.decode()
    step(client, "segments", segments())
    step(client, "wave", WAVE | {"customer_link": ""})
    study = Study.objects.get()
    assert study.instrument_file == CUSTOM and study.instrument().key == "webshop-6"
    assert not study.segments.exists() and not SurveyLink.objects.exists()


def test_the_wizards_uploaded_file_waits_in_the_database_for_any_server_not_on_a_disk(client, people, acme):
    client.force_login(people["alice"])
    step(client, "study", study_step(acme))
    upload = SimpleUploadedFile("webshop.toml", CUSTOM.encode(), content_type="application/toml")
    step(client, "instrument", {"instrument": "custom"}, {"file": upload})
    waiting = WizardFile.objects.get()
    assert bytes(waiting.content) == CUSTOM.encode() and "webshop" not in waiting.name
    step(client, "segments", segments())
    step(client, "wave", WAVE | {"customer_link": ""})
    assert Study.objects.get().instrument_file == CUSTOM
    assert not WizardFile.objects.exists()  # gone once the study is saved


def test_a_bad_instrument_file_is_refused_by_name_and_line(client, people, acme):
    client.force_login(people["alice"])
    step(client, "study", study_step(acme))
    broken = CUSTOM.replace('dimension = "', 'dimension = "nonsense', 1)
    upload = SimpleUploadedFile("mine.toml", broken.encode())
    html = step(client, "instrument", {"instrument": "custom"}, {"file": upload}).content.decode()
    assert "Step 2 of 4" in html and "mine.toml" in html and "nonsense" in html and "/tmp" not in html
    assert "Step 2 of 4" in step(client, "instrument", {"instrument": "custom"}).content.decode()
    latin = SimpleUploadedFile("latin.toml", "naam = 'Caf\xe9'".encode("latin-1"))
    html = step(client, "instrument", {"instrument": "custom"}, {"file": latin}).content.decode()
    assert "latin.toml is not a UTF-8 text file." in html
    large = SimpleUploadedFile("big.toml", b"#" * (300 * 1024))
    html = step(client, "instrument", {"instrument": "custom"}, {"file": large}).content.decode()
    assert "The file is larger than 256" in html
    assert not Study.objects.exists()


def test_each_step_says_what_is_wrong_and_keeps_what_was_typed(client, people, acme):
    client.force_login(people["alice"])
    html = step(client, "study", study_step(acme, service_name="", anonymity_threshold="2")).content.decode()
    assert "Step 1 of 4" in html and "This field is required." in html and 'value="Klanttevredenheid 2027"' in html
    assert "greater than or equal to 3" in html
    step(client, "study", study_step(acme))
    step(client, "instrument", {"instrument": "servqual-22"})
    html = step(
        client, "segments", segments(("e1", "Bad", "x"), ("branch", "B", "a"), ("branch", "C", "b"))
    ).content.decode()
    assert "Step 3 of 4" in html and "looks like an answer column" in html and "a key of its own" in html
    step(client, "segments", segments(("branch", "Branch", "Noord")))
    html = step(client, "wave", WAVE | {"closes_at": local(timezone.now() - timedelta(days=2))}).content.decode()
    assert "Step 4 of 4" in html and "A wave closes after it opens." in html
    assert not Study.objects.exists()


def test_back_returns_to_the_previous_step_with_its_answers(client, people, acme):
    client.force_login(people["alice"])
    step(client, "study", study_step(acme, name="Eerste naam"))
    back = client.post(WIZARD, {"study_wizard-current_step": "instrument", "wizard_goto_step": "study"})
    html = back.content.decode()
    assert "Step 1 of 4" in html and 'value="Eerste naam"' in html


def test_the_wizard_speaks_dutch(client, people, acme):
    client.force_login(people["alice"])
    html = client.get(WIZARD, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Stap 1 van 4" in html and "Nieuw onderzoek" in html


@pytest.mark.parametrize("name", ["mona", "vera", "bob"])
def test_only_those_who_set_up_studies_reach_the_wizard_and_only_for_their_organisations(client, people, acme, name):
    client.force_login(people[name])
    if name == "bob":  # owner of Globex: may set up studies, but not for Acme
        assert client.get(WIZARD).status_code == 200
        html = step(client, "study", study_step(acme)).content.decode()
        assert "Step 1 of 4" in html and "Select a valid choice" in html
    else:
        assert client.get(WIZARD).status_code == 404
        assert step(client, "study", study_step(acme)).status_code == 404
    assert not Study.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(WIZARD)["Location"].startswith("/accounts/login/")


def test_a_new_wave_from_the_study_page(client, people, study):
    client.force_login(people["carl"])
    assert "/waves/new/" in client.get(f"/studies/{study.pk}/").content.decode()
    data = {"name": "Najaar", "opens_at": "2027-09-01T09:00", "closes_at": "2027-10-01T09:00", "customer_link": "on"}
    response = client.post(f"/studies/{study.pk}/waves/new/", data)
    wave = study.waves.get(name="Najaar")
    assert response["Location"] == f"/waves/{wave.pk}/" and wave.links.get().audience == Audience.CUSTOMER
    refused = client.post(f"/studies/{study.pk}/waves/new/", data | {"closes_at": "2027-08-01T09:00"})
    assert "A wave closes after it opens." in refused.content.decode() and study.waves.count() == 2


def test_a_new_link_with_a_fixed_branch(client, people, wave):
    client.force_login(people["alice"])
    response = client.post(f"/waves/{wave.pk}/links/new/", {"audience": "customer", "segment_branch": "Zwolle"})
    link = wave.links.get()
    assert response["Location"] == f"/waves/{wave.pk}/"
    assert (link.audience, link.fixed_segments) == ("customer", {"branch": "Zwolle"})
    assert "Zwolle" in client.get(f"/waves/{wave.pk}/").content.decode()
    bad = client.post(f"/waves/{wave.pk}/links/new/", {"audience": "customer", "segment_branch": "Amsterdam"})
    assert "Select a valid choice" in bad.content.decode() and wave.links.count() == 1


@pytest.mark.parametrize("name", ["mona", "vera", "bob"])
def test_managers_viewers_and_other_organisations_cannot_add_waves_or_links(client, people, wave, name):
    client.force_login(people[name])
    data = {"name": "X", "opens_at": "2027-09-01T09:00", "closes_at": "2027-10-01T09:00"}
    assert client.post(f"/studies/{wave.study.pk}/waves/new/", data).status_code == 404
    assert client.post(f"/waves/{wave.pk}/links/new/", {"audience": "customer"}).status_code == 404
    assert wave.study.waves.count() == 1 and not wave.links.exists()
    page = client.get(f"/studies/{wave.study.pk}/")
    assert page.status_code == 404 or "/waves/new/" not in page.content.decode()


def test_a_study_with_responses_keeps_its_instrument_wherever_it_is_changed(study, link):
    from django.core.exceptions import ValidationError

    from servqual.web.surveys.models import Response

    study.instrument_key = "servperf"
    study.full_clean()  # no responses yet: it may change
    Response.objects.create(wave=link.wave, link=link, language="nl")
    with pytest.raises(ValidationError, match="its instrument cannot change"):
        study.full_clean()
    study.instrument_key, study.name = "servqual-22", "Another name"
    study.full_clean()  # other fields still change


#: Instrument files that once read the server's files or gave a server error (issue 12).
HOSTILE_INSTRUMENTS = {
    "an absolute based_on": (
        'key = "x"\nbased_on = "/etc/passwd"\n',
        "x.toml: based_on &#x27;/etc/passwd&#x27; is not a built-in instrument; an uploaded instrument file may be "
        "based only on one of servperf, servqual-22, servqual-22-1988, servqual-3col",
    ),
    "a based_on that climbs out": (
        'key = "x"\nbased_on = "../../../../../../etc/hostname"\n',
        "x.toml: based_on &#x27;../../../../../../etc/hostname&#x27; is not a built-in instrument",
    ),
    "deep nesting": (CUSTOM + "reference = " + "[" * 5_000 + "]" * 5_000, "x.toml: lists or tables are nested"),
    "a 100,001-digit number": (CUSTOM.replace("max = 5", "max = " + "1" * 100_001), "x.toml: a number has more"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_INSTRUMENTS))
def test_an_instrument_file_that_reaches_for_the_servers_files_or_breaks_the_reader_is_refused(
    client, people, acme, case
):
    text, message = HOSTILE_INSTRUMENTS[case]
    client.force_login(people["alice"])
    step(client, "study", study_step(acme))
    upload = SimpleUploadedFile("x.toml", text.encode())
    response = step(client, "instrument", {"instrument": "custom"}, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and "Step 2 of 4" in html
    assert message in html
    assert "root" not in html and "/tmp" not in html  # nothing of /etc/passwd, no server path
    assert not Study.objects.exists()


def test_a_based_on_that_reaches_out_is_refused_in_dutch(client, people, acme):
    client.force_login(people["alice"])
    client.post(
        WIZARD,
        {"study_wizard-current_step": "study"} | {f"study-{k}": v for k, v in study_step(acme).items()},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    upload = SimpleUploadedFile("x.toml", b'key = "x"\nbased_on = "/etc/passwd"\n')
    html = client.post(
        WIZARD,
        {"study_wizard-current_step": "instrument", "instrument-instrument": "custom", "instrument-file": upload},
        HTTP_ACCEPT_LANGUAGE="nl",
    ).content.decode()
    assert "x.toml: based_on &#x27;/etc/passwd&#x27; is geen ingebouwd instrument" in html


def test_a_segment_value_with_a_control_character_is_refused_in_the_wizard(client, people, acme):
    client.force_login(people["alice"])
    step(client, "study", study_step(acme))
    step(client, "instrument", {"instrument": "servqual-22"})
    html = step(client, "segments", segments(("branch", "Branch", "Utrecht\tNoord, Zwolle"))).content.decode()
    assert "Step 3 of 4" in html
    assert "Value 1 holds a control or invisible character, such as a tab or a line break." in html
