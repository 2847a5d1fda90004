"""``servqual demo``: a demo organisation with a study, two waves and synthetic customers,
managers and contact employees.

The answers come from ``servqual.io.synthetic.generate_study`` and are stored by the same
code as an import, each audience on its own questionnaire, and let into the results by the
same admission as survey responses. The second wave is somewhat better, so the change
shows: its customers' perceptions, and the teamwork and perceived control of the employees
in Rotterdam, where gap 3 is planted (still visible in the second wave).
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

from servqual.instruments import Instrument
from servqual.io import read_responses
from servqual.io.synthetic import SEGMENTS, generate_study
from servqual.web.accounts.models import Membership, Organisation, Role
from servqual.web.dashboards.results import admit
from servqual.web.imports.rows import save_responses
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Audience, SurveyLink


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
#: Managers and contact employees per wave.
MANAGERS = 40
EMPLOYEES = 150
#: Share of the Rotterdam employees' teamwork and perceived control answers one point
#: better in the second wave: a little, so gap 3 is still there to find.
IMPROVED_ROTTERDAM = 0.5
ROTTERDAM_FACTORS = ("teamwork", "perceived_control")
#: What customers and employees write in the open question, in both languages; none names
#: a person. Most answers come in the demo's language, a few in the other.
OPEN_ANSWERS: dict[str, dict[str, list[str]]] = {
    Audience.CUSTOMER: {
        "en": [
            "Call back when you say you will.",
            "Shorter waiting times at the desk.",
            "One person who follows my question from start to finish.",
            "Clearer letters, without jargon.",
            "Keep the website up to date.",
        ],
        "nl": [
            "Terugbellen wanneer dat is afgesproken.",
            "Kortere wachttijden aan de balie.",
            "Eén vast aanspreekpunt voor mijn vraag.",
            "Duidelijkere brieven, zonder vaktaal.",
            "De website actueel houden.",
        ],
    },
    Audience.EMPLOYEE: {
        "en": [
            "More time per customer.",
            "Fewer systems to switch between.",
            "Hear from the back office when a case is settled.",
            "Let us solve small problems without asking permission first.",
            "Regular team meetings about what customers tell us.",
        ],
        "nl": [
            "Meer tijd per klant.",
            "Minder systemen om tussen te wisselen.",
            "Van de backoffice horen wanneer een zaak is afgehandeld.",
            "Kleine problemen zelf mogen oplossen, zonder eerst toestemming te vragen.",
            "Vaker teamoverleg over wat klanten ons vertellen.",
        ],
    },
}
#: Share of open answers in the language other than the demo's.
OTHER_LANGUAGE = 0.2


@transaction.atomic
def seed(
    respondents: int = 300,
    seed: int = 2026,
    lang: str = "en",
    *,
    managers: int = MANAGERS,
    employees: int = EMPLOYEES,
) -> dict[str, Any]:
    """Replace any earlier demo with a fresh one, named in ``lang``: ``respondents``
    customers in the first wave (a tenth more in the second), ``managers`` and ``employees``
    in each, all let into the results. Returns the login and what was made: ``responses``
    (customers per wave), ``audiences`` (per wave, per audience)."""
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
    audiences: dict[str, dict[str, int]] = {}
    for number, (wave, n, better) in enumerate(
        ((spring, respondents, False), (autumn, respondents + respondents // 10, True))
    ):
        rng = np.random.default_rng([seed, number])
        made: dict[str, int] = {}
        for audience, count in ((Audience.CUSTOMER, n), (Audience.MANAGER, managers), (Audience.EMPLOYEE, employees)):
            if not count:
                continue
            instrument = study.instrument(audience)
            columns = generate_study(count, instrument, seed=seed + number + 100 * Audience.values.index(audience))
            if better and audience == Audience.CUSTOMER:
                _improve(columns, np.random.default_rng(seed))
            if better and audience == Audience.EMPLOYEE:
                _improve_rotterdam(columns, instrument, rng)
            for column in instrument.open_columns:
                columns[column] = _open_answers(columns[column], audience, lang, rng)
            frame = pl.DataFrame(columns).drop("respondent_id")
            if values and "channel" in frame.columns:
                frame = frame.with_columns(pl.col("channel").replace(values))
            made[audience] = save_responses(wave, read_responses(frame, instrument, progress=False), audience)
            admit(wave, audience)  # as the results page would, by whole steps of the anonymity threshold
        sizes[wave.name] = made.get(Audience.CUSTOMER, 0)
        audiences[wave.name] = {audience: made.get(audience, 0) for audience in Audience.values}
    keys = {audience: SurveyLink.objects.create(wave=autumn, audience=audience).key for audience in Audience.values}
    return {
        "organisation": names.organisation,
        "username": USERNAME,
        "password": password,
        "responses": sizes,
        "audiences": audiences,
        "survey_key": keys[Audience.CUSTOMER],
        "survey_keys": keys,
    }


def _improve(columns: dict[str, Any], rng: np.random.Generator) -> None:
    """Raise a share of the perceptions by one point (at most the scale's 7)."""
    for name in [c for c in columns if c.startswith("P")]:
        values = columns[name]
        raised = rng.random(len(values)) < IMPROVED
        columns[name] = np.where(raised, np.minimum(values + 1, 7), values)  # NaN (no answer) stays NaN


def _improve_rotterdam(columns: dict[str, Any], instrument: Instrument, rng: np.random.Generator) -> None:
    """Move a share of the Rotterdam employees' teamwork and perceived control answers one
    point the better way (down on a reverse-keyed statement), within the scale."""
    low, high = instrument.scale.min, instrument.scale.max
    rotterdam = columns["branch"] == "Rotterdam"
    for factor in instrument.factors:
        if factor.key not in ROTTERDAM_FACTORS:
            continue
        for position, name in enumerate(factor.columns):
            moved = rotterdam & (rng.random(len(rotterdam)) < IMPROVED_ROTTERDAM)
            values = columns[name]
            if position in factor.reverse_positions:
                columns[name] = np.where(moved, np.maximum(values - 1, low), values)
            else:
                columns[name] = np.where(moved, np.minimum(values + 1, high), values)


def _open_answers(said: Any, audience: str, lang: str, rng: np.random.Generator) -> Any:
    """The demo's own texts where the synthetic respondent wrote something ("" where not):
    mostly in ``lang``, a share OTHER_LANGUAGE in the other language."""
    texts = OPEN_ANSWERS.get(audience)
    if texts is None:
        return said
    other = next(code for code in texts if code != lang)
    given = np.asarray(said) != ""
    in_other = rng.random(len(given)) < OTHER_LANGUAGE
    chosen = np.where(in_other, rng.choice(texts[other], size=len(given)), rng.choice(texts[lang], size=len(given)))
    return np.where(given, chosen, "")
