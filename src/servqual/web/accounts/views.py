"""Logging in, with limits on failed attempts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from servqual.report.colours import readable_on_white
from servqual.web.accounts.audit import describe, kind_name
from servqual.web.accounts.branding import brand_css, shown_logo
from servqual.web.accounts.forms import BrandingForm
from servqual.web.accounts.limits import AttemptLimit, client_address
from servqual.web.accounts.models import BRANDING, PRIVACY, AuditEntry, Logo, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped

#: Entries on one page of the audit log.
LOG_PAGE_SIZE = 50

#: Failed logins allowed per user name and address, and the window they are counted in.
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW = 15 * 60
LOGIN_FAILURES = AttemptLimit("login-failures", LOGIN_ATTEMPTS, LOGIN_WINDOW)


def address_login_failures() -> AttemptLimit:
    """Failed logins allowed from one address, whatever the user names, in LOGIN_WINDOW:
    settings.LOGIN_FAILURES_PER_ADDRESS (read at each request, so the setting always holds)."""
    return AttemptLimit("login-failures-per-address", settings.LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW)


class RateLimitedLoginView(LoginView):
    """Django's login view; after LOGIN_ATTEMPTS failures for one user name from one
    address, or LOGIN_FAILURES_PER_ADDRESS failures from one address for any names, further
    tries are refused (429) until LOGIN_WINDOW has passed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name, address = self._login_name(), client_address(request)
        waits = [limit.seconds_left(*parts) for limit, parts in self._limits(name, address) if limit.reached(*parts)]
        if waits:
            context = self.get_context_data(form=self.get_form(), locked=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(max(waits))
            return response
        return super().post(request, *args, **kwargs)

    @staticmethod
    def _limits(name: str, address: str) -> list[tuple[AttemptLimit, tuple[str, ...]]]:
        """Each limit on a login, with what it counts by."""
        return [(LOGIN_FAILURES, (name, address)), (address_login_failures(), (address,))]

    def form_invalid(self, form: Any) -> HttpResponse:
        address = client_address(self.request)
        LOGIN_FAILURES.count(self._login_name(), address)
        address_login_failures().count(address)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        # Only the name's count: were the address's cleared too, an account of one's own
        # would reset it between guesses at other people's.
        LOGIN_FAILURES.clear(self._login_name(), client_address(self.request))
        return super().form_valid(form)

    def _login_name(self) -> str:
        """The user name as the login looks it up: cleaned by the form's own field (stripped
        and NFKC-normalised, as Django's auth does), so that every way of writing a name
        counts for the user it logs in as. In lower case too: the lookup itself tells capitals
        apart, but a guess in other capitals then counts against the same name instead of
        starting a fresh count."""
        field = self.get_form_class().base_fields["username"]
        return str(field.to_python(self.request.POST.get("username", ""))).lower()


#: Password-reset e-mails asked from one address, and the window they are counted in.
RESET_REQUESTS = 5
PASSWORD_RESETS = AttemptLimit("password-resets", RESET_REQUESTS, LOGIN_WINDOW)


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset; after RESET_REQUESTS requests from one address in
    LOGIN_WINDOW, further ones are refused (429), so the form cannot be used to flood an inbox."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_address(request)
        if PASSWORD_RESETS.count(address) > RESET_REQUESTS:
            context = self.get_context_data(form=self.get_form(), locked=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(PASSWORD_RESETS.seconds_left(address))
            return response
        return super().post(request, *args, **kwargs)


@login_required
def audit_log(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation's audit log, newest first, for its owners (others: 404)."""
    organisation = get_scoped_or_404(request.user, Organisation, PRIVACY, pk=organisation_id)
    entries = scoped(request.user, AuditEntry, PRIVACY).filter(organisation=organisation)
    page = Paginator(entries.order_by("-at", "-pk"), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "kind": kind_name(entry), "detail": describe(entry)} for entry in page]
    return render(request, "accounts/audit_log.html", {"organisation": organisation, "page": page, "rows": rows})


#: Logos and brand stylesheets are named after their content, so a browser or proxy may keep
#: them for a year without asking again.
FOREVER = "public, max-age=31536000, immutable"


@login_required
@require_http_methods(["GET", "POST"])
def branding(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation's logo and accent colour, for its owners (others: 404)."""
    organisation = get_scoped_or_404(request.user, Organisation, BRANDING, pk=organisation_id)
    form = BrandingForm(request.POST or None, request.FILES or None, instance=organisation)
    if not organisation.logo_id:
        del form.fields["remove_logo"]  # nothing to remove
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The branding is saved."))
        return redirect("branding", organisation_id=organisation.pk)
    context = {"organisation": organisation, "form": form, "logo": shown_logo(organisation)}
    return render(request, "accounts/branding.html", context)


@require_GET
def logo(request: HttpRequest, filename: str) -> HttpResponse:
    """A logo by the SHA-256 of its bytes, for anyone: the survey pages show it to respondents."""
    found = get_object_or_404(Logo, sha256=filename.partition(".")[0])
    if filename != found.filename:
        raise Http404
    response = HttpResponse(bytes(found.data), content_type="image/png" if found.format == "png" else "image/jpeg")
    response["Cache-Control"] = FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def brand_stylesheet(request: HttpRequest, colour: str) -> HttpResponse:
    """``:root { --accent: #rrggbb }`` for an accent colour (six hex digits in the name) that
    white text on it can be read: the survey pages link it, as the CSP allows no inline style."""
    if colour != colour.lower() or not readable_on_white(f"#{colour}"):
        raise Http404
    response = HttpResponse(brand_css(f"#{colour}"), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    return response
