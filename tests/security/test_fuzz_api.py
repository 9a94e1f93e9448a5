"""Fuzzing the JSON API: schemathesis generates requests from /api/v1/openapi.json and sends
them in-process (WSGI) as community staff (carol, with an API token) over the test world.

Bounded and reproducible: at most 10 examples per operation, derandomized (a fixed seed),
no shrinking. Every response must not be a server error and must match its documented schema
(status code and body). Runs on SQLite and PostgreSQL alike (pytest-django's test database).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Ok

from tests.security.conftest import Scene
from xingfuli.core.services import api_token_create
from xingfuli.wsgi import application


@pytest.fixture
def carol_token(scene: Scene) -> str:
    _, key = api_token_create(actor=scene.world.carol, name="fuzzing")
    return key


# Each request commits on its own, as in production: on PostgreSQL one refused value must not
# leave the test's transaction aborted for the requests after it.
@pytest.mark.django_db(transaction=True)
def test_api_conforms_and_never_fails(carol_token: str) -> None:
    """One test over one scene: every operation in turn, bounded examples each (the pytest
    integration of schemathesis, `from_fixture`, does not run on pytest 9; the world is built
    once instead of once per operation)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {carol_token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=10, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers,
                                   checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert operations > 100
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
