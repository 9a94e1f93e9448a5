from django.contrib.auth.models import AnonymousUser

from xingfuli.core.models import AuditEntry, Community
from xingfuli.core.scoping import scoped
from xingfuli.grid.models import Grid
from xingfuli.registry.models import Building, Household, Resident


def names(qs):
    return sorted(str(x) for x in qs.values_list("name", flat=True))


def test_grid_worker_sees_only_own_grid(world):
    assert names(scoped(Resident.objects.all(), world.gina)) == ["张爱丽"]
    assert names(scoped(Resident.objects.all(), world.greg)) == ["李博"]
    assert list(scoped(Building.objects.all(), world.gina)) == [world.b1]


def test_resident_sees_own_household_only(world):
    assert list(scoped(Household.objects.all(), world.alice)) == [world.h1]
    assert names(scoped(Resident.objects.all(), world.alice)) == ["张爱丽"]
    assert not scoped(Building.objects.all(), world.alice).exists()


def test_community_staff_see_their_community_not_the_other(world):
    assert names(scoped(Resident.objects.all(), world.carol)) == ["张爱丽", "李博"]
    assert names(scoped(Resident.objects.all(), world.oscar)) == ["王奥佳"]


def test_street_officer_reads_all_communities_of_street_but_cannot_write(world):
    assert len(scoped(Resident.objects.all(), world.sam)) == 3
    assert not scoped(Resident.objects.all(), world.sam, write=True).exists()


def test_shared_reference_rows_visible_within_community(world):
    # Every grid of their community is visible to a grid worker (for cards), not another's.
    assert set(scoped(Grid.objects.all(), world.gina)) == {world.grid1, world.grid2}
    assert list(scoped(Community.objects.all(), world.gina)) == [world.community]


def test_anonymous_and_unscoped_models_get_nothing(world):
    assert not scoped(Resident.objects.all(), AnonymousUser()).exists()
    # AuditEntry is scoped by community; a grid worker holds no community-wide role.
    AuditEntry.objects.create(action="x", target_type="t", target_id="1",
                              community=world.community)
    assert not scoped(AuditEntry.objects.all(), world.gina).exists()
    assert scoped(AuditEntry.objects.all(), world.carol).count() == 1


def test_scope_costs_one_query_per_user(world, django_assert_num_queries):
    with django_assert_num_queries(2):  # the roles, then the filtered list
        list(scoped(Resident.objects.all(), world.gina))
    with django_assert_num_queries(1):  # roles are cached on the user object
        list(scoped(Resident.objects.all(), world.gina))


def test_team_member_scope_is_their_team(world):
    from xingfuli.property.models import ServiceTeam, TeamMember

    # A team's own rows by the `team` path; other teams only as shared reference rows.
    assert list(scoped(TeamMember.objects.all(), world.tom, write=True)) == list(
        TeamMember.objects.filter(team=world.repair_team))
    assert set(scoped(ServiceTeam.objects.all(), world.tom)) == {world.repair_team,
                                                                 world.cleaning_team}
    assert not scoped(Resident.objects.all(), world.tom).exists()


def test_dispatcher_sees_no_registry(world):
    assert not scoped(Resident.objects.all(), world.dora).exists()
    assert not scoped(Household.objects.all(), world.dora).exists()


def test_module_roles_see_their_modules_rows_in_their_community_only(world):
    from typing import Any

    from django.db.models import Q

    from xingfuli.core.scoping import ScopePaths, scope_filter, scope_of

    class CanteenRow:  # only its scope paths matter to the filter
        scope_paths = ScopePaths(community="community", module_roles=frozenset({"canteen_staff"}))

    row: Any = CanteenRow

    def ids(q: Q | None) -> set[int]:
        assert q is not None
        return {cid for child in q.children if isinstance(child, tuple) for cid in child[1]}

    assert ids(scope_filter(row, scope_of(world.cathy))) == {world.community.pk}
    # The volunteer organiser holds a module role of another module: nothing here.
    assert ids(scope_filter(row, scope_of(world.vera))) == set()
    # Module roles read no registry rows.
    assert not scoped(Resident.objects.all(), world.cathy).exists()
    assert not scoped(Household.objects.all(), world.yuki).exists()


def test_row_locks_lock_only_their_own_rows():
    """PostgreSQL refuses FOR UPDATE on the nullable side of an outer join, which scoped
    filters (ORs across paths) and select_related produce: every lock names its table."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bare = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py") if "tests" not in p.parts
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"select_for_update\(\)", line)]
    assert bare == [], "use select_for_update(of=('self',))"
