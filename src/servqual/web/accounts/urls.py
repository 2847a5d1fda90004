"""/accounts/: password reset by e-mail with Django's views (login and logout are in the root urls)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from servqual.web.accounts.views import RateLimitedPasswordResetView

urlpatterns = [
    path("password-reset/", RateLimitedPasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
