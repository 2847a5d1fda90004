"""An organisation's logo and accent colour: what is accepted, the owners' page, the public
logo and stylesheet addresses, the survey pages and the report's cover."""

from __future__ import annotations

import hashlib
import io
import re
import struct
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from logos import JPEG, JPEG_SIZE, png
from pypdf import PdfReader
from synthetic import fill

from servqual.report.charts import BLUE, ORANGE, VERMILION
from servqual.web.accounts.branding import MAX_LOGO_BYTES, MAX_LOGO_SIDE, check_logo, set_logo
from servqual.web.accounts.models import Logo, Organisation
from servqual.web.distribution.models import Invitation
from servqual.web.surveys.models import Response

CSS = Path(__file__).parents[2] / "src" / "servqual" / "web" / "static" / "servqual" / "servqual.css"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(data: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


# -- what a logo may be ------------------------------------------------------------------


def test_a_png_and_a_jpeg_are_read_with_their_pixel_size():
    picture = check_logo(png(120, 40))
    assert (picture.format, picture.width, picture.height) == ("png", 120, 40)
    picture = check_logo(JPEG)
    assert (picture.format, (picture.width, picture.height)) == ("jpeg", JPEG_SIZE)


@pytest.mark.parametrize(
    "data",
    [
        SVG,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        png()[:-12],  # no IEND: cut off
        png()[:40] + bytes([png()[40] ^ 0xFF]) + png()[41:],  # a changed byte: its chunk's checksum fails
        JPEG[:-2],  # no end marker
        b"\x89PNG\r\n\x1a\n" + SVG,  # a PNG's signature before something else
    ],
    ids=["svg", "gif", "png-cut-off", "png-bad-checksum", "jpeg-cut-off", "svg-behind-a-png-signature"],
)
def test_anything_but_a_whole_png_or_jpeg_is_refused(data):
    with pytest.raises(ValidationError) as refused:
        check_logo(data)
    assert refused.value.messages == ["A logo must be a PNG or JPEG image (not SVG or any other kind)."]


def test_a_logo_over_200_kb_or_with_an_absurd_pixel_size_is_refused():
    big = png(120, 40)
    big = big[:-12] + struct.pack(">I", MAX_LOGO_BYTES) + b"tEXt" + b"x" * MAX_LOGO_BYTES + b"\0\0\0\0" + big[-12:]
    with pytest.raises(ValidationError, match="at most 200 KB"):
        check_logo(big)
    with pytest.raises(ValidationError, match=f"5000 × 10 pixels; each side must be between 1 and {MAX_LOGO_SIDE}"):
        check_logo(png(5000, 10))


def test_the_accent_colour_must_reach_a_contrast_of_4_5_with_white(acme):
    acme.accent_colour = "#E69F00"  # Okabe-Ito orange: 2.25:1
    with pytest.raises(ValidationError) as refused:
        acme.full_clean()
    assert refused.value.message_dict["accent_colour"] == [
        "#e69f00 has a contrast of 2.25:1 with white; at least 4.5:1 is needed for text to be readable "
        "(WCAG AA). Choose a darker colour."
    ]
    acme.accent_colour = "#777777"  # 4.48:1, just short
    with pytest.raises(ValidationError, match=r"4\.47:1"):
        acme.full_clean()
    acme.accent_colour = "0b5394"
    with pytest.raises(ValidationError, match="six hexadecimal digits"):
        acme.full_clean()
    acme.accent_colour = "#0B5394"  # 7.84:1
    acme.full_clean()
    assert acme.accent_colour == "#0b5394"


# -- the owners' page and the public addresses -------------------------------------------


def test_an_owner_sets_the_logo_and_colour_and_anyone_fetches_the_logo_by_its_hash(client, people, acme):
    client.force_login(people["alice"])
    page = client.get(f"/organisations/{acme.pk}/branding/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    data = png(200, 60)
    sent = client.post(
        f"/organisations/{acme.pk}/branding/", {"accent_colour": "#7A1F5C", "logo_file": upload(data)}, follow=True
    )
    assert "The branding is saved." in sent.content.decode()
    acme.refresh_from_db()
    digest = hashlib.sha256(data).hexdigest()
    assert acme.accent_colour == "#7a1f5c" and acme.logo_id == digest
    assert f'src="/logos/{digest}.png" alt="Acme" width="200" height="60"' in sent.content.decode()

    logo = Client().get(f"/logos/{digest}.png")  # nobody logged in
    assert logo.status_code == 200 and logo.content == data
    assert logo["Content-Type"] == "image/png"
    assert logo["Cache-Control"] == "public, max-age=31536000, immutable"
    assert logo["X-Content-Type-Options"] == "nosniff"
    for wrong in (f"/logos/{digest}.jpg", f"/logos/{digest.upper()}.png", f"/logos/{'0' * 64}.png", "/logos/1.png"):
        assert Client().get(wrong).status_code == 404, wrong


def test_a_new_logo_replaces_the_old_one_and_removing_it_leaves_no_picture(client, people, acme):
    client.force_login(people["alice"])
    url = f"/organisations/{acme.pk}/branding/"
    client.post(url, {"accent_colour": "", "logo_file": upload(png(colour=(1, 2, 3)))})
    client.post(url, {"accent_colour": "", "logo_file": upload(JPEG, "logo.jpg")})
    acme.refresh_from_db()
    assert acme.logo.format == "jpeg" and list(Logo.objects.values_list("pk", flat=True)) == [acme.logo_id]
    assert Client().get(f"/logos/{acme.logo_id}.jpg")["Content-Type"] == "image/jpeg"
    client.post(url, {"accent_colour": "", "remove_logo": "on"})
    acme.refresh_from_db()
    assert acme.logo is None and not Logo.objects.exists()


def test_an_svg_or_a_light_colour_is_refused_on_the_page_with_the_reason(client, people, acme):
    client.force_login(people["alice"])
    page = client.post(
        f"/organisations/{acme.pk}/branding/",
        {"accent_colour": "#ffcc00", "logo_file": SimpleUploadedFile("logo.svg", SVG, content_type="image/png")},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "A logo must be a PNG or JPEG image (not SVG or any other kind)." in html
    assert "#ffcc00 has a contrast of 1.51:1 with white" in html
    acme.refresh_from_db()
    assert acme.logo is None and acme.accent_colour == "" and not Logo.objects.exists()


def test_the_page_speaks_dutch_with_a_decimal_comma(client, people, acme):
    client.force_login(people["alice"])
    page = client.post(
        f"/organisations/{acme.pk}/branding/", {"accent_colour": "#ffcc00"}, headers={"accept-language": "nl"}
    )
    assert "#ffcc00 heeft een contrast van 1,51:1 met wit" in page.content.decode()


@pytest.mark.parametrize("name", ["carl", "mona", "vera", "bob"])
def test_only_the_organisations_owners_open_its_branding_page(client, people, acme, name):
    client.force_login(people[name])
    assert client.get(f"/organisations/{acme.pk}/branding/").status_code == 404
    sent = client.post(f"/organisations/{acme.pk}/branding/", {"accent_colour": "#000000"})
    assert sent.status_code == 404
    acme.refresh_from_db()
    assert acme.accent_colour == ""


def test_the_home_page_links_the_branding_page_for_owners_only(client, people, acme):
    client.force_login(people["alice"])
    assert f"/organisations/{acme.pk}/branding/" in client.get("/").content.decode()
    client.force_login(people["carl"])
    assert "/branding/" not in client.get("/").content.decode()


def test_the_admin_sets_a_logo_too(client, people, acme):
    alice = people["alice"]
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    sent = client.post(
        f"/admin/accounts/organisation/{acme.pk}/change/",
        {
            "name": "Acme",
            "accent_colour": "#0b5394",
            "logo_file": upload(png()),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    acme.refresh_from_db()
    assert acme.logo_id == hashlib.sha256(png()).hexdigest() and acme.accent_colour == "#0b5394"


def test_the_brand_stylesheet_sets_the_accent_colour_and_is_kept_for_a_year():
    sheet = Client().get("/brand/7a1f5c.css")
    assert sheet.status_code == 200 and sheet["Content-Type"] == "text/css; charset=utf-8"
    assert sheet.content.decode() == ":root { --accent: #7a1f5c; --accent-soft: #efe4eb; }\n"
    assert sheet["Cache-Control"] == "public, max-age=31536000, immutable"
    assert sheet["X-Content-Type-Options"] == "nosniff"
    for unreadable in ("e69f00", "7A1F5C", "7a1f5", "red", "7a1f5c;}body{x:y"):
        assert Client().get(f"/brand/{unreadable}.css").status_code == 404, unreadable


# -- the survey pages ----------------------------------------------------------------------


def test_the_survey_pages_show_the_organisations_name_logo_and_colour(client, acme, link):
    set_logo(acme, png(160, 48))
    acme.accent_colour = "#7a1f5c"
    acme.save()
    for path in (f"/s/{link.key}/", f"/s/{link.key}/1/"):
        if path.endswith("/1/"):
            client.post(f"/s/{link.key}/")
        html = client.get(path).content.decode()
        assert f'<img class="logo" src="/logos/{acme.logo_id}.png" alt="Acme" width="160" height="48">' in html
        assert '<span class="organisation">Acme</span>' in html
        assert '<link rel="stylesheet" href="/brand/7a1f5c.css">' in html
        assert "style=" not in html  # the policy allows no inline style


def test_without_branding_the_survey_shows_the_name_and_the_platforms_colours(client, link):
    html = client.get(f"/s/{link.key}/").content.decode()
    assert '<span class="organisation">Acme</span>' in html
    assert "/logos/" not in html and "/brand/" not in html


def test_the_design_systems_gap_colours_are_the_charts():
    tokens = dict(re.findall(r"--(gap-[a-z-]+): (#[0-9A-Fa-f]{6})", CSS.read_text()))
    assert tokens == {"gap-short": ORANGE, "gap-met": BLUE, "gap-below-minimum": VERMILION}


# -- the report's cover -----------------------------------------------------------------------


def invite(wave, n: int, answered: list[Response]) -> None:
    """``n`` customer invitations, the first of them answered by ``answered``."""
    for i in range(n):
        Invitation.objects.create(
            wave=wave, email=f"klant{i}@example.nl", language="nl", response=answered[i] if i < len(answered) else None
        )


def test_the_reports_cover_gives_the_organisation_fieldwork_responses_and_rate(client, people, acme, wave):
    set_logo(acme, JPEG)
    acme.accent_colour = "#7a1f5c"
    acme.save()
    fill(wave, 20)
    invite(wave, 40, list(Response.objects.order_by("pk")[:10]))
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
    opens, closes = timezone.localdate(wave.opens_at), timezone.localdate(wave.closes_at)
    assert '<img src="data:image/jpeg;base64,' in html and 'alt="Acme">' in html
    assert "--accent: #7a1f5c;" in html
    assert f"<dt>Fieldwork</dt><dd>{opens.isoformat()} – {closes.isoformat()}</dd>" in html
    assert "<dt>Responses</dt><dd>20</dd>" in html
    assert "<dt>Response rate</dt><dd>25 % of 40 invited</dd>" in html

    pdf = client.get(f"/waves/{wave.pk}/results/report.pdf", headers={"accept-language": "nl"}).content
    cover = PdfReader(io.BytesIO(pdf)).pages[0]
    text = cover.extract_text()
    assert "Acme" in text and f"Veldwerk {opens.isoformat()} – {closes.isoformat()}" in text
    assert "Reacties 20" in text and "Respons 25 % van 40 uitgenodigden" in text
    assert len(cover.images) == 1


def test_the_response_rate_is_hidden_under_the_threshold_and_without_invitations(client, people, wave):
    fill(wave, 20)
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
    assert "<dt>Responses</dt><dd>20</dd>" in html and "Response rate" not in html
    invite(wave, 40, list(Response.objects.order_by("pk")[: wave.study.anonymity_threshold - 1]))
    html = client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
    assert "Response rate" not in html and "<img" not in html


def test_a_new_logo_shows_on_a_report_already_cached(client, people, acme, wave):
    fill(wave, 20)
    client.force_login(people["mona"])
    assert "<img" not in client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
    set_logo(Organisation.objects.get(pk=acme.pk), png())
    assert '<img src="data:image/png;base64,' in client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
