"""The respondent's survey with plain form posts, as a browser without JavaScript sends them."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from servqual.instruments import load_instrument
from servqual.web.surveys.models import Response, SurveyLink

SERVQUAL = load_instrument("servqual-22")
IMPORTANCE = len(SERVQUAL.dimensions) + 1  # one per dimension, then the importance split
PAGES = IMPORTANCE + 1  # and last the optional open question
POINTS = {"W_TAN": 10, "W_REL": 30, "W_RES": 20, "W_ASS": 25, "W_EMP": 15}


def page_answers(page: int, value: str = "6") -> dict[str, str]:
    """Every E and P answer of one dimension's page (1-based), as a browser posts them; the
    importance split; the open question left empty."""
    if page == IMPORTANCE:
        return {name: str(points) for name, points in POINTS.items()}
    if page == PAGES:
        return {"OPEN_IMPROVE_FIRST": ""}
    dimension = SERVQUAL.dimension_keys[page - 1]
    items = [item.number for item in SERVQUAL.items if item.dimension == dimension]
    return {f"{prefix}{n}": value for n in items for prefix in ("E", "P")}


def checked(html: str, name: str) -> list[str]:
    """The values of the radio buttons named ``name`` that the page shows chosen."""
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]+)"[^>]*\schecked>', html)


def start(client: Client, link: SurveyLink, lang: str = "") -> None:
    response = client.post(f"/s/{link.key}/" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 302
    assert response["Location"] == f"/s/{link.key}/1/"


def answer_all_but_last(client: Client, link: SurveyLink) -> None:
    start(client, link)
    for page in range(1, PAGES):
        response = client.post(f"/s/{link.key}/{page}/", page_answers(page))
        assert response.status_code == 302, response.content.decode()[:2000]


def answer_all(client: Client, link: SurveyLink) -> None:
    answer_all_but_last(client, link)
    assert client.post(f"/s/{link.key}/{PAGES}/", page_answers(PAGES)).status_code == 302


def test_it_stores_one_complete_response_with_every_answer(client, link):
    answer_all(client, link)
    response = Response.objects.get()
    assert response.completed_at is not None
    assert response.segments == {"branch": "Utrecht"}
    assert response.audience == "customer"
    assert len(response.answers) == 2 * len(SERVQUAL.items) + 5
    assert response.answers["E1"] == 6 and response.answers["P22"] == 6
    assert response.answers["W_REL"] == 30
    assert response.open_answers == {}  # the open question is optional
    assert client.get(f"/s/{link.key}/done/").status_code == 200


def test_the_last_page_asks_the_optional_open_question_and_keeps_the_text_apart(client, link):
    answer_all_but_last(client, link)
    html = client.get(f"/s/{link.key}/{PAGES}/").content.decode()
    assert "What should Acme improve first?" in html
    assert '<textarea name="OPEN_IMPROVE_FIRST"' in html and "required" not in html.split("<textarea")[1].split(">")[0]
    assert "Send my answers" in html
    sent = client.post(f"/s/{link.key}/{PAGES}/", {"OPEN_IMPROVE_FIRST": "  Shorter queues at the desk.\n "})
    assert sent["Location"] == f"/s/{link.key}/done/"
    response = Response.objects.get()
    assert response.open_answers == {"OPEN_IMPROVE_FIRST": "Shorter queues at the desk."}
    assert "OPEN_IMPROVE_FIRST" not in response.answers  # the numbers stay numbers


def test_it_shows_one_dimension_per_page_with_both_scales_per_statement(client, link):
    start(client, link)
    html = client.get(f"/s/{link.key}/1/").content.decode()
    tangibles = [item for item in SERVQUAL.items if item.dimension == "tangibles"]
    assert html.count('<div class="card">') == len(tangibles)
    assert html.count("<fieldset") == 2 * len(tangibles)
    assert tangibles[0].text("perception", "en", "Acme") in html
    assert tangibles[0].text("expectation", "en") in html
    assert 'name="E1" value="none"' in html  # servqual-22 allows "no opinion"
    assert '<progress id="progress" max="7" value="1">' in html


def test_no_opinion_is_stored_as_no_answer(client, link):
    start(client, link)
    client.post(f"/s/{link.key}/1/", {**page_answers(1), "E1": "none"})
    answers = Response.objects.get().answers
    assert answers["E1"] is None and answers["P1"] == 6


def test_a_missing_answer_shows_the_page_again_with_what_was_chosen(client, link):
    start(client, link)
    posted = page_answers(1, "3")
    del posted["P2"]
    response = client.post(f"/s/{link.key}/1/", posted)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose an answer." in html
    assert checked(html, "E1") == ["3"] and checked(html, "P2") == []
    assert Response.objects.get().answers == {}


def test_the_final_submit_twice_stores_one_response_and_keeps_the_first_answers(client, link):
    answer_all(client, link)
    completed = Response.objects.get().completed_at
    again = client.post(f"/s/{link.key}/{IMPORTANCE}/", {**page_answers(IMPORTANCE), "W_TAN": "20", "W_REL": "20"})
    assert again.status_code == 302 and again["Location"] == f"/s/{link.key}/done/"
    response = Response.objects.get()
    assert response.completed_at == completed
    assert response.answers["W_TAN"] == 10


def test_a_back_button_resubmit_of_an_earlier_page_changes_nothing_after_completion(client, link):
    answer_all(client, link)
    client.post(f"/s/{link.key}/2/", page_answers(2, "1"))
    assert Response.objects.get().answers["E5"] == 6


def test_it_resumes_in_the_same_browser_where_it_stopped(client, link):
    start(client, link)
    client.post(f"/s/{link.key}/1/", page_answers(1))
    client.post(f"/s/{link.key}/2/", page_answers(2, "4"))
    page = client.get(f"/s/{link.key}/")
    assert "Continue where you left off" in page.content.decode()
    resumed = client.post(f"/s/{link.key}/")
    assert resumed["Location"] == f"/s/{link.key}/3/"
    assert checked(client.get(f"/s/{link.key}/2/").content.decode(), "E5") == ["4"]
    assert Response.objects.count() == 1


def start_form(browser: Client, link: SurveyLink) -> dict[str, str]:
    """The fields the start page's form posts, as a browser without JavaScript sends them."""
    html = browser.get(f"/s/{link.key}/").content.decode()
    form = html.split('<form method="post">')[1].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_a_double_clicked_start_makes_one_response_and_resumes_it(link):
    """The second click is sent before the answer to the first arrives: without the cookie
    the first answer sets."""
    browser = Client()
    form = start_form(browser, link)
    before = dict(browser.cookies.items())
    first = browser.post(f"/s/{link.key}/", form)
    browser.cookies.clear()
    browser.cookies.update(before)
    second = browser.post(f"/s/{link.key}/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/s/{link.key}/1/"
    assert Response.objects.count() == 1
    cookie = f"servqual_resume_{link.pk}"
    assert second.cookies[cookie].value == first.cookies[cookie].value  # the browser goes on with it
    browser.post(f"/s/{link.key}/1/", page_answers(1))
    assert Response.objects.get().answers["E1"] == 6


@pytest.mark.django_db(transaction=True)
def test_start_clicks_sent_at_the_same_moment_make_one_response(link):
    browser = Client()
    form = start_form(browser, link)
    cookies = browser.cookies

    def send(_):
        other = Client()
        other.cookies = cookies
        try:
            return other.post(f"/s/{link.key}/", form)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, range(4)))
    assert [r.status_code for r in results] == [302] * 4
    assert Response.objects.count() == 1


