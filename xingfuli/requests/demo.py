"""The demo's requests (民生诉求): 万泉街's category tree with SLA policies, and this year's
history — exactly 810 requests closed this calendar year, some open right now, a few rejected,
duplicate or cancelled.

The history is bulk-created, not played through the services (that would take minutes), but
each request is simulated step by step with the services' rules so that its rows are what the
services would have written: the status, level, team and assignee; due times from `sla.py`;
responded/resolved/closed times; breach flags (and the breach task's event and automatic
escalation a few minutes after a missed deadline); pauses extending the due times; one event
per change with its actor, time and from → to; one audit entry per event; the version; and
numbers in submission order with the per-year counter updated.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core.models import AuditEntry, Role, User
from xingfuli.demo.base import DISPATCHER_MOBILE, DemoHousehold, DemoWorld, demo_part
from xingfuli.property.models import ServiceTeam, TeamMember
from xingfuli.registry.models import Resident
from xingfuli.requests.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Category,
    Level,
    Open311Client,
    Request,
    RequestCounter,
    RequestEvent,
    RequestPhoto,
    SlaPolicy,
)
from xingfuli.requests.open311.services import open311_client_create
from xingfuli.requests.services import number_prefix
from xingfuli.requests.sla import sla_add, sla_due, sla_elapsed

S = Request.Status
K = RequestEvent.Kind
CH = Request.Channel
T = Request.Type
OPEN311_DEMO_KEY = "wanquan-demo-key"  # the demo client's published key (README)
CLOSED_THIS_YEAR = 810
OPEN_NOW = 45
WITHDRAWN = {S.REJECTED: 4, S.DUPLICATE: 3, S.CANCELLED: 3}
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)
WORKING = SlaPolicy.Clock.WORKING_DAYS

# (code, name, clock, respond within, resolve within)
POLICIES = (
    ("onsite_2h", "2 小时到场修复", SlaPolicy.Clock.ROUND_THE_CLOCK, 2 * H, 2 * H),
    ("utility_24h", "2 小时响应、24 小时修复", SlaPolicy.Clock.ROUND_THE_CLOCK, 2 * H, 24 * H),
    ("safety_24h", "2 小时反馈、24 小时处置", SlaPolicy.Clock.ROUND_THE_CLOCK, 2 * H, 24 * H),
    ("general_24h", "4 小时响应、24 小时办结", SlaPolicy.Clock.ROUND_THE_CLOCK, 4 * H, 24 * H),
    ("general_7d", "24 小时响应、7 日办结", SlaPolicy.Clock.ROUND_THE_CLOCK, 24 * H, 7 * D),
    ("working_3d", "1 个工作日响应、3 个工作日办结", WORKING, 1 * D, 3 * D),
)

# (code, name, parent, level, team code, policy code)
CATEGORIES = (
    ("facilities", "公共设施", "", Level.GRID, "", ""),
    ("public_lighting", "公共照明", "facilities", Level.GRID, "repair", "onsite_2h"),
    ("corridor_lighting", "楼道照明", "public_lighting", Level.GRID, "repair", "onsite_2h"),
    ("street_lamps", "小区路灯", "public_lighting", Level.GRID, "repair", "onsite_2h"),
    ("water_power", "水电维修", "facilities", Level.GRID, "repair", "utility_24h"),
    ("drains", "管道疏通", "facilities", Level.GRID, "drains", "utility_24h"),
    ("environment", "环境卫生", "", Level.GRID, "", ""),
    ("cleaning", "清扫保洁", "environment", Level.GRID, "cleaning", "general_24h"),
    ("greenery", "绿化养护", "environment", Level.GRID, "greening", "general_7d"),
    ("safety_hazard", "安全隐患", "", Level.GRID, "safety", "safety_24h"),
    ("neighbour_dispute", "邻里纠纷", "", Level.GRID, "", "general_7d"),
    ("elderly_care", "养老服务", "", Level.COMMUNITY, "", "general_7d"),
    ("policy_question", "政策咨询", "", Level.COMMUNITY, "", "working_3d"),
    ("other", "其他", "", Level.GRID, "", "general_7d"),
)


@dataclass(frozen=True)
class Kind:
    """How requests of a category come in and get done."""

    weight: int
    where: str  # floor (building + floor), dwelling, building, place
    types: tuple[tuple[str, int], ...]
    titles: tuple[str, ...]
    notes: tuple[str, ...]
    late: float  # share resolved after the deadline
    on_site: bool = True


KINDS: dict[str, Kind] = {
    "corridor_lighting": Kind(
        20, "floor", ((T.HELP, 8), (T.COMPLAINT, 2)),
        ("{floor} 楼的灯又不亮了", "{floor} 楼楼道灯坏了，晚上上楼看不见", "{floor} 楼声控灯不灵了",
         "{floor} 楼楼梯间的灯一直闪"),
        ("更换了楼道 LED 灯泡，已试亮", "更换了声控开关，灯已恢复", "修复了松动的线头，灯已亮",
         "更换了灯座和灯泡"), late=0.08),
    "street_lamps": Kind(
        6, "place", ((T.HELP, 7), (T.SUGGESTION, 1)),
        ("小区路灯不亮", "主干道两盏路灯坏了", "篮球场边的路灯不亮"),
        ("更换了路灯灯头", "修复了路灯线路，已恢复照明"), late=0.1),
    "water_power": Kind(
        14, "dwelling", ((T.HELP, 9), (T.COMPLAINT, 1)),
        ("家里水管漏水", "楼道总闸跳闸，整层停电", "水表前阀门关不严", "厨房下水管渗水",
         "公共水管爆裂"),
        ("更换了阀门，已不漏水", "检修了楼道电闸，已恢复供电", "更换了老化的水管接头"),
        late=0.05),
    "drains": Kind(
        10, "dwelling", ((T.HELP, 9), (T.COMPLAINT, 1)),
        ("下水道堵了，污水倒灌", "化粪池满溢", "厨房下水不通", "楼下窨井冒水"),
        ("疏通了主管道，排水正常", "清掏了化粪池", "疏通了厨房下水管"), late=0.06),
    "cleaning": Kind(
        12, "building", ((T.HELP, 5), (T.COMPLAINT, 3), (T.SUGGESTION, 1)),
        ("楼道堆放杂物，影响通行", "垃圾桶满了没人清", "楼道有小广告", "单元门口有建筑垃圾"),
        ("清理了楼道杂物", "清运了垃圾，已消毒", "清除了小广告"), late=0.04),
    "greenery": Kind(
        6, "place", ((T.HELP, 4), (T.SUGGESTION, 2)),
        ("树枝挡住窗户，希望修剪", "绿化带杂草丛生", "大风刮倒了一棵树"),
        ("修剪了树枝", "清除了杂草并补种", "移除了倒伏的树木"), late=0.04),
    "safety_hazard": Kind(
        7, "building", ((T.REPORT, 4), (T.HELP, 4)),
        ("电动车在楼道飞线充电", "消防通道被占用", "楼道灭火器过期", "外墙瓷砖有脱落风险"),
        ("劝离了楼道充电的电动车，已宣传", "清理了消防通道", "更换了灭火器",
         "拉设了警戒线并清除了松动瓷砖"), late=0.05),
    "neighbour_dispute": Kind(
        7, "dwelling", ((T.HELP, 6), (T.COMPLAINT, 3)),
        ("楼上漏水影响我家，协调未果", "邻居噪音扰民", "邻居在公共区域堆物"),
        ("组织双方协商，达成维修协议", "上门劝导，邻居已整改", "调解成功，双方签字确认"),
        late=0.05),
    "elderly_care": Kind(
        6, "dwelling", ((T.HELP, 8), (T.QUESTION, 2)),
        ("独居老人希望有人定期上门", "希望社区食堂送餐上门", "老人需要助浴服务"),
        ("已纳入定期探访名单", "已安排社区食堂送餐", "已联系助浴服务上门"), late=0.05),
    "policy_question": Kind(
        7, "dwelling", ((T.QUESTION, 1),),
        ("咨询高龄津贴申领办法", "咨询医保异地报销", "咨询低保申请条件",
         "咨询老旧小区加装电梯政策"),
        ("已电话答复并告知所需材料", "已告知办理流程和窗口地址", "已协助填写申请表"),
        late=0.06, on_site=False),
    "other": Kind(
        3, "building", ((T.SUGGESTION, 3), (T.HELP, 2)),
        ("快递无人代收，希望设置代收点", "希望增设休息座椅", "单元门禁坏了"),
        ("已联系快递网点设置代收点", "已增设座椅", "已联系厂家维修门禁"), late=0.05),
}
CHANNELS = ((CH.PHONE_TO_GRID, 40), (CH.WALK_IN, 14), (CH.SELF_REPORT, 12), (CH.VISIT, 14),
            (CH.PAVILION, 4), (CH.TRANSFER_12345, 5), (CH.PATROL, 9))
PLACES = ("小区主干道", "篮球场", "中心花园", "议事亭旁", "北门口", "停车场")


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _between(rng: random.Random, lo: dt.timedelta, hi: dt.timedelta) -> dt.timedelta:
    return lo + (hi - lo) * rng.random()


@dataclass
class Slot:
    """A round-robin assignee, chosen once every dispatch of the team is known in time order."""

    team_id: int
    at: dt.datetime
    user_id: int | None = None


Actor = int | Slot | None


@dataclass
class Ctx:
    world: DemoWorld
    categories: dict[str, Category]
    policies: dict[str, SlaPolicy]
    teams: dict[str, ServiceTeam]
    members: dict[int, list[int]]  # team id -> member user ids, by joining order
    dispatcher: int
    staff: list[int]  # community staff and admin
    grid_workers: dict[int, list[int]]
    residents: dict[int, tuple[str, int | None]]  # id -> name, login
    dwellings: dict[int, tuple[int, int, int]]  # dwelling id -> building id, floor, floors
    households: list[DemoHousehold]
    slots: list[Slot] = field(default_factory=list)


class Sim:
    """One request played through the services' rules, up to `cutoff`."""

    def __init__(self, ctx: Ctx, req: Request, *, gw: int, cs: int,
                 cutoff: dt.datetime | None, rng: random.Random) -> None:
        self.ctx, self.req, self.gw, self.cs, self.cutoff, self.rng = ctx, req, gw, cs, cutoff, rng
        self.events: list[tuple[RequestEvent, Actor]] = []
        self.stopped = False
        self.assignee: Actor = None
        self.t = req.submitted_at
        policy = req.sla_policy
        if policy is not None:
            response, resolution = sla_due(policy, req.submitted_at)
            req.due_response_at, req.due_resolution_at = response.at, resolution.at
        self.clock = policy.clock if policy is not None else "24x7"
        self._event(req.submitted_at, req.recorded_by_id, K.SUBMITTED, from_status="",
                    from_level="", data={"channel": req.channel})

    def handler(self) -> int:
        """Who handles the request at its level: its grid worker, or a community staff member."""
        return self.gw if self.req.level == Level.GRID and self.req.grid_id else self.cs

    def worker(self) -> Actor:
        return self.assignee if self.req.team_id is not None else self.handler()

    def after(self, delta: dt.timedelta, working: bool = False) -> dt.datetime:
        if working:
            return sla_add(WORKING, self.t, delta).at
        return self.t + delta

    def _event(self, at: dt.datetime, actor: Actor, kind: str, *, to_status: str | None = None,
               to_level: str | None = None, note: str = "", from_status: str | None = None,
               from_level: str | None = None, data: dict[str, Any] | None = None) -> bool:
        req = self.req
        fs = req.status if from_status is None else from_status
        fl = req.level if from_level is None else from_level
        if to_status is not None:
            req.status = to_status
        if to_level is not None:
            req.level = to_level
        if kind != K.SUBMITTED:
            req.version += 1
        self.events.append((RequestEvent(
            at=at, kind=kind, from_status=fs, to_status=req.status, from_level=fl,
            to_level=req.level, note=note, data=data or {},
        ), actor))
        self.t = max(self.t, at)
        return True

    def begin(self, at: dt.datetime) -> bool:
        """Whether a change at `at` happens (not past the cutoff), after the breaches the task
        would have found before it."""
        if self.stopped or (self.cutoff is not None and at >= self.cutoff):
            self.stopped = True
            return False
        self.breaches(until=at)
        return True

    def breaches(self, until: dt.datetime) -> None:
        """What `requests_breaches_process` (run every few minutes) did before `until`."""
        req = self.req
        while req.status in OPEN_STATUSES and req.paused_at is None:
            dues = []
            if not req.response_breached and req.responded_at is None and req.due_response_at:
                dues.append(req.due_response_at)
            if not req.resolution_breached and req.due_resolution_at:
                dues.append(req.due_resolution_at)
            if not dues:
                return
            run = max(min(dues), self.t) + dt.timedelta(seconds=self.rng.randint(30, 300))
            if run >= until:
                return
            response = (not req.response_breached and req.responded_at is None
                        and req.due_response_at is not None and req.due_response_at < run)
            resolution = (not req.resolution_breached and req.due_resolution_at is not None
                          and req.due_resolution_at < run)
            req.response_breached = req.response_breached or response
            req.resolution_breached = req.resolution_breached or resolution
            late = [w for w, x in (("response", response), ("resolution", resolution)) if x]
            self._event(run, None, K.BREACHED, data={"late": late})
            index = LEVEL_ORDER.index(req.level)
            if index + 1 < len(LEVEL_ORDER):
                self._event(run, None, K.ESCALATED, to_level=LEVEL_ORDER[index + 1],
                            note=_("Deadline missed."), data={"automatic": True})

    # -- the actions, as the services do them ---------------------------------------------
    def accept(self, at: dt.datetime) -> bool:
        if not self.begin(at):
            return False
        self.req.accepted_at = at
        return self._event(at, self.handler(), K.ACCEPTED, to_status=S.ACCEPTED)

    def dispatch(self, at: dt.datetime) -> bool:
        if not self.begin(at):
            return False
        req, ctx = self.req, self.ctx
        team = req.category.default_team
        assert team is not None  # noqa: S101 - only team categories are dispatched
        assignee: Actor = None
        if team.dispatch_mode == ServiceTeam.DispatchMode.ASSIGNED:
            assignee = self.rng.choice(ctx.members[team.pk])
        elif team.dispatch_mode == ServiceTeam.DispatchMode.ROUND_ROBIN:
            assignee = Slot(team.pk, at)
            ctx.slots.append(assignee)
        previous = req.team_id
        req.team = team
        req.dispatched_at = at
        self.assignee = assignee
        return self._event(at, ctx.dispatcher, K.DISPATCHED, to_status=S.DISPATCHED,
                           data={"team": team.pk, "assignee": assignee,
                                 "mode": team.dispatch_mode, "previous_team": previous})

    def take(self, at: dt.datetime) -> bool:
        if not self.begin(at):
            return False
        team_id = self.req.team_id
        assert team_id is not None  # noqa: S101
        member = self.rng.choice(self.ctx.members[team_id])
        self.assignee = member
        return self._event(at, member, K.TAKEN, data={"assignee": member})

    def _responded(self, at: dt.datetime) -> None:
        req = self.req
        if req.responded_at is None:
            req.responded_at = at
            if req.due_response_at is not None and at > req.due_response_at:
                req.response_breached = True

    def on_site(self, at: dt.datetime) -> bool:
        if not self.begin(at):
            return False
        self._responded(at)
        return self._event(at, self.worker(), K.ON_SITE, to_status=S.ON_SITE)

    def resolve(self, at: dt.datetime, note: str) -> bool:
        if not self.begin(at):
            return False
        req = self.req
        self._responded(at)
        req.resolved_at = at
        req.resolution_seconds = max(0, int((at - req.submitted_at).total_seconds()))
        if req.due_resolution_at is not None and at > req.due_resolution_at:
            req.resolution_breached = True
        return self._event(at, self.worker(), K.RESOLVED, to_status=S.RESOLVED, note=note,
                           data={"photos": 0})

    def follow_up(self, at: dt.datetime, satisfaction: str, comment: str = "") -> bool:
        if not self.begin(at):
            return False
        req = self.req
        req.satisfaction = satisfaction
        req.followed_up_at = at
        if satisfaction != Request.Satisfaction.UNSATISFIED:
            return self._event(at, self.handler(), K.FOLLOWED_UP, to_status=S.FOLLOWED_UP,
                               note=comment, data={"satisfaction": satisfaction})
        back = S.DISPATCHED if req.team_id is not None else S.ACCEPTED
        req.resolved_at = None
        req.resolution_seconds = None
        return self._event(at, self.handler(), K.REOPENED, to_status=back, note=comment,
                           data={"satisfaction": satisfaction})

    def close(self, at: dt.datetime, note: str = "") -> bool:
        if not self.begin(at):
            return False
        self.req.closed_at = at
        return self._event(at, self.handler(), K.CLOSED, to_status=S.CLOSED, note=note)

    def level(self, at: dt.datetime, to_level: str, reason: str, *, up: bool = True) -> bool:
        if not self.begin(at):
            return False
        return self._event(at, self.handler(), K.ESCALATED if up else K.DEESCALATED,
                           to_level=to_level, note=reason)

    def pause(self, at: dt.datetime, reason: str) -> bool:
        if not self.begin(at):
            return False
        self.req.paused_at = at
        return self._event(at, self.worker(), K.PAUSED, note=reason)

    def resume(self, at: dt.datetime) -> bool:
        if not self.begin(at):
            return False
        req = self.req
        assert req.paused_at is not None  # noqa: S101
        extension = sla_elapsed(self.clock, req.paused_at, at)
        if req.responded_at is None and req.due_response_at is not None:
            req.due_response_at = sla_add(self.clock, req.due_response_at, extension).at
        if req.resolved_at is None and req.due_resolution_at is not None:
            req.due_resolution_at = sla_add(self.clock, req.due_resolution_at, extension).at
        req.paused_seconds += int(extension.total_seconds())
        req.paused_at = None
        return self._event(at, self.worker(), K.RESUMED,
                           data={"paused_seconds": int(extension.total_seconds())})

    def withdraw(self, at: dt.datetime, status: str, reason: str,
                 original: Request | None = None) -> bool:
        if not self.begin(at):
            return False
        kinds: dict[str, str] = {S.REJECTED: K.REJECTED, S.DUPLICATE: K.DUPLICATE,
                                 S.CANCELLED: K.CANCELLED}
        kind = kinds[status]
        data: dict[str, Any] = {}
        if original is not None:
            self.req.duplicate_of = original
            data = {"original": original, "original_number": original}
        self.req.paused_at = None
        return self._event(at, self.handler(), kind, to_status=status, note=reason, data=data)


