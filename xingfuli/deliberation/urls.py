"""Pages of the deliberation module (一亭), mounted at /deliberation/."""

from django.urls import URLPattern, URLResolver, path

from xingfuli.deliberation import views

app_name = "deliberation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.topics, name="topics"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/<slug:action>/", views.topic_post, name="topic_post"),
    path("from-request/<int:request_id>/", views.from_request, name="from_request"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/<slug:action>/", views.meeting_post, name="meeting_post"),
    path("pavilions/", views.pavilions, name="pavilions"),
    path("pavilions/<int:pavilion_id>/poster/", views.poster, name="poster"),
    path("pavilions/<int:pavilion_id>/poster.pdf", views.poster_pdf, name="poster_pdf"),
    # Public: no login, no personal data.
    path("p/<int:pavilion_id>/", views.public_pavilion, name="public_pavilion"),
    path("notices/<int:topic_id>/", views.notice, name="notice"),
    path("notices/<int:topic_id>/pdf/", views.notice_pdf, name="notice_pdf"),
]
