from __future__ import annotations

from django.contrib import admin

from servqual.web.accounts.audit import AuditedDeletes
from servqual.web.surveys.models import SurveyLink


@admin.register(SurveyLink)
class SurveyLinkAdmin(AuditedDeletes, admin.ModelAdmin):
    list_display = ["wave", "audience", "key", "created_at"]
    list_filter = ["audience"]
    readonly_fields = ["key"]
