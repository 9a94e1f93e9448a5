from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "registry"


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("todo")


urlpatterns = [
    path("buildings/", _todo, name="buildings"),
    path("search/", _todo, name="search"),
    path("households/<int:household_id>/", _todo, name="household"),
    path("import/", _todo, name="import"),
]
