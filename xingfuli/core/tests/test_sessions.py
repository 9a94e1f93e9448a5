"""With Redis configured, sessions are read from the cache and written through to the database."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_cached_sessions_survive_the_cache_and_skip_the_database(world, client, settings):
    from django.core.cache import cache

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(world.carol)
    assert Session.objects.count() == 1  # written through: durable
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]
    cache.clear()  # a restarted or emptied cache: the database still has the session
    assert client.get("/").status_code == 200
