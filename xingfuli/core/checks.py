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
