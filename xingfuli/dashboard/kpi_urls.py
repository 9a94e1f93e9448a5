from django.urls import URLPattern, URLResolver, path

from xingfuli.dashboard import kpi_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("street/<int:street_id>/", kpi_views.street, name="street"),
    path("district/<int:district_id>/", kpi_views.district, name="district"),
    path("<slug:community>/kpis/", kpi_views.community_kpis, name="kpis"),
]
