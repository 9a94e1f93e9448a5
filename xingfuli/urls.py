from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from xingfuli.api import api

urlpatterns = [
    path("", include("xingfuli.core.health_urls")),  # /healthz, /readyz: no login
    path("", include("xingfuli.core.urls")),
    path("registry/", include("xingfuli.registry.urls")),
    path("grid/", include("xingfuli.grid.urls")),
    path("property/", include("xingfuli.property.urls")),
    path("requests/", include("xingfuli.requests.urls")),
    path("deliberation/", include("xingfuli.deliberation.urls")),
    path("elevators/", include("xingfuli.elevators.urls")),
    path("canteen/", include("xingfuli.canteen.urls")),
    path("volunteers/", include("xingfuli.volunteers.urls")),
    path("youth/", include("xingfuli.youth.urls")),
    path("party/", include("xingfuli.party.urls")),
    path("survey/", include("xingfuli.survey.urls")),
    path("dashboard/", include("xingfuli.dashboard.urls")),
    path("saved-views/", include("xingfuli.core.saved_views_pages")),
    path("b/", include("xingfuli.dashboard.public_urls")),  # a building's public notice board
    path("open311/v2/", include("xingfuli.requests.open311.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
