"""check-deploy on the scale path: a replica that is the primary, a pool without PostgreSQL,
S3 half-configured or with unsigned URLs."""

from __future__ import annotations

from django.test import override_settings

from xingfuli.cli import main
from xingfuli.core.checks import check_databases, check_storage, database_problems
from xingfuli.core.tests.test_check_deploy import SAFE

PG = {"ENGINE": "django.db.backends.postgresql", "HOST": "db1", "PORT": 5432, "NAME": "xfl"}
S3_OFF = {"bucket_name": "", "endpoint_url": "", "access_key": "", "secret_key": "",
          "region_name": "", "custom_domain": "", "location": ""}


def _ids(problems) -> list[str]:
    return sorted(p.id for p in problems)


def test_a_replica_that_is_the_primary_warns():
    same = database_problems({"default": PG, "replica": dict(PG)}, pool_size=0)
    assert _ids(same) == ["xingfuli.W003"]
    assert database_problems({"default": PG, "replica": {**PG, "HOST": "db2"}}, pool_size=0) == []
    assert database_problems({"default": PG}, pool_size=0) == []
    assert check_databases() == []  # the test settings: no replica, no pool


def test_a_pool_without_postgresql_warns():
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3"}
    assert _ids(database_problems({"default": sqlite}, pool_size=8)) == ["xingfuli.W004"]
    assert database_problems({"default": PG}, pool_size=8) == []
    assert database_problems({"default": sqlite}, pool_size=0) == []


def test_s3_half_configured_is_an_error():
    cases = [
        ({}, []),
        ({"bucket_name": "b"}, []),  # keys from the machine's role
        ({"bucket_name": "b", "access_key": "AK", "secret_key": "SK",
          "endpoint_url": "https://oss.example.cn", "region_name": "cn-east-1"}, []),
        ({"endpoint_url": "https://oss.example.cn", "access_key": "AK", "secret_key": "SK"},
         ["xingfuli.E003"]),
        ({"bucket_name": "b", "access_key": "AK"}, ["xingfuli.E004"]),
        ({"secret_key": "SK"}, ["xingfuli.E003", "xingfuli.E004"]),
        ({"bucket_name": "b", "custom_domain": "files.example.cn"}, ["xingfuli.W005"]),
    ]
    for values, expected in cases:
        with override_settings(S3={**S3_OFF, **values}):
            problems = check_storage()
            assert _ids(problems) == expected, values
    with override_settings(S3={**S3_OFF, "endpoint_url": "https://oss.example.cn"}):
        (problem,) = check_storage()
        assert "S3_ENDPOINT_URL" in problem.msg and "S3_BUCKET" in problem.msg


def test_check_deploy_fails_on_them(capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**SAFE, S3={**S3_OFF, "access_key": "AK"}):
        assert main(["check-deploy"]) == 1
    err = capsys.readouterr().err
    assert "xingfuli.E003" in err and "xingfuli.E004" in err
    with override_settings(**SAFE, S3=S3_OFF):
        assert main(["check-deploy"]) == 0
