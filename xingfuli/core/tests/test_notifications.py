from xingfuli.core.models import Notification
from xingfuli.core.notifications import notifications_deliver, notify


def test_notification_written_and_delivered_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify([world.gina, world.greg], subject="3楼灯不亮", body="请处理")
    assert len(rows) == 2 and len(callbacks) == 1  # one delivery task, enqueued on commit
    assert Notification.objects.filter(status="pending").count() == 2
    assert notifications_deliver(ids=[r.pk for r in rows]) == 2
    assert Notification.objects.filter(status="sent").count() == 2


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
