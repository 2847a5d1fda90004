"""The wave page: response counts per audience and segment, small groups hidden."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from servqual.web.surveys.models import Response


def add(link, branch, n, completed=True):
    for _ in range(n):
        Response.objects.create(
            wave=link.wave,
            link=link,
            language="nl",
            segments={"branch": branch},
            completed_at=timezone.now() if completed else None,
        )


def counts(html: str) -> dict[str, str]:

    return dict(re.findall(r'<tr><th scope="row">([^<]+)</th>\s*<td class="number">([^<]+)</td>', html))


def test_it_shows_started_and_completed_and_hides_a_small_branch_and_its_complement(client, people, link):
    add(link, "Utrecht", 9)
    add(link, "Zwolle", 2)
    add(link, "Zwolle", 3, completed=False)
    client.force_login(people["vera"])
    html = client.get(f"/waves/{link.wave.pk}/").content.decode()
    shown = counts(html)
    assert shown["Started"] == "14" and shown["Completed"] == "11"
    # Zwolle (2) is under the threshold of 5; Utrecht would give it away as 11 - 9.
    assert shown["Utrecht"] == "hidden" and shown["Zwolle"] == "hidden"
    assert f"/s/{link.key}/" in html


def test_branches_at_the_threshold_are_shown(client, people, link):
    add(link, "Utrecht", 5)
    add(link, "Zwolle", 6)
    client.force_login(people["mona"])
    shown = counts(client.get(f"/waves/{link.wave.pk}/").content.decode())
    assert shown["Utrecht"] == "5" and shown["Zwolle"] == "6"


def test_the_wave_page_speaks_dutch(client, people, link):
    add(link, "Utrecht", 5)
    client.force_login(people["alice"])
    html = client.get(f"/waves/{link.wave.pk}/", headers={"accept-language": "nl"}).content.decode()
    assert "Afgerond" in counts(html) and "Enquêtelinks" in html


def test_the_wave_page_charts_completions_per_day(client, people, link):
    add(link, "Utrecht", 3)
    Response.objects.filter(wave=link.wave).update(completed_at=timezone.now() - timedelta(days=2))
    add(link, "Utrecht", 4)
    add(link, "Utrecht", 2, completed=False)
    client.force_login(people["vera"])
    html = client.get(f"/waves/{link.wave.pk}/").content.decode()
    chart = html[html.index('<figure class="chart">') : html.index("</figure>")]
    # Three days from the first completion to today: 3, none, 4 (the started ones do not count).
    heights = [float(h) for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', chart)]
    assert len(heights) == 3 and heights[1] == 0
    assert heights[2] / heights[0] == pytest.approx(4 / 3, rel=0.02)
    assert "<title>Completed responses per day</title>" in chart


def test_every_survey_link_has_a_qr_code_and_a_copy_button(client, people, link, globex):
    client.force_login(people["vera"])
    html = client.get(f"/waves/{link.wave.pk}/").content.decode()
    address = f"http://testserver/s/{link.key}/"
    assert f'data-copy="{address}"' in html and "copy.js" in html
    for kind, content_type in (("svg", "image/svg+xml"), ("png", "image/png")):
        url = f"/waves/{link.wave.pk}/links/{link.pk}/qr.{kind}"
        assert f'href="{url}"' in html
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == content_type
    svg = client.get(f"/waves/{link.wave.pk}/links/{link.pk}/qr.svg").content.decode()
    assert f"<title>{address}</title>" in svg
    png = client.get(f"/waves/{link.wave.pk}/links/{link.pk}/qr.png").content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # The code holds the address: segno makes the same symbol from it (version and size).
    symbol = segno.make(address, error="q")
    width = int.from_bytes(png[16:20], "big")
    assert width == (symbol.symbol_size(scale=12, border=2)[0])
    assert client.get(f"/waves/{link.wave.pk}/links/{link.pk}/qr.gif").status_code == 404
    for name, status in {"alice": 200, "carl": 200, "mona": 200, "vera": 200, "bob": 404}.items():  # bob: Globex
        client.force_login(people[name])
        assert client.get(f"/waves/{link.wave.pk}/links/{link.pk}/qr.svg").status_code == status, name
    client.logout()
    assert client.get(f"/waves/{link.wave.pk}/links/{link.pk}/qr.svg").status_code == 302  # to the login page


def test_the_study_page_lists_its_waves_with_their_state(client, people, link):
    add(link, "Utrecht", 7)
    add(link, "Utrecht", 2, completed=False)
    wave = link.wave
    client.force_login(people["mona"])
    html = client.get(f"/studies/{wave.study.pk}/").content.decode()
    row = html[html.index(f'<a href="/waves/{wave.pk}/">') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[1] == "open" and cells[2] == "7" and cells[3] == "–"  # no invitations: no rate
    assert f'href="/waves/{wave.pk}/results/"' in cells[4]
    client.force_login(people["vera"])  # a viewer has no results right: no link to them
    assert f'href="/waves/{wave.pk}/results/"' not in client.get(f"/studies/{wave.study.pk}/").content.decode()


def test_the_study_page_shows_a_response_rate_only_from_the_threshold_on(client, people, wave):
    from servqual.web.distribution.models import Invitation

    invitations = [
        Invitation.objects.create(wave=wave, email=f"klant{i}@example.org", language="nl") for i in range(10)
    ]
    client.force_login(people["alice"])

    def rate() -> str:
        html = client.get(f"/studies/{wave.study.pk}/").content.decode()
        row = html[html.index(f'<a href="/waves/{wave.pk}/">') :]
        return re.findall(r'<td class="number">(.*?)</td>', row[: row.index("</tr>")])[1]

    for count, expected in ((4, "hidden"), (5, "50%")):
        for invitation in invitations[:count]:
            if invitation.response is None:
                invitation.response = Response.objects.create(
                    wave=wave, language="nl", segments={}, completed_at=timezone.now()
                )
                invitation.save()
        assert rate() == expected
