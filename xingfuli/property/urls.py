from django.urls import path

from xingfuli.property import views

app_name = "property"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:center_id>/", views.center, name="center"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("members/<int:member_id>/duty/", views.member_duty, name="member_duty"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/spending/", views.spending_add, name="spending_add"),
    path("projects/<int:project_id>/accept/", views.project_accept, name="project_accept"),
]
