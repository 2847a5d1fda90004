"""Setting up over the API: studies, waves and survey links, with the setup right as on
the pages and the models' own validation (the admin's), and what a wave's survey asks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from synthetic import fill

from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.forms import page_keys
from servqual.web.surveys.models import SurveyLink

NEW_STUDY = {
    "name": "Balie 2027",
    "service_name": "Gemeente Utrecht",
    "languages": ["nl"],
    "instrument_key": "servperf",
    "anonymity_threshold": 7,
    "segments": [
        {"key": "branch", "name": "Vestiging", "values": ["Centrum", "Overvecht"]},
        {"key": "channel", "name": "Kanaal", "values": ["balie", "telefoon"]},
    ],
}


def call(client, method: str, path: str, token: str, body=None, **headers):
    headers["authorization"] = f"Bearer {token}"
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("who", ["alice", "carl"])
def test_an_owner_or_consultant_creates_a_study_with_its_segments(client, acme, people, token_for, who):
    response = call(client, "post", "/api/studies", token_for(who), NEW_STUDY)
    assert response.status_code == 201, response.content
    body = response.json()
    created = Study.objects.get(pk=body["id"])
    assert created.organisation == acme and created.name == "Balie 2027" and created.anonymity_threshold == 7
    assert created.instrument().key == "servperf" and created.languages == ["nl"]
    assert [(s.key, s.values, s.position) for s in created.segments.all()] == [
        ("branch", ["Centrum", "Overvecht"], 0),
        ("channel", ["balie", "telefoon"], 1),
    ]
    assert body["segments"][1] == {"key": "channel", "name": "Kanaal", "values": ["balie", "telefoon"]}
    listed = call(client, "get", "/api/studies", token_for("vera")).json()
    assert body["id"] in [s["id"] for s in listed]


def test_a_study_takes_the_defaults_of_the_model(client, acme, people, token_for):
    body = call(client, "post", "/api/studies", token_for("alice"), {"name": "A", "service_name": "B"}).json()
    assert body["languages"] == ["nl", "en"] and body["instrument_key"] == "servqual-22"
    assert body["anonymity_threshold"] == 5 and body["segments"] == []


def test_a_study_with_an_instrument_file_of_its_own(client, acme, people, token_for):
    custom = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text(encoding="utf-8")
    body = call(client, "post", "/api/studies", token_for("alice"), NEW_STUDY | {"instrument_file": custom}).json()
    assert Study.objects.get(pk=body["id"]).instrument().key == "webshop-6" and body["instrument_file"] == custom
    broken = custom.replace('dimension = "', 'dimension = "nonsense', 1)
    refused = call(client, "post", "/api/studies", token_for("alice"), NEW_STUDY | {"instrument_file": broken})
    assert refused.status_code == 400 and "nonsense" in refused.json()["errors"]["instrument_file"][0]
    assert Study.objects.count() == 1


def test_an_instrument_with_steps_or_a_slider_is_analysed_from_files_not_surveyed(client, acme, people, token_for):
    """The survey pages offer whole points; a study cannot ask a slider's questions."""
    slider = (Path(__file__).parents[1] / "analysis" / "data" / "slider.toml").read_text(encoding="utf-8")
    refused = call(client, "post", "/api/studies", token_for("alice"), NEW_STUDY | {"instrument_file": slider})
    assert refused.status_code == 400
    assert refused.json()["errors"]["instrument_file"] == [
        "The survey pages ask whole scale points: an instrument with steps or a slider can be analysed from files "
        "(servqual analyze), not surveyed here."
    ]
    assert not Study.objects.exists()


@pytest.mark.parametrize("who", ["mona", "vera"])
def test_a_manager_or_viewer_may_not_create_a_study(client, people, token_for, who):
    response = call(client, "post", "/api/studies", token_for(who), NEW_STUDY)
    assert response.status_code == 403
    assert "setting up studies" in response.json()["detail"]
    assert not Study.objects.exists()


