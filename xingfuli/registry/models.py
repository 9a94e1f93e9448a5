"""一户一档: buildings, units, dwellings, owners, households, residents and key-group tags.

ID and mobile numbers are stored encrypted (`*_encrypted`), matched by keyed digest
(`*_digest`) and shown masked (`*_masked`); the database alone does not reveal them.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community
from xingfuli.core.scoping import ScopePaths

_B = "building__grid_link__grid"


class Building(models.Model):
    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", grid="grid_link__grid")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    number = models.CharField(_("building number"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"))
    unit_count = models.PositiveSmallIntegerField(_("number of units"), default=1)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_number_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1) & Q(floors__lte=60),
                                   name="building_floors_range"),
        ]

    def __str__(self) -> str:
        return _("Building %(number)s") % {"number": self.number}


class Unit(models.Model):
    """单元: one staircase of a building."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="building__community", grid=_B
    )

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building")
    )
    number = models.PositiveSmallIntegerField(_("unit number"))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique")
        ]

    def __str__(self) -> str:
        return _("Unit %(number)s") % {"number": self.number}


class Dwelling(models.Model):
    """One home: a floor and room in a unit, with its registered exclusive area."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="unit__building__community", grid=f"unit__{_B}", household="households"
    )

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("unit")
    )
    floor = models.PositiveSmallIntegerField(_("floor"))
    room = models.CharField(_("room"), max_length=10)
    area = models.DecimalField(
        _("registered area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["unit", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "room"], name="dwelling_room_unique"),
            models.CheckConstraint(condition=Q(area__isnull=True) | Q(area__gt=0),
                                   name="dwelling_area_positive"),
        ]

    def __str__(self) -> str:
        return self.room


class Owner(models.Model):
    """An owner of one or more dwellings (for votes: one owner counts once)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="owners", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    is_developer = models.BooleanField(_("developer (unsold dwellings)"), default=False)
    id_number_encrypted = models.TextField(blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    mobile_encrypted = models.TextField(blank=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True)
    resident = models.ForeignKey(
        "Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="ownerships",
        verbose_name=_("resident"),
    )
    dwellings: models.ManyToManyField[Dwelling, Ownership] = models.ManyToManyField(
        Dwelling, through="Ownership", related_name="owners", verbose_name=_("dwellings")
    )

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")

    def __str__(self) -> str:
        return self.name


class Ownership(models.Model):
    # Grid workers see who owns the homes of their grid (for coordination), not the owner list.
    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="owner__community", grid=f"dwelling__unit__{_B}"
    )

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, verbose_name=_("owner"))
    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, verbose_name=_("dwelling"))
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4, default=1)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(fields=["owner", "dwelling"], name="ownership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.owner} · {self.dwelling}"


class Household(models.Model):
    """户: the people living together in a dwelling."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="dwelling__unit__building__community", grid=f"dwelling__unit__{_B}",
        household="id",
    )

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="households", verbose_name=_("dwelling")
    )
    code = models.CharField(_("household number"), max_length=30, blank=True)
    phone = models.CharField(_("household phone"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"


class Tag(models.Model):
    """A key group (重点人群) a resident may belong to."""

    class Code(models.TextChoices):
        LIVING_ALONE = "living_alone", _("living alone (独居)")
        EMPTY_NEST = "empty_nest", _("empty nest (空巢)")
        AGED_80 = "aged_80", _("aged 80+ (高龄)")
        DISABLED_CARE = "dependent", _("disabled or dependent (失能/半失能)")
        DISABILITY = "disability", _("disability (残疾)")
        DIBAO = "dibao", _("minimum living allowance (低保)")
        TEKUN = "tekun", _("extreme poverty support (特困)")
        # RULES.md "Elderly meals": the priority groups of 民发〔2023〕58号 also name the
        # near-低保 (low-income) elderly and 计划生育特殊家庭.
        LOW_INCOME = "low_income", _("low income, near minimum allowance (低边)")
        FAMILY_PLANNING = "family_planning", _("family planning special family (计划生育特殊家庭)")
        PARTY_MEMBER = "party_member", _("party member (党员)")
        VETERAN = "veteran", _("veteran (退役军人)")
        DAJIANG = "dajiang", _("former Dajiang factory worker (原大江厂职工)")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_key_group = models.BooleanField(_("key group (revisited)"), default=True)
    is_sensitive = models.BooleanField(_("sensitive (health, hardship)"), default=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other relative")
        TENANT = "tenant", _("tenant")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("registered and living here (户籍)")
        REGISTERED_AWAY = "registered_away", _("registered, living elsewhere (人户分离)")
        NON_REGISTERED = "non_registered", _("living here, registered elsewhere (流动)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("living here")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="household__dwelling__unit__building__community",
        grid=f"household__dwelling__unit__{_B}",
        household="household",
    )

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(max_length=50, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_encrypted = models.TextField(blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    mobile_encrypted = models.TextField(blank=True)
    mobile_digest = models.CharField(max_length=64, blank=True, db_index=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True)
    mobile_tail = models.CharField(max_length=4, blank=True, db_index=True)
    relation = models.CharField(
        _("relation to head"), max_length=12, choices=Relation.choices, default=Relation.HEAD
    )
    residence_type = models.CharField(
        _("residence type"), max_length=20, choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents", verbose_name=_("tags"))
    note = models.TextField(_("note"), blank=True)
    user = models.OneToOneField(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="resident",
        verbose_name=_("login"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~Q(id_number_digest="") & Q(status="active"),
                name="resident_id_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One upload of a resident ledger (台账): its column mapping, progress and outcome.

    The file holds personal data: it is deleted once a real import has been written.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FAILED = "failed", _("failed")
        DONE = "done", _("done")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="import_jobs",
        verbose_name=_("community"),
    )
    created_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_count = models.PositiveIntegerField(_("residents created"), default=0)
    updated_count = models.PositiveIntegerField(_("residents updated"), default=0)
    summary = models.JSONField(_("other counts"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} ({self.get_status_display()})"
