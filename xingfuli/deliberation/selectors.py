"""Reads of the deliberation module: scoped lists and pages, and the public pages (a pavilion's
and a decision's notice, 公示) that carry no personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from xingfuli.core.errors import NotFound
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.deliberation.models import (
    Attendance,
    Decision,
    ImplementationItem,
    Meeting,
    Option,
    Pavilion,
    Topic,
    TopicView,
)
from xingfuli.deliberation.rules import MeetingCheck, Share, check
from xingfuli.registry.models import Building, Resident

S = Topic.Status
PUBLIC_STATUSES = (S.DECIDED, S.IMPLEMENTING, S.DONE)
OPEN_STATUSES = (S.COLLECTING, S.SCHEDULED, S.DELIBERATED)


def can_manage(actor: Any, community_id: int) -> bool:
    """Community staff and admins of the community (street officers only read)."""
    scope = scope_of(actor)
    return (scope.everything or community_id in scope.communities) and has_capability(
        actor, Capability.MANAGE_DELIBERATION, community_id=community_id)


# --- pavilions -------------------------------------------------------------------------------


def pavilions_for(*, actor: Any) -> QuerySet[Pavilion]:
    return (
        scoped(Pavilion.objects.all(), actor)
        .annotate(open_topics=Count("topics", filter=Q(topics__status__in=OPEN_STATUSES),
                                    distinct=True))
        .prefetch_related(Prefetch("buildings", queryset=Building.objects.order_by("number")))
        .order_by("name", "pk")
    )


def access_pavilion(*, actor: Any, pavilion_id: int) -> Pavilion:
    found = pavilions_for(actor=actor).filter(pk=pavilion_id).first()
    if found is None:
        raise NotFound()
    return found


# --- topics ----------------------------------------------------------------------------------


def topics_for(*, actor: Any, status: str = "", pavilion_id: int | None = None,
               kind: str = "") -> QuerySet[Topic]:
    qs = scoped(Topic.objects.all(), actor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if pavilion_id is not None:
        qs = qs.filter(pavilion_id=pavilion_id)
    return (
        qs.select_related("pavilion", "chosen_option")
        .annotate(view_count=Count("views", distinct=True),
                  option_count=Count("options", distinct=True))
        .prefetch_related(Prefetch("buildings", queryset=Building.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )


def access_topic(*, actor: Any, topic_id: int) -> Topic:
    found = (
        scoped(Topic.objects.all(), actor)
        .select_related("pavilion", "chosen_option", "community", "source_request",
                        "proposed_by")
        .prefetch_related(Prefetch("buildings", queryset=Building.objects.order_by("number")))
        .filter(pk=topic_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def topic_options(*, topic: Topic) -> list[Option]:
    return list(Option.objects.filter(topic=topic)
                .annotate(support=Count("views", distinct=True)).order_by("pk"))


@dataclass(frozen=True)
class ViewRow:
    id: int
    text: str
    option: str
    written_at: dt.datetime
    author: str  # a name for staff; "a resident of building N" for everyone else
    mine: bool


def topic_views(*, actor: Any, topic: Topic) -> list[ViewRow]:
    """Every view of a topic the actor can see. Staff read names; residents read what was
    said and from which building, never by whom (except their own)."""
    staff = can_manage(actor, topic.community_id)
    rows = (TopicView.objects.filter(topic=topic)
            .select_related("author", "option", "household__dwelling__unit__building")
            .order_by("created_at", "pk"))
    from django.utils.translation import gettext as _

    out = []
    for v in rows:
        if staff or v.author_id == actor.pk:
            author = v.author.name
        elif v.household is not None:
            author = _("A resident of building %(n)s") % {
                "n": v.household.dwelling.unit.building.number}
        else:
            author = _("Community staff")
        out.append(ViewRow(id=v.pk, text=v.text, option=v.option.title if v.option else "",
                           written_at=v.created_at, author=author, mine=v.author_id == actor.pk))
    return out


def topic_meetings(*, topic: Topic) -> list[Meeting]:
    return list(
        Meeting.objects.filter(topic=topic).select_related("pavilion")
        .annotate(attendee_count=Count("attendance", distinct=True),
                  representative_count=Count("attendance",
                                             filter=Q(attendance__represents_household=True),
                                             distinct=True))
        .prefetch_related("options_discussed")
        .order_by("starts_at", "pk")
    )


def access_meeting(*, actor: Any, meeting_id: int) -> Meeting:
    found = (scoped(Meeting.objects.all(), actor)
             .select_related("topic", "pavilion", "topic__community")
             .prefetch_related("options_discussed")
             .filter(pk=meeting_id).first())
    if found is None:
        raise NotFound()
    return found


def meeting_attendance(*, actor: Any, meeting: Meeting) -> QuerySet[Attendance]:
    """The sign-in sheet (names): community staff, or a household its own rows."""
    return (scoped(Attendance.objects.filter(meeting=meeting), actor)
            .select_related("resident", "household__dwelling__unit__building", "recorded_by")
            .order_by("pk"))


def attendance_candidates(*, actor: Any, meeting: Meeting, q: str) -> list[Resident]:
    """Residents staff may sign in: adults living in the buildings the topic concerns."""
    q = (q or "").strip()
    if not q or not can_manage(actor, meeting.topic.community_id):
        return []
    topic = meeting.topic
    qs = scoped(Resident.objects.all(), actor, write=True).filter(
        status=Resident.Status.ACTIVE,
        household__dwelling__unit__building__community_id=topic.community_id,
    ).exclude(pk__in=Attendance.objects.filter(meeting=meeting).values("resident_id"))
    building_ids = list(topic.buildings.values_list("pk", flat=True))
    if building_ids:
        qs = qs.filter(household__dwelling__unit__building_id__in=building_ids)
    qs = qs.filter(Q(name__contains=q) | Q(name_pinyin__startswith=q.lower())
                   | Q(name_initials__startswith=q.lower()) | Q(mobile_tail=q))
    return list(qs.select_related("household__dwelling__unit__building").order_by("name")[:20])


def decisions_of(*, topic: Topic) -> list[Decision]:
    return list(Decision.objects.filter(topic=topic).select_related("option", "meeting")
                .order_by("recorded_at", "pk"))


def decision_check(decision: Decision) -> MeetingCheck:
    """The two tests of a recorded vote, by the rule kept with it."""
    return check(eligible=decision.eligible, present=decision.present,
                 votes_for=decision.votes_for, votes_against=decision.votes_against,
                 abstained=decision.abstained, quorum=Share.parse(decision.quorum_rule),
                 approval=Share.parse(decision.approval_rule))


def topic_items(*, topic: Topic) -> list[ImplementationItem]:
    return list(ImplementationItem.objects.filter(topic=topic)
                .select_related("owner", "request", "renovation", "elevator_project")
                .order_by("pk"))


def elevator_projects_to_link(*, actor: Any, topic: Topic) -> list[tuple[int, str]]:
    """The elevator projects of the topic's community the actor may see: an item can link one."""
    from xingfuli.elevators import selectors as elevator_selectors

    return [(p.pk, p.name) for p in elevator_selectors.projects_for(actor=actor).filter(
        community_id=topic.community_id)]


