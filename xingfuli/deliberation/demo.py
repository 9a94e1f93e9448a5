"""The demo's deliberation pavilions (一亭): the 7 pavilions of 万泉街 between its buildings
(fictional names), and topics in every state — among them the article's air-conditioner drip
water, decided ("collect it and water the plants") and done.

Fast: a fixed handful of topics; the sign-in sheets are bulk-inserted. Built after the requests,
property and elevators parts (order 195): items link a request, the renovation project and an
elevator project being installed, and one topic comes from a request through
`services.topic_from_request`, as on the request page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xingfuli.core.models import User
from xingfuli.deliberation import services
from xingfuli.deliberation.models import (
    Attendance,
    Decision,
    HouseholdVote,
    ImplementationItem,
    Meeting,
    Option,
    Pavilion,
    Topic,
    TopicEvent,
    TopicView,
)
from xingfuli.deliberation.rules import MORE_THAN_HALF, check
from xingfuli.demo.base import RESIDENT_MOBILES, STAFF_MOBILE, DemoWorld, demo_part
from xingfuli.elevators.models import INSTALLING_STAGES
from xingfuli.elevators.models import Project as ElevatorProject
from xingfuli.property.models import RenovationProject
from xingfuli.registry.models import Building
from xingfuli.requests.models import OPEN_STATUSES, Request

S = Topic.Status
K = Topic.Kind

# (name, where): seven pavilions, each among five of the 35 buildings.
PAVILIONS = (
    ("和风亭", "1 栋与 2 栋之间的小广场"),
    ("清风亭", "6 栋背后的黄葛树下"),
    ("邻里亭", "11 栋与 12 栋之间的空地"),
    ("同心亭", "16 栋旁的健身角"),
    ("连心亭", "21 栋前的花坛边"),
    ("暖阳亭", "26 栋与 27 栋之间"),
    ("桂香亭", "31 栋旁的桂花树下"),
)


@dataclass
class Plan:
    """A topic and how far it went. Days are counted back from today."""

    title: str
    kind: str
    status: str
    pavilion: int  # index in PAVILIONS
    buildings: int  # how many of the pavilion's buildings it concerns
    options: tuple[str, ...] = ()
    chosen: int | None = None
    origin: str = Topic.Origin.PROPOSAL
    description: str = ""
    created: int = 120
    meeting: int | None = None  # days ago (negative: days ahead)
    share_present: float = 0.6  # of the households eligible
    share_for: float = 0.8  # of those present
    # (work, responsible, progress[, what it links: "request", "renovation" or "elevator"])
    items: tuple[tuple[Any, ...], ...] = ()
    elevator: bool = False  # concerns the unit whose elevator is being installed
    views: tuple[str, ...] = ()
    done: int | None = None
    note: str = ""
    events: list[tuple[str, str, str, int]] = field(default_factory=list)


PLANS = (
    Plan("空调外机滴水导致楼下大门地面湿滑", K.LIVELIHOOD, S.DONE, 0, 2,
         options=("在外机上方加装一块雨棚挡一挡", "统一朝向，全部接一根管子把水引到下水道",
                  "把空调水统一收集储存，用来浇灌楼栋附近的绿植"),
         chosen=2, origin=Topic.Origin.VISIT, created=200, meeting=170, share_present=0.72,
         share_for=0.86, done=95,
         description="空调外机的滴水长期流到楼下大门，地面湿滑，老人容易摔跤，居民意见很大。",
         items=(("每个单元安装集水管和集水桶", "社区物业服务中心水电维修队", 100),
                ("集水用于浇灌楼栋周边绿植，排定浇灌轮值", "绿化养护队", 100)),
         views=("滴水一直流到大门口，下雨天一样滑。", "接管子要统一朝向，有的住户不一定同意。",
                "水收集起来浇花，不浪费。")),
    Plan("楼道堆放杂物集中清理", K.MAJOR, S.IMPLEMENTING, 2, 3,
         options=("限期自行清理，逾期统一清运", "设置集中存放点"), chosen=0, created=90,
         meeting=60, share_present=0.64, share_for=0.7,
         items=(("张贴告示，限期自行清理", "第三网格", 100),
                ("统一清运剩余杂物", "清扫保洁队", 40, "request"),
                ("清运后配合楼道刷白和管线整治", "社区物业服务中心", 60, "renovation"))),
    Plan("加装电梯施工期间低层住户出行和噪音协调", K.HARD, S.IMPLEMENTING, 3, 1,
         options=("施工时间限定在 8:30–12:00、14:30–18:00，单元门口搭临时通道",
                  "集中在两周内突击施工"), chosen=0, created=80, meeting=50,
         share_present=0.7, share_for=0.8, elevator=True,
         description="加装电梯进场施工，一楼住户担心出入不便和噪音，请到亭子里一起商量。",
         items=(("搭建单元门口临时通道，公示施工作息时间", "社区居委会、施工单位", 70,
                 "elevator"),)),
    Plan("小区停车位重新划线", K.MAJOR, S.DECIDED, 3, 4,
         options=("按现有空地重新划线并编号", "只在主干道一侧停车"), chosen=0, created=70,
         meeting=12, share_present=0.58, share_for=0.62),
    Plan("单元加装电梯意向征集", K.HARD, S.DELIBERATED, 4, 2,
         options=("先做意向调查，再请设计单位踏勘", "暂缓，等相邻楼栋经验"), created=45,
         meeting=8, note="超出社区自身能力，需要业主出资并报规划审批。"),
    Plan("健身器材更新", K.LIVELIHOOD, S.SCHEDULED, 5, 3,
         options=("更换老化器材", "增设适老化器材"), created=20, meeting=-6),
    Plan("垃圾分类投放点调整", K.LIVELIHOOD, S.COLLECTING, 1, 3,
         options=("把投放点移到 7 栋与 8 栋之间", "保留原处并加盖"), created=6,
         views=("现在的投放点离 8 栋窗户太近，夏天有味道。",)),
    Plan("楼栋间养犬管理公约", K.MAJOR, S.WITHDRAWN, 6, 2, created=100,
         note="经网格员协调，相关住户已自行达成约定，撤回议题。"),
)


def _linkable(community_id: int, buildings: list[Building]) -> dict[str, Any]:
    """What demo items link: an open request of the buildings concerned (else of the community),
    the community's renovation project, and an elevator project being installed."""
    requests = Request.objects.filter(community_id=community_id).order_by("pk")
    near = requests.filter(building__in=buildings, status__in=OPEN_STATUSES)
    return {
        "request": near.first() or requests.filter(status__in=OPEN_STATUSES).first(),
        "renovation": RenovationProject.objects.filter(community_id=community_id)
        .order_by("pk").first(),
        "elevator": ElevatorProject.objects.filter(
            community_id=community_id, stage__in=INSTALLING_STAGES).order_by("pk").first(),
    }


