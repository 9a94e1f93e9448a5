from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "grid"


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("todo")


urlpatterns = [
    path("", _todo, name="grids"),
    path("visits/", _todo, name="visits"),
    path("overdue/", _todo, name="overdue"),
    path("roster/", _todo, name="roster"),
]
