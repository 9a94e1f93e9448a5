"""Breach detection on the working calendar across the 2026 National Day holiday (10-01..10-07,
make-up working Saturday 10-10): a policy question of 3 working days submitted the day before."""

import datetime as dt

import pytest
import time_machine

from xingfuli.core.calendar import calendar_fill_from_package
from xingfuli.core.models import Notification
from xingfuli.requests import services
from xingfuli.requests.models import Level, Request, RequestEvent
from xingfuli.requests.tests.factories import make_categories

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cats(world):
    return make_categories(world)


def test_breach_run_across_national_day_marks_once_escalates_once_notifies_once(world, cats):
    calendar_fill_from_package()
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ), tick=False) as t:
        req = services.request_submit(
            actor=world.gina, category_id=cats.policy.pk, title="医保政策咨询",
            channel=Request.Channel.PHONE_TO_GRID, place="社区服务站",
            reporter_resident_id=world.residents["alice_r"].pk,
        )
        assert req.level == Level.COMMUNITY
        # 3 working days: the rest of 9-30, 10-08, 10-09 and the make-up Saturday 10-10
        assert req.due_resolution_at == dt.datetime(2026, 10, 10, 10, 0, tzinfo=TZ)
        services.request_accept(actor=world.carol, request_id=req.pk)
        t.shift(dt.timedelta(hours=1))
        services.request_on_site(actor=world.carol, request_id=req.pk, note="电话答复中")
        Notification.objects.all().delete()

        # The whole holiday runs: nothing is late, even at the end of its last day.
        for day in (dt.datetime(2026, 10, 3, 12, 0, tzinfo=TZ),
                    dt.datetime(2026, 10, 7, 23, 59, tzinfo=TZ),
                    dt.datetime(2026, 10, 9, 18, 0, tzinfo=TZ),
                    dt.datetime(2026, 10, 10, 9, 59, tzinfo=TZ)):
            t.move_to(day)
            assert services.requests_breaches_process() == 0, day
        assert not Notification.objects.exists()

        t.move_to(dt.datetime(2026, 10, 10, 10, 1, tzinfo=TZ))  # past the third working day
        assert services.requests_breaches_process() == 1
        t.move_to(dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ))
        assert services.requests_breaches_process() == 0  # once
    req.refresh_from_db()
    assert req.resolution_breached and not req.response_breached
    assert req.level == Level.REFERRED  # community → street: one level
    events = [(e.kind, e.from_level, e.to_level, e.actor_id) for e in
              RequestEvent.objects.filter(request=req, kind__in=["breached", "escalated"])]
    assert events == [("breached", "community", "community", None),
                      ("escalated", "community", "referred", None)]
    # Notified once each: the street's officer (now responsible), the community's staff who
    # let it run late, and the resident (an apology with the new expectation).
    told = list(Notification.objects.values_list("recipient_id", "subject"))
    by_recipient: dict[int | None, int] = {}
    for recipient, _subject in told:
        by_recipient[recipient] = by_recipient.get(recipient, 0) + 1
    assert set(by_recipient.values()) == {1}
    assert {world.sam.pk, world.alice.pk} <= set(by_recipient)
    apology = Notification.objects.get(recipient=world.alice)
    assert apology.subject == f"Sorry: your request {req.number} missed its deadline."
    assert apology.url == f"/requests/{req.pk}/"
    # 3 working days from Sat 10-10 10:01 (Sun 10-11 is off) → Wed 10-14 10:01
    assert apology.body == ("It now goes to: referred to the street or a department (上报). "
                            "We expect to resolve it by 2026-10-14 10:01.")
