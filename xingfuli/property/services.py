"""Writes for the property service center (一中心): center, teams, members, renovation projects."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xingfuli.core.models import User
from xingfuli.property.models import ServiceTeam, TeamMember


@transaction.atomic
def team_next_assignee(*, team: ServiceTeam) -> User | None:
    """Round-robin: the member on duty served longest ago (never served first), stamped now.

    The team's on-duty member rows are locked, so two dispatches at once hand out two
    different members. None when nobody is on duty.
    """
    members = list(
        TeamMember.objects.select_for_update()
        .filter(team=team, on_duty=True, user__is_active=True)
        .order_by("pk")
    )
    if not members:
        return None
    # NULL first, then the oldest; ties by joining order (pk).
    member = min(
        members,
        key=lambda m: (m.last_assigned_at is not None, m.last_assigned_at or timezone.now(), m.pk),
    )
    member.last_assigned_at = timezone.now()
    member.save(update_fields=["last_assigned_at"])
    return member.user
