from django.urls import URLPattern, URLResolver, path

from xingfuli.elevators import views

app_name = "elevators"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.project_create, name="project_create"),
    path("activities/", views.activities, name="activities"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("<int:project_id>/", views.project, name="project"),
    path("<int:project_id>/advance/", views.advance, name="advance"),
    path("<int:project_id>/plan/", views.plan, name="plan"),
    path("<int:project_id>/documents/", views.document_add, name="document_add"),
    path("<int:project_id>/vote/", views.vote, name="vote"),
    path("<int:project_id>/paper/", views.paper, name="paper"),
    path("<int:project_id>/rounds/open/", views.round_open, name="round_open"),
    path("<int:project_id>/rounds/close/", views.round_close, name="round_close"),
    path("<int:project_id>/contributions/", views.contribution_add, name="contribution_add"),
    path("<int:project_id>/sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
]