def test_another_browser_with_its_own_start_page_starts_its_own_response(link):
    first, second = Client(), Client()
    forms = start_form(first, link), start_form(second, link)
    assert forms[0]["start"] != forms[1]["start"]
    first.post(f"/s/{link.key}/", forms[0])
    second.post(f"/s/{link.key}/", forms[1])
    assert Response.objects.count() == 2
    assert "no-store" in first.get(f"/s/{link.key}/")["Cache-Control"]  # the page holds a key: not cached


def test_a_start_key_posted_to_another_link_starts_a_response_of_that_link(link):
    other = SurveyLink.objects.create(wave=link.wave, fixed_segments={"branch": "Zwolle"})
    form = start_form(Client(), link)
    Client().post(f"/s/{link.key}/", form)
    assert Client().post(f"/s/{other.key}/", form).status_code == 302
    assert sorted(Response.objects.values_list("link", flat=True)) == [link.pk, other.pk]


def test_another_browser_starts_its_own_response(client, link):
    start(client, link)
    client.post(f"/s/{link.key}/1/", page_answers(1))
    other = Client()
    assert "Start the survey" in other.get(f"/s/{link.key}/").content.decode()
    assert other.get(f"/s/{link.key}/2/")["Location"] == f"/s/{link.key}/"


def test_the_cookie_holds_a_key_whose_hash_alone_is_stored(client, link):
    start(client, link)
    cookie = client.cookies[f"servqual_resume_{link.pk}"]
    assert len(cookie.value) >= 43  # 32 random bytes
    assert cookie["httponly"] and cookie["path"] == f"/s/{link.key}/"
    stored = Response.objects.get().resume_key_hash
    assert cookie.value not in stored and len(stored) == 64


def test_answers_posted_after_the_cookie_is_lost_start_a_new_response(client, link):
    start(client, link)
    client.cookies.clear()
    response = client.post(f"/s/{link.key}/1/", page_answers(1))
    assert response.status_code == 302
    newest = Response.objects.order_by("pk").last()
    assert newest.answers["E1"] == 6 and Response.objects.count() == 2


def test_importance_that_does_not_add_up_is_refused_and_what_was_typed_stays(client, link):
    answer_all_but_last(client, link)
    posted = {**page_answers(IMPORTANCE), "W_TAN": "35"}
    response = client.post(f"/s/{link.key}/{IMPORTANCE}/", posted)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The points add up to 125; together they must make 100." in html
    assert 'name="W_TAN" value="35"' in html
    assert Response.objects.get().answers["W_TAN"] == 10  # the split sent before stays


