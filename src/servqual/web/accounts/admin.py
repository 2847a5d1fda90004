from __future__ import annotations

from typing import Any

from django.contrib import admin

from servqual.web.accounts.audit import AuditedDeletes, describe, kind_name
from servqual.web.accounts.forms import OrganisationAdminForm
from servqual.web.accounts.models import AuditEntry, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(AuditedDeletes, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    form = OrganisationAdminForm

    def save_model(self, request: Any, obj: Organisation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        form.save_logo()  # the logo is a row of its own, stored once the organisation is


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The log is read, never written or changed, here."""

    list_display = ["at", "organisation_name", "actor", "action", "kind", "object_name", "summary"]
    list_filter = ["action", "organisation"]
    search_fields = ["organisation_name", "actor", "object_name"]
    date_hierarchy = "at"

    @admin.display(description=AuditEntry._meta.get_field("object_kind").verbose_name)
    def kind(self, entry: AuditEntry) -> str:
        return kind_name(entry)

    @admin.display(description=AuditEntry._meta.get_field("detail").verbose_name)
    def summary(self, entry: AuditEntry) -> str:
        return describe(entry)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