# --- the course of a request --------------------------------------------------------------

FIXED_DURATIONS: dict[str, tuple[dt.timedelta, dt.timedelta, dt.timedelta, dt.timedelta]] = {
    # accept, dispatch (and take), travel to site, the work
    "corridor_lighting": (2 * M, 10 * M, 15 * M, 30 * M),
    "street_lamps": (2 * M, 15 * M, 20 * M, 40 * M),
    "water_power": (5 * M, 30 * M, 40 * M, 3 * H),
    "drains": (5 * M, 30 * M, 1 * H, 3 * H),
    "cleaning": (5 * M, 1 * H, 1 * H, 2 * H),
    "greenery": (10 * M, 3 * H, 24 * H, 6 * H),
    "safety_hazard": (2 * M, 15 * M, 20 * M, 8 * H),
    "neighbour_dispute": (10 * M, 0 * M, 12 * H, 3 * D),
    "elderly_care": (30 * M, 0 * M, 1 * D, 3 * D),
    "policy_question": (15 * M, 0 * M, 0 * M, 2 * D),
    "other": (10 * M, 0 * M, 12 * H, 3 * D),
}
UNREACHABLE = "多次联系居民未接通，按规定办结"


def play(sim: Sim, code: str, *, withdraw: str = "", original: Request | None = None,
         pause: bool = False) -> None:
    """The whole course of one request, from acceptance to closing (or to the cutoff)."""
    rng, req = sim.rng, sim.req
    kind = KINDS[code]
    accept_max, dispatch_max, travel_max, work_max = FIXED_DURATIONS[code]
    working = req.sla_policy is not None and req.sla_policy.clock == WORKING
    late = rng.random() < kind.late
    delay = rng.choice((1, 1, 2)) if req.channel == CH.SELF_REPORT else 0
    if withdraw in (S.REJECTED, S.DUPLICATE) or (withdraw == S.CANCELLED and rng.random() < 0.5):
        notes: dict[str, str] = {S.REJECTED: "属于法院诉讼事项，已告知居民通过司法途径解决",
                 S.DUPLICATE: "与已受理的诉求重复，已告知居民办理进度",
                 S.CANCELLED: "居民自行解决，申请撤销"}
        sim.withdraw(sim.after(_between(rng, 5 * M, 2 * H)), withdraw, notes[withdraw], original)
        return
    if not sim.accept(sim.after(_between(rng, M, accept_max) + delay * H, working)):
        return
    if withdraw == S.CANCELLED:
        sim.withdraw(sim.after(_between(rng, 30 * M, 5 * H)), withdraw, "居民自行解决，申请撤销")
        return
    if req.category.default_team_id is not None:
        if code in ("water_power", "drains") and rng.random() < 0.05:
            if not sim.level(sim.after(_between(rng, 5 * M, 20 * M)), Level.COMMUNITY,
                             "涉及整栋楼，需社区协调物业和业主"):
                return
        if not sim.dispatch(sim.after(_between(rng, 2 * M, dispatch_max))):
            return
        team = req.category.default_team
        if team is not None and team.dispatch_mode == ServiceTeam.DispatchMode.POOL:
            if not sim.take(sim.after(_between(rng, 3 * M, dispatch_max))):
                return
    else:
        if code in ("neighbour_dispute", "other") and rng.random() < 0.2:
            if not sim.level(sim.after(_between(rng, 2 * H, 2 * D)), Level.COMMUNITY,
                             "双方协商未果，提请社区调解" if code == "neighbour_dispute"
                             else "超出网格处置能力，提请社区协调"):
                return
            if rng.random() < 0.2:
                if not sim.level(sim.after(_between(rng, 1 * H, 1 * D)), Level.REFERRED,
                                 "涉及违法建设，上报街道综合执法"):
                    return
            elif rng.random() < 0.15:
                if not sim.level(sim.after(_between(rng, 1 * H, 1 * D)), Level.GRID,
                                 "已与相关方沟通，交由网格员跟进落实", up=False):
                    return
        elif code == "policy_question" and rng.random() < 0.06:
            if not sim.level(sim.after(_between(rng, 1 * H, 6 * H), working), Level.REFERRED,
                             "涉及医保政策，转街道社保所答复"):
                return
    if late:
        travel = _between(rng, travel_max * 3, travel_max * 6) if rng.random() < 0.5 else \
            _between(rng, 5 * M, travel_max)
        work = _between(rng, work_max * 3, work_max * 5)
    else:
        travel, work = _between(rng, 5 * M, travel_max), _between(rng, 10 * M, work_max)
    if kind.on_site:
        if not sim.on_site(sim.after(travel)):
            return
        if pause:
            if not sim.pause(sim.after(_between(rng, 5 * M, 20 * M)), "居民外出，约定回来后上门"):
                return
            if not sim.resume(sim.after(_between(rng, 4 * H, 30 * H))):
                return
    if not sim.resolve(sim.after(work, working), rng.choice(kind.notes)):
        return
    _follow_up_and_close(sim, code)


