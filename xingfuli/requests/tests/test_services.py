import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from xingfuli.core.calendar import calendar_fill_from_package
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import AuditEntry, Notification
from xingfuli.core.testing import image_bytes
from xingfuli.property.models import ServiceTeam, TeamMember
from xingfuli.requests import services
from xingfuli.requests.models import Level, Request, RequestEvent
from xingfuli.requests.services import TRANSITIONS, Action
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

TZ = dt.timezone(dt.timedelta(hours=8))
S = Request.Status


@pytest.fixture
def cats(world):
    return make_categories(world)


def kinds(req):
    return list(RequestEvent.objects.filter(request=req).values_list("kind", flat=True))


def test_submit_takes_defaults_from_the_category(world, cats):
    with time_machine.travel(dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ), tick=False):
        req = light_out(world, cats)
    assert req.number == "WQ-2026-000001"
    assert (req.level, req.status, req.grid_id) == (Level.GRID, S.SUBMITTED, world.grid1.pk)
    assert req.reporter_household_id == world.h1.pk and req.reporter_user_id == world.alice.pk
    assert req.due_response_at == dt.datetime(2026, 11, 3, 21, 0, tzinfo=TZ)
    assert req.due_resolution_at == dt.datetime(2026, 11, 3, 21, 0, tzinfo=TZ)
    assert kinds(req) == ["submitted"]
    assert AuditEntry.objects.filter(action="requests.request.submitted").count() == 1
    # alice hears it was recorded; grid 1's staff (lee) is told there is a new request
    assert set(Notification.objects.values_list("recipient__name", flat=True)) >= {"张爱丽", "李组长"}
    assert light_out(world, cats).number == "WQ-2026-000002"


def test_submit_is_idempotent_per_recorder(world, cats):
    a = light_out(world, cats, key="k-1")
    b = light_out(world, cats, key="k-1")
    assert a.pk == b.pk and Request.objects.count() == 1
    c = light_out(world, cats, actor=world.lee, key="k-1")  # another recorder, another request
    assert c.pk != a.pk


def test_submit_rejects_bad_input(world, cats):
    with pytest.raises(DomainError) as e:
        light_out(world, cats, title="  ")
    assert e.value.field == "title"
    with pytest.raises(DomainError) as e:
        light_out(world, cats, building_id=None, floor=None, place="")
    assert e.value.field == "place"
    with pytest.raises(DomainError) as e:
        light_out(world, cats, building_id=world.b2.pk)  # gina may not report for grid 2
    assert e.value.field == "building_id"
    with pytest.raises(DomainError) as e:
        light_out(world, cats, floor=12)
    assert e.value.field == "floor"
    assert Request.objects.count() == 0


def test_resident_self_report_and_similar_requests(world, cats):
    from xingfuli.requests.selectors import similar_open_requests

    first = light_out(world, cats)
    mine = services.request_submit(
        actor=world.alice, category_id=cats.lighting.pk, title="楼道灯坏了",
        channel=Request.Channel.SELF_REPORT, building_id=world.b1.pk, floor=3,
    )
    assert mine.reporter_household_id == world.h1.pk and mine.recorded_by_id == world.alice.pk
    similar = similar_open_requests(actor=world.carol, category_id=cats.lighting.pk,
                                    building_id=world.b1.pk, floor=3, exclude_id=mine.pk)
    assert [r.pk for r in similar] == [first.pk]
    assert similar_open_requests(actor=world.carol, category_id=cats.lighting.pk,
                                 building_id=world.b1.pk, floor=5) == []


def test_the_story_from_phone_call_to_follow_up(world, cats):
    start = dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False) as t:
        req = light_out(world, cats)
        req = services.request_accept(actor=world.carol, request_id=req.pk, version=req.version)
        req = services.request_dispatch(actor=world.dora, request_id=req.pk,
                                        assignee_id=world.tom.pk, version=req.version)
        assert (req.team_id, req.assignee_id) == (world.repair_team.pk, world.tom.pk)
        t.shift(dt.timedelta(minutes=40))
        services.request_on_site(actor=world.tom, request_id=req.pk)
        t.shift(dt.timedelta(minutes=30))
        photo = SimpleUploadedFile("after.jpg", image_bytes("JPEG"), "image/jpeg")
        req = services.request_resolve(actor=world.tom, request_id=req.pk,
                                       note="换了声控灯", photos=[("after", photo)])
        assert req.resolution_seconds == 70 * 60
        assert not req.response_breached and not req.resolution_breached
        req = services.request_follow_up(actor=world.alice, request_id=req.pk,
                                         satisfaction="satisfied", comment="很快")
        req = services.request_close(actor=world.gina, request_id=req.pk)
    assert req.status == S.CLOSED and req.satisfaction == "satisfied"
    assert kinds(req) == ["submitted", "accepted", "dispatched", "on_site", "resolved",
                          "followed_up", "closed"]
    event = RequestEvent.objects.get(request=req, kind="resolved")
    assert event.photos.get().image.name.startswith("requests/2026/11/")
    assert Notification.objects.filter(recipient=world.tom).exists()
    assert Notification.objects.filter(recipient=world.alice,
                                       subject__contains="resolved").exists()
    assert req.version == 7


