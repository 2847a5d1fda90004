"""Anonymity, as a property over random studies (issue 12, promise 3).

Hypothesis makes a study: an anonymity threshold k (2..7), 0-3 segment columns of 1-4
values (some held by few respondents), responses with items and whole dimensions left
unanswered or answered "no opinion", importance points or none; and managers and contact
employees with segment values of their own (a branch's team may be smaller than k). The
responses arrive one at a time; after each, every view, export and API answer that shows figures or rows is
read through the real views (Django's test client, the real database) and checked:

- no figure rests on fewer than k respondents: a group, a dimension within a group, an
  item or dimension of the whole wave, a reliability built on such an item, a
  combination of segment values in the raw rows; nor any figure of the five gaps (a
  factor, a comparison with the customers, a unit of managers or employees, a process);
- none follows by subtraction: the respondents of the hidden groups (or hidden scores of
  a dimension), the total minus the visible ones, are none or at least k; every segment
  value of the raw rows is left empty on none or at least k rows;
- one more response changes nothing visible until k more are in: the figures change
  only when the respondents they rest on grow by a whole step of k.

The pages and API operations read are enumerated from the URL resolver and the OpenAPI
document, as in test_tenant_isolation.py: one added later fails here until it is said how
to read it (READERS) or that it shows no figures (NO_FIGURES).

Bounded for CI (about a minute); a longer run:

    SERVQUAL_ANONYMITY_EXAMPLES=200 .venv/bin/python -m pytest tests/web/test_anonymity_property.py
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import zipfile
from collections import Counter
from typing import Any

import numpy as np
import openpyxl
import pypdf
import pyreadstat
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from servqual.i18n import number as format_number
from servqual.web.accounts.models import Membership, Organisation, Role
from servqual.web.api.models import ApiToken
from servqual.web.api.views import api
from servqual.web.dashboards.downloads import DOWNLOADS
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Audience, Response
from servqual.web.surveys.responses import answer_columns

EXAMPLES = int(os.environ.get("SERVQUAL_ANONYMITY_EXAMPLES", "6"))
#: What a reader of a hidden figure is told (the report, in English).
HIDDEN_REASON = "too few answered"

#: Routes and API operations about a wave that show no figures of its answers: counts of
#: responses (with their own threshold, studies/counts.py), the survey's questions, links,
#: the import, the invitations (addresses and response rate).
NO_FIGURES = {
    "waves/<int:wave_id>/",
    "waves/<int:wave_id>/edit/",
    "waves/<int:wave_id>/links/new/",
    "waves/<int:wave_id>/links/<int:link_id>/qr.<str:kind>",
    "waves/<int:wave_id>/import/template.<str:kind>",
    "waves/<int:wave_id>/import/",
    "waves/<int:wave_id>/invitations/",
    "waves/<int:wave_id>/invitations/confirm/",
    "waves/<int:wave_id>/invitations/send/",
    "/api/waves/{wave_id}",
    "/api/waves/{wave_id}/links",
    "/api/waves/{wave_id}/survey",
    "/api/waves/{wave_id}/imports",
}


#: Pages that show one segment group's figures with ``?group=<segment>:<value>``: read with
#: every value of every segment, the empty one (respondents without a value), one nobody
#: has, and checked against the segment tables of the API's results (check_group_pages).
FILTERED = {"waves/<int:wave_id>/results/"}
#: A value of a segment nobody is given.
NOBODYS = "nowhere"


def site_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith(("api/", "admin/")):
                routes += site_routes(entry, route)
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


def wave_reads() -> list[tuple[str, str]]:
    """(reader, path template) of every GET of a wave's page or API operation that shows
    figures: from the URL resolver and the OpenAPI document."""
    reads = []
    for route in site_routes():
        if "<int:wave_id>" not in route or route in NO_FIGURES:
            continue
        if route in ("waves/<int:wave_id>/results/", "waves/<int:wave_id>/results/analysis/"):
            reads.append(("page", "/" + route))
            if route in FILTERED:  # and once per group of every segment (read_all fills them in)
                reads.append(("group-page", "/" + route))
        elif route == "waves/<int:wave_id>/results/<str:name>":
            reads += [(name, "/" + route.replace("<str:name>", name)) for name in DOWNLOADS]
        else:
            raise AssertionError(f"say in wave_reads() how to read {route}, or put it in NO_FIGURES")
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, operations in schema["paths"].items():
        if "{wave_id}" not in path or "get" not in operations or path in NO_FIGURES:
            continue
        name = path.rsplit("/", 1)[1]
        if name == "results":
            reads.append(("api-results", path))
        elif name == "gaps":
            reads.append(("api-gaps", path))
        elif name in DOWNLOADS:
            reads.append((name, path))
        else:
            raise AssertionError(f"say in wave_reads() how to read {path}, or put it in NO_FIGURES")
    return reads


# -- generated studies ------------------------------------------------------------------


@st.composite
def studies(draw) -> dict[str, Any]:
    k = draw(st.integers(2, 7))
    columns = [[f"v{j}" for j in range(draw(st.integers(1, 4)))] for _c in range(draw(st.integers(0, 3)))]
    n = draw(st.integers(k, 3 * k + 3))
    respondents = []
    for _r in range(n):
        # a value by a skewed choice (the first values are common, later ones rare) or none
        segments = {
            f"s{c}": draw(st.one_of(st.none(), st.sampled_from(values), st.just(values[0])))
            for c, values in enumerate(columns)
        }
        respondents.append(
            {
                "segments": {key: value for key, value in segments.items() if value is not None},
                "seed": draw(st.integers(0, 2**32 - 1)),
                # per dimension: answered, skipped (absent) or "no opinion" on every item
                "dimensions": draw(
                    st.lists(st.sampled_from(["answered", "skipped", "no-opinion"]), min_size=5, max_size=5)
                ),
                "missing": draw(st.sampled_from([0.0, 0.1, 0.4, 0.8])),
                "importance": draw(st.booleans()),
            }
        )
    first = draw(st.integers(k, n))  # in at the start; the others arrive one at a time
    missing = draw(st.sampled_from(["exclude", "group"]))  # respondents without a segment value
    # managers and employees: a few, in teams (segment values) that may be smaller than k
    staff = [
        {
            "audience": draw(st.sampled_from([Audience.MANAGER, Audience.EMPLOYEE])),
            "segments": {
                key: value
                for key, value in {
                    f"s{c}": draw(st.one_of(st.none(), st.sampled_from(values))) for c, values in enumerate(columns)
                }.items()
                if value is not None
            },
            "seed": draw(st.integers(0, 2**32 - 1)),
            "late": draw(st.booleans()),  # arrives one at a time, among the customers
        }
        for _s in range(draw(st.integers(0, 3 * k)))
    ]
    return {"k": k, "columns": columns, "respondents": respondents, "first": first, "missing": missing, "staff": staff}


def answers_of(respondent: dict[str, Any], instrument) -> dict[str, Any]:
    rng = np.random.default_rng(respondent["seed"])
    answers: dict[str, Any] = {}
    for d, dimension in enumerate(instrument.dimensions):
        how = respondent["dimensions"][d]
        for position in instrument.item_positions(dimension.key):
            for section in instrument.sections:
                column = instrument.columns(section)[position]
                if how == "skipped" or rng.random() < respondent["missing"] * 0.5:
                    continue
                if how == "no-opinion" or rng.random() < respondent["missing"] * 0.5:
                    answers[column] = None
                else:
                    answers[column] = int(rng.integers(1, 8))
    if respondent["importance"]:
        cuts = np.sort(rng.integers(0, 101, size=4))
        points = np.diff(np.r_[0, cuts, 100])
        answers.update({c: int(p) for c, p in zip(instrument.importance_columns, points, strict=True)})
    return answers


def respond(wave: Wave, respondent: dict[str, Any]) -> None:
    Response.objects.create(
        wave=wave,
        audience=Audience.CUSTOMER,
        segments=respondent["segments"],
        language="en",
        answers=answers_of(respondent, wave.study.instrument()),
        completed_at=timezone.now(),
    )


def respond_staff(wave: Wave, member: dict[str, Any]) -> None:
    """A manager's or an employee's response: every statement of their instrument (no
    importance points), some "no opinion", and the open question answered."""
    instrument = wave.study.instrument(member["audience"])
    rng = np.random.default_rng(member["seed"])
    columns = [c for c in answer_columns(instrument) if c not in instrument.importance_columns]
    Response.objects.create(
        wave=wave,
        audience=member["audience"],
        segments=member["segments"],
        language="en",
        answers={c: None if rng.random() < 0.1 else int(rng.integers(1, 8)) for c in columns},
        open_answers=dict.fromkeys(instrument.open_columns, "Meer tijd per klant."),
        completed_at=timezone.now(),
    )


# -- readers: each gives the figures and rows it shows ------------------------------------


def number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def tables_of_xlsx(body: bytes) -> dict[str, list[dict[str, Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    tables = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        # read-only sheets leave out a row's empty cells at its end
        tables[sheet.title] = (
            [dict(zip(rows[0], (*row, *[None] * len(rows[0])), strict=False)) for row in rows[1:]] if rows else []
        )
    return tables


def tables_of_zip(body: bytes, suffix: str, folder) -> dict[str, list[dict[str, Any]]]:
    tables = {}
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if suffix == "csv":
                text = archive.read(name).decode("utf-8")
                tables[name.removesuffix(".csv")] = list(csv.DictReader(io.StringIO(text, newline="")))
            else:
                path = folder / name
                path.write_bytes(archive.read(name))
                frame, _meta = pyreadstat.read_sav(str(path))
                records = frame.to_dict("records")
                tables[name.removesuffix(".sav")] = [
                    {c: number(v) if isinstance(v, float) else v for c, v in r.items()} for r in records
                ]
    return tables


def text_of_pdf(body: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


# -- the checks ---------------------------------------------------------------------------


def check_results(result: dict[str, Any], k: int, in_results: int) -> None:
    """The figures of the API's results (the JSON of ``servqual analyze``)."""
    # the respondents let in, in whole steps of k; those without any answer are not read
    assert in_results % k == 0 and result["n_respondents"] <= in_results
    items_of = {}
    for item in result["items"]:
        items_of.setdefault(item["dimension"], []).append(item)
        for section in result["sections"]:
            n, mean = item[f"{section}_n"], number(item[f"{section}_mean"])
            if 0 < n < k:
                assert mean is None and item.get(f"{section}_suppressed"), f"item {item['item']} {section}: n={n}"
            if item.get(f"{section}_suppressed"):
                assert mean is None
                assert all(number(v) is None for v in item.get(f"{section}_ci95", []) or [])
    for key, dimension in result["dimensions"].items():
        for section in result["sections"]:
            figures = dimension[section]
            if 0 < figures["n"] < k:
                assert number(figures["mean"]) is None and figures.get("suppressed"), f"{key} {section}"
            reliability = dimension["reliability"][section]
            if number(reliability["alpha"]) is not None:
                resting = [figures["n"]] + [i[f"{section}_n"] for i in items_of[key]]
                assert all(n >= k or n == 0 for n in resting), f"alpha of {key} {section} rests on {resting}"
    for overall, section in (("servqual", "gap"), ("servperf", "perception")):
        if result[overall] is not None and number(result[overall]["unweighted"]) is not None:
            assert not any(d[section].get("suppressed") for d in result["dimensions"].values())
    for item in result["ipa"]["items"]:
        if number(item["importance"]) is not None or number(item["performance"]) is not None:
            source = next(i for i in result["items"] if i["item"] == item["item"])
            assert not source.get("perception_suppressed")
    for column, segment in result["segments"].items():
        visible = [g for g in segment["groups"] if not g["suppressed"]]
        assert all(g["n"] >= k for g in visible), column
        rest = result["n_respondents"] - sum(g["n"] for g in visible)
        assert rest == 0 or rest >= k, f"{column}: the hidden groups hold {rest}"
        for key, dimension in result["dimensions"].items():
            section = next(s for s in ("gap", "perception") if s in result["sections"])
            scores = [g["dimensions"][key] for g in visible if not g["dimensions"][key].get("suppressed")]
            assert all(s["n"] >= k for s in scores), f"{column} {key}"
            if dimension[section].get("suppressed"):
                continue  # no total to subtract from
            rest = dimension[section]["n"] - sum(s["n"] for s in scores)
            assert rest == 0 or rest >= k, f"{column} {key}: the hidden scores hold {rest}"


