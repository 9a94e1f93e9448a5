"""What every part of the demo shares: the logins, the world being built, the list of parts.

A part is a pair of functions: `build(world)` adds its records, `reset(community_ids)` deletes
them again (before the communities go). The core parts live in this package; a module adds its
own from `xingfuli/<app>/demo.py` with `@demo_part("name", order=100, reset=…)` — `build()`
imports those modules (Django's `autodiscover_modules("demo")`) and runs the parts by order.
Each part draws from its own random generator, seeded by the demo seed and the part's name, so
adding a part never changes the records of the others.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community, District, Role, Street
from xingfuli.demo.people import IdNumbers
from xingfuli.grid.models import Grid
from xingfuli.registry.models import Building, Dwelling, Unit

DEFAULT_SEED = 2026
DEMO_PASSWORD = "xingfuli2026"  # noqa: S105 - the published demo password
WANQUAN = "wanquan"
GUIHUAWAN = "guihuawan"
DEMO_SLUGS = (WANQUAN, GUIHUAWAN)
# Every demo login's mobile number starts with this; reset deletes only such users.
DEMO_MOBILE_PREFIX = "1380000"
# Birth dates are drawn relative to this date, so two builds on any day give the same people.
REFERENCE_DATE = dt.date(2026, 1, 1)


# The fixed, memorable logins (one per role).
ADMIN_MOBILE = "13800000001"
STAFF_MOBILE = "13800000002"
GRID1_LEADER_MOBILE = "13800000011"
GRID1_FULL_MOBILE = "13800000012"
GRID1_PART_MOBILE = "13800000013"
GRID1_INSTRUCTOR_MOBILE = "13800000014"
GRID2_FULL_MOBILE = "13800000022"
STREET_OFFICER_MOBILE = "13800000031"
RESIDENT_MOBILES = ("13800000041", "13800000042", "13800000043", "13800000044", "13800000045")
OTHER_STAFF_MOBILE = "13800000051"
DISPATCHER_MOBILE = "13800000061"  # the property service center (xingfuli/property/demo.py)
REPAIR_MEMBER_MOBILE = "13800000062"


@dataclass(frozen=True)
class DemoLogin:
    mobile: str
    role: Role | None  # None: a login with no role (a volunteer from outside, a family member)
    where: str | Promise  # the community, grid or street the role is held in
    label: str | Promise = ""  # what the login is, when it has no role

    @property
    def title(self) -> str:
        return str(self.role.label if self.role is not None else self.label)


_WQ = "万泉街社区"
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(ADMIN_MOBILE, Role.COMMUNITY_ADMIN, _WQ),
    DemoLogin(STAFF_MOBILE, Role.COMMUNITY_STAFF, _WQ),
    DemoLogin(GRID1_LEADER_MOBILE, Role.GRID_LEADER, format_lazy("{} · {}", _WQ, _("grid 1"))),
    DemoLogin(GRID1_FULL_MOBILE, Role.GRID_WORKER_FULL,
              format_lazy("{} · {}", _WQ, _("grid 1"))),
    DemoLogin(GRID1_PART_MOBILE, Role.GRID_WORKER_PART,
              format_lazy("{} · {}", _WQ, _("grid 1"))),
    DemoLogin(GRID1_INSTRUCTOR_MOBILE, Role.GRID_INSTRUCTOR,
              format_lazy("{} · {}", _WQ, _("grid 1"))),
    DemoLogin(GRID2_FULL_MOBILE, Role.GRID_WORKER_FULL, format_lazy("{} · {}", _WQ, _("grid 2"))),
    DemoLogin(STREET_OFFICER_MOBILE, Role.STREET_OFFICER, "莲花街道"),
    DemoLogin(RESIDENT_MOBILES[0], Role.RESIDENT,
              format_lazy("{} · {}", _WQ, _("a household in grid 1"))),
    DemoLogin(OTHER_STAFF_MOBILE, Role.COMMUNITY_STAFF, "桂花湾社区"),
    DemoLogin(DISPATCHER_MOBILE, Role.PROPERTY_DISPATCHER, _WQ),
    DemoLogin(REPAIR_MEMBER_MOBILE, Role.TEAM_MEMBER, format_lazy("{} · {}", _WQ, "水电维修队")),
    DemoLogin("13800000071", Role.CANTEEN_STAFF, _WQ),
    DemoLogin("13800000072", None, _("a daughter far away, booking her mother's meals"),
              label=_("family member")),
    DemoLogin("13800000073", None, format_lazy("{} · {}", _WQ, _("elderly canteen")),
              label=_("meal-delivery volunteer")),
    DemoLogin("13800000081", Role.VOLUNTEER_ORGANISER, _WQ),
    DemoLogin("13800000082", None, format_lazy("{} · {}", _WQ, _("civilization practice station")),
              label=_("volunteer")),
    DemoLogin("13800000091", Role.YOUTH_TEACHER, _WQ),
    DemoLogin("13800000092", Role.RESIDENT,
              format_lazy("{} · {}", _WQ, _("a parent of a youth palace child"))),
    DemoLogin("13800000121", None, format_lazy("{} · {}", _WQ, _("a branch of grid 1")),
              label=_("in-service party member")),
    DemoLogin("13800000111", Role.RESIDENT, format_lazy("{} · {}", _WQ, _("an owner in 8栋1单元")),
              ),
)


@dataclass(frozen=True)
class DemoDwelling:
    dwelling: Dwelling
    unit: Unit
    building: Building
    grid: Grid


@dataclass
class DemoHousehold:
    """What later parts need to know of a household without querying it again."""

    id: int
    community_id: int
    grid_id: int
    dwelling_id: int
    members: list[int]  # active residents' ids, head first
    key_group: bool


@dataclass
class DemoWorld:
    """The demo being built: the rows later parts hang their records on."""

    seed: int
    now: dt.datetime
    today: dt.date
    password_hash: str
    district: District
    street: Street
    community: Community  # 万泉街社区
    other: Community  # 桂花湾社区
    ids: IdNumbers = field(default_factory=IdNumbers)
    grids: list[Grid] = field(default_factory=list)  # both communities, in order
    dwellings: list[DemoDwelling] = field(default_factory=list)
    households: list[DemoHousehold] = field(default_factory=list)
    # grid id -> role -> user ids; community id -> community staff and admin user ids
    grid_staff: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    community_staff: dict[int, list[int]] = field(default_factory=dict)
    mobiles: set[str] = field(default_factory=set)  # every demo login's mobile number
    counts: dict[str, int] = field(default_factory=dict)  # what each part created
    _generated_mobiles: int = 0

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{part}")

    def grids_of(self, community: Community) -> list[Grid]:
        return [g for g in self.grids if g.community_id == community.pk]

    def next_staff_mobile(self) -> str:
        """The next generated login number in the demo range (the fixed ones stay below 1000)."""
        number = f"{DEMO_MOBILE_PREFIX}{1000 + self._generated_mobiles:04d}"
        self._generated_mobiles += 1
        self.mobiles.add(number)
        return number


BuildFn = Callable[[DemoWorld], None]
ResetFn = Callable[[Sequence[int]], None]


@dataclass(frozen=True)
class DemoPart:
    name: str
    order: int
    build: BuildFn
    reset: ResetFn | None = None


_PARTS: dict[str, DemoPart] = {}


def demo_part(
    name: str, *, order: int, reset: ResetFn | None = None
) -> Callable[[BuildFn], BuildFn]:
    """Register `build(world)` as a part of the demo (and `reset(community_ids)` to undo it).

    Parts build in ascending `order` and reset in the reverse order. The core parts use
    10–50 (places, households, staff, visits, roster); modules use 100 and above.
    """

    def register(build: BuildFn) -> BuildFn:
        _PARTS[name] = DemoPart(name=name, order=order, build=build, reset=reset)
        return build

    return register


def demo_parts() -> list[DemoPart]:
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.name))
