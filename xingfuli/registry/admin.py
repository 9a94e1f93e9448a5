"""Data maintenance only; personal numbers are never shown or edited here (use the pages)."""

from django.contrib import admin

from xingfuli.registry import models

_PERSONAL = ["id_number_encrypted", "id_number_digest", "mobile_encrypted", "mobile_digest"]


@admin.register(models.Building)
class BuildingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["number", "community", "floors", "unit_count", "year_built"]
    list_filter = ["community"]
    search_fields = ["number", "address"]


@admin.register(models.Dwelling)
class DwellingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "unit", "floor", "area"]
    list_select_related = ["unit__building"]
    raw_id_fields = ["unit"]


@admin.register(models.Household)
class HouseholdAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "dwelling", "code", "created_at"]
    raw_id_fields = ["dwelling"]
    search_fields = ["code"]


@admin.register(models.Resident)
class ResidentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "id_number_masked", "mobile_masked", "relation", "status"]
    list_filter = ["status", "residence_type", "tags"]
    search_fields = ["name", "name_pinyin", "name_initials", "mobile_tail"]
    raw_id_fields = ["household", "user"]
    exclude = _PERSONAL
    readonly_fields = ["id_number_masked", "mobile_masked", "mobile_tail", "name_pinyin",
                       "name_initials", "version"]


@admin.register(models.Owner)
class OwnerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "community", "id_number_masked", "is_developer"]
    exclude = ["id_number_encrypted", "id_number_digest", "mobile_encrypted"]
    readonly_fields = ["id_number_masked", "mobile_masked"]
    raw_id_fields = ["resident"]


admin.site.register(models.Unit)
admin.site.register(models.Ownership)
admin.site.register(models.Tag)
