"""The health endpoints, included at the root: /healthz and /readyz (see core/health.py)."""

from django.urls import path

from xingfuli.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