def _follow_up_and_close(sim: Sim, code: str, again: bool = False) -> None:
    rng = sim.rng
    if rng.random() < 0.03:
        sim.close(sim.after(_between(rng, 2 * D, 3 * D)), UNREACHABLE)
        return
    roll = rng.random()
    satisfaction = (Request.Satisfaction.SATISFIED if roll < 0.85 else
                    Request.Satisfaction.BASIC if roll < 0.96 or again else
                    Request.Satisfaction.UNSATISFIED)
    comments = {Request.Satisfaction.SATISFIED: ("满意，谢谢", "处理很及时", ""),
                Request.Satisfaction.BASIC: ("基本满意，希望以后更快一些", ""),
                Request.Satisfaction.UNSATISFIED: ("问题没有彻底解决，又坏了", "处理不彻底")}
    if not sim.follow_up(sim.after(_between(rng, 1 * H, 2 * D)), satisfaction,
                         rng.choice(comments[satisfaction])):
        return
    if satisfaction != Request.Satisfaction.UNSATISFIED:
        sim.close(sim.after(_between(rng, 5 * M, 1 * D)))
        return
    # Reopened: the work again, then most are satisfied; some stay unsatisfied and are closed.
    kind = KINDS[code]
    if kind.on_site and not sim.on_site(sim.after(_between(rng, 1 * H, 1 * D))):
        return
    redo = "返工处理：" + rng.choice(kind.notes)
    if not sim.resolve(sim.after(_between(rng, 30 * M, 1 * D)), redo):
        return
    if rng.random() < 0.3:
        sim.close(sim.after(_between(rng, 1 * D, 2 * D)),
                  "已返工并向居民说明情况，居民仍不满意，按规定办结")
        return
    _follow_up_and_close(sim, code, again=True)