def check_tables(tables: dict[str, list[dict[str, Any]]], k: int, result: dict[str, Any], what: str) -> None:
    """An export's item and dimension tables, and its raw rows (k-anonymous)."""
    for row in tables.get("items", []):
        for section in result["sections"]:
            n = number(row[f"{section}_n"]) or 0
            if 0 < n < k:
                assert number(row[f"{section}_mean"]) is None, f"{what}: item {row['item']} {section}"
    for row in tables.get("dimensions", []):
        n = number(row["n"]) or 0
        if 0 < n < k:
            assert number(row["mean"]) is None, f"{what}: {row['dimension']} {row['section']}"
    rows = tables.get("responses")
    if rows is None:
        return
    assert len(rows) == result["n_respondents"]
    columns = list(result["segments"])
    combinations = Counter(
        tuple((row[c] or None) if isinstance(row[c], str) else None for c in columns) for row in rows
    )
    for combination, n in combinations.items():
        assert n >= k, f"{what}: {n} raw rows with {dict(zip(columns, combination, strict=True))}"
    for c, column in enumerate(columns):
        for group in result["segments"][column]["groups"]:
            if group["suppressed"] or group["value"] is None:
                continue
            shown = sum(n for combination, n in combinations.items() if combination[c] == group["value"])
            emptied = group["n"] - shown
            assert emptied == 0 or emptied >= k, f"{what}: {column}={group['value']} left empty on {emptied} rows"


