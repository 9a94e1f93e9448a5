"""The party section of the community summary: branches, members, wishes fulfilled."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish


class PartySummaryOut(Schema):
    party_branches: int = Field(description="Active party branches (支部) of the community "
                                            "(the committee itself not counted).")
    party_members: int = Field(description="Registered party members: residents tagged 党员 "
                                           "linked to a branch and approved in-service members.")
    wishes_fulfilled_year: int = Field(
        description="Small wishes (微心愿) posted this year that were fulfilled (confirmed or "
                    "waiting for confirmation).")


@summary_section(
    "party",
    schema=PartySummaryOut,
    cards=(
        SummaryCard("party_branches", _("Party branches")),
        SummaryCard("wishes_fulfilled_year", _("Small wishes fulfilled this year")),
    ),
)
def party_section(ctx: SummaryContext) -> dict[str, Any]:
    """Three queries over the records."""
    cid = ctx.community.pk
    start = ctx.start_of(ctx.today.replace(month=1, day=1))
    done = Q(status__in=[Wish.Status.FULFILLED, Wish.Status.CONFIRMED])
    wishes = Wish.objects.filter(community_id=cid, posted_at__gte=start,
                                 posted_at__lte=ctx.now).aggregate(n=Count("id", filter=done))
    return {
        "party_branches": PartyOrganisation.objects.filter(
            community_id=cid, kind=PartyOrganisation.Kind.BRANCH, active=True).count(),
        "party_members": PartyMember.objects.filter(
            community_id=cid, status=PartyMember.Status.APPROVED).count(),
        "wishes_fulfilled_year": wishes["n"],
    }
