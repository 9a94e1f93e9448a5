from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from xingfuli.core import models


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ["mobile"]
    list_display = ["mobile", "name", "is_active", "is_party_member", "is_staff"]
    search_fields = ["mobile", "name"]
    fieldsets = (
        (None, {"fields": ("mobile", "name", "password")}),
        ("", {"fields": ("is_active", "is_party_member", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("mobile", "name", "password1",
                                                               "password2")}),)
    filter_horizontal = ()
    list_filter = ["is_active", "is_staff"]


admin.site.register(models.District)
admin.site.register(models.Street)
admin.site.register(models.Community)
admin.site.register(models.RoleAssignment)
admin.site.register(models.CalendarYear)
admin.site.register(models.CalendarDay)


@admin.register(models.AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
