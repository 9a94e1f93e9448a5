"""Pages of the youth palace (placeholder while the pages are written)."""
from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kw: object) -> HttpResponse:
    return HttpResponse("")

home = mine = child_new = my_child = courses = course = enrol = withdraw = session = _todo
booking_act = children = child = statistics = _todo
