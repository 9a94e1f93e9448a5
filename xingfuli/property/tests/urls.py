"""The site's URLs with the property pages and API mounted, for tests run before (or after)
the main urls.py wires them at /property/ and /api/v1/property."""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from ninja import NinjaAPI

from xingfuli import urls as main
from xingfuli.api import api as main_api
from xingfuli.property.api import router

urlpatterns: list[Any] = []

if not any(prefix.strip("/") == "property" for prefix, _r in main_api._routers):
    test_api = NinjaAPI(auth=main_api.auth, urls_namespace="property_test_api")
    test_api._exception_handlers = dict(main_api._exception_handlers)
    test_api.add_router("/", router)
    urlpatterns.append(path("api/v1/property/", test_api.urls))

if not any(getattr(p, "namespace", None) == "property" for p in main.urlpatterns):
    urlpatterns.append(path("property/", include("xingfuli.property.urls")))

urlpatterns += main.urlpatterns