def test_a_token_makes_a_study_only_in_its_own_organisation(client, people, globex, token_for):
    body = call(client, "post", "/api/studies", token_for("bob", globex), NEW_STUDY).json()
    assert Study.objects.get(pk=body["id"]).organisation == globex
    # bob has no membership in Acme: a token he somehow had for it does not set anything up
    assert call(client, "post", "/api/studies", token_for("bob"), NEW_STUDY).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"anonymity_threshold": 2}, "anonymity_threshold"),
        ({"instrument_key": "servqual-99"}, "instrument_key"),
        ({"languages": ["de"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"name": ""}, "name"),
        ({"segments": [{"key": "E1", "name": "Looks like an answer", "values": ["a"]}]}, "segments.0.key"),
        ({"segments": [{"key": "branch", "name": "Branch", "values": ["", "b"]}]}, "segments.0.values"),
        (
            {
                "segments": [
                    {"key": "branch", "name": "A", "values": ["a"]},
                    {"key": "branch", "name": "B", "values": ["b"]},
                ]
            },
            "segments.1",
        ),
    ],
)
def test_the_models_validation_names_the_field_and_saves_nothing(client, people, token_for, change, field):
    response = call(client, "post", "/api/studies", token_for("alice"), NEW_STUDY | change)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "The data cannot be saved."
    assert list(body["errors"]) == [field] and body["errors"][field][0]
    assert not Study.objects.exists()


def test_the_messages_speak_dutch(client, people, token_for):
    response = call(
        client,
        "post",
        "/api/studies",
        token_for("alice"),
        NEW_STUDY | {"languages": ["de"]},
        **{"accept-language": "nl"},
    )
    assert response.json()["detail"] == "De gegevens kunnen niet worden opgeslagen."
    assert response.json()["errors"]["languages"] == ["Kies een of meer van: nl, en."]


def test_a_missing_or_mistyped_field_gets_422_naming_it(client, people, token_for):
    response = call(
        client, "post", "/api/studies", token_for("alice"), {"service_name": "x", "anonymity_threshold": "y"}
    )
    assert response.status_code == 422
    locations = [tuple(error["loc"][-1:]) for error in response.json()["detail"]]
    assert ("name",) in locations and ("anonymity_threshold",) in locations


def test_a_study_changes_only_in_the_fields_given(client, study, token_for):
    response = call(
        client, "patch", f"/api/studies/{study.pk}", token_for("carl"), {"name": "Nieuw", "languages": ["en"]}
    )
    assert response.status_code == 200, response.content
    study.refresh_from_db()
    assert study.name == "Nieuw" and study.languages == ["en"] and study.service_name == "Acme"
    assert [s.key for s in study.segments.all()] == ["branch"]  # not given: kept


def test_the_segments_given_replace_the_studys_segments_by_key(client, study, token_for):
    branch = study.segments.get()
    segments = [
        {"key": "channel", "name": "Channel", "values": ["web"]},
        {"key": "branch", "name": "Vestiging", "values": ["Utrecht", "Zwolle", "Zeist"]},
    ]
    body = call(client, "patch", f"/api/studies/{study.pk}", token_for("alice"), {"segments": segments}).json()
    assert [s["key"] for s in body["segments"]] == ["channel", "branch"]
    kept = study.segments.get(key="branch")
    assert kept.pk == branch.pk and kept.values == ["Utrecht", "Zwolle", "Zeist"] and kept.position == 1
    body = call(client, "patch", f"/api/studies/{study.pk}", token_for("alice"), {"segments": []}).json()
    assert body["segments"] == [] and not study.segments.exists()


def test_a_bad_change_is_refused_whole(client, study, token_for):
    change = {"name": "Nieuw", "segments": [{"key": "id", "name": "Id", "values": ["1"]}]}
    response = call(client, "patch", f"/api/studies/{study.pk}", token_for("alice"), change)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["segments.0.key"]
    study.refresh_from_db()
    assert study.name == "Klantonderzoek" and [s.key for s in study.segments.all()] == ["branch"]


