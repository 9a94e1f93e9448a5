"""The resident is told at every step that matters, once per step, with a link to the request;
a caller recorded by name and mobile only is told by text message to that number."""

import datetime as dt
import json
import urllib.request

import pytest
import time_machine

from xingfuli.core import crypto
from xingfuli.core.models import Notification
from xingfuli.core.notifications import notifications_deliver
from xingfuli.requests import services
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import light_out, make_categories

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cats(world):
    return make_categories(world)


def told(user, req):
    rows = Notification.objects.filter(recipient=user).order_by("id")
    assert all(n.url == f"/requests/{req.pk}/" for n in rows)
    return [n.subject for n in rows]


def test_a_self_report_is_acknowledged_to_the_resident_once(world, cats):
    req = services.request_submit(
        actor=world.alice, category_id=cats.lighting.pk, title="楼道灯坏了",
        channel=Request.Channel.SELF_REPORT, building_id=world.b1.pk, floor=3,
    )
    assert told(world.alice, req) == [f"We have your request {req.number}."]


def test_every_step_of_the_life_tells_alice_once(world, cats):
    with time_machine.travel(dt.datetime(2026, 11, 3, 19, 0, tzinfo=TZ), tick=False) as t:
        req = light_out(world, cats)
        n = req.number
        services.request_accept(actor=world.carol, request_id=req.pk)
        services.request_dispatch(actor=world.dora, request_id=req.pk, assignee_id=world.tom.pk)
        services.request_pause(actor=world.tom, request_id=req.pk, reason="请留家开门")
        services.request_resume(actor=world.tom, request_id=req.pk)
        services.request_on_site(actor=world.tom, request_id=req.pk)
        services.request_resolve(actor=world.tom, request_id=req.pk, note="换了灯泡")
        t.shift(dt.timedelta(hours=12))
        services.request_follow_up(actor=world.alice, request_id=req.pk,
                                   satisfaction="unsatisfied", comment="还是闪")
        t.shift(dt.timedelta(hours=3))  # the new 2 h target has passed
        assert services.requests_breaches_process() == 1
        assert services.requests_breaches_process() == 0
        services.request_escalate(actor=world.carol, request_id=req.pk, to_level="referred",
                                  reason="线路老化，需要街道协调")
    assert told(world.alice, req) == [
        f"We have your request {n}.",
        f"Your request {n} was accepted.",
        f"Your request {n} was sent to 水电维修队.",
        f"We need you for your request {n}: 请留家开门",
        f"Someone is on site for your request {n}.",
        f"Your request {n} was resolved. Are you satisfied?",
        f"Your request {n} is reopened.",
        f"Sorry: your request {n} missed its deadline.",
        f"Your request {n} was passed on to the street or a department.",
    ]
    pause = Notification.objects.get(recipient=world.alice, subject__startswith="We need you")
    assert pause.body == "请留家开门"
    reopened = Notification.objects.get(recipient=world.alice, subject__endswith="reopened.")
    assert reopened.body == "We will come back to it. We aim to resolve it by 2026-11-04 09:00."
    missed = Notification.objects.get(recipient=world.alice, subject__startswith="Sorry")
    assert missed.body == ("It now goes to: community handles (社区帮). "
                           "We expect to resolve it by 2026-11-04 12:00.")


def test_escalation_from_the_grid_tells_the_resident_the_community_has_it(world, cats):
    req = light_out(world, cats)
    Notification.objects.all().delete()
    services.request_escalate(actor=world.gina, request_id=req.pk, to_level="community",
                              reason="需要社区出面")
    assert told(world.alice, req) == [f"Your request {req.number} is now handled by the community."]


class _Response:
    status = 200

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_caller_without_a_login_is_told_by_sms_to_the_number_recorded(
    world, cats, settings, monkeypatch
):
    req = light_out(world, cats, reporter_resident_id=None, reporter_name="路过的王师傅",
                    reporter_mobile="139 0000 1234")
    services.request_accept(actor=world.carol, request_id=req.pk)
    texts = Notification.objects.filter(recipient=None).order_by("id")
    assert [(n.channel, n.subject, n.url) for n in texts] == [
        ("sms", f"We have your request {req.number}.", f"/requests/{req.pk}/"),
        ("sms", f"Your request {req.number} was accepted.", f"/requests/{req.pk}/"),
    ]
    # The number is not stored in clear; the SMS channel sends to it.
    assert "13900001234" not in texts[0].to_mobile_encrypted
    assert crypto.decrypt(texts[0].to_mobile_encrypted) == "13900001234"
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS,
                                      "sms": "xingfuli.core.channels.HttpSmsChannel"}
    settings.SMS_GATEWAY_URL = "https://sms.invalid/send"
    sent = []

    def fake_urlopen(request, timeout):
        sent.append(json.loads(request.data))
        return _Response()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    assert notifications_deliver(ids=[texts[0].pk]) == 1
    assert sent == [{"mobile": "13900001234",
                     "text": f"【幸福里】We have your request {req.number}.：3 楼的灯又不亮了"}]


def test_nobody_to_tell_when_neither_login_nor_mobile(world, cats):
    req = light_out(world, cats, reporter_resident_id=None, reporter_name="匿名")
    services.request_accept(actor=world.carol, request_id=req.pk)
    assert not Notification.objects.filter(recipient=None).exists()
    assert not Notification.objects.filter(subject__startswith="We have your request").exists()
