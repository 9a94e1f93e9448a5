from django.urls import include, path

from xingfuli.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("<slug:community>/", views.summary, name="summary"),
    path("<slug:community>/board/", views.board, name="board"),
    path("<slug:community>/board/screen/", views.board, {"screen": True}, name="board_screen"),
    path("", include("xingfuli.dashboard.kpi_urls")),  # KPI drill-down, street/district views
    path("", include("xingfuli.dashboard.report_urls")),  # monthly reports
]