def test_the_instrument_changes_only_while_the_study_has_no_responses(client, study, wave, token_for):
    token = token_for("alice")
    assert call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_key": "servperf"}).status_code == 200
    call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_key": "servqual-22"})
    fill(wave, 3)
    response = call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_key": "servperf"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["instrument_key"]
    assert call(client, "patch", f"/api/studies/{study.pk}", token, {"name": "Nieuw"}).status_code == 200


def test_setting_up_is_refused_as_on_the_pages(client, people, study, wave, globex, study_for, token_for):
    """A manager or viewer gets 404 for a study or wave to change, as for the import page;
    another organisation's study or wave is not found either."""
    other = study_for(globex)
    cases = [
        ("patch", f"/api/studies/{study.pk}", {"name": "x"}),
        ("post", f"/api/studies/{study.pk}/waves", {"name": "x", "opens_at": "2027-01-01", "closes_at": "2027-02-01"}),
        ("patch", f"/api/waves/{wave.pk}", {"name": "x"}),
        ("post", f"/api/waves/{wave.pk}/links", {}),
    ]
    for who in ("mona", "vera"):
        for method, path, body in cases:
            assert call(client, method, path, token_for(who), body).status_code == 404, (who, path)
    client.force_login(people["mona"])
    assert client.get(f"/waves/{wave.pk}/import/").status_code == 404
    alice = token_for("alice")
    for method, path, body in cases:
        path = path.replace(f"/{study.pk}/", f"/{other.pk}/").replace(f"/{wave.pk}", f"/{other.waves.get().pk}")
        path = path.replace(f"/studies/{study.pk}", f"/studies/{other.pk}")
        assert call(client, method, path, alice, body).status_code == 404, path
    assert Study.objects.get(pk=study.pk).name == "Klantonderzoek" and Wave.objects.count() == 2
    assert not SurveyLink.objects.exists()


def test_a_wave_is_created_with_times_in_the_sites_zone(client, study, token_for):
    body = {"name": "2027-1", "opens_at": "2027-01-01T09:00:00", "closes_at": "2027-02-01T17:00:00+01:00"}
    response = call(client, "post", f"/api/studies/{study.pk}/waves", token_for("carl"), body)
    assert response.status_code == 201, response.content
    created = Wave.objects.get(pk=response.json()["id"])
    assert created.study == study and created.name == "2027-1"
    assert created.opens_at == timezone.make_aware(datetime(2027, 1, 1, 9))
    assert created.closes_at == datetime(2027, 2, 1, 16, tzinfo=UTC)
    assert [w["name"] for w in call(client, "get", f"/api/studies/{study.pk}/waves", token_for("vera")).json()] == [
        "2026-1",
        "2027-1",
    ]


