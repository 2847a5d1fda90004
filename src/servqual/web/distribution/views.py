"""Personal invitations: the invitee's survey (the survey views, through an invitation
door), unsubscribing, and for the organisation's people the upload and sending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from servqual.web.accounts.audit import Actor
from servqual.web.accounts.models import EDIT, PRIVACY, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.distribution.addresses import UnreadableFileError, read_addresses
from servqual.web.distribution.forms import PersonForm, UploadForm
from servqual.web.distribution.models import Invitation, InvitationKey
from servqual.web.distribution.personal import erase_person, invitations_of, person_data
from servqual.web.distribution.tasks import queue_sending
from servqual.web.keys import key_hash
from servqual.web.languages import render_in
from servqual.web.siteurl import site_url
from servqual.web.studies.models import Wave
from servqual.web.surveys import pages
from servqual.web.surveys.limits import get_by_secret, limited, lookups_limited
from servqual.web.surveys.models import Audience, Response

#: How long the confirm step of an upload stays valid.
CONFIRM_SECONDS = 60 * 60


@dataclass
class InvitationDoor:
    """A personal invitation: its token names the response, on any device; no cookie."""

    invitation: Invitation
    key: str
    url_prefix = "invitation"

    @property
    def wave(self) -> Wave:
        return self.invitation.wave

    @property
    def audience(self) -> str:
        return self.invitation.audience

    @property
    def keep_days(self) -> int:
        """The start page says when the address is erased."""
        return self.invitation.wave.study.keep_personal_data_days

    @property
    def language(self) -> str:
        return self.invitation.language

    def current_response(self, request: HttpRequest) -> Response | None:
        return self.invitation.response

    def start_response(self, lang: str) -> tuple[Response, str | None]:
        # Locked, so a double click on two devices still makes one response.
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=self.invitation.pk)
            response = invitation.response
            if response is None:
                response = Response.objects.create(
                    wave=invitation.wave,
                    audience=invitation.audience,
                    segments=dict(invitation.segments),
                    language=lang,
                )
                invitation.response = response
                invitation.save(update_fields=["response"])
        self.invitation.response = response
        return response, None

    def with_cookie(self, http: HttpResponse, key: str | None) -> HttpResponse:
        return http


def _door(token: str) -> InvitationDoor:
    # Looked up by the hash of the token: the database never sees the token itself.
    found = get_by_secret(
        InvitationKey.objects.select_related("invitation__wave__study__organisation", "invitation__response"),
        key_hash=key_hash(token),
    )
    return InvitationDoor(found.invitation, token)


@require_http_methods(["GET", "POST"])
@limited
def invitation_start(request: HttpRequest, token: str) -> HttpResponse:
    return pages.start(request, _door(token))


@require_http_methods(["GET", "POST"])
@limited
def invitation_page(request: HttpRequest, token: str, page: int) -> HttpResponse:
    return pages.page_view(request, _door(token), page)


@limited
def invitation_done(request: HttpRequest, token: str) -> HttpResponse:
    return pages.done(request, _door(token))


# No CSRF token: the personal token in the URL is the secret, and mail programs' one-click
# unsubscribe (RFC 8058) POSTs without one. A GET only asks; it changes nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@lookups_limited
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    door = _door(token)
    invitation = door.invitation
    if request.method == "POST" and invitation.unsubscribed_at is None:
        Invitation.objects.filter(pk=invitation.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
        invitation.refresh_from_db()
    asked = request.GET.get("lang")
    lang = asked if asked is not None and asked in invitation.wave.study.languages else invitation.language
    done = invitation.unsubscribed_at is not None
    context = {"door": door, "study": invitation.wave.study, "done": done, "languages": [], "lang": lang}
    return render_in(request, lang, "distribution/unsubscribe.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Step 1: the file; its summary is shown and nothing is saved yet."""
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    form = UploadForm(request.POST or None, request.FILES or None, study=wave.study)
    context: dict[str, Any] = {"wave": wave, "study": wave.study, "form": form}
    if request.method == "POST" and form.is_valid():
        audience = form.cleaned_data["audience"]
        emails = wave.invitations.filter(audience=audience).values_list("email", flat=True)
        invited = {email for email in emails if email is not None}  # None: an address erased
        try:
            found = read_addresses(form.cleaned_data["file"], wave.study, invited)
        except UnreadableFileError as exc:
            form.add_error("file", str(exc))
        else:
            rows = [[row.email, row.language, row.segments] for row in found.rows]
            payload = signing.dumps({"audience": audience, "rows": rows}, salt=_salt(wave), compress=True)
            context |= {"found": found, "payload": payload, "audience": Audience(audience).label}
    return render(request, "distribution/upload.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Step 2: save the rows shown in the summary (signed, so they are what was checked)."""
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    try:
        data = signing.loads(request.POST.get("payload", ""), salt=_salt(wave), max_age=CONFIRM_SECONDS)
    except signing.BadSignature:
        messages.error(request, _("The summary has expired. Please upload the file again."))
        return redirect("invitations-upload", wave.pk)
    before = wave.invitations.count()
    invitations = [
        Invitation(wave=wave, audience=data["audience"], email=email, language=language, segments=segments)
        for email, language, segments in data["rows"]
    ]
    # The unique constraint, not the earlier check, keeps a second confirm from inviting twice.
    Invitation.objects.bulk_create(invitations, ignore_conflicts=True)
    added = wave.invitations.count() - before
    messages.success(request, ngettext("%(n)s invitation added.", "%(n)s invitations added.", added) % {"n": added})
    return redirect("wave", wave.pk)


@login_required
@require_POST
def send(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    reminder = request.POST.get("kind") == "reminder"
    if not wave.is_open():
        messages.error(request, _("The wave is not open, so nothing was sent."))
        return redirect("wave", wave.pk)
    n = queue_sending(wave, reminder=reminder, base_url=site_url(request))
    if reminder:
        text = ngettext("%(n)s reminder is being sent.", "%(n)s reminders are being sent.", n)
    else:
        text = ngettext("%(n)s invitation is being sent.", "%(n)s invitations are being sent.", n)
    messages.success(request, text % {"n": n})
    return redirect("wave", wave.pk)


def _salt(wave: Wave) -> str:
    return f"servqual.invitations.{wave.pk}"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def personal_data(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """For an organisation's owner: find what is stored about a person (by address or
    personal link), download it as JSON, or erase it. Finding shows what was found and
    changes nothing; the download and the erasure are audit-logged."""
    organisation = get_scoped_or_404(request.user, Organisation, PRIVACY, pk=organisation_id)
    form = PersonForm(request.POST or None)
    context: dict[str, Any] = {"organisation": organisation, "form": form}
    if request.method == "POST" and form.is_valid():
        own = scoped(request.user, Invitation, PRIVACY).filter(wave__study__organisation=organisation)
        found = invitations_of(own, email=form.cleaned_data["email"], token=form.cleaned_data["token"])
        by = Actor.person(request.user)
        if request.POST.get("action") == "export":
            document = person_data(found, by)
            answer = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
            answer["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename="personal-data.json"
            )
            return answer
        if request.POST.get("action") == "erase":
            erased = erase_person(found, by)
            text = _("Erased: %(invitations)s invitations and %(responses)s responses, with every answer.")
            messages.success(request, text % erased)
            return redirect("personal-data", organisation.pk)
        context["found"] = list(found)
    return render(request, "distribution/personal_data.html", context)
