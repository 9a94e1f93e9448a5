from django.urls import path

from xingfuli.property import views

app_name = "property"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:center_id>/", views.center, name="center"),
    path("<int:center_id>/edit/", views.center_edit, name="center_edit"),
    path("<int:center_id>/buildings/", views.center_buildings, name="center_buildings"),
    path("<int:center_id>/teams/new/", views.team_new, name="team_new"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/board/", views.board, name="board"),
    path("my-board/", views.my_board, name="my_board"),
    path("teams/<int:team_id>/members/", views.member_add, name="member_add"),
    path("members/<int:member_id>/duty/", views.member_duty, name="member_duty"),
    path("members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("projects/", views.projects, name="projects"),
    path("projects/funds/new/", views.fund_new, name="fund_new"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:project_id>/items/", views.item_add, name="item_add"),
    path("items/<int:item_id>/progress/", views.item_progress, name="item_progress"),
    path("projects/<int:project_id>/start/", views.project_start, name="project_start"),
    path("projects/<int:project_id>/cancel/", views.project_cancel, name="project_cancel"),
    path("projects/<int:project_id>/approve/", views.budget_approve, name="budget_approve"),
    path("projects/<int:project_id>/spending/", views.spending_add, name="spending_add"),
    path("projects/<int:project_id>/accept/", views.project_accept, name="project_accept"),
]
