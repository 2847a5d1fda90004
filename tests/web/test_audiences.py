"""Each audience answers its own questionnaire (issue 14): customers the study's instrument,
managers and contact employees the built-in instruments the study names for them. Their
pages follow that instrument (its sections, importance split, factor statements and open
questions); their answers make response sets of their own, let into the results by whole
steps of the anonymity threshold; and where the study's own instrument asks other items than
theirs, links and invitations for them are refused with the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from test_setup import WIZARD, step, study_step

from servqual.analysis import factor_scores, gap1, mirror
from servqual.instruments import load_instrument
from servqual.web.dashboards.results import admit, delete_responses
from servqual.web.distribution import mail
from servqual.web.distribution.models import Invitation
from servqual.web.studies.models import Study
from servqual.web.surveys.forms import FACTORS_PAGE, IMPORTANCE_PAGE, OPEN_PAGE, factors_on, page_keys
from servqual.web.surveys.models import Response, SurveyLink
from servqual.web.surveys.responses import response_set

MANAGERS = load_instrument("servqual-managers")
EMPLOYEES = load_instrument("servqual-employees")
CUSTOMERS = load_instrument("servqual-22")
POINTS = {"W_TAN": "10", "W_REL": "30", "W_RES": "20", "W_ASS": "25", "W_EMP": "15"}
CUSTOM = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text(encoding="utf-8")

OTHER_ITEMS = {
    ("manager", "en"): "The survey for managers cannot be offered in this study: its questionnaire "
    "(servqual-managers) asks other statements, or on another scale, than the customers' questionnaire, and "
    "their figures are compared statement by statement with the customers'.",
    ("employee", "en"): "The survey for employees cannot be offered in this study: its questionnaire "
    "(servqual-employees) asks other statements",
    ("manager", "nl"): "De vragenlijst voor managers kan in dit onderzoek niet worden aangeboden: die vragenlijst "
    "(servqual-managers) stelt andere uitspraken, of op een andere schaal, dan de vragenlijst voor klanten",
    ("employee", "nl"): "De vragenlijst voor medewerkers kan in dit onderzoek niet worden aangeboden",
}
NOT_AVAILABLE = {"en": "This survey is not available", "nl": "Deze vragenlijst is niet beschikbaar"}


def text(html: bytes) -> str:
    """The page's text with its markup and Django's HTML escapes taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())).replace("&#x27;", "'")


def posted(instrument, page_key: str, value: int) -> dict[str, str]:
    """What a browser posts on one page of ``instrument``: every statement at ``value``,
    the importance points, the open questions answered."""
    if page_key == IMPORTANCE_PAGE:
        return POINTS
    if page_key == OPEN_PAGE:
        return {column: f"  Answer {value} to {column}.\n" for column in instrument.open_columns}
    if page_key.startswith(FACTORS_PAGE):
        return {column: str(value) for factor in factors_on(instrument, page_key) for column in factor.columns}
    items = [item.number for item in instrument.items if item.dimension == page_key]
    prefixes = {"expectation": "E", "perception": "P", "minimum": "M"}
    return {f"{prefixes[s]}{n}": str(value) for n in items for s in instrument.sections}


def walk(client: Client, link: SurveyLink, instrument, value: int = 5, lang: str = "en") -> list[str]:
    """Answer every page of the link's survey; the text of each page as it was shown."""
    assert client.post(f"/s/{link.key}/?lang={lang}")["Location"] == f"/s/{link.key}/1/"
    shown = []
    keys = page_keys(instrument)
    for number, key in enumerate(keys, start=1):
        page = client.get(f"/s/{link.key}/{number}/")
        assert page.status_code == 200
        shown.append(text(page.content))
        sent = client.post(f"/s/{link.key}/{number}/", posted(instrument, key, value))
        assert sent.status_code == 302, text(sent.content)[:3000]
        target = f"/s/{link.key}/done/" if number == len(keys) else f"/s/{link.key}/{number + 1}/"
        assert sent["Location"] == target
    return shown


