"""Categories and SLA policies are managed in the Django admin (/admin/, for staff logins)."""

from django.contrib import admin

from xingfuli.requests.models import Category, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "community", "clock", "response_target", "resolution_target"]
    list_filter = ["community", "clock"]
    search_fields = ["name", "code"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "community", "parent", "default_level", "default_team",
                    "sla_policy", "sort_order", "active"]
    list_filter = ["community", "default_level", "active"]
    search_fields = ["name", "code"]
    list_select_related = ["community", "parent", "default_team", "sla_policy"]
    autocomplete_fields = ["parent"]
