from django.urls import path, register_converter

from xingfuli.requests.open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "o311fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<o311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<o311fmt:fmt>", views.services_list, name="services"),
    path("services/<slug:code>.<o311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<o311fmt:fmt>", views.requests_collection, name="requests"),
    path("requests/<str:number>.<o311fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<o311fmt:fmt>", views.token_detail, name="token"),
    # Anything else under /open311/v2/ (an unknown path or format): the spec's error body.
    path("", views.not_found, name="root"),
    path("<path:rest>", views.not_found, name="not_found"),
]