def test_the_study_knows_the_instrument_of_each_audience(study):
    assert study.instrument().key == study.instrument("customer").key == "servqual-22"
    assert study.instrument("manager").key == "servqual-managers"
    assert study.instrument("employee").key == "servqual-employees"
    assert study.audience_problem("manager") is None and study.audience_problem("employee") is None


def test_the_pages_of_each_audience_follow_its_instrument():
    """Managers: 5 dimensions, the importance split, gap 1 (11 statements) and gap 2 (14);
    employees: 5 dimensions, gap 3 in two pages, gap 4 and the values, the open question;
    customers: 5 dimensions, the importance split, the open question."""
    assert page_keys(MANAGERS)[5:] == [IMPORTANCE_PAGE, "factors-1", "factors-2"]
    assert page_keys(EMPLOYEES)[5:] == ["factors-1", "factors-2", "factors-3", "factors-4", OPEN_PAGE]
    assert page_keys(CUSTOMERS)[5:] == [IMPORTANCE_PAGE, OPEN_PAGE]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_manager_walks_expectations_importance_and_factors_to_done(client, wave, lang):
    link = SurveyLink.objects.create(wave=wave, audience="manager")
    shown = walk(client, link, MANAGERS, value=3, lang=lang)
    assert len(shown) == 8
    words = {
        "en": ("Survey for the managers of Acme", "your customers would give", "What matters most to your customers?",
               "About your organisation", "Now we do ask for your own view"),
        "nl": ("Vragenlijst voor de managers van Acme", "uw klanten volgens u zouden geven",
               "Wat vinden uw klanten het belangrijkst?", "Over uw organisatie",
               "Nu vragen we wel naar uw eigen mening"),
    }[lang]  # fmt: skip
    start = Client().get(f"/s/{link.key}/?lang={lang}")  # as a colleague opens the link
    assert words[0] in text(start.content)
    assert words[1] in shown[0] and MANAGERS.items[0].text("expectation", lang) in shown[0]
    assert "P1" not in shown[0]  # no perception statements
    assert words[2] in shown[5]
    assert words[3] in shown[6] and words[4] in shown[6]
    assert MANAGERS.factors[0].items[0].text(lang) in shown[6]
    assert MANAGERS.factor("goal_setting").items[0].text(lang) in shown[7]
    response = Response.objects.get()
    assert response.audience == "manager" and response.completed_at is not None and response.language == lang
    assert set(response.answers) == set(MANAGERS.file_columns)
    assert response.answers["E1"] == 3 and response.answers["W_REL"] == 30 and response.answers["PF3"] == 3
    assert response.open_answers == {}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_an_employee_walks_perceptions_factors_and_the_open_question_to_done(client, wave, lang):
    link = SurveyLink.objects.create(wave=wave, audience="employee", fixed_segments={"branch": "Zwolle"})
    shown = walk(client, link, EMPLOYEES, value=6, lang=lang)
    assert len(shown) == 10
    prompt = EMPLOYEES.prompts["perception"][lang].replace("{service}", "Acme")
    assert prompt in shown[0] and EMPLOYEES.items[0].text("perception", lang, "Acme") in shown[0]
    assert EMPLOYEES.prompts["factors"][lang] in shown[5]
    assert ("About your work" if lang == "en" else "Over uw werk") in shown[5]
    assert EMPLOYEES.open_questions[0].text(lang) in shown[9]
    assert EMPLOYEES.prompts["open"][lang] in shown[9]
    response = Response.objects.get()
    assert response.audience == "employee" and response.segments == {"branch": "Zwolle"}
    assert set(response.answers) == set(EMPLOYEES.columns("perception")) | set(EMPLOYEES.factor_columns)
    assert response.answers["P22"] == 6 and response.answers["TW1"] == 6
    assert response.open_answers == {"OPEN_IMPROVE": "Answer 6 to OPEN_IMPROVE."}  # stripped