# --- building -----------------------------------------------------------------------------


def _context(world: DemoWorld) -> Ctx:
    community = world.community
    policies = {}
    for code, name, clock, respond, resolve in POLICIES:
        policies[code] = SlaPolicy(community=community, code=code, name=name, clock=clock,
                                   response_target=respond, resolution_target=resolve)
    SlaPolicy.objects.bulk_create(policies.values())
    teams = {t.code: t for t in ServiceTeam.objects.filter(center__community=community)}
    categories: dict[str, Category] = {}
    for n, (code, name, parent, level, team, policy) in enumerate(CATEGORIES):
        categories[code] = Category.objects.create(
            community=community, code=code, name=name, sort_order=n * 10,
            parent=categories[parent] if parent else None, default_level=level,
            default_team=teams[team] if team else None,
            sla_policy=policies[policy] if policy else None,
        )
    members: dict[int, list[int]] = {}
    for team_id, user_id in TeamMember.objects.filter(
        team__center__community=community
    ).order_by("pk").values_list("team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
    grids = {g.pk for g in world.grids_of(community)}
    workers = {
        gid: [u for role in (Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART, Role.GRID_LEADER)
              for u in world.grid_staff[gid].get(role, [])]
        for gid in grids
    }
    residents: dict[int, tuple[str, int | None]] = {
        pk: (name, user_id) for pk, name, user_id in Resident.objects.filter(
            household__dwelling__unit__building__community=community
        ).values_list("pk", "name", "user_id")
    }
    dwellings = {
        d.dwelling.pk: (d.building.pk, d.dwelling.floor, d.building.floors)
        for d in world.dwellings if d.building.community_id == community.pk
    }
    return Ctx(
        world=world, categories=categories, policies=policies, teams=teams, members=members,
        dispatcher=User.objects.get(mobile=DISPATCHER_MOBILE).pk,
        staff=list(world.community_staff[community.pk]), grid_workers=workers,
        residents=residents, dwellings=dwellings,
        households=[h for h in world.households if h.community_id == community.pk],
    )


def _new_request(ctx: Ctx, rng: random.Random, code: str, submitted: dt.datetime) -> tuple[
    Request, int, int
]:
    """A request as `request_submit` makes it (number and pk come later)."""
    world, kind = ctx.world, KINDS[code]
    household = rng.choice(ctx.households)
    gw = rng.choice(ctx.grid_workers[household.grid_id])
    channel = _pick(rng, CHANNELS)
    resident_id = household.members[0] if household.members else None
    if household.members and rng.random() < 0.4:
        resident_id = rng.choice(household.members)
    name, login = ctx.residents.get(resident_id, ("", None)) if resident_id else ("", None)
    recorded_by = gw
    if channel == CH.SELF_REPORT:
        if login is None:
            channel = CH.PHONE_TO_GRID
        else:
            recorded_by = login
    if channel == CH.PATROL:
        resident_id, name, login = None, "", None
    building, floor, floors = ctx.dwellings[household.dwelling_id]
    category = ctx.categories[code]
    req = Request(
        community=world.community, category=category, type=_pick(rng, kind.types),
        channel=channel, title=rng.choice(kind.titles), grid_id=household.grid_id,
        reporter_resident_id=resident_id,
        reporter_household_id=household.id if resident_id else None,
        reporter_user_id=login, reporter_name=name, recorded_by_id=recorded_by,
        level=category.default_level, status=S.SUBMITTED, sla_policy=category.sla_policy,
        submitted_at=submitted, number="",
    )
    if kind.where == "dwelling":
        req.dwelling_id, req.building_id, req.floor = household.dwelling_id, building, floor
    elif kind.where == "floor":
        req.building_id, req.floor = building, rng.randint(1, floors)
        req.title = req.title.format(floor=req.floor)
    elif kind.where == "building":
        req.building_id = building
    else:
        req.place = rng.choice(PLACES)
    return req, gw, rng.choice(ctx.staff)


def _draw_code(rng: random.Random) -> str:
    return rng.choices(list(KINDS), [k.weight for k in KINDS.values()])[0]


def _submission_time(rng: random.Random, day: dt.date, code: str) -> dt.datetime:
    tz = timezone.get_current_timezone()
    hour = rng.randint(18, 21) if code in ("corridor_lighting", "street_lamps") and \
        rng.random() < 0.5 else rng.randint(8, 17)
    return dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)),
                               tzinfo=tz)


