"""A building's public pages, mounted at /b/ (no login, no personal data)."""

from django.urls import URLPattern, URLResolver, path

from xingfuli.dashboard import public_views

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:building_id>/", public_views.notice, name="notice"),
    path("<int:building_id>/notice.pdf", public_views.notice_pdf, name="notice_pdf"),
    path("<int:building_id>/poster.pdf", public_views.poster_pdf, name="poster_pdf"),
    path("<int:building_id>/report/", public_views.report, name="report"),
]
