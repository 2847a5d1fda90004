"""A new user's journey in a real browser (Debian's Chromium, driven by Playwright): log in,
set up a study with the wizard, give the organisation its logo and colour, answer its
survey on a phone-sized screen (with the logo, with and without JavaScript), and find the
answers in the wave's results.

Needs Chromium (``apt-get install chromium``); without it the test is skipped, unless
SERVQUAL_BROWSER_TESTS=required (as in .ci/run), which makes a missing browser a failure.
With SERVQUAL_SCREENSHOTS=docs/images it writes the wizard's screenshot of docs/web.md.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from logos import png

from servqual.web.accounts.models import Membership, Organisation, Role

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("SERVQUAL_BROWSER_TESTS") == "required":
        raise RuntimeError("SERVQUAL_BROWSER_TESTS=required, but Chromium is not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
axe = pytest.importorskip("axe_playwright_python.sync_playwright")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WIDE = {"viewport": {"width": 1280, "height": 900}}
#: Three customers: expectations 6, 7, 6 and perceptions 3, 4, 5 on every statement, so
#: every gap is -3, -3 and -1, with mean -7/3.
ANSWERS = [(6, 3), (7, 4), (6, 5)]
PASSWORD = "a long and unusual passphrase 7"
#: The organisation's accent colour (7.8:1 on white) and logo, set on its branding page.
ACCENT, ACCENT_RGB = "#7a1f5c", "rgb(122, 31, 92)"
LOGO = png(240, 80, (122, 31, 92))


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


#: What axe-core checks on every page of the journey: the WCAG 2.1 A and AA rules.
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def accessible(page) -> None:
    """No WCAG 2.1 AA violation that axe-core finds on the page as it is now."""
    violations = axe.Axe().run(page, options=WCAG_21_AA).response["violations"]
    found = [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in violations]
    assert not found, f"{page.url}: " + "; ".join(found)


def refused_by_the_policy(context) -> list[str]:
    """The messages of everything the Content-Security-Policy refuses in the context's pages
    from now on (Chromium reports each on the console); a list to assert empty."""
    refused: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", note)
    return refused


def screenshot(page, name: str) -> None:
    """What the screen shows now (no scrolling), or one element of it (a locator), when
    SERVQUAL_SCREENSHOTS names a folder."""
    folder = os.environ.get("SERVQUAL_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def anna(transactional_db) -> User:
    """A new owner of an organisation with nothing in it yet. Made before the browser
    starts: Playwright's event loop keeps Django's database calls out of the test."""
    organisation = Organisation.objects.create(name="Gemeente Acme")
    user = User.objects.create_user("anna", password=PASSWORD)
    Membership.objects.create(user=user, organisation=organisation, role=Role.OWNER)
    return user


def test_a_new_user_sets_up_a_study_answers_it_on_a_phone_and_sees_the_results(live_server, anna, browser):
    office = browser.new_context(**WIDE, locale="en-GB")
    refused = refused_by_the_policy(office)
    page = office.new_page()
    page.goto(f"{live_server.url}/")
    accessible(page)
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=New study")

    # The wizard: four steps, no administrator needed.
    page.fill("#id_study-name", "Klanttevredenheid")
    page.fill("#id_study-service_name", "Gemeente Acme")
    page.fill("#id_study-anonymity_threshold", "3")
    accessible(page)
    screenshot(page, "wizard")
    page.click("text=Next")
    accessible(page)
    page.check("input[name=instrument-instrument][value=servqual-22]")
    page.click("text=Next")
    accessible(page)
    page.fill("#id_segments-0-key", "branch")
    page.fill("#id_segments-0-name", "Branch")
    page.fill("#id_segments-0-values", "Utrecht, Zwolle")
    page.click("text=Next")
    accessible(page)
    page.fill("#id_wave-name", "Voorjaar")
    page.click("text=Create the study")
    assert "/waves/" in page.url and page.locator("h1").inner_text() == "Voorjaar"
    accessible(page)
    survey_url = page.locator("main a[href*='/s/']").first.get_attribute("href")  # the page shows the whole address
    wave_url = page.url
    # Each survey link's QR code is an image that loads; the copy button shows where scripts run.
    assert page.locator("ul.links .qr img").first.evaluate("img => img.naturalWidth") > 0
    assert page.locator("button.copy").first.is_visible()
    # The wave's other pages for the one who set it up: each checked, then back.
    for link in ["New survey link", "Invite by e-mail: upload a list of addresses", "Import responses"]:
        page.click(f"text={link}")
        accessible(page)
        if link == "New survey link":  # one for the branch Utrecht: the customers answer through it
            page.select_option("#id_segment_branch", "Utrecht")
            page.click("text=Make the link")
            survey_url = page.locator("ul.links li:has-text('Utrecht') a[href*='/s/']").get_attribute("href")
        if link == "Import responses":  # the columns it reads, and a template to fill in
            assert "<code>branch</code>" in page.content()
            with page.expect_download() as template:
                page.click("text=Excel workbook (XLSX)")
            assert template.value.suggested_filename == "klanttevredenheid-import.xlsx"
        page.goto(wave_url)
    page.click("text=Change the wave")
    accessible(page)
    page.goto(wave_url)
    page.click("text=Klanttevredenheid")  # the study's page, its new-wave form, and changing it
    accessible(page)
    page.click("text=New wave")
    accessible(page)
    page.go_back()
    page.click("text=Change the study")
    accessible(page)
    page.locator("textarea[name$='-values']").first.fill("Utrecht, Zwolle, Ede")  # a branch added
    page.click("main button[type=submit]")
    assert page.locator(".notice").first.inner_text() == "The study is saved."
    accessible(page)
    # The organisation's logo and colour, on its owner's page.
    page.goto(f"{live_server.url}/")
    page.click("text=Branding")
    accessible(page)
    page.fill("#id_accent_colour", ACCENT)
    page.set_input_files("#id_logo_file", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": LOGO}])
    with page.expect_navigation():  # and its images loaded
        page.click("main button[type=submit]")
    assert page.locator(".logo-preview img").evaluate("img => img.naturalWidth") == 240
    accessible(page)
    page.goto(wave_url)

    # Without JavaScript the survey shows the same: logo, colour, nothing wider than a phone.
    plain = browser.new_context(**PHONE, locale="nl-NL", java_script_enabled=False)
    refused += refused_by_the_policy(plain)
    branded(plain.new_page(), survey_url)
    plain.close()
    for number, (expectation, perception) in enumerate(ANSWERS):
        phone = browser.new_context(**PHONE, locale="nl-NL")  # a new browser: a new respondent
        refused += refused_by_the_policy(phone)
        # the wave page shows each link's whole address
        answer(phone.new_page(), survey_url, expectation, perception, first=number == 0)
        phone.close()

    page.reload()
    assert "3" in page.locator("table").first.inner_text()  # started and completed
    page.click("text=Results")
    results = page.locator("main").inner_text()
    assert "3 respondents" in results or "n = 3" in results
    assert re.search(r"[-−]2[.,]33", results), results[:2000]
    assert page.locator(".results svg").first.is_visible()  # the report's charts, inline SVG
    accessible(page)
    # Segments as filters: the branch all three answered through, on its own, and back.
    assert page.locator("#group option").all_inner_texts() == ["everyone", "Utrecht"]
    page.select_option("#group", "branch:Utrecht")
    page.click('form.filter button:has-text("Show")')
    assert "Shown: Branch “Utrecht” only, 3 respondents." in page.locator("main").inner_text()
    assert re.search(r"[-−]2[.,]33", page.locator("#group-table").inner_text())
    accessible(page)
    page.click("text=Show everyone")
    assert "group=" not in page.url and page.locator("#group").input_value() == ""
    page.click("text=For the analyst")
    assert page.locator("#dimension-table").is_visible()
    accessible(page)
    # The same two views in Dutch, for a Dutch manager's browser.
    dutch = browser.new_context(**WIDE, locale="nl-NL", storage_state=office.storage_state())
    refused += refused_by_the_policy(dutch)
    results_page = dutch.new_page()
    results_page.goto(page.url.replace("/analysis/", "/"))
    assert "Managementsamenvatting" in results_page.locator("main").inner_text()
    accessible(results_page)
    results_page.select_option("#group", "branch:Utrecht")
    results_page.click('form.filter button:has-text("Tonen")')
    assert "Getoond: alleen Branch “Utrecht”, 3 respondenten." in results_page.locator("main").inner_text()
    assert "Managementsamenvatting: branch “Utrecht”" in results_page.locator("h2").all_inner_texts()
    accessible(results_page)
    results_page.click("text=Iedereen tonen")
    results_page.click("text=Voor de analist")
    accessible(results_page)
    dutch.close()
    office.close()
    assert not refused  # the live total ran, and nothing else was refused


def test_the_api_docs_work_under_the_content_security_policy(live_server, transactional_db, browser):
    """Swagger UI, from django-ninja's own static files, draws the operations of the schema."""
    context = browser.new_context(**WIDE)
    refused = refused_by_the_policy(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/api/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    assert "/api/studies" in page.locator("#swagger-ui").inner_text()
    context.close()
    assert not refused


@pytest.fixture
def operator(transactional_db) -> User:
    """A superuser, made before the browser starts (see anna)."""
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


def test_the_admin_works_under_the_content_security_policy(live_server, operator, browser):
    """The admin's own scripts (inlines, calendar and clock) run; nothing is refused."""
    context = browser.new_context(**WIDE, locale="en-GB")
    refused = refused_by_the_policy(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/studies/study/add/")
    waves = page.locator("#waves-group .dynamic-waves").count()
    page.locator("#waves-group .add-row a").click()  # inlines.js adds a row
    assert page.locator("#waves-group .dynamic-waves").count() == waves + 1
    page.locator("#waves-group .datetimeshortcuts a").first.click()  # "Today", by DateTimeShortcuts.js
    assert page.locator("#waves-group input.vDateField").first.input_value()
    context.close()
    assert not refused


def answer(page, url: str, expectation: int, perception: int, first: bool) -> None:
    """Answer every page as a respondent does on a phone: by tapping. The first respondent's
    pages are checked for accessibility."""
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "nl"  # the browser's language
    if first:
        branded(page, url)
        accessible(page)
    send(page)
    while page.locator("fieldset.scale").count():
        if first:
            accessible(page)
        for fieldset in page.locator("fieldset.scale").all():
            name = fieldset.locator("input[type=radio]").first.get_attribute("name")
            value = expectation if name.startswith("E") else perception
            fieldset.locator(f"label:has(input[value='{value}'])").tap()
        send(page)
    points = page.locator("input[type=number]")
    assert points.count() == 5  # the importance split
    for i in range(5):
        points.nth(i).fill("20")
    assert page.locator("#total").inner_text() == "100"  # the live total, with JavaScript on
    if first:
        accessible(page)
    send(page)
    answer_box = page.locator("textarea")  # the optional open question, last
    assert answer_box.count() == 1
    if first:
        answer_box.fill("Kortere wachttijden aan de balie.")
        accessible(page)
    send(page)
    assert "/done/" in page.url
    if first:
        accessible(page)


def branded(page, url: str) -> None:
    """The survey's start page shows the organisation's logo (loaded, with its name as alt
    text) and name, its colour on the button, and fits a phone's width."""
    page.goto(url)
    logo = page.locator("header img.logo")
    assert logo.get_attribute("alt") == "Gemeente Acme"
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 240
    assert logo.is_visible() and logo.bounding_box()["height"] <= 40  # scaled down to the header
    assert page.locator("header .organisation").inner_text() == "Gemeente Acme"
    button = page.locator("main button[type=submit]")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == ACCENT_RGB
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def send(page) -> None:
    """Tap the page's main button and wait for the next page."""
    with page.expect_navigation():
        page.locator("main button[type=submit]:not([name=back])").tap()


@pytest.fixture
def surveyed_study(anna):
    """Anna's organisation with a study (threshold 3, branches Utrecht and Zwolle) whose open
    wave has 60 customers in its results and two managers and two employees who completed
    their surveys: the third of each, answered in the browser, makes a step of the threshold."""
    from datetime import timedelta

    import polars as pl
    from django.utils import timezone

    from servqual.io import read_responses
    from servqual.io.synthetic import generate_study
    from servqual.web.dashboards.results import admit
    from servqual.web.imports.rows import save_responses
    from servqual.web.studies.models import Segment, Study, Wave

    organisation = anna.memberships.get().organisation
    study = Study.objects.create(
        organisation=organisation, name="Vijf kloven", service_name="Gemeente Acme", anonymity_threshold=3
    )
    Segment.objects.create(study=study, key="branch", name="Branch", values=["Utrecht", "Zwolle"])
    now = timezone.now()
    wave = Wave.objects.create(
        study=study, name="Najaar", opens_at=now - timedelta(days=1), closes_at=now + timedelta(30)
    )
    for audience, n, instrument in (
        ("customer", 60, "servqual-22"),
        ("manager", 2, "servqual-managers"),
        ("employee", 2, "servqual-employees"),
    ):
        columns = generate_study(n, instrument, seed=7)
        columns["branch"] = ["Utrecht" if i % 2 else "Zwolle" for i in range(n)]
        save_responses(wave, read_responses(pl.DataFrame(columns), instrument, progress=False), audience)
    admit(wave, "customer")
    return wave


def test_a_manager_and_an_employee_answer_their_surveys_and_the_five_gaps_are_found(
    live_server, surveyed_study, browser
):
    office = browser.new_context(**WIDE, locale="en-GB")
    refused = refused_by_the_policy(office)
    page = office.new_page()
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    wave_url = f"{live_server.url}/waves/{surveyed_study.pk}/"
    urls = {}
    for audience, label in (("manager", "Managers"), ("employee", "Employees")):
        page.goto(wave_url)
        page.click("text=New survey link")
        page.select_option("#id_audience", audience)
        accessible(page)
        page.click("text=Make the link")
        urls[audience] = page.locator(f"ul.links li:has-text('{label}') a[href*='/s/']").first.get_attribute("href")
    for audience, url in urls.items():  # the third of each: a step of the threshold
        phone = browser.new_context(**PHONE, locale="nl-NL")
        refused += refused_by_the_policy(phone)
        answer_organisation_survey(phone.new_page(), url, audience)
        phone.close()

    page.goto(wave_url)
    page.click("text=Results")
    gaps = page.locator("#gaps")
    picture = gaps.locator("svg").first
    assert picture.is_visible()
    links = [a.get_attribute("href") for a in picture.locator("a").all()]
    assert [link.rsplit("#", 1)[1] for link in links] == ["gap-1", "gap-2", "gap-3", "gap-4", "gap-5"]
    accessible(page)
    screenshot(page.locator("#gaps"), "gaps-model")
    picture.locator("a[href$='#gap-3']").click()  # to its evidence, in the analyst's view
    assert page.url.endswith("/analysis/#gap-3")
    assert page.locator("#gap-3").is_visible()
    evidence = page.locator("#gaps").inner_text()
    assert "Teamwork" in evidence and "Perceived control" in evidence
    assert "customer process" in evidence.lower()
    accessible(page)
    screenshot(page, "gaps-evidence")  # the screen at gap 3's evidence
    # The same picture for a Dutch manager.
    dutch = browser.new_context(**WIDE, locale="nl-NL", storage_state=office.storage_state())
    refused += refused_by_the_policy(dutch)
    results_page = dutch.new_page()
    results_page.goto(page.url.split("analysis/")[0])
    assert "De vijf kloven" in results_page.locator("#gaps h2").inner_text()
    accessible(results_page)
    dutch.close()
    office.close()
    assert not refused


def answer_organisation_survey(page, url: str, audience: str) -> None:
    """A manager or an employee answers every page in Dutch, checked for accessibility:
    every statement a 5, the importance split as 20 points each, the open question."""
    page.goto(url)
    assert {"manager": "managers", "employee": "medewerkers"}[audience] in page.locator("main").inner_text().lower()
    accessible(page)
    send(page)
    while "/done/" not in page.url:
        accessible(page)
        for fieldset in page.locator("fieldset.scale").all():
            fieldset.locator("label:has(input[value='5'])").tap()
        points = page.locator("input[type=number]")
        for i in range(points.count()):
            points.nth(i).fill("20")
        if page.locator("textarea").count():
            page.locator("textarea").first.fill("Minder systemen om tussen te wisselen.")
        send(page)
