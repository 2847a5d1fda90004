"""The wave page: response counts per audience and segment, small groups hidden."""

from __future__ import annotations

import re

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
