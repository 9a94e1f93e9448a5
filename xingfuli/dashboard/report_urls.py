from django.urls import URLPattern, URLResolver, path

from xingfuli.dashboard import report_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:community>/reports/", report_views.reports, name="reports"),
    path("reports/<int:run_id>/<str:fmt>", report_views.report_download, name="report_download"),
]
