"""Rate limits on the respondent's doors, per client address: unknown survey keys and
invitation tokens (guessing), and survey pages sent (scripts). A refusal is a 429 in the
respondent's language with Retry-After, and never costs an answer: nothing is saved before
it, and a page sent comes back with its answers, to be sent again without JavaScript."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from test_survey import PAGES, page_answers

from servqual.web.accounts import limits
from servqual.web.distribution.models import Invitation
from servqual.web.surveys.models import Response

OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, moved on by hand (as in test_limits.py)."""
    now = [1_000_000.0]
    monkeypatch.setattr(limits, "_now", lambda: now[0])
    return now


def from_address(address: str, **headers: str) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The hidden inputs of a page's form, as a browser would send them."""
    found = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    return [(html.unescape(name), html.unescape(value)) for name, value in found]


def test_unknown_keys_and_tokens_from_one_address_are_refused_after_the_limit(settings, link, wave, clock):
    settings.SURVEY_LOOKUP_FAILURES_PER_ADDRESS = 3
    token = Invitation.objects.create(wave=wave, email="anna@example.nl", language="nl").new_key()
    guesser = from_address(OFFICE)
    assert guesser.get("/s/guessed-key-1/").status_code == 404
    assert guesser.get("/i/guessed-token-2/").status_code == 404
    assert guesser.post("/s/guessed-key-3/1/").status_code == 404
    # Now every survey request from the address waits, known keys too: else a guess that
    # hits would still be told apart from one that misses.
    for path in (f"/s/{link.key}/", f"/i/{token}/", f"/i/{token}/unsubscribe/", "/s/guessed-key-4/"):
        refused = guesser.get(path)
        assert refused.status_code == 429, path
        assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert from_address(ELSEWHERE).get(f"/s/{link.key}/").status_code == 200
    clock[0] += 15 * 60
    assert guesser.get(f"/s/{link.key}/").status_code == 200


def test_a_known_key_closed_or_not_is_no_failed_lookup(settings, link, wave):
    settings.SURVEY_LOOKUP_FAILURES_PER_ADDRESS = 2
    respondent = from_address(OFFICE)
    for _ in range(5):
        assert respondent.get(f"/s/{link.key}/").status_code == 200
        assert respondent.get(f"/s/{link.key}/99/").status_code == 404  # no such page: not a guess at a key
    wave.opens_at, wave.closes_at = wave.opens_at - timedelta(days=9), wave.opens_at - timedelta(days=1)
    wave.save()
    assert respondent.get(f"/s/{link.key}/").status_code == 410
    assert respondent.get(f"/s/{link.key}/").status_code == 410


def test_the_refusal_says_when_to_try_again_in_the_respondents_language(settings, db, clock):
    settings.SURVEY_LOOKUP_FAILURES_PER_ADDRESS = 1
    dutch = from_address(OFFICE, HTTP_ACCEPT_LANGUAGE="nl")
    dutch.get("/s/guessed-key/")
    clock[0] += 60
    refused = dutch.get("/s/another-key/")
    assert refused.status_code == 429 and refused["Retry-After"] == str(14 * 60)
    assert refused["Content-Language"] == "nl"
    assert "Wacht 14 minuten en probeer het dan opnieuw." in refused.content.decode()
    english = dutch.get("/s/another-key/?lang=en").content.decode()
    assert "Please wait 14 minutes and try again." in english


def test_a_page_sent_over_the_limit_is_not_saved_and_comes_back_to_send_again(settings, link, clock):
    settings.SURVEY_POSTS_PER_ADDRESS = 3
    respondent = from_address(OFFICE)
    assert respondent.post(f"/s/{link.key}/").status_code == 302
    assert respondent.post(f"/s/{link.key}/1/", page_answers(1, "2")).status_code == 302
    assert respondent.post(f"/s/{link.key}/2/", page_answers(2, "3")).status_code == 302
    refused = respondent.post(f"/s/{link.key}/3/", page_answers(3, "4"))
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    page = refused.content.decode()
    assert "The answers on this page have not been saved yet" in page and "<script" not in page
    assert not set(page_answers(3)) & set(Response.objects.get().answers)  # refused before saving
    # The browser sends the page again from the refusal's own form, once the minute is up.
    assert sorted(hidden_fields(page)) == sorted(page_answers(3, "4").items())
    clock[0] += 60
    again = respondent.post(f"/s/{link.key}/3/", dict(hidden_fields(page)))
    assert again.status_code == 302 and again["Location"] == f"/s/{link.key}/4/"
    stored = Response.objects.get().answers
    assert {key: stored[key] for key in page_answers(3)} == dict.fromkeys(page_answers(3), 4)
    assert stored["E1"] == 2  # the pages before are as they were


def test_the_limit_counts_per_address_and_an_invitation_page_too(settings, link, wave):
    settings.SURVEY_POSTS_PER_ADDRESS = 2
    token = Invitation.objects.create(wave=wave, email="anna@example.nl", language="nl").new_key()
    invitee = from_address(OFFICE, HTTP_ACCEPT_LANGUAGE="nl")  # the refusal knows the browser's language only
    assert invitee.post(f"/i/{token}/").status_code == 302
    assert invitee.post(f"/i/{token}/1/", page_answers(1)).status_code == 302
    refused = invitee.post(f"/i/{token}/2/", page_answers(2))
    assert (
        refused.status_code == 429
        and "Uw antwoorden op deze pagina zijn nog niet opgeslagen" in refused.content.decode()
    )
    assert invitee.get(f"/i/{token}/2/").status_code == 200  # reading is not counted
    assert from_address(ELSEWHERE).post(f"/s/{link.key}/").status_code == 302


def test_by_default_an_office_of_respondents_answers_at_once_behind_one_address(link):
    # 35 people behind one address answer the whole survey (8 posts each: the start, five
    # dimensions, the importance split, the open question) in one minute: faster than by hand,
    # still within SURVEY_POSTS_PER_ADDRESS.
    office = [from_address(OFFICE) for _ in range(35)]
    for page in range(PAGES + 1):
        for respondent in office:
            path = f"/s/{link.key}/{page}/" if page else f"/s/{link.key}/"
            assert respondent.post(path, page_answers(page) if page else {}).status_code == 302
    assert Response.objects.filter(completed_at__isnull=False).count() == 35


def test_a_script_sending_pages_faster_than_any_office_is_refused(link):
    script = from_address(OFFICE)
    statuses = [script.post(f"/s/{link.key}/").status_code for _ in range(301)]
    assert statuses[:300] == [302] * 300 and statuses[300] == 429
