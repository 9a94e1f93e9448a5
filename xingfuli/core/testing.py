"""Builders for tests and benchmarks: a small world with named personas whose rights differ.

    world.alice   resident of household h1 (grid 1)
    world.gina    full-time grid worker of grid 1
    world.greg    full-time grid worker of grid 2
    world.lee     grid leader of grid 1 (a party member)
    world.carol   community staff (may unmask personal data)
    world.adam    community admin
    world.sam     street officer (read-only over the street)
    world.oscar   community staff of the OTHER community (an outsider here)
    world.tom     member of the 水电维修 team (world.repair_team) of the service center
    world.tina    member of the 清扫保洁 team (world.cleaning_team)
    world.dora    property center dispatcher (work orders of the community, no registry)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from xingfuli.core.models import Community, District, Role, RoleAssignment, Street, User
from xingfuli.grid.models import Grid, GridBuilding
from xingfuli.property.models import ServiceCenter, ServiceTeam, TeamMember
from xingfuli.registry.models import Building, Dwelling, Household, Resident, Tag, Unit
from xingfuli.registry.personal import id_check_char, name_pinyin, set_id_number, set_mobile

PASSWORD = "correct-horse-7"  # noqa: S105 - test password
_seq = count(1)


def make_id_number(birth: dt.date, *, male: bool = True, area: str = "500113") -> str:
    n = next(_seq) % 500
    seq = f"{(2 * n + (1 if male else 0)) % 1000:03d}"
    first17 = f"{area}{birth:%Y%m%d}{seq}"
    return first17 + id_check_char(first17)


def make_mobile() -> str:
    return f"139{next(_seq) % 100000000:08d}"


def make_user(name: str, *, mobile: str | None = None, party: bool = False, **extra: Any) -> User:
    return User.objects.create_user(
        mobile=mobile or make_mobile(), password=PASSWORD, name=name, is_party_member=party,
        **extra,
    )


def make_building(
    community: Community, number: str, *, floors: int = 7, units: int = 2, rooms_per_floor: int = 2,
    grid: Grid | None = None, year_built: int = 1991,
) -> Building:
    building = Building.objects.create(
        community=community, number=number, floors=floors, unit_count=units,
        year_built=year_built, address=f"万泉街{number}号",
    )
    for u in range(1, units + 1):
        unit = Unit.objects.create(building=building, number=u)
        Dwelling.objects.bulk_create(
            Dwelling(unit=unit, floor=f, room=f"{f}{r:02d}", area=Decimal("62.50") + r)
            for f in range(1, floors + 1)
            for r in range(1, rooms_per_floor + 1)
        )
    if grid is not None:
        GridBuilding.objects.create(grid=grid, building=building)
    return building


def make_resident(
    household: Household, name: str, *, birth: dt.date = dt.date(1950, 5, 1), male: bool = True,
    relation: str = Resident.Relation.HEAD, mobile: str | None = None,
    tags: list[str] | None = None,
) -> Resident:
    resident = Resident(
        household=household, name=name, sex="M" if male else "F", birth_date=birth,
        relation=relation,
    )
    resident.name_pinyin, resident.name_initials = name_pinyin(name)
    set_id_number(resident, make_id_number(birth, male=male))
    set_mobile(resident, mobile or make_mobile())
    resident.save()
    if tags:
        resident.tags.set(Tag.objects.filter(code__in=tags))
    return resident


def ensure_tags() -> None:
    sensitive = {"dependent", "disability", "dibao", "tekun"}
    for code, label in Tag.Code.choices:
        Tag.objects.get_or_create(
            code=code,
            defaults={"name": str(label).split("(")[-1].rstrip(")"),
                      "is_key_group": code not in {"party_member", "veteran", "dajiang"},
                      "is_sensitive": code in sensitive},
        )


def grant(user: User, role: Role, *, community: Community | None = None,
          street: Street | None = None, scope_id: int | None = None) -> User:
    RoleAssignment.objects.create(
        user=user, role=role, community=community, street=street, scope_id=scope_id
    )
    return user


@dataclass
class World:
    district: District
    street: Street
    community: Community
    other: Community
    grid1: Grid
    grid2: Grid
    other_grid: Grid
    b1: Building  # in grid 1
    b2: Building  # in grid 2
    b_other: Building  # in the other community
    h1: Household  # alice's, in b1
    h2: Household  # in b2
    h_other: Household
    alice: User
    gina: User
    greg: User
    lee: User
    carol: User
    adam: User
    sam: User
    oscar: User
    center: ServiceCenter
    repair_team: ServiceTeam
    cleaning_team: ServiceTeam
    tom: User
    tina: User
    dora: User
    cathy: User  # canteen staff
    vera: User  # volunteer station organiser
    yuki: User  # youth palace teacher
    residents: dict[str, Resident] = field(default_factory=dict)


def build_world() -> World:
    ensure_tags()
    district = District.objects.create(name="巴南区", code="500113")
    street = Street.objects.create(district=district, name="莲花街道", code="500113001")
    community = Community.objects.create(
        street=street, name="万泉街社区", slug="wanquan", code="500113001001",
        supervision_hotline="023-66221234",
    )
    other = Community.objects.create(
        street=street, name="桂花湾社区", slug="guihuawan", code="500113001002"
    )
    grid1 = Grid.objects.create(community=community, code="500113001001001", name="第一网格",
                                sequence=1)
    grid2 = Grid.objects.create(community=community, code="500113001001002", name="第二网格",
                                sequence=2)
    other_grid = Grid.objects.create(community=other, code="500113001002001", name="桂一网格",
                                     sequence=1)
    b1 = make_building(community, "1", grid=grid1, floors=8)
    b2 = make_building(community, "2", grid=grid2)
    b_other = make_building(other, "1", grid=other_grid)

    def first_dwelling(b: Building) -> Dwelling:
        dwellings = Dwelling.objects.filter(unit__building=b)
        return dwellings.order_by("unit__number", "floor", "room")[0]

    h1 = Household.objects.create(dwelling=first_dwelling(b1), code="H1")
    h2 = Household.objects.create(dwelling=first_dwelling(b2), code="H2")
    h_other = Household.objects.create(dwelling=first_dwelling(b_other), code="HO")

    residents = {
        "alice_r": make_resident(h1, "张爱丽", male=False, birth=dt.date(1944, 3, 8),
                                 tags=["aged_80", "living_alone"]),
        "bob_r": make_resident(h2, "李博", birth=dt.date(1960, 7, 1)),
        "olga_r": make_resident(h_other, "王奥佳", male=False, birth=dt.date(1970, 1, 2)),
    }
    alice = make_user("张爱丽")
    residents["alice_r"].user = alice
    residents["alice_r"].save(update_fields=["user"])
    grant(alice, Role.RESIDENT, community=community, scope_id=h1.pk)
    gina = grant(make_user("尹网格"), Role.GRID_WORKER_FULL, community=community,
                 scope_id=grid1.pk)
    greg = grant(make_user("郭网格"), Role.GRID_WORKER_FULL, community=community,
                 scope_id=grid2.pk)
    lee = grant(make_user("李组长", party=True), Role.GRID_LEADER, community=community,
                scope_id=grid1.pk)
    carol = grant(make_user("陈社工"), Role.COMMUNITY_STAFF, community=community)
    adam = grant(make_user("安管理"), Role.COMMUNITY_ADMIN, community=community)
    sam = grant(make_user("孙街道"), Role.STREET_OFFICER, street=street)
    oscar = grant(make_user("欧外人"), Role.COMMUNITY_STAFF, community=other)
    center = ServiceCenter.objects.create(community=community, name="万泉街社区物业服务中心")
    center.buildings.set([b1, b2])
    repair_team = ServiceTeam.objects.create(center=center, name="水电维修队", code="repair")
    cleaning_team = ServiceTeam.objects.create(
        center=center, name="清扫保洁队", code="cleaning",
        dispatch_mode=ServiceTeam.DispatchMode.POOL,
    )
    tom = grant(make_user("唐师傅"), Role.TEAM_MEMBER, community=community, scope_id=repair_team.pk)
    tina = grant(make_user("田保洁"), Role.TEAM_MEMBER, community=community,
                 scope_id=cleaning_team.pk)
    TeamMember.objects.create(team=repair_team, user=tom, role=TeamMember.Role.LEADER)
    TeamMember.objects.create(team=cleaning_team, user=tina)
    dora = grant(make_user("窦调度"), Role.PROPERTY_DISPATCHER, community=community)
    cathy = grant(make_user("蔡食堂"), Role.CANTEEN_STAFF, community=community)
    vera = grant(make_user("魏志愿"), Role.VOLUNTEER_ORGANISER, community=community)
    yuki = grant(make_user("于老师"), Role.YOUTH_TEACHER, community=community)
    return World(
        district=district, street=street, community=community, other=other, grid1=grid1,
        grid2=grid2, other_grid=other_grid, b1=b1, b2=b2, b_other=b_other, h1=h1, h2=h2,
        h_other=h_other, alice=alice, gina=gina, greg=greg, lee=lee, carol=carol, adam=adam,
        sam=sam, oscar=oscar, center=center, repair_team=repair_team,
        cleaning_team=cleaning_team, tom=tom, tina=tina, dora=dora, cathy=cathy, vera=vera,
        yuki=yuki, residents=residents,
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3), *,
                exif: bytes | None = None) -> bytes:
    """A real, small image file for upload tests (Pillow writes it)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def run_at_once(calls: Sequence[Callable[[], Any]], *, seconds: float = 60.0) -> list[Any]:
    """Run the calls in threads released at the same moment, as many clients acting at once.

    Each item of the answer is what its call returned or the exception it raised. PostgreSQL
    makes a call wait on the row lock it needs; SQLite's shared in-memory test database answers
    "table is locked" at once instead (busy_timeout does not cover shared-cache locks), and the
    call's own transaction is rolled back, so such a call is retried, as a client would, until
    `seconds` have passed.
    """
    import threading
    import time

    from django.db import OperationalError, connection

    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        deadline = time.monotonic() + seconds
        barrier.wait()
        try:
            while True:
                try:
                    results[i] = call()
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.002 + 0.008 * random.random())  # noqa: S311 - jitter
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
