"""Pages of the requests module (民生诉求 / 工单); the pages come in a later increment."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "requests"
urlpatterns: list[URLPattern] = []
