from django.urls import path

from xingfuli.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("<slug:community>/", views.summary, name="summary"),
    path("<slug:community>/board/", views.board, name="board"),
    path("<slug:community>/board/screen/", views.board, {"screen": True}, name="board_screen"),
]
