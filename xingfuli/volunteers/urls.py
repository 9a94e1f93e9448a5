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
    path("teams/new/", views.team_edit, name="team_new"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("volunteers/new/", views.volunteer_edit, name="volunteer_new"),
    path("volunteers/<int:volunteer_id>/edit/", views.volunteer_edit, name="volunteer_edit"),
    path("volunteers/<int:volunteer_id>/records/", views.volunteer_records,
         name="volunteer_records"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("records/<int:record_id>/correct/", views.record_correct, name="record_correct"),
    path("me/records/<int:record_id>/correction/", views.correction_ask, name="correction_ask"),
    path("corrections/<int:request_id>/decide/", views.correction_decide,
         name="correction_decide"),
    path("birthdays/", views.birthdays, name="birthdays"),
    path("birthdays/<int:resident_id>/calendar/", views.birthday_calendar,
         name="birthday_calendar"),
]
