"""``servqual demo``: a demo organisation with a study, two waves and synthetic customers.

The answers come from ``servqual.io.synthetic.generate_study`` and are stored by the same
code as an import. The second wave is somewhat better, so the change shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from servqual.io import read_responses
from servqual.io.synthetic import SEGMENTS, generate_study
from servqual.web.accounts.models import Membership, Organisation, Role
from servqual.web.imports.rows import save_responses
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import SurveyLink


@dataclass(frozen=True)
class DemoNames:
    """The demo's names in one language."""

    organisation: str
    study: str
    segments: dict[str, str]
    spring: str
    autumn: str
    #: the synthetic segment values (English) as shown in this language
    values: dict[str, str] = field(default_factory=dict)


#: ``servqual demo --lang nl`` seeds the Dutch names.
NAMES = {
    "en": DemoNames("Demo Bank", "Customer survey", {"branch": "Branch", "channel": "Channel"}, "Spring", "Autumn"),
    "nl": DemoNames(
        "Demobank",
        "Klantonderzoek",
        {"branch": "Vestiging", "channel": "Kanaal"},
        "Voorjaar",
        "Najaar",
        {"phone": "telefoon", "desk": "balie", "web": "web"},
    ),
}
ORGANISATION = NAMES["en"].organisation
USERNAME = "demo"
#: Share of perception answers one point higher in the second wave.
IMPROVED = 0.35


@transaction.atomic
def seed(respondents: int = 300, seed: int = 2026, lang: str = "en") -> dict[str, Any]:
    """Replace any earlier demo with a fresh one, named in ``lang``; returns the login and
    what was made."""
    names = NAMES[lang]
    Organisation.objects.filter(name__in=[n.organisation for n in NAMES.values()]).delete()
    User.objects.filter(username=USERNAME).delete()
    organisation = Organisation.objects.create(name=names.organisation)
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(USERNAME, password=password)
    Membership.objects.create(user=user, organisation=organisation, role=Role.OWNER)
    languages = [lang, *[other for other in NAMES if other != lang]]  # the survey opens in the demo's language
    study = Study.objects.create(
        organisation=organisation, name=names.study, service_name=names.organisation, languages=languages
    )
    values = names.values
    for position, key in enumerate(["branch", "channel"]):
        shown = [values.get(v, v) for v in SEGMENTS[key][0]]
        Segment.objects.create(study=study, key=key, name=names.segments[key], values=shown, position=position)
    now = timezone.now()
    spring = Wave.objects.create(
        study=study, name=names.spring, opens_at=now - timedelta(days=240), closes_at=now - timedelta(days=200)
    )
    autumn = Wave.objects.create(
        study=study, name=names.autumn, opens_at=now - timedelta(days=20), closes_at=now + timedelta(days=40)
    )
    sizes: dict[str, int] = {}
    for wave, n, better in ((spring, respondents, False), (autumn, respondents + respondents // 10, True)):
        columns = generate_study(n, seed=seed + len(sizes))
        if better:
            _improve(columns, np.random.default_rng(seed))
        frame = pl.DataFrame(columns).drop("respondent_id")
        if values:
            frame = frame.with_columns(pl.col("channel").replace(values))
        sizes[wave.name] = save_responses(wave, read_responses(frame, "servqual-22", progress=False))
    link = SurveyLink.objects.create(wave=autumn)
    return {
        "organisation": names.organisation,
        "username": USERNAME,
        "password": password,
        "responses": sizes,
        "survey_key": link.key,
    }


def _improve(columns: dict[str, Any], rng: np.random.Generator) -> None:
    """Raise a share of the perceptions by one point (at most the scale's 7)."""
    for name in [c for c in columns if c.startswith("P")]:
        values = columns[name]
        raised = rng.random(len(values)) < IMPROVED
        columns[name] = np.where(raised, np.minimum(values + 1, 7), values)  # NaN (no answer) stays NaN
