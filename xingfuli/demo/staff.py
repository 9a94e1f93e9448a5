"""Grid staff (the 148 of 一张网), community staff and the street officer, as users with roles.

Per 万泉街 grid: one grid leader (a party member), two full-time grid workers, 14–15 part-time
grid workers (building and unit heads) and one grid instructor: 8 + 16 + 116 + 8 = 148.
"""

from __future__ import annotations

from collections.abc import Sequence

from xingfuli.core.models import Community, Role, RoleAssignment, Street, User
from xingfuli.demo import people
from xingfuli.demo.base import (
    ADMIN_MOBILE,
    GRID1_FULL_MOBILE,
    GRID1_INSTRUCTOR_MOBILE,
    GRID1_LEADER_MOBILE,
    GRID1_PART_MOBILE,
    GRID2_FULL_MOBILE,
    OTHER_STAFF_MOBILE,
    REFERENCE_DATE,
    STAFF_MOBILE,
    STREET_OFFICER_MOBILE,
    DemoWorld,
    demo_part,
)

PART_TIME_PER_GRID = (15, 15, 15, 15, 14, 14, 14, 14)
FULL_TIME_PER_GRID = 2
WANQUAN_COMMUNITY_STAFF = 6  # besides the admin: the 社区两委 members on the staff console
# (grid sequence, role, index within the role) -> fixed login number
FIXED = {
    (1, Role.GRID_LEADER, 0): GRID1_LEADER_MOBILE,
    (1, Role.GRID_WORKER_FULL, 0): GRID1_FULL_MOBILE,
    (1, Role.GRID_WORKER_PART, 0): GRID1_PART_MOBILE,
    (1, Role.GRID_INSTRUCTOR, 0): GRID1_INSTRUCTOR_MOBILE,
    (2, Role.GRID_WORKER_FULL, 0): GRID2_FULL_MOBILE,
}


def build_staff(world: DemoWorld) -> None:
    rng = world.rng("staff")
    rows: list[tuple[User, Role, Community | None, Street | None, int | None]] = []

    def person(mobile: str | None, *, party: bool = False) -> User:
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=rng.randint(26, 60), reference=REFERENCE_DATE)
        if mobile is None:
            mobile = world.next_staff_mobile()
        else:
            world.mobiles.add(mobile)
        return User(
            mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
            password=world.password_hash, date_joined=world.now,
            is_party_member=party or rng.random() < 0.3,
        )

    def community_role(community: Community, role: Role, mobile: str | None) -> None:
        rows.append((person(mobile, party=role == Role.COMMUNITY_ADMIN), role, community,
                     None, None))

    community_role(world.community, Role.COMMUNITY_ADMIN, ADMIN_MOBILE)
    community_role(world.community, Role.COMMUNITY_STAFF, STAFF_MOBILE)
    for _ in range(WANQUAN_COMMUNITY_STAFF - 1):
        community_role(world.community, Role.COMMUNITY_STAFF, None)
    community_role(world.other, Role.COMMUNITY_ADMIN, None)
    community_role(world.other, Role.COMMUNITY_STAFF, OTHER_STAFF_MOBILE)
    rows.append((person(STREET_OFFICER_MOBILE), Role.STREET_OFFICER, None, world.street, None))

    for grid in world.grids:
        in_wanquan = grid.community_id == world.community.pk
        plan = (
            (Role.GRID_LEADER, 1),
            (Role.GRID_WORKER_FULL, FULL_TIME_PER_GRID if in_wanquan else 1),
            (Role.GRID_WORKER_PART, PART_TIME_PER_GRID[grid.sequence - 1] if in_wanquan else 2),
            (Role.GRID_INSTRUCTOR, 1),
        )
        community = world.community if in_wanquan else world.other
        for role, n in plan:
            for i in range(n):
                mobile = FIXED.get((grid.sequence, role, i)) if in_wanquan else None
                party = role in (Role.GRID_LEADER, Role.GRID_INSTRUCTOR)
                rows.append((person(mobile, party=party), role, community, None, grid.pk))

    User.objects.bulk_create(row[0] for row in rows)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=role, community=community, street=street,
                       scope_id=scope_id, created_at=world.now)
        for user, role, community, street, scope_id in rows
    )
    for user, role, held_in, _street, scope_id in rows:
        if scope_id is not None:
            world.grid_staff.setdefault(scope_id, {}).setdefault(role, []).append(user.pk)
        elif held_in is not None:
            world.community_staff.setdefault(held_in.pk, []).append(user.pk)
    world.counts["staff_users"] = len(rows)


def reset_staff(community_ids: Sequence[int]) -> None:
    RoleAssignment.objects.filter(community_id__in=community_ids).delete()


demo_part("staff", order=30, reset=reset_staff)(build_staff)
