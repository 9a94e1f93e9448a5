from django.urls import URLPattern, URLResolver, path

from xingfuli.survey import views

app_name = "survey"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.answer, name="answer"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.results, name="results"),
    path("runs/<int:run_id>/close/", views.close, name="close"),
]
