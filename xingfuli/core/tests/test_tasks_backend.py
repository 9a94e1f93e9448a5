"""Whatever backend is configured (the database's by default, RQ on Redis in a district), a task
enqueued after a commit is run by that backend's worker and its result is kept."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from xingfuli.core.models import Notification
from xingfuli.core.notifications import notify


def run_worker() -> None:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_rq.RQBackend":
        # Jobs enqueued by other tests' commits wait in Redis too; only ours matter here.
        call_command("rqworker", "default", burst=True, job_class="django_tasks_rq.Job",
                     worker_class="rq.worker.SimpleWorker", verbosity=0)
    elif backend == "django_tasks_db.DatabaseBackend":
        call_command("db_worker", "--batch", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_notification_delivered_by_the_configured_worker(world):
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        import django_rq

        django_rq.get_queue("default").empty()
    with transaction.atomic():
        (note,) = notify([world.gina], subject="三楼路灯已修好")
    run_worker()
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT and note.sent_at is not None


def test_redis_settings(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import xingfuli.settings as project_settings

    monkeypatch.setenv("TASKS_BACKEND", "rq")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        importlib.reload(project_settings)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    importlib.reload(project_settings)
    assert project_settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert project_settings.RQ_QUEUES["default"]["URL"] == "redis://127.0.0.1:6379/3"
    assert "django_tasks_rq" in project_settings.INSTALLED_APPS
    assert project_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert project_settings.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    monkeypatch.undo()
    importlib.reload(project_settings)
