from __future__ import annotations

from django.contrib import admin

from servqual.web.surveys.models import SurveyLink


@admin.register(SurveyLink)
class SurveyLinkAdmin(admin.ModelAdmin):
    list_display = ["wave", "audience", "key", "created_at"]
    list_filter = ["audience"]
    readonly_fields = ["key"]