def check_gaps(gaps: dict[str, Any], k: int, staff: dict[str, int]) -> None:
    """The five gaps (the API's /gaps): every figure with an n under k is hidden, wherever
    it is (a factor, a reliability, a comparison with the customers, a process); a unit's
    team of managers or employees under k is hidden, with as many others as make the
    hidden ones none or at least k."""
    for in_results in staff.values():
        assert in_results % k == 0

    def walk(value: Any, where: str) -> None:
        if isinstance(value, list):
            for j, entry in enumerate(value):
                walk(entry, f"{where}[{j}]")
            return
        if not isinstance(value, dict):
            return
        n = value.get("n")
        if isinstance(n, int) and 0 < n < k:
            assert number(value.get("mean")) is None, f"{where}: a mean of {n}"
            assert number(value.get("alpha")) is None, f"{where}: an alpha of {n}"
        if isinstance(value.get("first"), dict) and isinstance(value.get("second"), dict):
            sizes = [value["first"].get("n", 0), value["second"].get("n", 0)]
            if any(0 < size < k for size in sizes):
                assert number(value.get("difference")) is None and value.get("suppressed"), f"{where}: {sizes}"
        for key, entry in value.items():
            walk(entry, f"{where}.{key}")

    walk(gaps, "gaps")
    for column, unit in gaps["units"].items():
        for audience, table in (("manager", unit["managers"]), ("employee", unit["employees"])):
            if table is None:
                continue
            visible = [g for g in table["groups"] if not g["suppressed"]]
            assert all(g["n"] >= k for g in visible), f"{column} {audience}s"
            rest = staff[audience] - sum(g["n"] for g in visible)
            assert rest == 0 or rest >= k, f"{column} {audience}s: the hidden teams hold {rest}"
            for g in visible:
                for key, score in g["dimensions"].items():
                    assert score.get("suppressed") or score["n"] >= k, f"{column} {g['value']} {key}"


