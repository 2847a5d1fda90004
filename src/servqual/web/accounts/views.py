"""Logging in, with a limit on failed attempts."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

#: Failed logins allowed per user name and address, and the window they are counted in.
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW = 15 * 60


class RateLimitedLoginView(LoginView):
    """Django's login view; after LOGIN_ATTEMPTS failures for one user name from one
    address, further tries are refused (429) until LOGIN_WINDOW has passed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if cache.get(self._failures_key(), 0) >= LOGIN_ATTEMPTS:
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        key = self._failures_key()
        cache.add(key, 0, LOGIN_WINDOW)
        cache.incr(key)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        cache.delete(self._failures_key())
        return super().form_valid(form)

    def _failures_key(self) -> str:
        # Hashed: the cache holds no user names or addresses in the clear.
        username = self.request.POST.get("username", "").strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "")
        return "login-failures:" + hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()


#: Password-reset e-mails asked from one address, and the window they are counted in.
RESET_REQUESTS = 5


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset; after RESET_REQUESTS requests from one address in
    LOGIN_WINDOW, further ones are refused (429), so the form cannot be used to flood an inbox."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = "password-resets:" + hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()
        cache.add(key, 0, LOGIN_WINDOW)
        if cache.incr(key) > RESET_REQUESTS:
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)