def _simulate(ctx: Ctx, seed: float, code: str, submitted: dt.datetime,
              cutoff: dt.datetime | None, **how: Any) -> Sim:
    rng = random.Random(seed)
    req, gw, cs = _new_request(ctx, rng, code, submitted)
    sim = Sim(ctx, req, gw=gw, cs=cs, cutoff=cutoff, rng=rng)
    play(sim, code, **how)
    if cutoff is not None:
        sim.breaches(until=cutoff)
    return sim


def build_requests(world: DemoWorld) -> None:
    rng = world.rng("requests")
    ctx = _context(world)
    now = world.now
    tz = timezone.get_current_timezone()
    year_start = dt.datetime.combine(dt.date(world.today.year, 1, 1), dt.time.min, tzinfo=tz)
    horizon = now - 5 * M
    sims: list[Sim] = []

    # Closed this year: exactly CLOSED_THIS_YEAR, closing from 1 January up to now.
    early_year = (now - year_start) < 20 * D
    while sum(1 for s in sims if s.req.status == S.CLOSED) < CLOSED_THIS_YEAR:
        code, seed = _draw_code(rng), rng.random()
        first = year_start.date() - (20 * D if early_year else 0 * D)
        span = (world.today - first).days
        sim = None
        for _try in range(20):
            day = first + dt.timedelta(days=rng.randint(0, span))
            cand = _simulate(ctx, seed, code, _submission_time(rng, day, code), None)
            closed = cand.req.closed_at
            if closed is not None and year_start <= closed < horizon:
                sim = cand
                break
        if sim is None:  # the first days of a year: end on a time in the year so far
            target = year_start + (horizon - year_start) * rng.random()
            cand = _simulate(ctx, seed, code, target - 3 * D, None)
            for _try in range(10):
                assert cand.req.closed_at is not None  # noqa: S101
                start = cand.req.submitted_at - (cand.req.closed_at - target)
                cand = _simulate(ctx, seed, code, start, None)
                if cand.req.closed_at is not None and year_start <= cand.req.closed_at < horizon:
                    sim = cand
                    break
        if sim is not None:
            sims.append(sim)

    # Open right now, in every state; one paused (waiting for the resident).
    opened: list[Sim] = []
    paused = False
    for _try in range(OPEN_NOW * 20):
        if len(opened) >= OPEN_NOW:
            break
        code = _draw_code(rng)
        want_pause = not paused and code in ("water_power", "drains")
        back = _between(rng, 5 * M, 3 * D) if not want_pause else _between(rng, 2 * H, 4 * H)
        sim = _simulate(ctx, rng.random(), code, now - back, now, pause=want_pause)
        if sim.req.status == S.CLOSED or sim.req.submitted_at < year_start:
            continue
        if want_pause and sim.req.paused_at is None:
            continue
        paused = paused or sim.req.paused_at is not None
        opened.append(sim)
    sims.extend(opened)

    # A few rejected, duplicates of earlier requests, cancelled.
    for status, n in WITHDRAWN.items():
        for _i in range(n):
            day = world.today - dt.timedelta(days=rng.randint(1, max(1, (now - year_start).days)))
            code = _draw_code(rng)
            at = max(_submission_time(rng, day, code), year_start)
            original = None
            if status == S.DUPLICATE:
                earlier = [s.req for s in sims if s.req.submitted_at < at]
                if not earlier:
                    continue
                original = max(earlier, key=lambda r: r.submitted_at)
            sims.append(_simulate(ctx, rng.random(), code, at, now, withdraw=status,
                                  original=original))
    _save(ctx, sims)
    world.counts["requests"] = len(sims)
    # One Open311 client (its key is in the README), recording as its own system login.
    open311_client_create(actor=None, community_id=world.community.pk, name="万泉街 hotline app",
                          key=OPEN311_DEMO_KEY)
    world.counts["requests_closed"] = sum(1 for s in sims if s.req.status == S.CLOSED)