def test_unsatisfied_follow_up_reopens_to_the_team(world, cats):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    services.request_resolve(actor=world.tom, request_id=req.pk, note="修好了")
    req = services.request_follow_up(actor=world.gina, request_id=req.pk,
                                     satisfaction="unsatisfied", comment="还是不亮")
    assert req.status == S.DISPATCHED and req.resolved_at is None
    assert kinds(req)[-1] == "reopened"
    services.request_resolve(actor=world.tom, request_id=req.pk, note="换了线")


def test_pool_and_round_robin_dispatch(world, cats):
    req = to_dispatched(world, services.request_submit(
        actor=world.gina, category_id=cats.cleaning.pk, title="楼道垃圾",
        channel=Request.Channel.PATROL, building_id=world.b1.pk))
    assert req.team_id == world.cleaning_team.pk and req.assignee_id is None
    with pytest.raises(DomainError) as e:  # nobody assigned: tom is not in that team anyway
        services.request_on_site(actor=world.tina, request_id=req.pk)
    assert e.value.code == ErrorCode.FORBIDDEN
    req = services.request_take(actor=world.tina, request_id=req.pk)
    assert req.assignee_id == world.tina.pk
    with pytest.raises(DomainError):
        services.request_take(actor=world.tina, request_id=req.pk)  # taken already
    services.request_on_site(actor=world.tina, request_id=req.pk)

    world.repair_team.dispatch_mode = ServiceTeam.DispatchMode.ROUND_ROBIN
    world.repair_team.save()
    from xingfuli.core.models import Role
    from xingfuli.core.testing import grant, make_user

    ted = grant(make_user("谭师傅"), Role.TEAM_MEMBER, community=world.community,
                scope_id=world.repair_team.pk)
    TeamMember.objects.create(team=world.repair_team, user=ted)
    got = [to_dispatched(world, light_out(world, cats)).assignee_id for _ in range(3)]
    assert got == [world.tom.pk, ted.pk, world.tom.pk]


def test_assigned_team_needs_a_member(world, cats):
    req = light_out(world, cats)
    services.request_accept(actor=world.carol, request_id=req.pk)
    with pytest.raises(DomainError) as e:
        services.request_dispatch(actor=world.dora, request_id=req.pk)
    assert e.value.field == "assignee_id"
    with pytest.raises(DomainError) as e:
        services.request_dispatch(actor=world.dora, request_id=req.pk, assignee_id=world.tina.pk)
    assert e.value.field == "assignee_id"
    with pytest.raises(DomainError) as e:  # grid workers do not dispatch
        services.request_dispatch(actor=world.gina, request_id=req.pk, assignee_id=world.tom.pk)
    assert e.value.code == ErrorCode.FORBIDDEN


# every action, from every status: legal ones move as the table says, others are refused
def _do(world, cats, action, req):
    a = {"request_id": req.pk}
    match action:
        case Action.ACCEPT:
            return services.request_accept(actor=world.carol, **a)
        case Action.DISPATCH:
            return services.request_dispatch(actor=world.carol, assignee_id=world.tom.pk, **a)
        case Action.TAKE:
            return services.request_take(actor=world.tom, **a)
        case Action.ON_SITE:
            return services.request_on_site(actor=world.carol, **a)
        case Action.RESOLVE:
            return services.request_resolve(actor=world.carol, note="done", **a)
        case Action.FOLLOW_UP:
            return services.request_follow_up(actor=world.carol, satisfaction="basic", **a)
        case Action.CLOSE:
            return services.request_close(actor=world.carol, note="no answer", **a)
        case Action.REJECT:
            return services.request_reject(actor=world.carol, reason="out of scope", **a)
        case Action.MARK_DUPLICATE:
            other = light_out(world, cats)
            return services.request_mark_duplicate(actor=world.carol, original_id=other.pk, **a)
        case Action.CANCEL:
            return services.request_cancel(actor=world.carol, reason="withdrawn", **a)
        case Action.ESCALATE:
            return services.request_escalate(actor=world.carol, to_level="community",
                                             reason="big", **a)
        case Action.DEESCALATE:
            return services.request_deescalate(actor=world.carol, to_level="grid",
                                               reason="small", **a)
        case Action.PAUSE:
            return services.request_pause(actor=world.carol, reason="away", **a)
        case Action.RESUME:
            return services.request_resume(actor=world.carol, **a)
        case Action.REFER_TO_TOPIC:
            return services.request_refer_to_topic(actor=world.carol, topic_id=7,
                                                   topic_title="空调滴水", **a)


