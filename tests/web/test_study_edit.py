"""Changing a study and its waves after setting them up (issue 13, point 6)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servqual.web.studies.models import Study
from servqual.web.surveys.models import Response


def settings_form(study, **changes) -> dict:
    data = {
        "name": study.name,
        "service_name": study.service_name,
        "languages": ",".join(study.languages),
        "anonymity_threshold": study.anonymity_threshold,
        "keep_personal_data_days": study.keep_personal_data_days,
        "after_retention": study.after_retention,
    }
    for segment in study.segments.all():
        data[f"segment-{segment.pk}-name"] = segment.name
        data[f"segment-{segment.pk}-values"] = "\n".join(segment.values)
    return data | changes


def test_an_owner_changes_names_languages_threshold_and_segment_values(client, people, study):
    segment = study.segments.get()
    client.force_login(people["carl"])
    page = client.get(f"/studies/{study.pk}/edit/", headers={"accept-language": "nl"}).content.decode()
    assert "de hele resultatenpagina wacht tot er zoveel antwoorden binnen zijn" in page
    data = settings_form(
        study,
        name="Klantonderzoek 2027",
        languages="en",
        anonymity_threshold=8,
        **{f"segment-{segment.pk}-name": "Vestiging", f"segment-{segment.pk}-values": "Utrecht\nZwolle\nEde"},
    )
    response = client.post(f"/studies/{study.pk}/edit/", data, follow=True)
    assert "The study is saved." in response.content.decode()
    study.refresh_from_db()
    segment.refresh_from_db()
    assert (study.name, study.languages, study.anonymity_threshold) == ("Klantonderzoek 2027", ["en"], 8)
    assert (segment.name, segment.values) == ("Vestiging", ["Utrecht", "Zwolle", "Ede"])
    assert study.instrument_key == "servqual-22"  # not on the form: it stays


def test_a_segment_value_that_responses_hold_cannot_be_removed(client, people, study):
    segment = study.segments.get()
    wave = study.waves.get()
    Response.objects.create(wave=wave, language="nl", segments={"branch": "Zwolle"}, completed_at=timezone.now())
    client.force_login(people["alice"])
    data = settings_form(study, **{f"segment-{segment.pk}-values": "Utrecht"})
    page = client.post(f"/studies/{study.pk}/edit/", data).content.decode()
    assert "Responses hold Zwolle, so it cannot be removed." in page
    segment.refresh_from_db()
    assert segment.values == ["Utrecht", "Zwolle"]
    # A value nobody holds may go.
    client.post(f"/studies/{study.pk}/edit/", settings_form(study, **{f"segment-{segment.pk}-values": "Zwolle"}))
    segment.refresh_from_db()
    assert segment.values == ["Zwolle"]


def test_the_threshold_has_a_floor_and_bad_input_changes_nothing(client, people, study):
    client.force_login(people["alice"])
    page = client.post(f"/studies/{study.pk}/edit/", settings_form(study, name="X", anonymity_threshold=2))
    assert page.status_code == 200 and 'class="error"' in page.content.decode()
    assert Study.objects.get(pk=study.pk).name == "Klantonderzoek"


def test_a_wave_is_extended_or_closed_now(client, people, wave):
    client.force_login(people["carl"])
    later = timezone.localtime(wave.closes_at + timedelta(days=14)).replace(second=0, microsecond=0)
    data = {
        "name": "2026-1 (verlengd)",
        "opens_at": timezone.localtime(wave.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": later.strftime("%Y-%m-%dT%H:%M"),
    }
    client.post(f"/waves/{wave.pk}/edit/", data)
    wave.refresh_from_db()
    assert wave.name == "2026-1 (verlengd)" and wave.closes_at == later and wave.is_open()
    client.post(f"/waves/{wave.pk}/edit/", {"close_now": "1"})
    wave.refresh_from_db()
    assert not wave.is_open() and timezone.now() - wave.closes_at < timedelta(minutes=2)
    assert wave.name == "2026-1 (verlengd)"
    # Closed, the survey takes no more answers.
    link = wave.links.create()
    assert "This survey is closed" in client.get(f"/s/{link.key}/", headers={"accept-language": "en"}).content.decode()


def test_only_who_sets_up_studies_may_change_them(client, people, study):
    wave = study.waves.get()
    for name in ("mona", "vera", "bob"):
        client.force_login(people[name])
        assert client.get(f"/studies/{study.pk}/edit/").status_code == 404
        assert client.post(f"/waves/{wave.pk}/edit/", {"close_now": "1"}).status_code == 404
    wave.refresh_from_db()
    assert wave.is_open()