def _save(ctx: Ctx, sims: list[Sim]) -> None:
    community = ctx.world.community
    # Round-robin: every dispatch to such a team, in time order, to its members in turn.
    last_given: dict[int, dt.datetime] = {}
    turns: dict[int, int] = {}
    for slot in sorted(ctx.slots, key=lambda s: s.at):
        team_members = ctx.members[slot.team_id]
        i = turns.get(slot.team_id, 0)
        slot.user_id = team_members[i % len(team_members)]
        turns[slot.team_id] = i + 1
        last_given[slot.user_id] = slot.at
    for member in TeamMember.objects.filter(user_id__in=list(last_given)):
        member.last_assigned_at = last_given[member.user_id]
        member.save(update_fields=["last_assigned_at"])

    def resolve(value: Any) -> Any:
        if isinstance(value, Slot):
            return value.user_id
        if isinstance(value, Request):
            return value.pk
        return value

    # Numbers in submission order, per year; the counters continue from them.
    sims.sort(key=lambda s: (s.req.submitted_at, s.req.title))
    prefix = number_prefix(community)
    counters: dict[int, int] = {}
    for sim in sims:
        year = timezone.localtime(sim.req.submitted_at).year
        counters[year] = counters.get(year, 0) + 1
        sim.req.number = f"{prefix}-{year}-{counters[year]:06d}"
        sim.req.assignee_id = resolve(sim.assignee) if sim.req.team_id is not None else None
    # Duplicates point at their original: save the originals first.
    firsts = [s.req for s in sims if s.req.duplicate_of is None]
    Request.objects.bulk_create(firsts)
    for sim in sims:
        if sim.req.duplicate_of is not None:
            sim.req.duplicate_of_id = sim.req.duplicate_of.pk
    Request.objects.bulk_create([s.req for s in sims if s.req.duplicate_of is not None])
    for year, last in counters.items():
        RequestCounter.objects.update_or_create(community=community, year=year,
                                                defaults={"last": last})
    events: list[RequestEvent] = []
    audits: list[AuditEntry] = []
    for sim in sims:
        req = sim.req
        for event, actor in sim.events:
            event.request = req
            event.actor_id = resolve(actor)
            event.data = {k: resolve(v) for k, v in event.data.items()}
            if "original_number" in event.data and req.duplicate_of is not None:
                event.data["original_number"] = req.duplicate_of.number
            events.append(event)
            if event.kind == K.SUBMITTED:
                data: dict[str, Any] = {"number": req.number, "channel": req.channel,
                                        "category": req.category.code}
            else:
                data = {"number": req.number, "from_status": event.from_status,
                        "to_status": event.to_status, "from_level": event.from_level,
                        "to_level": event.to_level, **event.data}
            audits.append(AuditEntry(
                at=event.at, actor_id=event.actor_id, action=f"requests.request.{event.kind}",
                target_type=Request._meta.label_lower, target_id=str(req.pk),
                community=community, data=data,
            ))
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    AuditEntry.objects.bulk_create(audits, batch_size=2000)


def reset_requests(community_ids: Sequence[int]) -> None:
    RequestPhoto.objects.filter(event__request__community_id__in=community_ids).delete()
    RequestEvent.objects.filter(request__community_id__in=community_ids).delete()
    Request.objects.filter(community_id__in=community_ids, duplicate_of__isnull=False).delete()
    Request.objects.filter(community_id__in=community_ids).delete()
    RequestCounter.objects.filter(community_id__in=community_ids).delete()
    Category.objects.filter(community_id__in=community_ids).update(parent=None)
    Category.objects.filter(community_id__in=community_ids).delete()
    SlaPolicy.objects.filter(community_id__in=community_ids).delete()
    clients = Open311Client.objects.filter(community_id__in=community_ids)
    system_users = list(clients.values_list("user_id", flat=True))
    clients.delete()
    User.objects.filter(pk__in=system_users).delete()


demo_part("requests", order=110, reset=reset_requests)(build_requests)
