from django.urls import URLPattern, URLResolver, include, path

from xingfuli.registry import views
from xingfuli.registry.import_urls import urlpatterns as import_urlpatterns
from xingfuli.registry.privacy_urls import urlpatterns as privacy_urlpatterns

app_name = "registry"

urlpatterns: list[URLPattern | URLResolver] = [
    path("privacy/", include(privacy_urlpatterns)),
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/new/", views.building_new, name="building_new"),
    path("buildings/<int:building_id>/", views.building, name="building"),
    path("dwellings/<int:dwelling_id>/household/", views.household_new, name="household_new"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("households/<int:household_id>/residents/new/", views.resident_new,
         name="resident_new"),
    path("households/<int:household_id>/owners/new/", views.owner_new, name="owner_new"),
    path("residents/<int:resident_id>/", views.resident, name="resident"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path("search/", views.search, name="search"),
]
urlpatterns += import_urlpatterns