def test_factor_statements_take_no_opinion_and_are_required(client, wave):
    link = SurveyLink.objects.create(wave=wave, audience="employee")
    client.post(f"/s/{link.key}/")
    for number in range(1, 6):
        client.post(f"/s/{link.key}/{number}/", posted(EMPLOYEES, page_keys(EMPLOYEES)[number - 1], 4))
    answers = posted(EMPLOYEES, "factors-1", 4) | {"TW1": "none"}
    del answers["TW2"]
    refused = client.post(f"/s/{link.key}/6/", answers)
    assert refused.status_code == 200 and "Choose an answer." in text(refused.content)
    assert 'name="TW1" value="none"' in refused.content.decode()
    assert client.post(f"/s/{link.key}/6/", answers | {"TW2": "7"})["Location"] == f"/s/{link.key}/7/"
    assert Response.objects.get().answers["TW1"] is None


def test_an_open_answer_longer_than_the_limit_is_refused_and_an_empty_one_is_no_answer(client, wave):
    link = SurveyLink.objects.create(wave=wave, audience="employee")
    walk(client, link, EMPLOYEES)
    response = Response.objects.get()
    Response.objects.filter(pk=response.pk).update(completed_at=None)
    last = len(page_keys(EMPLOYEES))
    too_long = client.post(f"/s/{link.key}/{last}/", {"OPEN_IMPROVE": "x" * 2001})
    assert too_long.status_code == 200 and "2000" in text(too_long.content)
    assert client.post(f"/s/{link.key}/{last}/", {"OPEN_IMPROVE": "   "})["Location"] == f"/s/{link.key}/done/"
    assert Response.objects.get().open_answers == {}  # the earlier text taken away


def test_a_customer_sees_the_optional_open_question_last_and_can_skip_it(client, link):
    shown = walk(client, link, CUSTOMERS, value=5)
    assert "What should Acme improve first?" in shown[-1] and "Send my answers" in shown[-1]
    response = Response.objects.get()
    assert response.completed_at is not None
    assert response.open_answers == {"OPEN_IMPROVE_FIRST": "Answer 5 to OPEN_IMPROVE_FIRST."}
    assert set(response.answers) == set(CUSTOMERS.file_columns) - {"OPEN_IMPROVE_FIRST"}
    other = Client()
    other.post(f"/s/{link.key}/")
    for number, key in enumerate(page_keys(CUSTOMERS)[:-1], start=1):
        other.post(f"/s/{link.key}/{number}/", posted(CUSTOMERS, key, 4))
    assert other.post(f"/s/{link.key}/7/", {})["Location"] == f"/s/{link.key}/done/"
    assert Response.objects.order_by("pk").last().open_answers == {}


def test_the_employees_response_set_holds_what_was_posted_once_in_the_results(wave):
    link = SurveyLink.objects.create(wave=wave, audience="employee")
    for value in (1, 2, 3, 6, 7):
        walk(Client(), link, EMPLOYEES, value=value)
    with pytest.raises(Exception, match="no"):
        response_set(wave, "employee", in_results=True)  # none let in yet
    assert admit(wave, "employee") == {"completed": 5, "in_results": 5, "step": 5}
    employees = response_set(wave, "employee", in_results=True)
    assert [factor.key for factor in employees.factors] == [factor.key for factor in EMPLOYEES.factors]
    values = [1, 2, 3, 6, 7]
    for factor in EMPLOYEES.factors:  # every statement as posted, before any reverse scoring
        assert employees.factor_answers(factor).tolist() == [[v] * len(factor.items) for v in values]
    assert employees.open_answers["OPEN_IMPROVE"].to_list() == [f"Answer {v} to OPEN_IMPROVE." for v in (1, 2, 3, 6, 7)]
    scores = factor_scores(employees)
    teamwork = EMPLOYEES.factor("teamwork")
    each = [sum(8 - v if item.reverse else v for item in teamwork.items) / len(teamwork.items) for v in values]
    assert scores.factor("teamwork").figures.n == 5
    assert scores.factor("teamwork").figures.mean == pytest.approx(sum(each) / 5)
    customer_link = SurveyLink.objects.create(wave=wave)
    for value in (4, 5, 5, 6, 7):
        walk(Client(), customer_link, CUSTOMERS, value=value)
    assert admit(wave)["in_results"] == 5
    assert mirror(response_set(wave, in_results=True), employees).to_dict()


