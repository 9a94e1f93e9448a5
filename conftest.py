"""Shared fixtures: one small world with named personas (see xingfuli.core.testing)."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client

from xingfuli.core.models import User
from xingfuli.core.testing import PASSWORD, World, build_world


def pytest_configure(config: pytest.Config) -> None:
    """With a Redis cache, each xdist worker uses its own Redis database: clearing the cache
    between tests (below) must not empty another worker's."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if worker.startswith("gw") and location.startswith("redis"):
        n = int(worker[2:])
        found = re.search(r"/(\d+)$", location)
        base = int(found.group(1)) if found else 0
        stem = location[: found.start()] if found else location.rstrip("/")
        settings.CACHES["default"]["LOCATION"] = f"{stem}/{base + 1 + n}"


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def login(client: Client):
    """login(user) -> the test client, logged in as that user."""

    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Building the personas hashes eight passwords; argon2 would only slow every test down.
    # test_passwords.py checks the production setting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings) -> None:
    # Query-count assertions count the session read; with Redis the production setting reads
    # sessions from the cache (cached_db), which core/tests/test_sessions.py checks.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings) -> None:
    # Assertions on messages read English; zh-hans is tested explicitly where it matters.
    settings.LANGUAGE_CODE = "en"


__all__ = ["PASSWORD"]


# --- CI must not go green without the browser tests ----------------------------------------
_browser_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _browser_passed
    if report.when == "call" and report.passed and "browser" in report.keywords:
        _browser_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import os

    if os.environ.get("REQUIRE_BROWSER_TESTS") != "1" or hasattr(session.config, "workerinput"):
        return
    if _browser_passed == 0 and session.testscollected > 0:
        print("\nREQUIRE_BROWSER_TESTS=1 but no browser test passed: failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
