from xingfuli.core.models import Notification
from xingfuli.core.notifications import notifications_deliver, notify


def test_notification_written_and_delivered_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify([world.gina, world.greg], subject="3楼灯不亮", body="请处理")
    assert len(rows) == 2 and len(callbacks) == 1  # one delivery task, enqueued on commit
    assert Notification.objects.filter(status="pending").count() == 2
    assert notifications_deliver(ids=[r.pk for r in rows]) == 2
    assert Notification.objects.filter(status="sent").count() == 2


def test_one_delivery_task_per_transaction(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        first = notify([world.gina], subject="新诉求")
        second = notify([world.alice, world.greg], subject="已受理")
    assert len(callbacks) == 1
    assert sorted(callbacks[0].ids) == sorted(n.pk for n in first + second)


def test_failed_channel_recorded_not_raised(world, settings):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS,
                                      "email": "xingfuli.core.channels.EmailChannel"}
    (row,) = notify([world.gina], subject="x", channel="email")
    assert notifications_deliver(ids=[row.pk]) == 0
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and "e-mail" in row.error


def test_inbox_page_lists_only_own_messages(world, login):
    notify([world.gina], subject="给尹网格")
    notify([world.greg], subject="给郭网格")
    page = login(world.gina).get("/messages/").content.decode()
    assert "给尹网格" in page and "给郭网格" not in page


def test_large_text_switch_is_remembered(db, client):
    r = client.post("/prefs/large-text/", {"on": "1", "next": "/login/"})
    assert r.status_code == 302 and r.cookies["xfl_large_text"].value == "1"
    assert 'class="large-text"' in client.get("/login/").content.decode()
    r = client.post("/prefs/large-text/", {"on": "1", "next": "https://evil.example/"})
    assert r["Location"] == "/"


class _Response:
    def __init__(self, status):
        self.status = status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_sms_channel_posts_to_the_gateway(world, settings, monkeypatch):
    import json
    import urllib.request

    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS,
                                      "sms": "xingfuli.core.channels.HttpSmsChannel"}
    settings.SMS_GATEWAY_URL = "https://sms.invalid/send"
    settings.SMS_GATEWAY_TOKEN = "t0k"
    sent = []

    def fake_urlopen(request, timeout):
        sent.append((request.full_url, request.get_header("Authorization"),
                     json.loads(request.data)))
        return _Response(200)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    (row,) = notify([world.gina], subject="3楼灯已修好", body="请回访", channel="sms")
    assert notifications_deliver(ids=[row.pk]) == 1
    url, auth, payload = sent[0]
    assert url == "https://sms.invalid/send" and auth == "Bearer t0k"
    assert payload == {"mobile": world.gina.mobile, "text": "【幸福里】3楼灯已修好：请回访"}


def test_sms_channel_without_gateway_fails_and_is_retried(world, settings):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS,
                                      "sms": "xingfuli.core.channels.HttpSmsChannel"}
    settings.SMS_GATEWAY_URL = ""
    (row,) = notify([world.gina], subject="x", channel="sms")
    assert notifications_deliver(ids=[row.pk]) == 0
    row.refresh_from_db()
    assert row.status == "pending" and "SMS_GATEWAY_URL" in row.error


def test_a_queue_that_refuses_the_task_does_not_undo_the_change_and_the_sweep_sends(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    import datetime as dt

    import time_machine
    from django.db import transaction

    from xingfuli.core import tasks
    from xingfuli.core.notifications import notifications_sweep

    class Refusing:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "deliver_notifications", Refusing())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        (row,) = notify([world.gina], subject="3楼灯不亮")
    row.refresh_from_db()  # committed, no error raised to the caller
    assert row.status == "pending"
    assert notifications_sweep() == 0  # too fresh: its own task may still be on its way
    with time_machine.travel(dt.timedelta(minutes=3)):
        assert notifications_sweep() == 1
    row.refresh_from_db()
    assert row.status == "sent"
    Notification.objects.filter(pk=row.pk).update(status="pending", attempts=5)
    with time_machine.travel(dt.timedelta(minutes=3)):
        assert notifications_sweep() == 0  # no attempts left