def test_a_managers_response_set_goes_into_gap_1(wave):
    managers_link = SurveyLink.objects.create(wave=wave, audience="manager")
    customers_link = SurveyLink.objects.create(wave=wave)
    for value in (2, 3, 4, 5, 6):
        walk(Client(), managers_link, MANAGERS, value=value)
        walk(Client(), customers_link, CUSTOMERS, value=value + 1)
    assert admit(wave, "manager")["in_results"] == admit(wave)["in_results"] == 5
    managers = response_set(wave, "manager", in_results=True)
    research = MANAGERS.factor("customer_research")
    assert managers.factor_answers(research).tolist() == [[v] * 4 for v in (2, 3, 4, 5, 6)]
    result = gap1(response_set(wave, in_results=True), managers)
    assert result.to_dict()


def completed(wave, audience: str, n: int) -> None:
    Response.objects.bulk_create(
        Response(wave=wave, audience=audience, language="en", answers={"E1": 4}, completed_at=timezone.now())
        for _ in range(n)
    )


def test_each_audience_is_let_into_the_results_by_whole_steps_of_its_own(wave):
    completed(wave, "manager", 7)
    completed(wave, "customer", 4)
    assert admit(wave, "manager") == {"completed": 7, "in_results": 5, "step": 5}
    assert admit(wave) == {"completed": 4, "in_results": 0, "step": 5}  # managers do not fill the customers' step
    assert admit(wave, "employee") == {"completed": 0, "in_results": 0, "step": 5}
    completed(wave, "manager", 3)
    completed(wave, "customer", 1)
    assert admit(wave, "manager")["in_results"] == 10
    assert admit(wave)["in_results"] == 5
    assert not Response.objects.filter(audience="manager").exclude(results_batch=None).exists()  # sums: customers'
    gone = Response.objects.filter(audience="manager").order_by("pk")[:1].values_list("pk", flat=True)
    delete_responses(Response.objects.filter(pk__in=list(gone)))
    assert admit(wave, "manager") == {"completed": 9, "in_results": 5, "step": 5}  # a whole step out, none lost
    assert admit(wave) == {"completed": 5, "in_results": 5, "step": 5}  # the customers' results untouched


# A study whose own instrument asks other items than the managers' and employees' instruments.


@pytest.fixture
def custom(study) -> Study:
    study.instrument_file = CUSTOM
    study.save()
    return study


