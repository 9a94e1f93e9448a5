"""Pages of the requests module (民生诉求 / 工单), mounted at /requests/."""

from __future__ import annotations

from django.urls import URLPattern, path

from xingfuli.requests import views

app_name = "requests"
urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("report/", views.report, name="report"),
    path("mine/", views.mine, name="mine"),
    path("my-jobs/", views.my_jobs, name="my_jobs"),
    path("<int:request_id>/", views.detail, name="detail"),
    path("<int:request_id>/act/<str:action>/", views.act, name="act"),
    path("<int:request_id>/reply/", views.reply, name="reply"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("open311-clients/", views.open311_clients, name="open311_clients"),
]