def test_a_wave_must_close_after_it_opens(client, study, wave, token_for):
    token = token_for("alice")
    body = {"name": "2027-1", "opens_at": "2027-02-01", "closes_at": "2027-01-01"}
    response = call(client, "post", f"/api/studies/{study.pk}/waves", token, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"closes_at": ["A wave closes after it opens."]}
    response = call(
        client, "patch", f"/api/waves/{wave.pk}", token, {"closes_at": (wave.opens_at - timedelta(hours=1)).isoformat()}
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["closes_at"]
    assert Wave.objects.count() == 1


def test_a_wave_changes_only_in_the_fields_given(client, wave, token_for):
    closes = wave.closes_at + timedelta(days=7)
    response = call(client, "patch", f"/api/waves/{wave.pk}", token_for("carl"), {"closes_at": closes.isoformat()})
    assert response.status_code == 200, response.content
    wave.refresh_from_db()
    assert wave.closes_at == closes and wave.name == "2026-1"


def test_a_survey_link_is_made_with_fixed_segment_values_and_works(client, wave, token_for):
    body = {"audience": "customer", "fixed_segments": {"branch": "Zwolle"}}
    response = call(client, "post", f"/api/waves/{wave.pk}/links", token_for("carl"), body)
    assert response.status_code == 201, response.content
    link = SurveyLink.objects.get()
    made = response.json()
    assert made["url"] == f"http://testserver/s/{link.key}/"
    assert made["audience"] == "customer" and made["fixed_segments"] == {"branch": "Zwolle"}
    assert link.wave == wave and link.fixed_segments == {"branch": "Zwolle"}
    assert client.get(made["url"].removeprefix("http://testserver")).status_code == 200
    # the wave page lists the links for anyone who sees the wave; so does the API
    assert call(client, "get", f"/api/waves/{wave.pk}/links", token_for("vera")).json() == [made]


def test_a_link_has_the_site_url_when_one_is_set(client, wave, token_for, settings):
    settings.SITE_URL = "https://survey.example.org"
    made = call(client, "post", f"/api/waves/{wave.pk}/links", token_for("carl"), {}).json()
    assert made["url"] == f"https://survey.example.org/s/{SurveyLink.objects.get().key}/"
    assert made["audience"] == "customer" and made["fixed_segments"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fixed_segments": {"branch": "Amsterdam"}}, "fixed_segments"),
        ({"fixed_segments": {"region": "Utrecht"}}, "fixed_segments"),
        ({"audience": "supplier"}, "audience"),
    ],
)
def test_a_link_with_values_the_study_does_not_have_is_refused(client, wave, token_for, body, field):
    response = call(client, "post", f"/api/waves/{wave.pk}/links", token_for("alice"), body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not SurveyLink.objects.exists()


def test_the_links_of_another_organisations_wave_are_not_found(client, globex, study_for, token_for):
    other = study_for(globex).waves.get()
    SurveyLink.objects.create(wave=other)
    assert call(client, "get", f"/api/waves/{other.pk}/links", token_for("alice")).status_code == 404


def test_the_survey_gives_the_instruments_items_in_the_language_asked(client, wave, token_for):
    token = token_for("vera")
    dutch = call(client, "get", f"/api/waves/{wave.pk}/survey?lang=nl", token).json()
    english = call(client, "get", f"/api/waves/{wave.pk}/survey", token).json()
    instrument = wave.study.instrument()
    assert dutch["language"] == "nl" and english["language"] == "en"
    assert [d["key"] for d in dutch["dimensions"]] == instrument.dimension_keys
    items = [item for dimension in dutch["dimensions"] for item in dimension["items"]]
    assert [item["number"] for item in items] == list(range(1, 23))
    assert items[0]["columns"] == {"expectation": "E1", "perception": "P1"}
    assert items[0]["texts"]["perception"] == instrument.items[0].text("perception", "nl", "Acme")
    assert dutch["dimensions"][0]["name"] == "Tastbare zaken" and english["dimensions"][0]["name"] == "Tangibles"
    assert dutch["scale"]["min"] == 1 and dutch["scale"]["max"] == 7
    assert dutch["importance"] == instrument.importance
    assert all("{service}" not in text for text in dutch["prompts"].values())
    assert call(client, "get", f"/api/waves/{wave.pk}/survey", token, **{"accept-language": "nl"}).json() == dutch


def shown(html: bytes) -> str:
    """A page's text, its markup and Django's HTML escapes taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())).replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize(("audience", "lang"), [("employee", "nl"), ("manager", "en"), ("customer", "en")])
def test_the_survey_of_an_audience_describes_the_pages_the_survey_shows(client, wave, token_for, audience, lang):
    described = call(client, "get", f"/api/waves/{wave.pk}/survey?audience={audience}&lang={lang}", token_for("vera"))
    assert described.status_code == 200, described.content
    survey = described.json()
    instrument = wave.study.instrument(audience)
    assert (survey["audience"], survey["instrument_key"]) == (audience, instrument.key)
    assert survey["sections"] == list(instrument.sections)
    assert [f["key"] for f in survey["factors"]] == [f.key for f in instrument.factors]
    assert [q["column"] for q in survey["open_questions"]] == list(instrument.open_columns)
    assert [page["number"] for page in survey["pages"]] == list(range(1, len(page_keys(instrument)) + 1))
    # Each page as the respondent sees it through a link of the audience.
    link = SurveyLink.objects.create(wave=wave, audience=audience)
    assert client.post(f"/s/{link.key}/?lang={lang}").status_code == 302
    factors = {f["key"]: f for f in survey["factors"]}
    questions = {q["column"]: q for q in survey["open_questions"]}
    dimensions = {d["key"]: d for d in survey["dimensions"]}
    for page in survey["pages"]:
        text = shown(client.get(f"/s/{link.key}/{page['number']}/").content)
        assert all(p in text for p in page["prompts"]), page
        if page["kind"] == "dimension":
            items = dimensions[page["dimension"]]["items"]
            assert all(t in text for item in items for t in item["texts"].values()), page
            assert page["required"] == [c for item in items for c in item["columns"].values()]
        elif page["kind"] == "factors":
            items = [item for key in page["factors"] for item in factors[key]["items"]]
            assert all(item["text"] in text for item in items), page
            assert page["required"] == [item["column"] for item in items]
        elif page["kind"] == "open":
            assert all(questions[c]["text"] in text for c in page["open_questions"]) and page["required"] == []
        else:
            assert page["kind"] == "importance" and page["required"] == [
                d.importance_column for d in instrument.dimensions
            ]
    kinds = [page["kind"] for page in survey["pages"]]
    expected = {
        "customer": ["dimension"] * 5 + ["importance", "open"],
        "manager": ["dimension"] * 5 + ["importance"] + ["factors"] * (len(kinds) - 6),
        "employee": ["dimension"] * 5 + ["factors"] * (len(kinds) - 6) + ["open"],
    }
    assert kinds == expected[audience]
    assert (kinds.count("factors") > 1) == (audience != "customer")  # managers and employees: pages of them
    if audience == "employee":
        assert survey["factors"][0]["items"][0] == {
            "number": 1,
            "column": "TW1",
            "reverse": False,
            "text": instrument.factors[0].items[0].text("nl", "Acme"),
        }
        assert survey["open_questions"] == [
            {"key": "improve", "column": "OPEN_IMPROVE", "text": instrument.open_questions[0].text("nl", "Acme"),
             "max_length": 2000}
        ]  # fmt: skip


def test_the_survey_of_an_audience_the_study_cannot_survey_says_why(client, study, wave, token_for):
    token = token_for("vera")
    unknown = call(client, "get", f"/api/waves/{wave.pk}/survey?audience=marketing", token)
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"audience": ["Choose one of: customer, manager, employee."]}
    study.instrument_file = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text()
    study.save()
    refused = call(client, "get", f"/api/waves/{wave.pk}/survey?audience=employee", token, **{"accept-language": "nl"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["audience"][0].startswith("De vragenlijst voor medewerkers kan in dit onderzoek")
    assert call(client, "get", f"/api/waves/{wave.pk}/survey", token).json()["audience"] == "customer"


def test_the_survey_is_only_in_the_studys_languages(client, study, wave, token_for):
    study.languages = ["nl"]
    study.save()
    token = token_for("vera")
    assert call(client, "get", f"/api/waves/{wave.pk}/survey", token).json()["language"] == "nl"
    response = call(client, "get", f"/api/waves/{wave.pk}/survey?lang=en", token)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["lang"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('key = "x"\nbased_on = "/etc/passwd"\n', "based_on '/etc/passwd' is not a built-in instrument"),
        ('key = "x"\nbased_on = "../../../etc/hostname"\n', "based_on '../../../etc/hostname' is not a built-in"),
        ("x = " + "[" * 5_000 + "]" * 5_000, "lists or tables are nested more than 32 levels deep"),
        ("key = " + "1" * 100_001, "a number has more than 18 digits"),
        ('key = "x"\n#' + "x" * 300_000, "The instrument file is larger than 256 kB."),
    ],
)
def test_an_instrument_file_that_reaches_for_the_servers_files_or_breaks_the_reader_gets_400(
    client, study, token_for, text, message
):
    token = token_for("alice")
    created = call(client, "post", "/api/studies", token, NEW_STUDY | {"instrument_file": text})
    changed = call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_file": text})
    for response in (created, changed):
        assert response.status_code == 400, response.content
        (refusal,) = response.json()["errors"]["instrument_file"]
        assert message in refusal and "root" not in refusal and "/tmp" not in refusal
    assert Study.objects.count() == 1 and Study.objects.get().instrument_file == ""


def test_an_instrument_file_of_null_means_no_file_of_its_own(client, study, wave, token_for):
    """PATCH {"instrument_file": null} once raised an IntegrityError (a server error, issue 12):
    null is "no file of its own", as "" is, so the built-in instrument_key counts again."""
    token = token_for("alice")
    custom = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text(encoding="utf-8")
    assert call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_file": custom}).status_code == 200
    response = call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_file": None})
    assert response.status_code == 200, response.content
    assert response.json()["instrument_file"] == ""
    study.refresh_from_db()
    assert study.instrument_file == "" and study.instrument().key == "servqual-22"
    call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_file": custom})
    fill(wave, 3)  # with responses, dropping the file is changing the instrument
    refused = call(client, "patch", f"/api/studies/{study.pk}", token, {"instrument_file": None})
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["instrument_key"]
    refused = call(client, "patch", f"/api/studies/{study.pk}", token, {"name": None})
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["name"]


CHANGES = [("post", "/api/waves/{wave}/links"), ("patch", "/api/waves/{wave}"), ("patch", "/api/studies/{study}")]
CHANGES += [("post", "/api/studies/{study}/waves"), ("post", "/api/studies")]


@pytest.mark.parametrize("body", ["[]", '"x"', "3", "null", "true"])
def test_a_body_that_is_no_json_object_gets_422(client, study, wave, token_for, body):
    """Every field of a new link has a default, so a body of [] once made a link (201, issue 12)."""
    token = token_for("alice")
    for method, path in CHANGES:
        path = path.format(study=study.pk, wave=wave.pk)
        response = call(client, method, path, token, body)
        assert response.status_code == 422, (method, path, response.content)
        assert response.json()["detail"] == [
            {"type": "model_type", "loc": ["body", "payload"], "msg": "Input should be a JSON object"}
        ]
    assert not SurveyLink.objects.exists() and Study.objects.count() == 1 and Wave.objects.count() == 1
    study.refresh_from_db()
    assert study.name == "Klantonderzoek"


def test_a_body_that_is_not_json_gets_400_with_the_documented_errors(client, study, wave, token_for):
    token = token_for("alice")
    for method, path in CHANGES:
        response = call(client, method, path.format(study=study.pk, wave=wave.pk), token, "{name: ")
        assert response.status_code == 400, (method, path, response.content)
        assert response.json() == {"detail": "The request cannot be read.", "errors": {"body": ["Not valid JSON."]}}
    dutch = call(client, "patch", f"/api/studies/{study.pk}", token, "{", **{"accept-language": "nl"})
    assert dutch.json() == {
        "detail": "Het verzoek kan niet worden gelezen.",
        "errors": {"body": ["Geen geldige JSON."]},
    }


def test_a_time_is_iso_8601_text_not_a_number(client, study, wave, token_for):
    """The schema says a string in ISO 8601; pydantic would also read a number as seconds
    since 1970 (schemathesis found a wave closing at -0.33)."""
    token = token_for("alice")
    new = {"name": "x", "opens_at": 1_800_000_000, "closes_at": "2027-02-01"}
    for method, path, body in [
        ("patch", f"/api/waves/{wave.pk}", {"closes_at": -0.3333}),
        ("post", f"/api/studies/{study.pk}/waves", new),
    ]:
        response = call(client, method, path, token, body)
        assert response.status_code == 422, response.content
        (error,) = response.json()["detail"]
        assert error["loc"][-1] in ("closes_at", "opens_at") and error["msg"] == "Input should be ISO 8601 text"
    assert Wave.objects.count() == 1 and Wave.objects.get().closes_at == wave.closes_at


@pytest.mark.parametrize("value", ["Utrecht\t", "Zwolle\r=1+1", "Ede\x07", "Zeist\u200b", "\u202eecivres", "a\nb"])
def test_a_segment_value_with_a_control_or_invisible_character_is_refused(client, study, token_for, value):
    """Segment values end up in exports and reports: no tabs, line breaks, NUL, zero-width or
    direction marks (issue 12). An ordinary space is fine."""
    token = token_for("alice")
    segments = [{"key": "branch", "name": "Vestiging", "values": ["Den Haag", value]}]
    response = call(client, "post", "/api/studies", token, NEW_STUDY | {"segments": segments})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "segments.0.values": ["Value 2 holds a control or invisible character, such as a tab or a line break."]
    }
    changed = call(
        client, "patch", f"/api/studies/{study.pk}", token, {"segments": segments}, **{"accept-language": "nl"}
    )
    assert changed.json()["errors"] == {
        "segments.0.values": ["Waarde 2 bevat een stuur- of onzichtbaar teken, zoals een tab of een regeleinde."]
    }
    assert Study.objects.count() == 1 and study.segments.get().values == ["Utrecht", "Zwolle"]


def test_a_time_with_any_offset_iso_8601_allows_is_kept_as_the_same_moment(client, study, wave, token_for):
    """ISO 8601 allows offsets up to 23:59, PostgreSQL up to 15:59: schemathesis found a wave
    opening at +22:49 to be a server error there. Times are kept in UTC."""
    token = token_for("alice")
    response = call(client, "patch", f"/api/waves/{wave.pk}", token, {"opens_at": "2026-01-01T12:00:00+22:49"})
    assert response.status_code == 200, response.content
    wave.refresh_from_db()
    assert wave.opens_at == datetime(2025, 12, 31, 13, 11, tzinfo=UTC)
    for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        refused = call(client, "patch", f"/api/waves/{wave.pk}", token, {"opens_at": moment})
        assert refused.status_code == 422, refused.content
        assert refused.json()["detail"][0]["msg"] == "Input should be a time between the years 1 and 9999"


def test_a_text_with_nul_is_refused_before_the_database_sees_it(client, study, wave, token_for):
    """PostgreSQL cannot store NUL: a study, wave or link with one was a server error there."""
    token = token_for("alice")
    for method, path, body in [
        ("post", "/api/studies", NEW_STUDY | {"name": "a\x00b"}),
        ("patch", f"/api/studies/{study.pk}", {"service_name": "a\x00b"}),
        ("patch", f"/api/waves/{wave.pk}", {"name": "a\x00b"}),
        ("post", f"/api/waves/{wave.pk}/links", {"fixed_segments": {"branch\x00": "Utrecht"}}),
    ]:
        response = call(client, method, path, token, body)
        assert response.status_code == 422, (path, response.content)
        assert response.json()["detail"][0]["msg"] == "Text may not hold NUL (0x00) characters"
    assert Study.objects.get().service_name == "Acme" and Wave.objects.get().name == "2026-1"


def test_a_body_over_the_upload_limit_gets_the_documented_400(client, token_for):
    token = token_for("alice")
    body = NEW_STUDY | {"instrument_file": "#" + "x" * 3_000_000}
    response = call(client, "post", "/api/studies", token, body)
    assert response.status_code == 400 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["errors"] == {"body": ["The request is larger than 2.5 MB."]}
    assert Study.objects.count() == 0
