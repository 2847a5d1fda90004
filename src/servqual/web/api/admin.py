from __future__ import annotations

from django.contrib import admin

from servqual.web.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with the createapitoken command; here they can be seen and revoked."""

    list_display = ["name", "user", "organisation", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    fields = ["name", "user", "organisation", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "organisation", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
