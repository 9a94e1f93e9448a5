"""Households, residents, key-group tags, owners, and a few residents who log in.

An old factory community: many elderly people living alone or as empty-nest couples, former
Dajiang factory workers, three-generation families, some tenants. More than 30% of the
residents are 60 or over, as the article says.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from xingfuli.core.models import Community, Role, RoleAssignment, User
from xingfuli.demo import people
from xingfuli.demo.base import (
    REFERENCE_DATE,
    RESIDENT_MOBILES,
    DemoDwelling,
    DemoHousehold,
    DemoWorld,
    demo_part,
)
from xingfuli.registry.models import Dwelling, Household, Owner, Ownership, Resident, Tag
from xingfuli.registry.personal import name_pinyin, set_id_number, set_mobile

R = Resident.Relation
EMPTY_SHARE = 0.08
# Kinds of household and how often each occurs.
KINDS = {
    "alone": 14, "elderly_couple": 24, "elderly_child": 8, "three_generations": 14,
    "family": 20, "young": 8, "single": 5, "tenants": 7,
}
DEVELOPER_DWELLINGS = 6  # empty flats still held by the former factory (one owner for votes)


@dataclass
class _Member:
    sex: str
    age: int  # on REFERENCE_DATE
    relation: str
    family: str | None = None  # surname shared with others in the household
    non_registered: bool = False
    tags: set[str] = field(default_factory=set)


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _members(rng: random.Random, kind: str) -> list[_Member]:
    def elderly(low: int = 60, high: int = 95, mode: int = 74) -> int:
        return int(rng.triangular(low, high + 1, mode))

    surname = people.surname(rng)
    if kind == "alone":
        return [_Member("F" if rng.random() < 0.65 else "M", elderly(64, 96, 80), R.HEAD)]
    if kind in ("elderly_couple", "elderly_child"):
        age = elderly(60, 92, 72)
        out = [_Member("M", age, R.HEAD, surname),
               _Member("F", max(60, age - rng.randint(-2, 6)), R.SPOUSE)]
        if kind == "elderly_child":
            out.append(_Member(rng.choice("MF"), rng.randint(28, min(55, age - 22)), R.CHILD,
                               surname))
        return out
    if kind == "three_generations":
        age = rng.randint(35, 58)
        sex = "M" if rng.random() < 0.8 else "F"
        husband = surname if sex == "M" else people.surname(rng)
        out = [_Member(sex, age, R.HEAD, surname if sex == "M" else None),
               _Member(_other(sex), max(25, age + rng.randint(-4, 3)), R.SPOUSE,
                       husband if sex == "F" else None),
               _Member(rng.choice("MF"), max(0, age - rng.randint(22, 32)), R.CHILD, husband)]
        parent_age = max(60, age + rng.randint(22, 32))
        out.append(_Member("F", parent_age, R.PARENT))
        if rng.random() < 0.5:
            out.append(_Member("M", parent_age + rng.randint(0, 4), R.PARENT,
                               surname if sex == "M" else None))
        return out
    if kind in ("family", "young"):
        age = rng.randint(30, 58) if kind == "family" else rng.randint(24, 40)
        out = [_Member("M", age, R.HEAD, surname),
               _Member("F", max(22, age + rng.randint(-5, 2)), R.SPOUSE)]
        children = 1 + (rng.random() < 0.15) if kind == "family" else (rng.random() < 0.5)
        for _ in range(children):
            low = 0 if kind == "young" else max(0, age - 34)
            high = 6 if kind == "young" else max(low, age - 24)
            out.append(_Member(rng.choice("MF"), rng.randint(low, high), R.CHILD, surname))
        return out
    if kind == "single":
        return [_Member(rng.choice("MF"), rng.randint(20, 59), R.HEAD)]
    # tenants: registered elsewhere
    return [
        _Member(rng.choice("MF"), rng.randint(20, 45), R.HEAD if i == 0 else R.OTHER,
                non_registered=True)
        for i in range(rng.randint(1, 3))
    ]


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _tag(rng: random.Random, kind: str, members: list[_Member], births: list[dt.date],
         today: dt.date) -> None:
    """Key-group and other tags, by household kind, age and chance."""
    if kind == "alone":
        members[0].tags.add("living_alone")
        if rng.random() < 0.05:
            members[0].tags.add("tekun")
    if kind == "elderly_couple":
        for m in members:
            m.tags.add("empty_nest")
    dibao = "tekun" not in members[0].tags and rng.random() < 0.03
    for m, birth in zip(members, births, strict=True):
        # Chance draws use the age on the reference date, so the same seed gives the same
        # people on any day; only the 80+ tag follows today.
        if _age_on(birth, today) >= 80:
            m.tags.add("aged_80")
        age = m.age
        if age >= 60 and rng.random() < (0.13 if age >= 80 else 0.04):
            m.tags.add("dependent")
        if rng.random() < 0.025:
            m.tags.add("disability")
        if dibao:
            m.tags.add("dibao")
        if age >= 18 and rng.random() < (0.18 if age >= 60 else 0.08):
            m.tags.add("party_member")
        if m.sex == "M" and age >= 40 and rng.random() < 0.06:
            m.tags.add("veteran")
        if age >= 50 and not m.non_registered and rng.random() < 0.55:
            m.tags.add("dajiang")


@cache
def _pinyin(name: str) -> tuple[str, str]:
    return name_pinyin(name)


def build_households(world: DemoWorld) -> None:
    rng = world.rng("households")
    tags = {code: (pk, key) for code, pk, key in Tag.objects.values_list(
        "code", "id", "is_key_group")}
    kinds, weights = list(KINDS), list(KINDS.values())

    plans: list[tuple[DemoDwelling, Household, str, list[_Member], list[dt.date]]] = []
    empty: list[DemoDwelling] = []
    for place in world.dwellings:
        if rng.random() < EMPTY_SHARE:
            empty.append(place)
            continue
        kind = rng.choices(kinds, weights)[0]
        members = _members(rng, kind)
        births = [people.birth_date(rng, age=m.age, reference=REFERENCE_DATE) for m in members]
        _tag(rng, kind, members, births, world.today)
        d, u, b = place.dwelling, place.unit, place.building
        household = Household(
            dwelling=d, code=f"{b.number}-{u.number}-{d.room}",
            phone=f"023-6622{rng.randrange(10000):04d}" if rng.random() < 0.25 else "",
        )
        plans.append((place, household, kind, members, births))
    Household.objects.bulk_create(p[1] for p in plans)

    residents: list[Resident] = []
    tag_rows: list[tuple[Resident, str]] = []
    by_household: list[list[Resident]] = []
    for _place, household, _kind, members, births in plans:
        rows = []
        for m, birth in zip(members, births, strict=True):
            moved_out = m.relation != R.HEAD and m.age >= 18 and rng.random() < 0.03
            name = people.person_name(rng, sex=m.sex, birth=birth, family=m.family)
            r = Resident(
                household=household, name=name, sex=m.sex, birth_date=birth,
                relation=m.relation,
                residence_type=(Resident.ResidenceType.NON_REGISTERED if m.non_registered
                                else Resident.ResidenceType.REGISTERED),
                status=Resident.Status.MOVED_OUT if moved_out else Resident.Status.ACTIVE,
                created_at=world.now, updated_at=world.now,
            )
            r.name_pinyin, r.name_initials = _pinyin(name)
            set_id_number(r, world.ids.new(rng, birth=birth, sex=m.sex))
            age = _age_on(birth, REFERENCE_DATE)
            has_mobile = age >= 14 and rng.random() < (0.97 if age < 60 else 0.7)
            set_mobile(r, people.mobile(rng) if has_mobile else "")
            if not moved_out:
                tag_rows.extend((r, code) for code in sorted(m.tags))
            rows.append(r)
        residents.extend(rows)
        by_household.append(rows)

    logins = _resident_logins(world, plans, by_household)
    Resident.objects.bulk_create(residents)
    Resident.tags.through.objects.bulk_create(
        Resident.tags.through(resident_id=r.pk, tag_id=tags[code][0]) for r, code in tag_rows
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=r.user, role=Role.RESIDENT, community=c, scope_id=r.household_id)
        for r, c in logins
    )
    _owners(world, rng, plans, by_household, empty)

    key_codes = {code for code, (_pk, key) in tags.items() if key}
    for (place, household, _kind, members, _births), rows in zip(plans, by_household,
                                                                    strict=True):
        active = [r for r in rows if r.status == Resident.Status.ACTIVE]
        world.households.append(DemoHousehold(
            id=household.pk, community_id=place.building.community_id, grid_id=place.grid.pk,
            dwelling_id=place.dwelling.pk, members=[r.pk for r in active],
            key_group=any(m.tags & key_codes for m in members),
        ))
    world.counts["residents"] = len(residents)
    world.counts["households"] = len(plans)


def _resident_logins(
    world: DemoWorld, plans: list[tuple[DemoDwelling, Household, str, list[_Member],
                                        list[dt.date]]],
    by_household: list[list[Resident]],
) -> list[tuple[Resident, Community]]:
    """An elderly head of household in each of grids 1–5 of 万泉街 logs in with a fixed number."""
    chosen: list[tuple[Resident, Community]] = []
    grids = world.grids_of(world.community)
    for mobile, grid in zip(RESIDENT_MOBILES, grids, strict=False):
        for (place, _h, _k, _m, _b), rows in zip(plans, by_household, strict=True):
            head = rows[0]
            if place.grid is grid and _age_on(head.birth_date, REFERENCE_DATE) >= 65:
                set_mobile(head, mobile)
                chosen.append((head, world.community))
                break
    users = User.objects.bulk_create(
        User(mobile=mobile, name=r.name, password=world.password_hash, date_joined=world.now)
        for mobile, (r, _c) in zip(RESIDENT_MOBILES, chosen, strict=False)
    )
    for (r, _c), user in zip(chosen, users, strict=True):
        r.user = user
        world.mobiles.add(user.mobile)
    return chosen


def _owners(
    world: DemoWorld, rng: random.Random,
    plans: list[tuple[DemoDwelling, Household, str, list[_Member], list[dt.date]]],
    by_household: list[list[Resident]], empty: list[DemoDwelling],
) -> None:
    """Heads of registered households own their homes; absent owners hold the rest."""
    owners: list[Owner] = []
    links: list[tuple[Owner, Dwelling]] = []
    absent: dict[int, list[Owner]] = {}  # by community, for owners of several flats
    developer: dict[int, Owner] = {}

    def absent_owner(place: DemoDwelling) -> Owner:
        community_id = place.building.community_id
        previous = absent.get(community_id, [])
        if previous and rng.random() < 0.15:
            return rng.choice(previous)
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=rng.randint(35, 75), reference=REFERENCE_DATE)
        owner = Owner(community_id=community_id,
                      name=people.person_name(rng, sex=sex, birth=birth))
        set_id_number(owner, world.ids.new(rng, birth=birth, sex=sex))
        set_mobile(owner, people.mobile(rng))
        owners.append(owner)
        absent.setdefault(community_id, []).append(owner)
        return owner

    for (place, _household, kind, _members, _births), rows in zip(plans, by_household,
                                                                   strict=True):
        head = rows[0]
        if kind == "tenants":
            owner = absent_owner(place)
        else:
            owner = Owner(community_id=place.building.community_id, name=head.name,
                          resident=head)
            owner.id_number_encrypted = head.id_number_encrypted
            owner.id_number_digest = head.id_number_digest
            owner.id_number_masked = head.id_number_masked
            owner.mobile_encrypted = head.mobile_encrypted
            owner.mobile_masked = head.mobile_masked
            owners.append(owner)
        links.append((owner, place.dwelling))
    for i, place in enumerate(empty):
        community_id = place.building.community_id
        if community_id == world.community.pk and i < DEVELOPER_DWELLINGS:
            if community_id not in developer:
                developer[community_id] = Owner(
                    community_id=community_id, name="原大江厂（未售公房）", is_developer=True
                )
                owners.append(developer[community_id])
            links.append((developer[community_id], place.dwelling))
        else:
            links.append((absent_owner(place), place.dwelling))
    Owner.objects.bulk_create(owners)
    Ownership.objects.bulk_create(Ownership(owner=o, dwelling=d) for o, d in links)
    world.counts["owners"] = len(owners)


def reset_households(community_ids: Sequence[int]) -> None:
    in_demo = {"household__dwelling__unit__building__community_id__in": community_ids}
    Owner.objects.filter(community_id__in=community_ids).delete()
    Resident.objects.filter(**in_demo).delete()
    Household.objects.filter(dwelling__unit__building__community_id__in=community_ids).delete()


demo_part("households", order=20, reset=reset_households)(build_households)
