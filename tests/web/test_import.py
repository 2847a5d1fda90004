"""Importing responses from a file: the summary first, then the rows saved once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html import unescape
from pathlib import Path

import hostile
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.utils import timezone

from servqual.web.imports.models import ResponseImport
from servqual.web.surveys.models import Response

FIXTURES = Path(__file__).parents[1] / "fixtures"
BRANCHES = ["’s-Hertogenbosch", "Amsterdam", "Rotterdam"]  # of tests/fixtures/canonical.csv


def upload(client, wave, name: str, content: bytes):
    return client.post(f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_a_good_file_is_shown_then_saved_once_even_when_confirmed_twice(client, people, wave):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["carl"])
    page = upload(client, wave, "bank.csv", (FIXTURES / "canonical.csv").read_bytes())
    html = page.content.decode()
    assert "Rows read: 40" in html and "Rows used: 40" in html and "Save these 40 responses" in html
    assert Response.objects.count() == 0  # nothing saved before the confirm
    url = page.redirect_chain[-1][0]
    first, second = client.post(url, follow=True), client.post(url, follow=True)
    assert "Saved: 40 responses from bank.csv" in second.content.decode()
    assert first.status_code == second.status_code == 200
    saved = Response.objects.filter(wave=wave, completed_at__isnull=False)
    assert saved.count() == 40
    first_row = saved.order_by("pk").first()
    assert first_row.segments == {"branch": "’s-Hertogenbosch"}
    assert first_row.answers["E1"] == 5 and first_row.answers["P15"] is None and first_row.answers["W_TAN"] == 6
    assert ResponseImport.objects.get().content == b""  # the file is not kept once saved
    results = client.get(f"/waves/{wave.pk}/results/").content.decode()
    assert "Completed by customers: 40." in results


def test_a_file_without_the_instruments_columns_is_explained_and_nothing_is_saved(client, people, wave):
    client.force_login(people["alice"])
    page = upload(client, wave, "wrong.csv", b"name,score\nAnna,5\nBen,6\n")
    html = page.content.decode()
    assert "wrong.csv: required columns missing for instrument servqual-22" in html
    assert "Nothing was saved." in html and "Save the responses" not in html
    client.post(page.redirect_chain[-1][0])  # a confirm anyway
    assert Response.objects.count() == 0


def test_problems_are_listed_in_the_chosen_language_and_unknown_segment_values_block(client, people, wave):
    client.force_login(people["alice"])
    lines = (FIXTURES / "canonical.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",phone,5,", ",phone,9,", 1)  # E1 outside the scale of 1 to 7
    page = client.post(
        f"/waves/{wave.pk}/import/",
        {"file": SimpleUploadedFile("bank.csv", "\n".join(lines).encode())},
        headers={"accept-language": "nl"},
        follow=True,
    )
    html = page.content.decode()
    assert "Rijen gelezen: 40" in html and "afgewezen als ongeldig: 1" in html
    assert "Branch: het onderzoek kent deze waarden niet: Amsterdam, Rotterdam, ’s-Hertogenbosch" in html
    assert "Antwoorden opslaan" not in html
    client.post(page.redirect_chain[-1][0])
    assert Response.objects.count() == 0


def test_only_who_sets_up_studies_may_import_and_only_their_own_upload(client, people, wave):
    for name in ("mona", "vera", "bob"):
        client.force_login(people[name])
        assert client.get(f"/waves/{wave.pk}/import/").status_code == 404, name
    client.force_login(people["alice"])
    url = upload(client, wave, "bank.csv", (FIXTURES / "canonical.csv").read_bytes()).redirect_chain[-1][0]
    for name in ("bob", "mona", "carl"):
        client.force_login(people[name])
        assert client.get(url).status_code == 404, name
        assert client.post(url).status_code == 404, name
    assert Response.objects.count() == 0


def test_an_empty_upload_is_refused_by_the_form(client, people, wave):
    client.force_login(people["alice"])
    response = client.post(f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("empty.csv", b"")})
    assert response.status_code == 200 and ResponseImport.objects.count() == 0


def test_uploads_left_unconfirmed_for_a_day_are_deleted(client, people, wave):
    client.force_login(people["alice"])
    upload(client, wave, "old.csv", (FIXTURES / "canonical.csv").read_bytes())
    ResponseImport.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(client, wave, "new.csv", (FIXTURES / "canonical.csv").read_bytes())
    assert list(ResponseImport.objects.values_list("filename", flat=True)) == ["new.csv"]


@pytest.mark.django_db(transaction=True)
def test_confirms_sent_at_the_same_moment_save_the_rows_once(people, wave):
    """A double click: the confirms are in flight together, each on its own connection."""
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    browser = Client()
    browser.force_login(people["carl"])
    url = upload(browser, wave, "bank.csv", (FIXTURES / "canonical.csv").read_bytes()).redirect_chain[-1][0]

    def confirm(_):
        other = Client()
        other.cookies = browser.cookies
        try:
            return other.post(url).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(confirm, range(4))) == [302] * 4
    assert Response.objects.filter(wave=wave).count() == 40
    assert ResponseImport.objects.get().rows_saved == 40


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (hostile.unusable_zip_version(), "(zip file version 9.9)"),
        (hostile.workbook_openpyxl_names_by_path(), "(Cannot detect file format)"),  # calamine refuses it
    ],
)
def test_an_unreadable_workbook_is_named_as_uploaded_never_by_a_server_path(client, people, wave, content, detail):
    client.force_login(people["alice"])
    name = "Enquête (definitief).xlsx"
    page = upload(client, wave, name, content)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Enquête (definitief).xlsx: cannot be read as XLSX {detail}" in html
    assert "/tmp" not in html and "Nothing was saved." in html


def test_a_long_file_name_is_read_and_named_as_uploaded(client, people, wave):
    """A name longer than a file system takes (200 letters of two bytes each) once gave a
    server error when the upload was written under it."""
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["alice"])
    name = "é" * 195 + ".csv"
    html = upload(client, wave, name, (FIXTURES / "canonical.csv").read_bytes()).content.decode()
    assert "Rows used: 40" in html and "Save these 40 responses" in html


ACCOUNTED = FIXTURES / "accounted"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "labels.csv: the answers in P3 are text such as 'Enigszins mee eens', not scale points, so none of "
                "them is used; give each label its scale point under [values] in a mapping file",
                "rejected: 2% of the answers given, in P3",
            ],
        ),
        (
            "nl",
            [
                "labels.csv: de antwoorden in P3 zijn tekst zoals 'Enigszins mee eens', geen schaalpunten, dus geen "
                "ervan wordt gebruikt; geef elk label zijn schaalpunt onder [values] in een koppelbestand",
                "afgewezen: 2% van de gegeven antwoorden, in P3",
            ],
        ),
    ],
)
def test_the_summary_names_a_column_of_labels_and_the_share_rejected(client, people, wave, lang, expected):
    client.force_login(people["alice"])
    page = client.post(
        f"/waves/{wave.pk}/import/",
        {"file": SimpleUploadedFile("labels.csv", (ACCOUNTED / "labels.csv").read_bytes())},
        headers={"accept-language": lang},
        follow=True,
    )
    html = " ".join(unescape(page.content.decode()).split())
    for line in expected:
        assert line in html


def test_a_file_of_decimals_is_refused_with_its_reason(client, people, wave):
    client.force_login(people["alice"])
    page = upload(client, wave, "decimals.csv", (ACCOUNTED / "decimals.csv").read_bytes())
    html = unescape(page.content.decode())
    assert "decimals.csv: 80% of the answers cannot be used, most of them not whole points" in html
    assert "Nothing was saved." in html


def test_a_1_to_6_file_is_named_in_the_summary_and_on_the_results_page(client, people, wave):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["carl"])
    page = upload(client, wave, "six.csv", (ACCOUNTED / "six_point.csv").read_bytes())
    assert "six.csv: none of the 1707 answers is 7, on the 1..7 scale of instrument servqual-22" in unescape(
        page.content.decode()
    )
    client.post(page.redirect_chain[-1][0], follow=True)
    for lang, sentence in [
        (
            "en",
            "None of the 1707 answers is 7, on the 1..7 scale of the instrument; the answers look like a 1..6 scale",
        ),
        ("nl", "Geen van de 1707 antwoorden is 7, op de schaal 1..7 van het instrument; de antwoorden lijken op een"),
    ]:
        results = client.get(f"/waves/{wave.pk}/results/", headers={"accept-language": lang}).content.decode()
        assert sentence in " ".join(unescape(results).split())


def test_the_answers_to_the_open_question_are_imported_as_text(client, people, wave):
    """servqual-22's optional OPEN_IMPROVE_FIRST: kept apart from the numbers, stripped, an
    empty one left out; a file without the column is read as before (the test above)."""
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    lines = (FIXTURES / "canonical.csv").read_text(encoding="utf-8").splitlines()
    texts = ["  Shorter queues.  ", ""] + ["Friendlier staff"] * (len(lines) - 3)
    rows = [lines[0] + ",OPEN_IMPROVE_FIRST"] + [
        f'{line},"{text}"' for line, text in zip(lines[1:], texts, strict=True)
    ]
    client.force_login(people["carl"])
    page = upload(client, wave, "bank.csv", "\n".join(rows).encode())
    assert "Rows used: 40" in page.content.decode()
    client.post(page.redirect_chain[-1][0], follow=True)
    saved = list(Response.objects.order_by("pk").values_list("answers", "open_answers"))
    assert [given for _, given in saved[:3]] == [
        {"OPEN_IMPROVE_FIRST": "Shorter queues."},
        {},
        {"OPEN_IMPROVE_FIRST": "Friendlier staff"},
    ]
    assert all("OPEN_IMPROVE_FIRST" not in answers for answers, _ in saved)
