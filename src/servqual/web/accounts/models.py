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
PRIVACY = "privacy"  # read the audit log; export and erase what is stored about a person
BRANDING = "branding"  # the organisation's logo and accent colour
RIGHTS = {
    Role.OWNER: {SEE, RESULTS, EDIT, MEMBERS, PRIVACY, BRANDING},
    Role.CONSULTANT: {SEE, RESULTS, EDIT},
    Role.MANAGER: {SEE, RESULTS},
    Role.VIEWER: {SEE},
}


def roles_with(right: str) -> list[str]:
    return [role.value for role, rights in RIGHTS.items() if right in rights]


class Logo(models.Model):
    """An organisation's logo: a PNG or JPEG checked by servqual.web.accounts.branding,
    kept in the database (every server process reads the same one) and found by the
    SHA-256 of its bytes, which is also its public address (/logos/<sha256>.png): nobody
    can list the logos, and an address never shows another picture, so it may be cached
    for ever. Organisations with the same picture share one row."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    format = models.CharField(max_length=4, choices=[("png", "PNG"), ("jpeg", "JPEG")])
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")

    def __str__(self) -> str:
        return self.filename

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{'png' if self.format == 'png' else 'jpg'}"


class Organisation(models.Model):
    """A client of the platform; every study and answer belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    #: shown on the survey pages and the report's cover (alt text: the name)
    logo = models.ForeignKey(
        Logo, on_delete=models.SET_NULL, null=True, blank=True, related_name="organisations", verbose_name=_("logo")
    )
    #: #rrggbb for buttons, progress and the report's headings; empty: the platform's own
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        help_text=_(
            "A colour as #rrggbb for buttons and headings on the survey pages and the report. White text on it "
            "must reach a contrast of 4.5:1 (WCAG AA). Empty: the platform's blue."
        ),
    )

    organisation_path = ""  # for servqual.web.accounts.tenancy

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from servqual.web.accounts.branding import check_accent_colour

        super().clean()
        if self.accent_colour:
            try:
                self.accent_colour = check_accent_colour(self.accent_colour)
            except ValidationError as error:
                raise ValidationError({"accent_colour": error}) from None


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


class Action(models.TextChoices):
    DOWNLOAD = "download", _("downloaded")
    IMPORT = "import", _("imported")
    DELETE = "delete", _("deleted")
    ERASE = "erase", _("erased a person's data")
    ACCESS = "access", _("exported a person's data")
    RETENTION = "retention", _("applied the retention period")


class AuditEntry(models.Model):
    """Who exported, imported or deleted what, and when; written only through
    :func:`servqual.web.accounts.audit.record`.

    It never holds respondent personal data: no e-mail address, no answer, no token. The
    organisation's name, the actor's and the object's are copied, so the entry still reads
    after any of them is deleted (the organisation then is None)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    organisation_name = models.CharField(_("organisation"), max_length=200)
    #: the person who acted, on a page or through their API token; None for the operator's commands
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_token = models.ForeignKey("api.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.CharField(_("by"), max_length=200, blank=True)  # "": the command line
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_kind = models.CharField(_("kind of object"), max_length=50)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    object_name = models.CharField(_("object"), max_length=300, blank=True)
    #: counts and formats only (audit.DETAIL_KEYS), never a person's data
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    organisation_path = "organisation"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-at"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_kind} {self.object_name}"


class AttemptCount(models.Model):
    """One counted window of an attempt limit (servqual.web.accounts.limits): the limit's name
    and a SHA-256 of what it counts (a user name, an address), never the text; rows whose
    window has ended are pruned as new windows start."""

    key = models.CharField(max_length=100, primary_key=True)
    counted = models.PositiveIntegerField()
    #: seconds since the epoch at which the window ends (it starts at its first attempt)
    ends_at = models.FloatField(db_index=True)
