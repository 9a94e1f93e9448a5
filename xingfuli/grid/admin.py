"""Data maintenance only; staff use the grid pages."""

from django.contrib import admin

from xingfuli.grid import models


class GridBuildingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.GridBuilding
    extra = 0
    raw_id_fields = ["building"]


@admin.register(models.Grid)
class GridAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "community", "sequence"]
    list_filter = ["community"]
    search_fields = ["code", "name"]
    inlines = [GridBuildingInline]


class OpinionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Opinion
    extra = 0


@admin.register(models.Visit)
class VisitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["visited_at", "dwelling", "visitor", "nobody_home"]
    list_select_related = ["dwelling", "visitor"]
    date_hierarchy = "visited_at"
    raw_id_fields = ["dwelling", "household", "visitor", "people_met"]
    inlines = [OpinionInline]


@admin.register(models.DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "person", "community", "note"]
    list_filter = ["community"]
    date_hierarchy = "date"
    raw_id_fields = ["person"]