def build_deliberation(world: DemoWorld) -> None:
    rng = world.rng("deliberation")
    community = world.community
    staff = User.objects.get(mobile=STAFF_MOBILE)
    resident_user = User.objects.filter(mobile=RESIDENT_MOBILES[0]).first()
    buildings = list(Building.objects.filter(community=community).order_by("pk"))
    pavilions = Pavilion.objects.bulk_create(
        Pavilion(community=community, name=name, location=where, created_at=world.now)
        for name, where in PAVILIONS
    )
    around: list[list[Building]] = []
    links = []
    for i, pavilion in enumerate(pavilions):
        near = buildings[i * 5:(i + 1) * 5]
        around.append(near)
        links += [Pavilion.buildings.through(pavilion_id=pavilion.pk, building_id=b.pk)
                  for b in near]
    Pavilion.buildings.through.objects.bulk_create(links)

    # Heads of households by building, to sign in at meetings.
    building_of = {d.dwelling.pk: d.building.pk for d in world.dwellings}
    heads: dict[int, list[tuple[int, int]]] = {}  # building -> [(household, head resident)]
    for h in world.households:
        if h.community_id == community.pk and h.members:
            heads.setdefault(building_of[h.dwelling_id], []).append((h.id, h.members[0]))

    now = world.now
    decided_this_year = 0
    attendance: list[Attendance] = []
    votes: list[tuple[Decision, list[tuple[int, str]]]] = []
    events: list[TopicEvent] = []
    views: list[TopicView] = []
    items: list[ImplementationItem] = []

    def ago(days: int) -> dt.datetime:
        return (now - dt.timedelta(days=days)).replace(hour=1, minute=30, second=0,
                                                       microsecond=0)  # 09:30 in Shanghai

    def event(topic: Topic, action: str, before: str, after: str, days: int,
              note: str = "") -> None:
        events.append(TopicEvent(topic=topic, action=action, from_status=before,
                                 to_status=after, actor=staff, at=ago(days), note=note))

    installing = _linkable(community.pk, [])["elevator"]
    for plan in PLANS:
        pavilion = pavilions[plan.pavilion]
        concerned = around[plan.pavilion][:plan.buildings]
        if plan.elevator and installing is not None:
            concerned = [installing.building]
        linkable = _linkable(community.pk, concerned)
        topic = Topic.objects.create(
            community=community, pavilion=pavilion, title=plan.title, kind=plan.kind,
            origin=plan.origin, description=plan.description, status=plan.status,
            created_by=staff, created_at=ago(plan.created),
        )
        topic.buildings.set(concerned)
        event(topic, "create", "", S.COLLECTING, plan.created)
        opts = Option.objects.bulk_create(
            Option(topic=topic, title=title, proposed_by=staff, created_at=ago(plan.created))
            for title in plan.options
        )
        households = [hh for b in concerned for hh in heads.get(b.pk, [])]
        for n, text in enumerate(plan.views):
            household_id = households[n * 3 % len(households)][0] if households else None
            views.append(TopicView(topic=topic, author=staff, household_id=household_id,
                                   text=text, created_at=ago(plan.created - 2 - n),
                                   option=opts[plan.chosen] if plan.chosen is not None
                                   and n == len(plan.views) - 1 else None))
        if plan.status == S.WITHDRAWN:
            event(topic, services.Action.WITHDRAW, S.COLLECTING, S.WITHDRAWN,
                  plan.created - 20, plan.note)
            continue
        if plan.meeting is None:
            continue
        meeting = Meeting.objects.create(
            topic=topic, pavilion=pavilion, starts_at=ago(plan.meeting),
            agenda=f"1. {plan.title}\n2. 讨论方案并表决", created_by=staff,
            created_at=ago(plan.meeting + 7),
        )
        event(topic, services.Action.SCHEDULE, S.COLLECTING, S.SCHEDULED, plan.meeting + 7)
        if plan.status == S.SCHEDULED:
            continue
        eligible = services.eligible_count(topic=topic, basis=topic.quorum_basis,
                                           on=ago(plan.meeting).date())
        present = min(len(households), max(1, MORE_THAN_HALF.least(eligible),
                                           round(eligible * plan.share_present)))
        came = rng.sample(households, present)
        attendance += [
            Attendance(meeting=meeting, household_id=hh, resident_id=head,
                       represents_household=True, recorded_by=staff,
                       recorded_at=ago(plan.meeting))
            for hh, head in came
        ]
        meeting.status = Meeting.Status.HELD
        meeting.held_at = ago(plan.meeting)
        meeting.eligible_count = eligible
        meeting.minutes = (f"到会住户代表 {present} 户。网格员介绍了问题，居民逐一发言，"
                           f"讨论了{len(opts)}个方案。" + (plan.note or ""))
        meeting.save(update_fields=["status", "held_at", "eligible_count", "minutes"])
        meeting.options_discussed.set(opts)
        event(topic, services.Action.HOLD, S.SCHEDULED, S.DELIBERATED, plan.meeting)
        if plan.chosen is None:
            continue
        n_for = max(MORE_THAN_HALF.least(present), round(present * plan.share_for))
        n_against = (present - n_for) // 2
        n_abstain = present - n_for - n_against
        result = check(eligible=eligible, present=present, votes_for=n_for,
                       votes_against=n_against, abstained=n_abstain)
        assert result.adopted  # noqa: S101 - the plans are built to pass
        decision = Decision.objects.create(
            topic=topic, meeting=meeting, option=opts[plan.chosen],
            method=Decision.Method.HANDS if plan.kind != K.MAJOR else Decision.Method.BALLOT,
            recording=Decision.Recording.COUNTS if plan.kind != K.MAJOR
            else Decision.Recording.HOUSEHOLDS,
            basis=topic.quorum_basis, eligible=eligible, present=present, votes_for=n_for,
            votes_against=n_against, abstained=n_abstain, quorum_rule=result.quorum.code,
            approval_rule=result.approval.code, quorum_met=True, adopted=True,
            recorded_by=staff, recorded_at=ago(plan.meeting),
        )
        if decision.recording == Decision.Recording.HOUSEHOLDS:
            choices = (["for"] * n_for + ["against"] * n_against + ["abstain"] * n_abstain)
            votes.append((decision, [(hh, c) for (hh, _r), c in zip(came, choices,
                                                                     strict=True)]))
        topic.chosen_option = opts[plan.chosen]
        topic.decided_at = ago(plan.meeting)
        if topic.decided_at.year == world.today.year:
            decided_this_year += 1
        event(topic, services.Action.DECIDE, S.DELIBERATED, S.DECIDED, plan.meeting,
              opts[plan.chosen].title)
        for n, (work, who, progress, *link) in enumerate(plan.items):
            done_on = ago(plan.done or plan.meeting - 20).date() if progress == 100 else None
            linked = {"elevator_project" if k == "elevator" else k: linkable[k] for k in link}
            items.append(ImplementationItem(
                topic=topic, title=str(work), owner_label=str(who), progress=int(progress),
                done_on=done_on, due_on=ago(plan.meeting - 30 - n * 10).date(),
                created_at=ago(plan.meeting - 3), **linked,
            ))
        if plan.items:
            event(topic, services.Action.IMPLEMENT, S.DECIDED, S.IMPLEMENTING, plan.meeting - 3)
        if plan.done is not None:
            topic.done_at = ago(plan.done)
            event(topic, services.Action.COMPLETE, S.IMPLEMENTING, S.DONE, plan.done)
        topic.save(update_fields=["chosen_option", "decided_at", "done_at"])

    # A resident's own view on the topic still collecting views (the resident login).
    collecting = Topic.objects.filter(community=community, status=S.COLLECTING).first()
    if resident_user is not None and collecting is not None:
        household = services._resident_household(resident_user, community.pk)
        views.append(TopicView(topic=collecting, author=resident_user, household=household,
                               text="投放点旁边能不能装个洗手池？", created_at=ago(3)))
    Attendance.objects.bulk_create(attendance)
    TopicEvent.objects.bulk_create(events)
    TopicView.objects.bulk_create(views)
    ImplementationItem.objects.bulk_create(items)
    # A request the grid could not settle, taken to the pavilion by the app's own service call
    # (the topic and the request's referral are linked both ways).
    referred = _linkable(community.pk, around[1])["request"]
    if referred is not None:
        services.topic_from_request(
            actor=staff, request_id=referred.pk, kind=K.MAJOR, pavilion_id=pavilions[1].pk,
            note="涉及多户住户，网格协调未果，提交议事亭商议。",
            idempotency_key=f"demo-topic-from-request-{referred.pk}")
    HouseholdVote.objects.bulk_create(
        HouseholdVote(decision=d, household_id=hh, choice=c) for d, rows in votes
        for hh, c in rows
    )
    world.counts["pavilions"] = len(pavilions)
    world.counts["topics"] = len(PLANS) + (referred is not None)
    world.counts["topics_decided_year"] = decided_this_year
    world.counts["meeting_attendance"] = len(attendance)


def reset_deliberation(community_ids: Sequence[int]) -> None:
    topics = Topic.objects.filter(community_id__in=community_ids)
    HouseholdVote.objects.filter(decision__topic__in=topics).delete()
    Decision.objects.filter(topic__in=topics).delete()
    Attendance.objects.filter(meeting__topic__in=topics).delete()
    topics.update(chosen_option=None)
    Meeting.objects.filter(topic__in=topics).delete()
    ImplementationItem.objects.filter(topic__in=topics).delete()
    TopicView.objects.filter(topic__in=topics).delete()
    TopicEvent.objects.filter(topic__in=topics).delete()
    Option.objects.filter(topic__in=topics).delete()
    topics.delete()
    Pavilion.objects.filter(community_id__in=community_ids).delete()


demo_part("deliberation", order=195, reset=reset_deliberation)(build_deliberation)
