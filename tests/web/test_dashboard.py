"""The wave's dashboard: the command line's analysis and report content, behind the results right."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

from synthetic import fill

import servqual
from servqual.i18n import number
from servqual.web.surveys.models import Response


def dimension_gaps(html: str) -> dict[str, str]:
    """Dimension key -> the gap shown in the dimension table (its fourth cell)."""
    table = html.split('<table id="dimension-table">')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-key="(\w+)">(.*?)</tr>', table, re.S)
    return {key: unescape(re.findall(r"<td[^>]*>(.*?)</td>", cells)[3]) for key, cells in rows}


def test_the_dashboard_shows_the_analysis_of_the_waves_responses(client, people, wave):
    responses = fill(wave, 120)
    expected = servqual.analyze(responses, segments=["branch"], min_group=5)
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    gaps = dimension_gaps(html)
    assert gaps == {key: number(d.scores["gap"].mean, "en") for key, d in expected.dimensions.items()}
    assert gaps["reliability"].startswith("-1.")  # the synthetic study's largest shortfall
    assert "Completed by customers: 120." in html
    management = client.get(f"/waves/{wave.pk}/results/").content.decode()
    assert "Gap per dimension by branch" in management and "Importance and performance" in html
    assert management.count("<svg") >= 2 and html.count("<svg") >= 2  # the report's own charts, inline


def test_management_and_the_analyst_each_have_a_view_of_their_own(client, people, wave):
    fill(wave, 60)
    client.force_login(people["mona"])
    management = client.get(f"/waves/{wave.pk}/results/").content.decode()
    analyst = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    sections = re.compile(r'<section id="(\w+)">')
    assert sections.findall(management) == ["summary", "cautions", "segments"]
    assert sections.findall(analyst) == ["dimensions", "reliability", "method", "appendix"]
    assert "Cronbach" not in management and "Where to act first" in management
    assert 'aria-current="page">For management' in management and 'aria-current="page">For the analyst' in analyst


def test_below_the_threshold_the_dashboard_shows_no_figures(client, people, wave):
    fill(wave, 4)
    client.force_login(people["alice"])
    html = client.get(f"/waves/{wave.pk}/results/").content.decode()
    assert "No figures yet: results are shown from 5 completed responses on" in html
    assert "dimension-table" not in html and "<svg" not in html
    assert client.get(f"/waves/{wave.pk}/results/report.pdf").status_code == 404


def test_a_new_response_refreshes_the_cached_results(client, people, wave):
    fill(wave, 30, seed=2)
    client.force_login(people["mona"])
    before = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    fill(wave, 5, seed=3)
    after = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    assert "Completed by customers: 30." in before and "Completed by customers: 35." in after
    assert dimension_gaps(before) != dimension_gaps(after)


def test_the_dashboard_speaks_dutch(client, people, wave):
    fill(wave, 40)
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/", headers={"accept-language": "nl"}).content.decode()
    assert "Managementsamenvatting" in html and "Ingevuld door klanten: 40." in html
    assert "Voor het management" in html
    analyst = client.get(f"/waves/{wave.pk}/results/analysis/", headers={"accept-language": "nl"}).content.decode()
    assert re.fullmatch(r"-\d,\d\d", dimension_gaps(analyst)["reliability"])  # a decimal comma


def test_only_roles_with_the_results_right_of_the_organisation_see_it(client, people, wave):
    fill(wave, 10)
    url = f"/waves/{wave.pk}/results/"
    for name, status in {"alice": 200, "carl": 200, "mona": 200, "vera": 404, "bob": 404}.items():
        client.force_login(people[name])
        assert client.get(url).status_code == status, name
        assert client.get(url + "analysis/").status_code == status, name
        assert client.get(url + "report.html").status_code == status, name
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_unfinished_responses_and_other_audiences_do_not_count(client, people, wave):
    fill(wave, 5)
    Response.objects.filter(pk=Response.objects.first().pk).update(completed_at=None)
    client.force_login(people["mona"])
    assert "No figures yet" in client.get(f"/waves/{wave.pk}/results/").content.decode()


def test_the_wave_page_links_the_results_and_the_import_for_who_may_use_them(client, people, wave):
    links = {}
    for name in ("alice", "mona", "vera"):
        client.force_login(people[name])
        html = client.get(f"/waves/{wave.pk}/").content.decode()
        links[name] = (f"/waves/{wave.pk}/results/" in html, f"/waves/{wave.pk}/import/" in html)
    assert links == {"alice": (True, True), "mona": (True, False), "vera": (False, False)}


def test_a_dimension_one_member_of_a_shown_branch_answered_says_too_few_respondents(client, people, wave):
    fill(wave, 120)
    responses = list(Response.objects.filter(wave=wave).order_by("pk"))
    branch = Counter(r.segments["branch"] for r in responses).most_common(1)[0][0]
    tangibles = [f"{s}{i}" for s in "EP" for i in range(1, 5)]
    for response in [r for r in responses if r.segments["branch"] == branch][1:]:
        Response.objects.filter(pk=response.pk).update(answers={**response.answers, **dict.fromkeys(tangibles)})
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/").content.decode()
    table = html.split('<table id="segment-branch">')[1].split("</table>")[0]
    row = re.search(rf'<tr data-key="{branch}">(.*?)</tr>', table, re.S).group(1)
    cells = [unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[2] == "too few respondents"  # tangibles, after the branch and its n
    assert re.fullmatch(r"\d+", cells[1]) and re.fullmatch(r"-?\d\.\d\d", cells[3])  # the n and reliability stay
