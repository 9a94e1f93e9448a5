"""Deployment checks of our own, run by `xingfuli check-deploy` with Django's `check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secrets_and_setup(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        problems.append(Error(
            "SECRET_KEY is the public development key.",
            hint="Set SECRET_KEY to a long random string (python -c 'import secrets; "
                 "print(secrets.token_urlsafe(50))').",
            id="xingfuli.E001",
        ))
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(Warning(
            "FIELD_ENCRYPTION_KEY is not set: ID and mobile numbers are encrypted with a key "
            "derived from SECRET_KEY, so changing SECRET_KEY would make them unreadable.",
            hint="Set FIELD_ENCRYPTION_KEY (a Fernet key) and keep it with the backups.",
            id="xingfuli.W001",
        ))
    if "testserver" in settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        problems.append(Warning(
            "ALLOWED_HOSTS holds the development defaults or '*'.",
            hint="Set ALLOWED_HOSTS to the site's host names.", id="xingfuli.W002",
        ))
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("ImmediateBackend") or backend.endswith("DummyBackend"):
        problems.append(Error(
            f"TASKS_BACKEND is {backend}: background work would run inside web requests "
            "or not at all.",
            hint="Use TASKS_BACKEND=database (one machine) or rq (with REDIS_URL).",
            id="xingfuli.E002",
        ))
    return problems


def _where(db: dict[str, Any]) -> tuple[str, str, str]:
    return (str(db.get("HOST") or ""), str(db.get("PORT") or ""), str(db.get("NAME") or ""))


@register(Tags.database, deploy=True)
def check_databases(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    return database_problems(settings.DATABASES,
                             pool_size=int(getattr(settings, "DB_POOL_SIZE", 0) or 0))


def database_problems(databases: dict[str, dict[str, Any]], *, pool_size: int) -> list[Any]:
    problems: list[Any] = []
    replica = databases.get("replica")
    if replica is not None and _where(replica) == _where(databases["default"]):
        problems.append(Warning(
            "DATABASE_REPLICA_URL names the same database as DATABASE_URL: the dashboards "
            "would read from the primary over a second set of connections.",
            hint="Point DATABASE_REPLICA_URL at the streaming replica, or leave it unset.",
            id="xingfuli.W003",
        ))
    if pool_size > 0 and "postgresql" not in databases["default"]["ENGINE"]:
        problems.append(Warning(
            "DB_POOL_SIZE is set but the database is not PostgreSQL: no pool is used.",
            hint="Unset DB_POOL_SIZE, or set DATABASE_URL to a PostgreSQL database.",
            id="xingfuli.W004",
        ))
    return problems


@register(Tags.security, deploy=True)
def check_storage(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """S3 storage is all or nothing: a half-made configuration would put files on local disk
    (lost with the machine, invisible to the other app servers) or fail on the first upload."""
    s3: dict[str, str] = getattr(settings, "S3", {})
    problems: list[Any] = []
    others = [name for key, name in (
        ("endpoint_url", "S3_ENDPOINT_URL"), ("access_key", "S3_ACCESS_KEY_ID"),
        ("secret_key", "S3_SECRET_ACCESS_KEY"), ("region_name", "S3_REGION"),
        ("custom_domain", "S3_CUSTOM_DOMAIN"), ("location", "S3_PREFIX"),
    ) if s3.get(key)]
    if not s3.get("bucket_name") and others:
        problems.append(Error(
            f"{', '.join(others)} set without S3_BUCKET: files are stored on local disk.",
            hint="Set S3_BUCKET too, or unset the S3_ variables.", id="xingfuli.E003",
        ))
    if bool(s3.get("access_key")) != bool(s3.get("secret_key")):
        problems.append(Error(
            "Only one of S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY is set.",
            hint="Set both, or neither (then boto3 takes the machine's role or ~/.aws).",
            id="xingfuli.E004",
        ))
    if s3.get("bucket_name") and s3.get("custom_domain"):
        problems.append(Warning(
            "S3_CUSTOM_DOMAIN makes the storage's URLs unsigned: anyone with a link could read "
            "a resident's photo or document if the bucket or the domain is public.",
            hint="Unset S3_CUSTOM_DOMAIN: Xingfuli streams files through its own access checks.",
            id="xingfuli.W005",
        ))
    return problems
