"""Organisations (the clients) and who may do what in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("owner")
    CONSULTANT = "consultant", _("consultant")
    MANAGER = "manager", _("manager")
    VIEWER = "viewer", _("viewer")


#: What a view may ask for; each role's rights, as data so a test can walk them all.
SEE = "see"  # studies, waves and response counts
RESULTS = "results"  # scores, dashboards, reports and exports
EDIT = "edit"  # set up studies, waves and survey links
MEMBERS = "members"  # invite and remove members
RIGHTS = {
    Role.OWNER: {SEE, RESULTS, EDIT, MEMBERS},
    Role.CONSULTANT: {SEE, RESULTS, EDIT},
    Role.MANAGER: {SEE, RESULTS},
    Role.VIEWER: {SEE},
}


def roles_with(right: str) -> list[str]:
    return [role.value for role, rights in RIGHTS.items() if right in rights]


class Organisation(models.Model):
    """A client of the platform; every study and answer belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    organisation_path = ""  # for servqual.web.accounts.tenancy

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organisation; a consultant may have several memberships."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    organisation_path = "organisation"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_role_per_organisation")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"