def check_gap_tables(tables: dict[str, list[dict[str, Any]]], k: int, gaps: dict[str, Any] | None, what: str) -> None:
    """An export's gaps table (hidden figures stay empty) and the managers' and employees'
    raw rows: every combination of segment values on at least k rows, every value the
    five gaps show per unit left empty on none or at least k rows; no open answers."""
    if gaps is None:
        assert not {"gaps", "manager_responses", "employee_responses"} & set(tables), what
        return
    assert "gaps" in tables, what
    for row in tables["gaps"]:
        n = number(row["n"]) or 0
        if 0 < n < k:
            assert number(row["mean"]) is None and number(row["alpha"]) is None, f"{what}: {row['factor']}"
    for audience in ("manager", "employee"):
        rows = tables.get(f"{audience}_responses")
        if rows is None:
            continue
        assert not [c for row in rows[:1] for c in row if c and c.startswith("OPEN")], f"{what}: open answers"
        columns = list(gaps["units"])
        combinations = Counter(
            tuple((row.get(c) or None) if isinstance(row.get(c), str) else None for c in columns) for row in rows
        )
        for combination, n in combinations.items():
            assert n >= k, f"{what}: {n} {audience}s' rows with {dict(zip(columns, combination, strict=True))}"
        for c, column in enumerate(columns):
            table = gaps["units"][column][f"{audience}s"]
            for group in table["groups"] if table else []:
                if group["suppressed"] or group["value"] is None:
                    continue
                shown = sum(n for combination, n in combinations.items() if combination[c] == group["value"])
                emptied = group["n"] - shown
                assert emptied == 0 or emptied >= k, f"{what}: {audience}s {column}={group['value']}: {emptied}"