def topics_linking_elevator_project(*, actor: Any, project_id: int) -> list[Topic]:
    """The topics (visible to the actor) one of whose implementation items is the project."""
    return list(scoped(Topic.objects.all(), actor)
                .filter(items__elevator_project_id=project_id).distinct().order_by("pk"))


def adopted_decision(*, topic: Topic) -> Decision | None:
    return (Decision.objects.filter(topic=topic, adopted=True)
            .select_related("option", "meeting__pavilion").order_by("-recorded_at").first())


# --- public pages (no login, no personal data) -------------------------------------------


@dataclass(frozen=True)
class PublicTopic:
    id: int
    title: str
    kind: str
    status: str
    status_code: str
    has_notice: bool
    next_meeting: dt.datetime | None


@dataclass(frozen=True)
class PublicPavilion:
    id: int
    name: str
    location: str
    community: str
    community_phone: str
    buildings: list[str]
    topics: list[PublicTopic]


def public_pavilion(*, pavilion_id: int) -> PublicPavilion:
    """What the QR code on the pavilion opens: its place, its buildings and its topics."""
    pavilion = (Pavilion.objects.select_related("community")
                .prefetch_related(Prefetch("buildings",
                                           queryset=Building.objects.order_by("number")))
                .filter(pk=pavilion_id, active=True).first())
    if pavilion is None:
        raise NotFound()
    now = timezone.now()
    topics = (Topic.objects.filter(pavilion=pavilion).exclude(status=S.WITHDRAWN)
              .prefetch_related(Prefetch(
                  "meetings", to_attr="upcoming",
                  queryset=Meeting.objects.filter(status=Meeting.Status.SCHEDULED,
                                                  starts_at__gte=now).order_by("starts_at")))
              .order_by("-created_at", "-pk")[:30])
    return PublicPavilion(
        id=pavilion.pk, name=pavilion.name, location=pavilion.location,
        community=pavilion.community.name, community_phone=pavilion.community.phone,
        buildings=[b.number for b in pavilion.buildings.all()],
        topics=[
            PublicTopic(
                id=t.pk, title=t.title, kind=str(t.get_kind_display()),
                status=str(t.get_status_display()), status_code=t.status,
                has_notice=t.status in PUBLIC_STATUSES,
                next_meeting=t.upcoming[0].starts_at if t.upcoming else None,
            )
            for t in topics
        ],
    )