def test_the_final_page_sends_back_to_a_page_left_unanswered(client, link):
    start(client, link)
    response = client.post(f"/s/{link.key}/{PAGES}/", page_answers(PAGES))
    assert response["Location"] == f"/s/{link.key}/1/"
    assert Response.objects.get().completed_at is None


def test_back_keeps_the_answers_given_on_the_page(client, link):
    start(client, link)
    client.post(f"/s/{link.key}/1/", page_answers(1))
    response = client.post(f"/s/{link.key}/2/", {"E5": "2", "back": "1"})
    assert response["Location"] == f"/s/{link.key}/1/"
    assert Response.objects.get().answers["E5"] == 2


def test_a_failed_csrf_check_shows_the_page_again_with_the_posted_answers(link):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/s/{link.key}/")
    token = page.context["csrf_token"]
    browser.post(f"/s/{link.key}/", {"csrfmiddlewaretoken": str(token)})
    browser.cookies.pop("csrftoken")  # as when the CSRF cookie expired or was cleared
    response = browser.post(f"/s/{link.key}/1/", {**page_answers(1, "2"), "csrfmiddlewaretoken": "stale"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your answers are still here" in html
    assert checked(html, "P1") == ["2"]
    assert Response.objects.get().answers == {}  # nothing saved from an unverified post
    assert "csrftoken" in response.cookies  # a fresh token, so sending again works


def test_the_survey_speaks_dutch_by_link_and_by_browser(client, link):
    start(client, link, lang="nl")
    html = client.get(f"/s/{link.key}/1/").content.decode()
    assert '<html lang="nl">' in html and "Pagina 1 van 7" in html
    assert SERVQUAL.items[0].text("perception", "nl", "Acme") in html
    assert Response.objects.get().language == "nl"

    browser = Client(headers={"accept-language": "nl-NL,nl;q=0.9"})
    assert "Start de vragenlijst" in browser.get(f"/s/{link.key}/").content.decode()
    english = Client(headers={"accept-language": "en-GB"})
    assert "Start the survey" in english.get(f"/s/{link.key}/").content.decode()


def test_a_closed_wave_takes_no_answers(client, link):
    start(client, link)
    wave = link.wave
    wave.closes_at = timezone.now() - timedelta(minutes=1)
    wave.opens_at = wave.closes_at - timedelta(days=1)
    wave.save()
    response = client.post(f"/s/{link.key}/1/", page_answers(1))
    assert response.status_code == 410
    assert Response.objects.get().answers == {}


def test_an_unknown_link_is_not_found(client, db):
    assert client.get("/s/not-a-real-key/").status_code == 404


def test_a_response_stores_no_ip_address_or_browser_detail():
    fields = {field.name for field in Response._meta.get_fields()}
    assert fields == {
        "id", "wave", "link", "audience", "segments", "language", "answers", "open_answers",
        "started_at", "completed_at", "resume_key_hash", "in_results", "results_batch",
    }  # fmt: skip


def test_switching_language_mid_survey_is_remembered(client, link):
    start(client, link, lang="nl")
    html = client.get(f"/s/{link.key}/1/?lang=en").content.decode()
    assert "Page 1 of 7" in html
    assert Response.objects.get().language == "en"
    assert "Page 2 of 7" in client.get(f"/s/{link.key}/2/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_final_submits_sent_at_the_same_moment_complete_the_response_once(link):
    """Posts of the last page in flight together, as a double click or a retry sends them."""
    browser = Client()
    answer_all_but_last(browser, link)
    cookies = browser.cookies

    def send(points: str):
        other = Client()
        other.cookies = cookies
        try:
            return other.post(f"/s/{link.key}/{PAGES}/", {"OPEN_IMPROVE_FIRST": points})
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, ["a", "b", "c", "d"]))
    assert [r.status_code for r in results] == [302] * 4
    assert all(r["Location"] == f"/s/{link.key}/done/" for r in results)
    assert Response.objects.count() == 1
    assert Response.objects.get().completed_at is not None


def test_back_after_the_cookie_is_lost_keeps_the_answers_in_a_new_response(client, link):
    start(client, link)
    client.cookies.clear()
    response = client.post(f"/s/{link.key}/2/", {"E5": "3", "back": "1"})
    assert response["Location"] == f"/s/{link.key}/1/"
    assert Response.objects.order_by("pk").last().answers == {"E5": 3}
    assert f"servqual_resume_{link.pk}" in response.cookies


def test_survey_pages_forbid_framing_and_keep_the_link_out_of_referrers(client, link):
    response = client.get(f"/s/{link.key}/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Content-Language"] == "en"


def test_the_instructions_are_in_full_on_the_first_page_and_one_tap_away_after(client, link):
    start(client, link, "en")
    first = client.get(f"/s/{link.key}/1/").content.decode()
    second = client.get(f"/s/{link.key}/2/").content.decode()
    assert '<p class="prompt">' in first and "<details" not in first
    assert '<details class="prompt"><summary>How to answer</summary>' in second
    assert '<p class="prompt">' not in second