def group_queries(wave: Wave) -> list[str]:
    """The filters a page is read with: each value of each segment and none (respondents
    without one), and for the first segment one nobody has (a page costs; one such is
    enough to compare its refusal with the others')."""
    return [
        f"group={segment.key}:{value or ''}"
        for position, segment in enumerate(wave.study.segments.all())
        for value in [*segment.values, None, *([NOBODYS] if position == 0 else [])]
    ]


def check_group_pages(pages: dict[str, tuple[int, str]], result: dict[str, Any] | None, k: int) -> None:
    """A group's page shows that group only when the segment table shows it, and then the
    figures the table shows and no others; every other filter is refused, alike."""
    refusals = set()
    for query, (status, page) in pages.items():
        column, value = query.removeprefix("group=").split(":", 1)
        if result is None:  # no figures yet: the filter is not looked at
            assert status == 200 and "group-table" not in page, query
            continue
        groups = {g["value"]: g for g in result["segments"][column]["groups"]}
        group = groups.get(value or None)
        if group is None or group["suppressed"]:
            assert status == 400 and "group-table" not in page, query
            refusals.add(page)
            continue
        assert status == 200, query
        assert group["n"] >= k
        assert f"only, {group['n']} respondents." in page, query
        table = page.split('<table id="group-table">')[1].split("</table>")[0]
        rows = dict(re.findall(r'<tr data-key="(\w+)">(.*?)</tr>', table, re.S))
        assert list(rows) == list(result["dimensions"]), query
        section = next(s for s in ("gap", "perception") if s in result["sections"])
        for key, cells in rows.items():
            shown = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
            score = group["dimensions"][key]
            if score.get("suppressed"):
                assert shown[1:] == ["too few respondents", "", ""], f"{query} {key}: {shown}"
            else:
                assert score["n"] >= k
                assert shown[1] == format_number(score[f"{section}_mean"], "en"), f"{query} {key}"
                assert shown[3] == str(score["n"]), f"{query} {key}"
    assert len(refusals) <= 1, "a refused filter's page differs with what was asked"


def any_hidden(result: dict[str, Any]) -> bool:
    return any(v is True for item in result["items"] for key, v in item.items() if key.endswith("_suppressed")) or any(
        d[s].get("suppressed") for d in result["dimensions"].values() for s in result["sections"]
    )


