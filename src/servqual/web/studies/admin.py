from __future__ import annotations

from django.contrib import admin

from servqual.web.accounts.audit import AuditedDeletes
from servqual.web.studies.models import Segment, Study, Wave


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0


class WaveInline(admin.TabularInline):
    model = Wave
    extra = 0


@admin.register(Study)
class StudyAdmin(AuditedDeletes, admin.ModelAdmin):
    list_display = ["name", "organisation", "service_name", "instrument_key", "anonymity_threshold"]
    list_filter = ["organisation"]
    inlines = [SegmentInline, WaveInline]
