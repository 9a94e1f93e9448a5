from django.urls import URLPattern, URLResolver, path

from xingfuli.youth import views

app_name = "youth"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("mine/children/new/", views.child_new, name="child_new"),
    path("mine/children/<int:child_id>/", views.my_child, name="my_child"),
    path("courses/", views.courses, name="courses"),
    path("courses/<int:course_id>/", views.course, name="course"),
    path("courses/manage/", views.manage, name="manage"),
    path("courses/<int:course_id>/sessions/", views.sessions_add, name="sessions_add"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:course_id>/withdraw/", views.withdraw, name="withdraw"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path("bookings/<int:booking_id>/<str:action>/", views.booking_act, name="booking_act"),
    path("children/", views.children, name="children"),
    path("children/<int:child_id>/", views.child, name="child"),
    path("statistics/", views.statistics, name="statistics"),
]
