from django.urls import path

from xingfuli.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("<slug:community>/", views.summary, name="summary"),
]