PATH = [Action.ACCEPT, Action.DISPATCH, Action.ON_SITE, Action.RESOLVE, Action.FOLLOW_UP,
        Action.CLOSE]
STATUS_PATH = [S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.ON_SITE, S.RESOLVED, S.FOLLOWED_UP,
               S.CLOSED]


def _request_in(world, cats, status):
    req = light_out(world, cats)
    if status in (S.REJECTED, S.DUPLICATE, S.CANCELLED):
        action = {S.REJECTED: Action.REJECT, S.DUPLICATE: Action.MARK_DUPLICATE,
                  S.CANCELLED: Action.CANCEL}[status]
        return _do(world, cats, action, req)
    for action in PATH[: STATUS_PATH.index(status)]:
        req = _do(world, cats, action, req)
    return req


@pytest.mark.parametrize("status", list(S))
def test_every_action_from_every_status(world, cats, status):
    for action in Action:
        req = _request_in(world, cats, status)
        if action == Action.DEESCALATE and status in TRANSITIONS[action].sources:
            req = _do(world, cats, Action.ESCALATE, req)
        if action == Action.RESUME and status in TRANSITIONS[action].sources:
            req = _do(world, cats, Action.PAUSE, req)
        if action == Action.TAKE:  # a pool job of tom's team, whatever its status
            Request.objects.filter(pk=req.pk).update(team=world.repair_team, assignee=None)
        before = RequestEvent.objects.filter(request=req).count()
        if status in TRANSITIONS[action].sources:
            done = _do(world, cats, action, req)
            targets = TRANSITIONS[action].targets or {status}
            assert done.status in targets, action
            assert RequestEvent.objects.filter(request=req).count() == before + 1
        else:
            with pytest.raises(DomainError) as e:
                _do(world, cats, action, req)
            assert e.value.code == ErrorCode.INVALID_TRANSITION, action
            assert str(e.value.message).startswith("You cannot ")
            assert RequestEvent.objects.filter(request=req).count() == before


def test_escalation_up_and_down_with_reasons(world, cats):
    req = light_out(world, cats)
    req = services.request_escalate(actor=world.gina, request_id=req.pk, to_level="community",
                                    reason="整栋楼线路老化")
    assert req.level == Level.COMMUNITY
    with pytest.raises(DomainError) as e:  # a grid worker cannot act at community level
        services.request_escalate(actor=world.gina, request_id=req.pk, to_level="referred",
                                  reason="x")
    assert e.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as e:
        services.request_escalate(actor=world.carol, request_id=req.pk, to_level="referred",
                                  reason="")
    assert e.value.field == "reason"
    with pytest.raises(DomainError) as e:
        services.request_escalate(actor=world.carol, request_id=req.pk, to_level="grid",
                                  reason="x")
    assert e.value.field == "to_level"
    services.request_escalate(actor=world.carol, request_id=req.pk, to_level="referred",
                              reason="需要供电局")
    req = services.request_deescalate(actor=world.carol, request_id=req.pk, to_level="grid",
                                      reason="供电局已修复干线")
    events = RequestEvent.objects.filter(request=req).exclude(kind="submitted")
    assert [(e.kind, e.from_level, e.to_level, e.note) for e in events] == [
        ("escalated", "grid", "community", "整栋楼线路老化"),
        ("escalated", "community", "referred", "需要供电局"),
        ("deescalated", "referred", "grid", "供电局已修复干线"),
    ]
    assert Notification.objects.filter(recipient=world.carol,
                                       subject__contains="needs you").exists()


def test_stale_version_is_a_conflict_and_nothing_is_lost(world, cats):
    req = light_out(world, cats)
    v = req.version
    services.request_accept(actor=world.carol, request_id=req.pk, version=v)
    with pytest.raises(DomainError) as e:
        services.request_escalate(actor=world.gina, request_id=req.pk, to_level="community",
                                  reason="stale", version=v)
    assert e.value.code == ErrorCode.CONFLICT
    req.refresh_from_db()
    assert (req.status, req.level, req.version) == (S.ACCEPTED, Level.GRID, v + 1)
    assert kinds(req) == ["submitted", "accepted"]


def test_scoping_of_actions(world, cats):
    req = light_out(world, cats)
    with pytest.raises(DomainError) as e:
        services.request_accept(actor=world.oscar, request_id=req.pk)
    assert e.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as e:
        services.request_accept(actor=world.greg, request_id=req.pk)
    assert e.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as e:  # sam reads, never writes
        services.request_accept(actor=world.sam, request_id=req.pk)
    assert e.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as e:  # alice may see it but not accept it
        services.request_accept(actor=world.alice, request_id=req.pk)
    assert e.value.code == ErrorCode.FORBIDDEN
    services.request_cancel(actor=world.alice, request_id=req.pk, reason="灯自己好了")