@pytest.mark.parametrize(("audience", "lang"), sorted(OTHER_ITEMS))
def test_the_wave_page_refuses_a_link_for_an_audience_whose_instrument_asks_other_items(
    client, people, wave, custom, audience, lang
):
    client.force_login(people["carl"])
    refused = client.post(f"/waves/{wave.pk}/links/new/", {"audience": audience}, HTTP_ACCEPT_LANGUAGE=lang)
    assert refused.status_code == 200
    assert OTHER_ITEMS[audience, lang] in text(refused.content)
    assert not wave.links.exists()
    made = client.post(f"/waves/{wave.pk}/links/new/", {"audience": "customer"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert made["Location"] == f"/waves/{wave.pk}/" and wave.links.get().audience == "customer"


def offered(html: bytes, name: str = "audience") -> list[str]:
    """The values of the options of the select ``name`` on a page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html.decode(), re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("page", ["links/new", "invitations"])
def test_the_link_and_invitation_forms_offer_only_the_audiences_the_study_can_survey_and_say_why(
    client, people, wave, page, lang
):
    client.force_login(people["carl"])
    every = client.get(f"/waves/{wave.pk}/{page}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert offered(every.content) == ["customer", "manager", "employee"]
    assert OTHER_ITEMS["manager", lang] not in text(every.content)
    wave.study.instrument_file = CUSTOM  # its own items: managers' and employees' cannot be set beside them
    wave.study.save()
    only_customers = client.get(f"/waves/{wave.pk}/{page}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert offered(only_customers.content) == ["customer"]
    shown = text(only_customers.content)
    assert OTHER_ITEMS["manager", lang] in shown and OTHER_ITEMS["employee", lang] in shown


@pytest.mark.parametrize("audience", ["manager", "employee"])
def test_the_wave_page_makes_a_link_for_managers_and_employees(client, people, wave, audience):
    client.force_login(people["carl"])
    made = client.post(f"/waves/{wave.pk}/links/new/", {"audience": audience})
    assert made["Location"] == f"/waves/{wave.pk}/" and wave.links.get().audience == audience


@pytest.mark.parametrize(("audience", "lang"), [("manager", "en"), ("employee", "nl")])
def test_the_api_makes_links_for_every_audience_and_refuses_other_items_under_errors_audience(
    client, wave, token_for, audience, lang
):
    headers = {"authorization": f"Bearer {token_for('carl')}", "accept-language": lang}
    made = client.post(f"/api/waves/{wave.pk}/links", {"audience": audience}, content_type="application/json",
                       headers=headers)  # fmt: skip
    assert made.status_code == 201 and made.json()["audience"] == audience
    wave.study.instrument_file = CUSTOM
    wave.study.save()
    refused = client.post(f"/api/waves/{wave.pk}/links", {"audience": audience}, content_type="application/json",
                          headers=headers)  # fmt: skip
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert list(errors) == ["audience"] and errors["audience"][0].startswith(OTHER_ITEMS[audience, lang])
    assert SurveyLink.objects.count() == 1


@pytest.mark.parametrize(("audience", "lang"), [("manager", "en"), ("employee", "nl")])
def test_invitations_for_an_audience_whose_instrument_asks_other_items_are_refused_before_the_summary(
    client, people, wave, custom, audience, lang
):
    client.force_login(people["carl"])
    addresses = SimpleUploadedFile("adressen.csv", b"email\nanna@example.nl\n", content_type="text/csv")
    refused = client.post(
        f"/waves/{wave.pk}/invitations/", {"audience": audience, "file": addresses}, HTTP_ACCEPT_LANGUAGE=lang
    )
    assert OTHER_ITEMS[audience, lang] in text(refused.content)
    assert 'name="payload"' not in refused.content.decode()  # no summary to confirm
    assert not Invitation.objects.exists()


def test_invitations_for_managers_are_summed_up_and_saved(client, people, wave):
    client.force_login(people["carl"])
    addresses = SimpleUploadedFile("adressen.csv", b"email\nanna@example.nl\n", content_type="text/csv")
    summary = client.post(f"/waves/{wave.pk}/invitations/", {"audience": "manager", "file": addresses})
    payload = re.search(r'name="payload" value="([^"]+)"', summary.content.decode()).group(1)
    client.post(f"/waves/{wave.pk}/invitations/confirm/", {"payload": payload})
    assert list(Invitation.objects.values_list("audience", "email")) == [("manager", "anna@example.nl")]


def test_a_managers_invitation_names_the_managers_survey_by_e_mail_and_on_its_page(client, people, wave, smtp):
    Invitation.objects.create(wave=wave, audience="manager", email="anna@example.nl", language="nl")
    Invitation.objects.create(wave=wave, audience="employee", email="ben@example.com", language="en")
    client.force_login(people["carl"])
    client.post(f"/waves/{wave.pk}/invitations/send/", {"kind": "invitation"})
    mails = {message["To"]: message for message in smtp}
    dutch, english = mails["anna@example.nl"], mails["ben@example.com"]
    assert dutch["Subject"] == "De vragenlijst voor de managers van Acme"
    assert english["Subject"] == "The survey for the staff of Acme"
    body = dutch.get_body(("plain",)).get_content()
    assert "In de vragenlijst voor de managers van Acme" in body
    token = re.search(r"/i/([\w-]+)/", body).group(1)
    page = Client().get(f"/i/{token}/")
    assert "Vragenlijst voor de managers van Acme" in text(page.content)


@pytest.mark.parametrize(("audience", "lang"), [("manager", "en"), ("employee", "nl")])
def test_an_existing_link_for_an_audience_whose_instrument_asks_other_items_shows_a_page_instead(
    client, wave, audience, lang
):
    link = SurveyLink.objects.create(wave=wave, audience=audience)
    wave.study.instrument_file = CUSTOM  # changed after the link was made, before any response
    wave.study.save()
    page = client.get(f"/s/{link.key}/?lang={lang}")
    assert page.status_code == 200
    assert NOT_AVAILABLE[lang] in text(page.content)
    assert "<form" not in page.content.decode()  # nothing to start
    assert client.post(f"/s/{link.key}/?lang={lang}").status_code == 200
    assert client.post(f"/s/{link.key}/1/", {"E1": "6"}).status_code == 200
    assert not Response.objects.exists()


def test_an_existing_invitation_for_an_audience_it_cannot_survey_is_not_e_mailed(client, wave):
    employee = Invitation.objects.create(wave=wave, audience="employee", email="anna@example.nl", language="nl")
    customer = Invitation.objects.create(wave=wave, email="ben@example.nl", language="en")
    assert set(mail.pending(wave, reminder=False)) == {employee, customer}
    wave.study.instrument_file = CUSTOM
    wave.study.save()
    token = employee.new_key()
    page = client.get(f"/i/{token}/")
    assert NOT_AVAILABLE["nl"] in text(page.content) and "<form" not in page.content.decode()
    assert list(mail.pending(wave, reminder=False)) == [customer]
    Invitation.objects.update(sent_at=timezone.now())
    assert list(mail.pending(wave, reminder=True)) == [customer]


def test_a_study_with_its_own_instrument_says_why_managers_cannot_be_surveyed(custom):
    assert custom.instrument().key == "webshop-6"
    assert custom.audience_problem("customer") is None
    assert custom.audience_problem("manager") == OTHER_ITEMS["manager", "en"]


@pytest.mark.parametrize("base", ["servqual-managers", "servqual-employees"])
def test_a_study_cannot_take_the_managers_or_employees_instrument_as_the_customers_questionnaire(
    client, acme, people, token_for, base
):
    body = {"name": "Intern", "service_name": "Acme", "languages": ["nl", "en"]}
    headers = {"authorization": f"Bearer {token_for('alice')}"}
    as_file = body | {"instrument_file": f'key = "ours"\nbased_on = "{base}"\n'}
    refused = client.post("/api/studies", as_file, content_type="application/json", headers=headers)
    assert refused.status_code == 400
    assert refused.json()["errors"]["instrument_file"] == [
        "This instrument is for managers or employees. The study's own instrument file is the customers' "
        "questionnaire; managers and employees answer the built-in instruments chosen for them."
    ]
    as_key = body | {"instrument_key": base}
    refused = client.post("/api/studies", as_key, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["instrument_key"]
    swapped = body | {"manager_instrument_key": "servqual-employees"}
    refused = client.post("/api/studies", swapped, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["manager_instrument_key"]
    assert not acme.studies.exists()


def test_the_api_and_the_wizard_name_the_instruments_of_managers_and_employees(client, acme, people, token_for):
    headers = {"authorization": f"Bearer {token_for('alice')}"}
    body = {"name": "Intern", "service_name": "Acme"}
    created = client.post("/api/studies", body, content_type="application/json", headers=headers).json()
    assert created["manager_instrument_key"] == "servqual-managers"
    assert created["employee_instrument_key"] == "servqual-employees"
    client.force_login(people["alice"])
    client.get(WIZARD)
    html = step(client, "study", study_step(acme)).content.decode()
    assert 'name="instrument-instrument" value="servqual-22"' in html
    assert 'name="instrument-instrument" value="servqual-managers"' not in html  # not the customers' questionnaire
    assert '<select name="instrument-manager_instrument_key"' in html
    assert '<option value="servqual-managers" selected>SERVQUAL management survey (gaps 1 and 2)</option>' in html
    assert '<option value="servqual-employees" selected>' in html


def test_a_study_with_manager_responses_keeps_their_instrument(wave):
    completed(wave, "manager", 1)
    study = wave.study
    study.manager_instrument_key = "servqual-managers"
    study.full_clean()  # unchanged: fine
    Study.objects.filter(pk=study.pk).update(manager_instrument_key="other")
    with pytest.raises(Exception, match="responses from managers"):
        study.full_clean()
