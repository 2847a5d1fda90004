"""Logging in, with a limit on failed attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse

from servqual.web.accounts.limits import AttemptLimit, client_address

#: Failed logins allowed per user name and address, and the window they are counted in.
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW = 15 * 60
LOGIN_FAILURES = AttemptLimit("login-failures", LOGIN_ATTEMPTS, LOGIN_WINDOW)


class RateLimitedLoginView(LoginView):
    """Django's login view; after LOGIN_ATTEMPTS failures for one user name from one
    address, further tries are refused (429) until LOGIN_WINDOW has passed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if LOGIN_FAILURES.reached(*self._who()):
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        LOGIN_FAILURES.count(*self._who())
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        LOGIN_FAILURES.clear(*self._who())
        return super().form_valid(form)

    def _who(self) -> tuple[str, str]:
        return self.request.POST.get("username", "").strip().lower(), client_address(self.request)


#: Password-reset e-mails asked from one address, and the window they are counted in.
RESET_REQUESTS = 5
PASSWORD_RESETS = AttemptLimit("password-resets", RESET_REQUESTS, LOGIN_WINDOW)


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset; after RESET_REQUESTS requests from one address in
    LOGIN_WINDOW, further ones are refused (429), so the form cannot be used to flood an inbox."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if PASSWORD_RESETS.count(client_address(request)) > RESET_REQUESTS:
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)