def test_sla_24x7_and_pause_extends_due(world, cats):
    start = dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False) as t:
        req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
        t.shift(dt.timedelta(minutes=30))
        services.request_pause(actor=world.tom, request_id=req.pk, reason="住户不在家")
        with pytest.raises(DomainError) as e:
            services.request_on_site(actor=world.tom, request_id=req.pk)
        assert e.value.code == ErrorCode.INVALID_TRANSITION
        t.shift(dt.timedelta(hours=3))
        assert services.requests_breaches_process() == 0  # paused: no breach
        req = services.request_resume(actor=world.tom, request_id=req.pk)
    assert req.paused_seconds == 3 * 3600
    assert req.due_resolution_at == dt.datetime(2026, 11, 4, 0, 0, tzinfo=TZ)


def test_sla_on_the_working_calendar_across_national_day(world, cats):
    calendar_fill_from_package()
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False) as t:
        req = services.request_submit(
            actor=world.gina, category_id=cats.policy.pk, title="医保政策咨询",
            channel=Request.Channel.PHONE_TO_GRID, place="社区服务站",
        )
        assert req.level == Level.COMMUNITY
        # 1 working day: the rest of 9-30, then the holiday 10-01..07 does not count
        assert req.due_response_at == dt.datetime(2026, 10, 8, 10, 0, tzinfo=TZ)
        # 3 working days: 10-08, 10-09 and the make-up Saturday 10-10
        assert req.due_resolution_at == dt.datetime(2026, 10, 10, 10, 0, tzinfo=TZ)
        services.request_accept(actor=world.carol, request_id=req.pk)
        t.move_to(dt.datetime(2026, 10, 9, 9, 0, tzinfo=TZ))
        services.request_pause(actor=world.carol, request_id=req.pk, reason="等居民材料")
        t.move_to(dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ))  # Sat 10-10 works, Sun 10-11 not
        req = services.request_resume(actor=world.carol, request_id=req.pk)
    # paused Fri 09:00 → Mon 09:00 = 15 h of Fri + 24 h Sat (make-up) + 9 h Mon = 48 h
    assert req.paused_seconds == 48 * 3600
    assert req.due_resolution_at == dt.datetime(2026, 10, 13, 10, 0, tzinfo=TZ)


def test_breach_detection_escalates_and_notifies(world, cats):
    start = dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False) as t:
        req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
        t.shift(dt.timedelta(hours=1))
        assert services.requests_breaches_process() == 0
        Notification.objects.all().delete()
        t.shift(dt.timedelta(hours=1, minutes=1))
        from xingfuli.requests.tasks import requests_find_breaches

        assert requests_find_breaches.call() == 1
        assert services.requests_breaches_process() == 0  # once only
    req.refresh_from_db()
    assert req.response_breached and req.resolution_breached
    assert req.level == Level.COMMUNITY
    events = list(RequestEvent.objects.filter(request=req).order_by("id"))[-2:]
    assert [(e.kind, e.actor_id, e.to_level) for e in events] == [
        ("breached", None, "grid"), ("escalated", None, "community")]
    assert events[0].data == {"late": ["response", "resolution"]}
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {world.tom.pk, world.carol.pk, world.adam.pk} <= told


def test_late_resolution_is_marked_at_resolve(world, cats):
    start = dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False) as t:
        req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
        t.shift(dt.timedelta(hours=1))
        services.request_on_site(actor=world.tom, request_id=req.pk)
        t.shift(dt.timedelta(hours=2))
        req = services.request_resolve(actor=world.tom, request_id=req.pk, note="修好")
    assert not req.response_breached and req.resolution_breached


def test_refer_to_a_deliberation_topic_keeps_the_request_open(world, cats):
    req = light_out(world, cats)
    req = services.request_accept(actor=world.carol, request_id=req.pk)
    # A grid worker cannot take matters to the pavilion; community staff can.
    with pytest.raises(DomainError) as e:
        services.request_refer_to_topic(actor=world.gina, request_id=req.pk, topic_id=1,
                                        topic_title="x")
    assert e.value.code == ErrorCode.FORBIDDEN
    done = services.request_refer_to_topic(actor=world.carol, request_id=req.pk, topic_id=3,
                                           topic_title="空调滴水怎么办", note="议事亭讨论")
    assert done.status == S.ACCEPTED and done.version == req.version + 1
    event = RequestEvent.objects.filter(request=req).latest("id")
    assert event.kind == RequestEvent.Kind.REFERRED and event.note == "议事亭讨论"
    assert event.data == {"topic_id": 3, "topic_title": "空调滴水怎么办"}
    assert Action.REFER_TO_TOPIC not in services.allowed_actions(actor=world.carol, req=done)
