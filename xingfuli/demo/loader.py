"""Build, detect and delete the demo; a fingerprint to show two builds are the same."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from xingfuli.core.calendar import calendar_fill_from_package
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import (
    TEAM_ROLES,
    AuditEntry,
    Community,
    District,
    Role,
    RoleAssignment,
    Street,
    User,
)
from xingfuli.core.testing import ensure_tags
from xingfuli.demo import gridwork, households, places, staff  # noqa: F401 - register the parts
from xingfuli.demo.base import (
    DEFAULT_SEED,
    DEMO_MOBILE_PREFIX,
    DEMO_PASSWORD,
    DEMO_SLUGS,
    GUIHUAWAN,
    WANQUAN,
    DemoWorld,
    demo_parts,
)
from xingfuli.grid.models import DutyShift, Grid, Opinion, Visit
from xingfuli.registry.models import Dwelling, Household, Owner, Resident


def demo_exists() -> bool:
    """Whether the demo communities (万泉街, or 桂花湾) are in the database."""
    return Community.objects.filter(slug__in=DEMO_SLUGS).exists()


def _parts_of_modules() -> None:
    """Import `xingfuli/<app>/demo.py` of every installed app: they register their parts."""
    autodiscover_modules("demo")


@transaction.atomic
def build(*, seed: int = DEFAULT_SEED) -> DemoWorld:
    """Create the 万泉街 and 桂花湾 demo communities with everything in them.

    The same seed gives the same places, people, ID numbers and staff on any day; visits,
    the roster and the 80+ tag are placed relative to today.
    """
    if Community.objects.filter(slug__in=DEMO_SLUGS).exists():
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("The demo is already loaded: reset it first."),
            field="community",
        )
    _parts_of_modules()
    calendar_fill_from_package()
    ensure_tags()
    district, _created = District.objects.get_or_create(
        code="500113", defaults={"name": "巴南区"}
    )
    street, _created = Street.objects.get_or_create(
        code="500113001", defaults={"name": "莲花街道", "district": district}
    )
    community = Community.objects.create(
        street=street, name="万泉街社区", slug=WANQUAN, code="500113001001",
        address="重庆市巴南区莲花街道万泉街", phone="023-66225678",
        supervision_hotline="023-66221234",
    )
    other = Community.objects.create(
        street=street, name="桂花湾社区", slug=GUIHUAWAN, code="500113001002",
        address="重庆市巴南区莲花街道桂花湾路", phone="023-66227890",
        supervision_hotline="023-66221234",
    )
    now = timezone.now()
    world = DemoWorld(
        seed=seed, now=now, today=timezone.localdate(now),
        # Hashed once: argon2 is slow on purpose, and every demo login shares the password.
        password_hash=make_password(DEMO_PASSWORD),
        district=district, street=street, community=community, other=other,
    )
    for part in demo_parts():
        part.build(world)
    return world


def _demo_user_ids(community_ids: list[int], street_ids: set[int]) -> list[int]:
    """Users the demo created: a demo-range number and no role outside the demo."""
    in_demo = Q(community_id__in=community_ids) | Q(
        role=Role.STREET_OFFICER, street_id__in=street_ids
    )
    candidates = set(
        RoleAssignment.objects.filter(in_demo).values_list("user_id", flat=True)
    ) | set(
        Resident.objects.filter(
            household__dwelling__unit__building__community_id__in=community_ids,
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    elsewhere = set(
        RoleAssignment.objects.filter(user_id__in=candidates).exclude(in_demo)
        .values_list("user_id", flat=True)
    )
    return list(
        User.objects.filter(pk__in=candidates - elsewhere, mobile__startswith=DEMO_MOBILE_PREFIX)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def reset() -> int:
    """Delete both demo communities and everything in them; return how many there were."""
    _parts_of_modules()
    communities = list(Community.objects.filter(slug__in=DEMO_SLUGS))
    if not communities:
        return 0
    ids = [c.pk for c in communities]
    user_ids = _demo_user_ids(ids, {c.street_id for c in communities})
    for part in reversed(demo_parts()):
        if part.reset is not None:
            part.reset(ids)
    AuditEntry.objects.filter(community_id__in=ids).delete()
    Community.objects.filter(pk__in=ids).delete()
    User.objects.filter(pk__in=user_ids).delete()
    # Logins the modules made without a role or a home here (a volunteer from outside, a
    # parent's child far away): demo-range numbers that nothing ties to anyone any more.
    User.objects.filter(mobile__startswith=DEMO_MOBILE_PREFIX, is_superuser=False).exclude(
        pk__in=RoleAssignment.objects.values("user_id")
    ).exclude(pk__in=Resident.objects.filter(user__isnull=False).values("user_id")).delete()
    return len(ids)


def fingerprint() -> str:
    """A digest of the demo's places, people, tags, owners, staff and record counts.

    Independent of row ids (and of the time of day), so two builds with one seed on one day
    give the same digest.
    """
    in_demo = {"slug__in": DEMO_SLUGS}
    digest = hashlib.sha256()

    def feed(rows: Any) -> None:
        for row in sorted(tuple(str(v) for v in r) for r in rows):
            digest.update(repr(row).encode())

    c = "community__slug"
    feed(Grid.objects.filter(community__in=Community.objects.filter(**in_demo))
         .values_list(c, "code", "name", "area_description", "building_links__building__number"))
    feed(Dwelling.objects.filter(unit__building__community__slug__in=DEMO_SLUGS).values_list(
        "unit__building__community__slug", "unit__building__number", "unit__building__floors",
        "unit__building__year_built", "unit__number", "floor", "room", "area"))
    feed(Resident.objects.filter(
        household__dwelling__unit__building__community__slug__in=DEMO_SLUGS
    ).values_list(
        "household__code", "household__phone", "name", "name_pinyin", "sex", "birth_date",
        "id_number_digest", "mobile_digest", "relation", "residence_type", "status",
        "user__mobile",
    ))
    feed(Resident.tags.through.objects.filter(
        resident__household__dwelling__unit__building__community__slug__in=DEMO_SLUGS
    ).values_list(
        "resident__id_number_digest", "tag__code"
    ))
    dwelling = "ownership__dwelling"
    feed(Owner.objects.filter(community__slug__in=DEMO_SLUGS).values_list(
        c, "name", "is_developer", "id_number_digest", f"{dwelling}__unit__building__number",
        f"{dwelling}__unit__number", f"{dwelling}__room"))
    grid_codes = dict(Grid.objects.filter(community__slug__in=DEMO_SLUGS)
                      .values_list("pk", "code"))
    household_codes = dict(Household.objects.filter(
        dwelling__unit__building__community__slug__in=DEMO_SLUGS
    ).values_list("pk", "code"))
    roles = RoleAssignment.objects.filter(
        Q(community__slug__in=DEMO_SLUGS) | Q(street__communities__slug=WANQUAN)
    ).values_list("user__mobile", "user__name", "user__is_party_member", "role", c, "scope_id")
    from xingfuli.property.models import ServiceTeam

    team_codes = dict(ServiceTeam.objects.filter(center__community__slug__in=DEMO_SLUGS)
                      .values_list("pk", "code"))

    def scope_label(role: str, scope_id: int | None) -> str | None:
        # Row ids differ between builds: name the scope by its code instead.
        if scope_id is None:
            return None
        if role == Role.RESIDENT:
            return household_codes.get(scope_id)
        if role in TEAM_ROLES:
            return team_codes.get(scope_id)
        return grid_codes.get(scope_id)

    feed((*row[:5], scope_label(row[3], row[5])) for row in roles)
    feed([(Visit.objects.filter(dwelling__unit__building__community__slug__in=DEMO_SLUGS)
           .count(),
           Opinion.objects.filter(visit__dwelling__unit__building__community__slug__in=DEMO_SLUGS)
           .count(),
           DutyShift.objects.filter(community__slug__in=DEMO_SLUGS).count())])
    return digest.hexdigest()
