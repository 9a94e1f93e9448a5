"""一网: grids and their buildings, household visits with 社情民意, the 365 duty roster.

Grid staff are users holding a grid role (core.RoleAssignment with scope_id = the grid).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Building, Dwelling, Household, Resident


class Grid(models.Model):
    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", grid="id", shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    # CJ/T 349-2010 style: division code + street + community + sequence.
    code = models.CharField(_("grid code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sequence = models.PositiveSmallIntegerField(_("number"))
    area_description = models.CharField(_("area"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["community", "sequence"], name="grid_sequence_unique")
        ]

    def __str__(self) -> str:
        return self.name


class GridBuilding(models.Model):
    """A building belongs to exactly one grid."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="grid__community", grid="grid")

    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="building_links", verbose_name=_("grid")
    )
    building = models.OneToOneField(
        Building, on_delete=models.CASCADE, related_name="grid_link", verbose_name=_("building")
    )

    class Meta:
        verbose_name = _("building of a grid")
        verbose_name_plural = _("buildings of grids")

    def __str__(self) -> str:
        return f"{self.grid} · {self.building}"


class Visit(models.Model):
    """入户走访: who visited which dwelling when, whom they met, what they found."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="dwelling__unit__building__community",
        grid="dwelling__unit__building__grid_link__grid",
    )

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="visits", verbose_name=_("dwelling")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="visits",
        verbose_name=_("household"),
    )
    visitor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visitor")
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now, db_index=True)
    people_met = models.ManyToManyField(
        Resident, blank=True, related_name="visits_met", verbose_name=_("people met")
    )
    others_met = models.CharField(_("others met"), max_length=200, blank=True)
    health = models.TextField(_("health"), blank=True)
    living_situation = models.TextField(_("living situation"), blank=True)
    hardship = models.TextField(_("hardship"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    nobody_home = models.BooleanField(_("nobody at home"), default=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="visit_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} {self.visited_at:%Y-%m-%d}"


class Opinion(models.Model):
    """社情民意: one opinion or need heard on a visit."""

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("environment and sanitation")
        FACILITIES = "facilities", _("facilities and repairs")
        SAFETY = "safety", _("safety")
        ELDERLY = "elderly", _("elderly care")
        NEIGHBOURS = "neighbours", _("neighbour relations")
        POLICY = "policy", _("policy and benefits")
        SUGGESTION = "suggestion", _("suggestion")
        OTHER = "other", _("other")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="visit__dwelling__unit__building__community",
        grid="visit__dwelling__unit__building__grid_link__grid",
    )

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("visit")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    content = models.TextField(_("content"))

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions (社情民意)")

    def __str__(self) -> str:
        return self.content[:30]


class DutyShift(models.Model):
    """One person on duty on one day: together they make "365 不打烊"."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="duty_shifts",
        verbose_name=_("community"),
    )
    date = models.DateField(_("date"))
    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("on duty")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "date", "person"], name="duty_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.person}"