@dataclass(frozen=True)
class PublicItem:
    title: str
    responsible: str
    progress: int
    due_on: dt.date | None
    done_on: dt.date | None
    note: str


@dataclass(frozen=True)
class PublicNotice:
    """公示 of a decision: the matter, the options, the vote with its two tests, the progress."""

    topic_id: int
    title: str
    description: str
    kind: str
    status: str
    status_code: str
    community: str
    pavilion: str
    buildings: list[str]
    options: list[str]
    chosen: str
    meeting_at: dt.datetime | None
    method: str
    basis: str
    check: MeetingCheck
    items: list[PublicItem]
    progress: int  # the average of the items, whole percent
    decided_at: dt.datetime | None
    done_at: dt.datetime | None


def public_notice(*, topic_id: int) -> PublicNotice:
    topic = (Topic.objects.select_related("community", "pavilion", "chosen_option")
             .prefetch_related(Prefetch("buildings", queryset=Building.objects.order_by("number")),
                               Prefetch("options", queryset=Option.objects.order_by("pk")))
             .filter(pk=topic_id, status__in=PUBLIC_STATUSES).first())
    if topic is None:
        raise NotFound()
    decision = adopted_decision(topic=topic)
    if decision is None:
        raise NotFound()
    items = list(ImplementationItem.objects.filter(topic=topic).order_by("pk"))
    progress = round(sum(i.progress for i in items) / len(items)) if items else 0
    return PublicNotice(
        topic_id=topic.pk, title=topic.title, description=topic.description,
        kind=str(topic.get_kind_display()), status=str(topic.get_status_display()),
        status_code=topic.status, community=topic.community.name,
        pavilion=decision.meeting.pavilion.name,
        buildings=[b.number for b in topic.buildings.all()],
        options=[o.title for o in topic.options.all()],
        chosen=decision.option.title, meeting_at=decision.meeting.starts_at,
        method=str(decision.get_method_display()),
        basis=str(Topic.Basis(decision.basis).label),
        check=decision_check(decision),
        items=[PublicItem(title=i.title, responsible=i.owner_label, progress=i.progress,
                          due_on=i.due_on, done_on=i.done_on, note=i.progress_note)
               for i in items],
        progress=progress, decided_at=topic.decided_at, done_at=topic.done_at,
    )


def public_notices(*, community_id: int, limit: int = 50) -> QuerySet[Topic]:
    return (Topic.objects.filter(community_id=community_id, status__in=PUBLIC_STATUSES)
            .select_related("chosen_option").order_by("-decided_at", "-pk")[:limit])
