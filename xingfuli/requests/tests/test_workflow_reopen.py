"""A reopened request gets a fresh resolution target; the breach run judges it by that."""

import datetime as dt

import pytest
import time_machine

from xingfuli.requests import selectors, services
from xingfuli.requests.models import Level, Request, RequestEvent
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

TZ = dt.timezone(dt.timedelta(hours=8))
S = Request.Status


@pytest.fixture
def cats(world):
    return make_categories(world)


def _resolved(world, cats, t, *, after: dt.timedelta) -> Request:
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    t.shift(after)
    services.request_on_site(actor=world.tom, request_id=req.pk)
    return services.request_resolve(actor=world.tom, request_id=req.pk, note="换了灯泡")


def test_reopen_after_the_deadline_gets_a_fresh_target_and_is_not_flagged_at_once(world, cats):
    with time_machine.travel(dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ), tick=False) as t:
        req = _resolved(world, cats, t, after=dt.timedelta(hours=1))  # on time (due 21:00)
        assert not req.resolution_breached
        t.move_to(dt.datetime(2026, 11, 4, 10, 0, tzinfo=TZ))  # the follow-up, next morning
        req = services.request_follow_up(actor=world.alice, request_id=req.pk,
                                         satisfaction="unsatisfied", comment="还是不亮")
        assert req.status == S.DISPATCHED
        # 2 h from the reopening, on the category's 24×7 clock
        assert req.due_resolution_at == dt.datetime(2026, 11, 4, 12, 0, tzinfo=TZ)
        event = RequestEvent.objects.filter(request=req).latest("id")
        assert event.kind == "reopened"
        assert event.data["previous_due"] == "2026-11-03T13:00:00+00:00"
        assert event.data["due"] == "2026-11-04T04:00:00+00:00"

        t.shift(dt.timedelta(minutes=1))
        assert services.requests_breaches_process() == 0  # right after the reopening
        t.move_to(dt.datetime(2026, 11, 4, 11, 59, tzinfo=TZ))
        assert services.requests_breaches_process() == 0
        t.move_to(dt.datetime(2026, 11, 4, 12, 1, tzinfo=TZ))
        assert services.requests_breaches_process() == 1  # the new target has passed
        assert services.requests_breaches_process() == 0
    req.refresh_from_db()
    assert req.resolution_breached and not req.response_breached
    assert req.level == Level.COMMUNITY
    assert list(RequestEvent.objects.filter(request=req, kind__in=["breached", "escalated"])
                .values_list("kind", "to_level")) == [("breached", "grid"),
                                                      ("escalated", "community")]


def test_a_breach_before_the_reopening_stays_recorded_and_is_not_escalated_again(world, cats):
    with time_machine.travel(dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ), tick=False) as t:
        req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
        t.shift(dt.timedelta(hours=2, minutes=5))
        assert services.requests_breaches_process() == 1  # late: marked and escalated once
        services.request_on_site(actor=world.tom, request_id=req.pk)
        services.request_resolve(actor=world.tom, request_id=req.pk, note="修好")
        t.move_to(dt.datetime(2026, 11, 4, 10, 0, tzinfo=TZ))
        req = services.request_follow_up(actor=world.alice, request_id=req.pk,
                                         satisfaction="unsatisfied")
        assert req.due_resolution_at == dt.datetime(2026, 11, 4, 12, 0, tzinfo=TZ)
        assert services.requests_breaches_process() == 0
        t.move_to(dt.datetime(2026, 11, 4, 13, 0, tzinfo=TZ))
        assert services.requests_breaches_process() == 0  # escalated once for this request
        services.request_resolve(actor=world.tom, request_id=req.pk, note="换了线路")
    req.refresh_from_db()
    # The KPIs still count it late; the file keeps the one breach.
    assert req.resolution_breached and req.response_breached
    assert RequestEvent.objects.filter(request=req, kind="breached").count() == 1
    (kpi,) = selectors.requests_kpis(actor=world.carol,
                                     start=dt.datetime(2026, 11, 1, tzinfo=TZ),
                                     end=dt.datetime(2026, 12, 1, tzinfo=TZ))
    assert kpi.resolved == 1 and kpi.resolved_in_time == 0
