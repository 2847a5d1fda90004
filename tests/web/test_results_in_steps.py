"""Results that change with every response give that response away: (n+1)·mean' − n·mean
is its answer. So a wave's results (the dashboard, its report and exports, the API) rest on
the completed responses in whole steps of the anonymity threshold k, and one more response
changes nothing until k have come in."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from synthetic import fill
from test_survey import answer_all, start

from servqual.web.surveys.models import Response


def results(client, wave, token) -> dict:
    return client.get(f"/api/waves/{wave.pk}/results", headers={"authorization": f"Bearer {token}"}).json()


def report(client, wave) -> bytes:
    return client.get(f"/waves/{wave.pk}/results/report.html").content


def test_one_more_response_changes_nothing_until_k_have_come_in(client, people, wave, link, token_for):
    assert wave.study.anonymity_threshold == 5
    fill(wave, 12)
    token = token_for("mona")
    client.force_login(people["mona"])
    before = results(client, wave, token)
    assert before["n_respondents"] == 10  # ⌊12/5⌋·5
    report_before = report(client, wave)
    page = client.get(f"/waves/{wave.pk}/results/").content.decode()
    assert "Completed by customers: 12." in page
    assert "The figures rest on 10 of them and change only every 5 completed responses" in page

    answer_all(Client(), link)  # the 13th, through the public link
    assert Response.objects.filter(completed_at__isnull=False).count() == 13
    assert results(client, wave, token) == before  # the same JSON
    assert report(client, wave) == report_before  # and the same report

    answer_all(Client(), link)
    answer_all(Client(), link)  # the 15th
    after = results(client, wave, token)
    assert after["n_respondents"] == 15
    assert after["dimensions"]["reliability"]["gap"] != before["dimensions"]["reliability"]["gap"]
    assert report(client, wave) != report_before


def test_a_response_started_early_and_completed_late_waits_for_the_next_step(client, people, wave, link, token_for):
    """Ordered by the primary key alone, a response started before the others and completed
    after them would slip into the first ⌊n/k⌋·k and push the last one out: the figures would
    change by one response swapped for another. It waits at the end of the line instead."""
    early = Client()
    start(early, link)  # the lowest primary key
    fill(wave, 10)
    token = token_for("mona")
    before = results(client, wave, token)
    assert before["n_respondents"] == 10
    answer_all(early, link)  # completes the early response: 11 completed
    assert results(client, wave, token) == before
    fill(wave, 4, seed=2)  # 15 completed: the early one and four more join
    assert results(client, wave, token)["n_respondents"] == 15


def test_the_dashboard_says_in_dutch_what_the_figures_rest_on(client, people, wave):
    fill(wave, 12)
    client.force_login(people["mona"])
    page = client.get(f"/waves/{wave.pk}/results/", headers={"accept-language": "nl"}).content.decode()
    assert "Ingevuld door klanten: 12." in page
    assert "De cijfers berusten op 10 daarvan en veranderen alleen per 5 ingevulde antwoorden" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_lets_in_what_was_already_shown_and_no_more(acme, study_for):
    """Results shown before the steps existed rested on every completed response: leaving
    some out now would change them by fewer than k. A wave below k showed nothing: its
    responses wait for the steps."""
    shown, unshown = study_for(acme).waves.get(), study_for(acme).waves.get()
    fill(shown, 12)
    fill(unshown, 4)
    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0002_day_precision_times")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(shown.responses.values_list("in_results", flat=True)) == {True}
    assert set(unshown.responses.values_list("in_results", flat=True)) == {False}
