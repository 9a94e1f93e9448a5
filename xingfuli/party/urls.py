from django.urls import URLPattern, URLResolver, path

from xingfuli.party import views

app_name = "party"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.branches, name="branches"),
    path("branches/new/", views.organisation_new, name="organisation_new"),
    path("branches/<int:organisation_id>/", views.branch, name="branch"),
    path("branches/<int:organisation_id>/edit/", views.organisation_edit,
         name="organisation_edit"),
    path("branches/<int:organisation_id>/members/add/", views.member_add, name="member_add"),
    path("grids/<int:grid_id>/", views.grid, name="grid"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("members/<int:member_id>/consent/", views.consent, name="consent"),
    path("in-service/", views.in_service, name="in_service"),
    path("in-service/<int:member_id>/review/", views.review, name="review"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/<int:wish_id>/", views.wish, name="wish"),
    path("wishes/<int:wish_id>/<str:action>/", views.wish_action, name="wish_action"),
]
