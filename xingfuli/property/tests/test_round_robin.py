import datetime as dt

from django.utils import timezone

from xingfuli.core.models import Role
from xingfuli.core.testing import grant, make_user
from xingfuli.property.models import TeamMember
from xingfuli.property.services import team_next_assignee


def _add(team, name, **extra):
    user = grant(make_user(name), Role.TEAM_MEMBER, community=team.center.community,
                 scope_id=team.pk)
    TeamMember.objects.create(team=team, user=user, **extra)
    return user


def test_round_robin_is_fair_among_members_on_duty(world):
    team = world.repair_team
    u2 = _add(team, "王师傅")
    u3 = _add(team, "李师傅")
    off = _add(team, "休息", on_duty=False)
    picks = [team_next_assignee(team=team) for _ in range(9)]
    assert off not in picks
    # Everyone on duty gets three jobs, in a stable rotation.
    assert {u: picks.count(u) for u in (world.tom, u2, u3)} == {world.tom: 3, u2: 3, u3: 3}
    assert picks[:3] == picks[3:6] == picks[6:9]
    stamped = TeamMember.objects.get(team=team, user=picks[-1]).last_assigned_at
    assert stamped is not None


def test_never_served_comes_first_then_oldest(world):
    team = world.repair_team
    u2 = _add(team, "王师傅")
    now = timezone.now()
    TeamMember.objects.filter(user=world.tom).update(last_assigned_at=now - dt.timedelta(days=3))
    assert team_next_assignee(team=team) == u2  # never served
    assert team_next_assignee(team=team) == world.tom  # served three days ago
    assert team_next_assignee(team=team) == u2


def test_nobody_on_duty_gives_none(world):
    TeamMember.objects.filter(team=world.repair_team).update(on_duty=False)
    assert team_next_assignee(team=world.repair_team) is None
    assert TeamMember.objects.get(user=world.tom).last_assigned_at is None
