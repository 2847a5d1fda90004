"""API tokens: each lets one user into one organisation, with the rights of their role there."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servqual.web.accounts.models import Organisation
from servqual.web.keys import key_hash


class ApiToken(models.Model):
    """Only the SHA-256 hash of the token is stored; the token itself is shown once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    organisation_path = "organisation"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, {self.organisation})"

    @classmethod
    def create(cls, user: object, organisation: Organisation, name: str) -> tuple[ApiToken, str]:
        """A new token (256 random bits) and its text, which is not kept anywhere."""
        token = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, organisation=organisation, name=name, token_hash=key_hash(token)), token