def read_all(client: Client, token: str, wave: Wave, tmp_path, pdf: bool) -> dict[str, Any]:
    """Every figure-showing answer about ``wave``, read and checked; returns what each shows
    (as comparable data: the JSON, the tables, the report's text)."""
    k = wave.study.anonymity_threshold
    shown: dict[str, Any] = {}
    group_pages: dict[str, tuple[int, str]] = {}
    result = None
    gaps = None
    statuses: set[bool] = set()
    for reader, template in wave_reads():
        if reader == "report.pdf" and not pdf:
            continue
        path = template.replace("<int:wave_id>", str(wave.pk)).replace("{wave_id}", str(wave.pk))
        if reader == "group-page":
            for query in group_queries(wave):
                filtered = client.get(path, QUERY_STRING=query)
                page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", filtered.content.decode())
                page = re.sub(r"Completed by customers: \d+\.", "", page)
                group_pages[query] = (filtered.status_code, page)
                shown[f"{template}?{query}"] = group_pages[query]
            continue
        headers = {"authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        answer = client.get(path, headers=headers)
        # every read lets waiting responses in (a whole step of k): count after it
        in_results = Response.objects.filter(wave=wave, in_results=True, audience=Audience.CUSTOMER).count()
        if reader == "api-gaps":  # 409 also while no managers or employees are in the results
            assert answer.status_code in (200, 409), f"{path}: {answer.status_code}"
            if answer.status_code == 200:
                gaps = answer.json()
                shown[reader] = answer.content
            continue
        if reader == "page":
            assert answer.status_code == 200
            page = answer.content.decode()
            # the counts of completed responses move with each one; the figures may not
            # (and the logout form's CSRF token is masked anew on every page)
            page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
            shown[template] = re.sub(r"Completed by customers: \d+\.", "", page)
            continue
        # results (all of them) from k respondents let in with answers on, else none at all
        statuses.add(answer.status_code == 200)
        assert len(statuses) == 1, f"{path}: {answer.status_code}, unlike the others"
        if answer.status_code != 200:
            assert answer.status_code in (404, 409), f"{path}: {answer.status_code}"
            continue
        assert in_results >= k
        if reader == "api-results":
            result = answer.json()
            shown[reader] = answer.content
        elif reader == "report.html":
            shown[reader] = answer.content.decode()
        elif reader == "report.pdf":
            shown[reader] = text_of_pdf(answer.content)
        elif reader == "export.xlsx":
            shown[reader] = tables_of_xlsx(answer.content)
        elif reader == "export-csv.zip":
            shown[reader] = tables_of_zip(answer.getvalue(), "csv", tmp_path)
        elif reader == "export-sav.zip":
            shown[reader] = tables_of_zip(answer.content, "sav", tmp_path)
        else:
            raise AssertionError(f"no reader for {reader}")
    check_group_pages(group_pages, result, k)
    analyst = shown["/waves/<int:wave_id>/results/analysis/"]
    assert ('<section id="gaps">' in analyst) == (gaps is not None), "the five gaps show as the API gives them"
    if result is None:
        assert gaps is None
        return shown
    check_results(result, k, in_results)
    staff = {
        audience: Response.objects.filter(wave=wave, in_results=True, audience=audience).count()
        for audience in (Audience.MANAGER, Audience.EMPLOYEE)
    }
    if gaps is not None:
        check_gaps(gaps, k, staff)
    for reader in ("export.xlsx", "export-csv.zip", "export-sav.zip"):
        check_tables(shown[reader], k, result, reader)
        check_gap_tables(shown[reader], k, gaps, reader)
    if any_hidden(result):
        for reader in ("report.html", "report.pdf"):
            if reader in shown:
                assert HIDDEN_REASON in " ".join(shown[reader].split()), (
                    f"{reader} does not say why figures are missing"
                )
    return shown


@pytest.fixture
def owner(db):
    organisation = Organisation.objects.create(name="Anonimiteit")
    user = User.objects.create_user("eigenaar")
    Membership.objects.create(user=user, organisation=organisation, role=Role.OWNER)
    return organisation, user, ApiToken.create(user, organisation, "test")[1]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # shrinking a study of many responses takes long; SERVQUAL_ANONYMITY_SHRINK=1 to shrink
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("SERVQUAL_ANONYMITY_SHRINK") else []),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(study=studies())
def test_no_figure_rests_on_fewer_than_k_and_none_changes_by_one_response(owner, tmp_path, study):
    organisation, user, token = owner
    made = Study.objects.create(
        organisation=organisation,
        name="Anonimiteit",
        service_name="Acme",
        anonymity_threshold=study["k"],
        segment_missing=study["missing"],
    )
    for c, values in enumerate(study["columns"]):
        Segment.objects.create(study=made, key=f"s{c}", name=f"Segment {c}", values=values, position=c)
    now = timezone.now()
    wave = Wave.objects.create(
        study=made, name="1", opens_at=now - timezone.timedelta(days=1), closes_at=now + timezone.timedelta(days=9)
    )
    client = Client()
    client.force_login(user)
    respondents = study["respondents"]
    for respondent in respondents[: study["first"]]:
        respond(wave, respondent)
    for member in study["staff"]:
        if not member["late"]:
            respond_staff(wave, member)
    before = read_all(client, token, wave, tmp_path, pdf=True)
    in_before = Response.objects.filter(wave=wave, in_results=True).count()
    late = [(respond, r) for r in respondents[study["first"] :]]
    late += [(respond_staff, m) for m in study["staff"] if m["late"]]
    for arrive, respondent in late:
        arrive(wave, respondent)
        now_shown = read_all(client, token, wave, tmp_path, pdf=False)
        in_now = Response.objects.filter(wave=wave, in_results=True).count()
        if in_now == in_before:
            changed = [r for r in now_shown if r in before and now_shown[r] != before[r]]
            assert not changed, f"one more response changed what is shown: {changed}"
        else:
            assert in_now - in_before >= study["k"]
        before, in_before = now_shown, in_now
