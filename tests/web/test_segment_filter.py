"""Segments as filters on the management view (issue 13, point 5): ``?group=branch:Utrecht``
shows that group's summary, made of the figures its segment table shows; only groups the
table shows can be chosen, and anything else is refused alike, with a message."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest
from synthetic import fill

from servqual.web.studies.models import SegmentMissing
from servqual.web.surveys.models import Response

#: What changes between two renderings of one page: the logout form's CSRF token.
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page(client, wave, query: str = "", lang: str = "en"):
    return client.get(f"/waves/{wave.pk}/results/", QUERY_STRING=query, headers={"accept-language": lang})


def html_of(answer) -> str:
    return unescape(answer.content.decode())


def table_rows(html: str, table_id: str) -> dict[str, list[str]]:
    table = html.split(f'<table id="{table_id}">')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table, re.S)
    return {key: [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)] for key, cells in rows}


def options(html: str) -> list[str]:
    select = html.split('<select id="group" name="group">')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.fixture
def manager(client, people, wave):
    fill(wave, 120)
    client.force_login(people["mona"])
    return client


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_chosen_group_shows_the_figures_of_its_row_in_the_segment_table(manager, wave, lang):
    everyone = html_of(page(manager, wave, lang=lang))
    segment = table_rows(everyone, "segment-branch")
    branch = Counter(r.segments["branch"] for r in Response.objects.filter(wave=wave)).most_common()[1][0]
    answer = page(manager, wave, f"group=branch:{branch}", lang)
    assert answer.status_code == 200
    html = html_of(answer)
    group = table_rows(html, "group-table")
    assert [cells[1] for cells in group.values()] == segment[branch][2:]  # every dimension's mean
    assert re.findall(r'<section id="(\w+)">', html) == ["summary", "cautions", "segments"]
    assert "dimension-table" not in everyone and "dimension-table" not in html
    shown, everyone_link = {
        "en": (f"Shown: Branch “{branch}” only, {segment[branch][1]} respondents.", "Show everyone"),
        "nl": (f"Getoond: alleen Branch “{branch}”, {segment[branch][1]} respondenten.", "Iedereen tonen"),
    }[lang]
    assert shown in html and f'<a href="/waves/{wave.pk}/results/">{everyone_link}</a>' in html
    assert f'<option value="branch:{branch}" selected>{branch}</option>' in html
    title = {"en": "Management summary", "nl": "Managementsamenvatting"}[lang]
    assert f"<h2>{title}: branch “{branch}”</h2>" in html
    # everyone's biggest gaps name items ("Betrouwbaarheid, item 7: ..."); a group's summary none
    assert ", item " in everyone.split('<section id="cautions">')[0]
    assert ", item " not in html.split('<section id="cautions">')[0]


def test_the_filter_offers_the_groups_the_segment_table_shows_and_no_other(manager, wave):
    study = wave.study
    study.anonymity_threshold = 20  # Eindhoven (about 12 of 120) is hidden, and another with it
    study.save()
    html = html_of(page(manager, wave))
    segment = table_rows(html, "segment-branch")
    visible = [v for v, cells in segment.items() if cells[1] != "too few respondents" and v != "p-value"]
    hidden = [value for value, cells in segment.items() if cells[1] == "too few respondents"]
    assert len(hidden) >= 2 and len(visible) >= 2
    assert options(html) == ["", *(f"branch:{value}" for value in visible)]
    assert "Eindhoven" in hidden


def test_a_hidden_group_and_one_nobody_is_in_are_refused_alike(manager, wave):
    wave.study.anonymity_threshold = 20
    wave.study.save()
    everyone = page(manager, wave)
    answers = {
        query: page(manager, wave, query)
        for query in ("group=branch:Eindhoven", "group=branch:Tilburg", "group=channel:web", "group=Eindhoven")
    }
    bodies = set()
    for query, answer in answers.items():
        assert answer.status_code == 400, query
        html = html_of(answer)
        assert "This group cannot be shown. Choose one from the list" in html, query
        assert "group-table" not in html and "Shown:" not in html
        bodies.add(CSRF.sub("", html))
    assert len(bodies) == 1  # nothing in the answer tells a hidden group from an absent one
    # the page under the message is everyone's
    assert table_rows(html, "segment-branch") == table_rows(html_of(everyone), "segment-branch")
    dutch = html_of(page(manager, wave, "group=branch:Eindhoven", "nl"))
    assert "Deze groep kan niet worden getoond." in dutch


@pytest.mark.parametrize("value", ["%00", "%FF%FE", "\xff", "A" * 8000, "%", "branch:%00", ":", "branch:Utrecht:x"])
def test_a_malformed_filter_is_refused_with_the_message_not_an_error(manager, wave, value):
    answer = page(manager, wave, f"group={value}")
    assert answer.status_code == 400
    assert "This group cannot be shown" in answer.content.decode()


def test_an_empty_filter_shows_everyone(manager, wave):
    assert CSRF.sub("", page(manager, wave, "group=").content.decode()) == CSRF.sub(
        "", page(manager, wave).content.decode()
    )


def test_the_analyst_view_has_no_filter(manager, wave):
    analyst = manager.get(f"/waves/{wave.pk}/results/analysis/", QUERY_STRING="group=branch:Utrecht")
    assert analyst.status_code == 200
    assert 'name="group"' not in analyst.content.decode()


@pytest.mark.parametrize("missing", [SegmentMissing.EXCLUDE, SegmentMissing.GROUP])
def test_respondents_without_a_value_are_a_choice_only_where_the_study_makes_them_a_group(manager, wave, missing):
    Response.objects.filter(pk__in=wave.responses.order_by("pk").values("pk")[:12]).update(segments={})
    wave.study.segment_missing = missing
    wave.study.save()
    answer = page(manager, wave, "group=branch:")
    html = html_of(answer)
    if missing == SegmentMissing.GROUP:
        assert answer.status_code == 200
        assert '<option value="branch:" selected>(no value)</option>' in html
        assert table_rows(html, "group-table")["tangibles"][3] == "12"
        assert "Shown: Branch “(no value)” only, 12 respondents." in html
    else:
        assert answer.status_code == 400
        assert 'value="branch:"' not in html


def test_below_the_threshold_a_filter_shows_no_figures(client, people, wave):
    fill(wave, 4)
    client.force_login(people["mona"])
    answer = page(client, wave, "group=branch:Utrecht")
    assert answer.status_code == 200 and "No figures yet" in answer.content.decode()
    assert 'name="group"' not in answer.content.decode()


def test_only_roles_with_the_results_right_of_the_organisation_see_a_group(client, people, wave):
    fill(wave, 60)
    branch = Response.objects.filter(wave=wave).first().segments["branch"]
    for name, status in {"alice": 200, "carl": 200, "mona": 200, "vera": 404, "bob": 404}.items():
        client.force_login(people[name])
        answer = page(client, wave, f"group=branch:{branch}")
        assert answer.status_code == status, name
        if status == 404:
            assert branch not in answer.content.decode()
    client.logout()
    answer = page(client, wave, f"group=branch:{branch}")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


@pytest.mark.parametrize("visitor", ["alice", "carl", "mona", "vera", None])
def test_no_one_of_another_organisation_sees_its_groups(client, people, globex, study_for, visitor):
    theirs = study_for(globex)
    theirs.name = "Globex-geheim"
    theirs.save()
    wave = theirs.waves.get()
    fill(wave, 60)
    branch = Response.objects.filter(wave=wave).first().segments["branch"]
    if visitor:
        client.force_login(people[visitor])
    for query in (f"group=branch:{branch}", "group=branch:Nergens", "group="):
        answer = page(client, wave, query)
        assert answer.status_code in (302, 404), (visitor, query)
        body = answer.content.decode()
        assert "Globex-geheim" not in body and branch not in body
