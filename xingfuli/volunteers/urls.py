from django.urls import URLPattern, URLResolver, path

from xingfuli.volunteers import views

app_name = "volunteers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("activities/<int:activity_id>/", views.activity, name="activity"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path("sessions/<int:session_id>/sign-up/", views.sign_up, name="sign_up"),
    path("bookings/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("bookings/<int:booking_id>/check-<str:direction>/", views.check, name="check"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("me/", views.me, name="me"),
    path("me/join/", views.join, name="join"),
    path("me/claim/", views.claim, name="claim"),
    path("me/certificate.pdf", views.my_certificate, name="my_certificate"),
    path("volunteers/<int:volunteer_id>/certificate.pdf", views.volunteer_certificate,
         name="volunteer_certificate"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:record_id>/decide/", views.claim_decide, name="claim_decide"),
    path("teams/", views.teams, name="teams"),
    path("birthdays/", views.birthdays, name="birthdays"),
]
